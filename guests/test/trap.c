/*
 * Prints a line, then traps in `fail_here`, as a guest with a bug would: in
 * wasm an `unreachable` instruction, natively an illegal instruction (SIGILL).
 */
#include <stdio.h>

__attribute__((noinline)) static void fail_here(void) { __builtin_trap(); }

int main(void) {
    puts("about to trap");
    fflush(stdout);
    fail_here();
    return 0;
}

/*
 * initonce: its one-time set-up (`isobench_init`, run when a snapshot is
 * taken) draws 64 random bits, and each call prints them. Restored from a
 * snapshot, every call prints the same nonzero number; were the set-up run
 * again per call, each would print another, and were its memory lost, 0.
 * Builds that run no set-up (native, WASI command) print 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

static uint64_t drawn_once;

void isobench_init(void) {
    if (getentropy(&drawn_once, sizeof drawn_once) != 0) drawn_once = 0;
}

int main(void) {
    printf("%llu\n", (unsigned long long)drawn_once);
    return 0;
}

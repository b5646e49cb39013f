/*
 * Stays alive until the harness releases it, so that memory is measured when
 * all workers are up. It says "ready" and then blocks reading standard input;
 * the harness releases it by closing that input (end of file).
 */
#include <unistd.h>

int main(void) {
    static const char ready[] = "ready\n";
    if (write(STDOUT_FILENO, ready, sizeof ready - 1) < 0) return 1;
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
}

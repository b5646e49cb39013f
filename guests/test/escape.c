/*
 * escape PATH...: tries to read each path and reports what happened, one line
 * each ("read PATH" or "denied PATH: reason"). The exit code is the number of
 * paths it could read, so a sandbox that leaks shows a non-zero exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    int readable = 0;
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "r");
        if (file) {
            readable++;
            printf("read %s\n", argv[i]);
            fclose(file);
        } else {
            printf("denied %s: %s\n", argv[i], strerror(errno));
        }
    }
    return readable;
}

/*
 * touch MIB [FILE]: makes MIB mebibytes resident, then holds like `hold`.
 * Without FILE it writes to MIB of private heap memory; with FILE it maps that
 * file shared and reads every page (native builds only). Memory tests compare
 * it against an idle twin (`touch 0`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef __wasi__
#include <fcntl.h>
#include <sys/mman.h>
#endif

static volatile unsigned long sink;

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: touch MIB [FILE]\n");
        return 2;
    }
    size_t bytes = (size_t)atol(argv[1]) << 20;
    long page = 4096;
    if (argc < 3) {
        /* volatile: the writes are the point, they must not be optimised away */
        volatile char *heap = malloc(bytes ? bytes : 1);
        if (!heap) {
            fprintf(stderr, "touch: cannot allocate %zu bytes\n", bytes);
            return 1;
        }
        for (size_t i = 0; i < bytes; i += page) heap[i] = (char)(i / page + 1);
    } else {
#ifdef __wasi__
        fprintf(stderr, "touch: file mappings need a native build\n");
        return 2;
#else
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) {
            perror("touch: open");
            return 1;
        }
        const unsigned char *map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            perror("touch: mmap");
            return 1;
        }
        for (size_t i = 0; i < bytes; i += page) sink += map[i];
#endif
    }
    static const char ready[] = "ready\n";
    if (write(STDOUT_FILENO, ready, sizeof ready - 1) < 0) return 1;
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
}

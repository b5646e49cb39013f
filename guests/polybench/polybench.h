/*
 * What every PolyBench kernel shares: the element type, aligned allocation,
 * the kernel timer and the array dump.
 *
 * A kernel is built with its dataset's sizes as macros (-DN=400 ...) and its
 * element type as DATA_TYPE, so that, as in PolyBench/C, every loop bound is
 * a constant the compiler sees, identically on the native and wasm32 builds.
 *
 * Usage: KERNEL [DUMP_FILE]
 *   The time of the kernel region alone goes to standard error as one line,
 *   "kernel_ns N", read from the monotonic clock on both sides of the call.
 *   With DUMP_FILE, the output arrays are written there in a fixed text
 *   format (below), which must be byte-identical between builds.
 *
 * These kernels are isobench's own, written from the algorithms that
 * PolyBench/C 4.2.1 names; the initial values are isobench's own
 * deterministic formulas, not PolyBench's.
 */
#ifndef ISOBENCH_POLYBENCH_H
#define ISOBENCH_POLYBENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef DATA_TYPE
#error "build with -DDATA_TYPE=double|float|int and the dataset's sizes"
#endif

typedef DATA_TYPE real;

/* Kernels are kept out of main so a profile shows them under their name. */
#define KERNEL __attribute__((noinline)) static void

/* Zeroed memory for COUNT elements, aligned for vector loads. */
static void *pb_alloc(size_t count) {
    size_t bytes = (count * sizeof(real) + 63) / 64 * 64;
    void *memory = aligned_alloc(64, bytes);
    if (memory == NULL) {
        fprintf(stderr, "out of memory allocating %zu bytes\n", bytes);
        exit(2);
    }
    memset(memory, 0, bytes);
    return memory;
}

static long long pb_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* Runs CALL between two clock readings and reports the difference. */
#define PB_TIMED(call)                                                     \
    do {                                                                   \
        long long pb_started = pb_now_ns();                                \
        call;                                                              \
        long long pb_elapsed = pb_now_ns() - pb_started;                   \
        fprintf(stderr, "kernel_ns %lld\n", pb_elapsed);                   \
    } while (0)

/*
 * A symmetric matrix, strictly diagonally dominant with a positive diagonal,
 * hence positive definite: the solvers (cholesky, lu, ludcmp) need one that
 * factors without pivoting.
 */
static inline void pb_init_dominant(int n, real *matrix) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            matrix[i * n + j] = i == j ? n : (real)((i + j) % 10 + 1) / 11;
}

/*
 * The dump: for each array, a line "== NAME COUNT ==", then its elements in
 * row-major order, eight to a line. Doubles are printed with 17 significant
 * digits and floats with 9, enough to tell apart any two different values,
 * so equal dumps mean bit-equal results.
 */
static FILE *pb_dump_file;

/* Opens the dump file named on the command line; false when none is. */
static int pb_dump_open(int argc, char **argv) {
    if (argc < 2) return 0;
    pb_dump_file = fopen(argv[1], "w");
    if (pb_dump_file == NULL) {
        fprintf(stderr, "cannot write the dump to %s\n", argv[1]);
        exit(2);
    }
    return 1;
}

static void pb_print(real value) {
    _Generic(value,
        double: fprintf(pb_dump_file, "%.17g", (double)value),
        float: fprintf(pb_dump_file, "%.9g", (double)value),
        int: fprintf(pb_dump_file, "%d", (int)value));
}

static void pb_dump(const char *name, const void *array, size_t count) {
    const real *values = array;
    fprintf(pb_dump_file, "== %s %zu ==\n", name, count);
    for (size_t i = 0; i < count; i++) {
        pb_print(values[i]);
        fputc(i % 8 == 7 || i + 1 == count ? '\n' : ' ', pb_dump_file);
    }
}

static void pb_dump_close(void) {
    if (fclose(pb_dump_file) != 0) {
        fprintf(stderr, "writing the dump failed\n");
        exit(2);
    }
}

#endif

/* jacobi-2d: five-point Jacobi relaxation on a grid, A and B in turn. */
#include "polybench.h"

static void init(real A[N][N], real B[N][N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = ((real)i * (j + 2) + 2) / N;
            B[i][j] = ((real)i * (j + 3) + 3) / N;
        }
}

static inline void sweep(real to[N][N], real from[N][N]) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            to[i][j] = 0.2 * (from[i][j] + from[i][j - 1] + from[i][j + 1] + from[i + 1][j] +
                              from[i - 1][j]);
}

KERNEL kernel_jacobi_2d(real A[N][N], real B[N][N]) {
    for (int t = 0; t < TSTEPS; t++) {
        sweep(B, A);
        sweep(A, B);
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    real (*B)[N] = pb_alloc(N * N);
    init(A, B);
    PB_TIMED(kernel_jacobi_2d(A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N * N);
        pb_dump_close();
    }
    return 0;
}

/* atax: y = A^T (A x). */
#include "polybench.h"

static void init(real A[M][N], real x[N]) {
    for (int j = 0; j < N; j++) x[j] = 1 + (real)j / N;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) A[i][j] = (real)((i + j) % N) / (5 * M);
}

KERNEL kernel_atax(real A[M][N], real x[N], real y[N], real tmp[M]) {
    for (int j = 0; j < N; j++) y[j] = 0;
    for (int i = 0; i < M; i++) {
        tmp[i] = 0;
        for (int j = 0; j < N; j++) tmp[i] += A[i][j] * x[j];
        for (int j = 0; j < N; j++) y[j] += A[i][j] * tmp[i];
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(M * N);
    real *x = pb_alloc(N), *y = pb_alloc(N), *tmp = pb_alloc(M);
    init(A, x);
    PB_TIMED(kernel_atax(A, x, y, tmp));
    if (pb_dump_open(argc, argv)) {
        pb_dump("y", y, N);
        pb_dump_close();
    }
    return 0;
}

/* symm: C = alpha * A * B + beta * C with A symmetric (only its lower triangle read). */
#include "polybench.h"

static void init(real C[M][N], real A[M][M], real B[M][N]) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            C[i][j] = (real)((i + j) % 100) / M;
            B[i][j] = (real)((N + i - j) % 100) / M;
        }
        for (int j = 0; j <= i; j++) A[i][j] = (real)((i + j) % 100) / M;
        /* The upper triangle holds garbage the kernel must not read. */
        for (int j = i + 1; j < M; j++) A[i][j] = -999;
    }
}

KERNEL kernel_symm(real alpha, real beta, real C[M][N], real A[M][M], real B[M][N]) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            /* Row i of the lower triangle serves both A[i][k] and, by
             * symmetry, A[k][i]: it updates the rows above and sums into i. */
            real above = 0;
            for (int k = 0; k < i; k++) {
                C[k][j] += alpha * B[i][j] * A[i][k];
                above += B[k][j] * A[i][k];
            }
            C[i][j] = beta * C[i][j] + alpha * B[i][j] * A[i][i] + alpha * above;
        }
}

int main(int argc, char **argv) {
    real (*C)[N] = pb_alloc(M * N);
    real (*A)[M] = pb_alloc(M * M);
    real (*B)[N] = pb_alloc(M * N);
    init(C, A, B);
    PB_TIMED(kernel_symm(1.5, 1.2, C, A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("C", C, M * N);
        pb_dump_close();
    }
    return 0;
}

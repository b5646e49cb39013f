/* trmm: B = alpha * A^T B with A unit lower triangular (M x M), B M x N. */
#include "polybench.h"

static void init(real A[M][M], real B[M][N]) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < i; j++) A[i][j] = (real)((i + j) % M) / M;
        A[i][i] = 1;
        for (int j = 0; j < N; j++) B[i][j] = (real)((N + i - j) % N) / N;
    }
}

KERNEL kernel_trmm(real alpha, real A[M][M], real B[M][N]) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            /* Row i of A^T is column i of A: the entries below the diagonal. */
            for (int k = i + 1; k < M; k++) B[i][j] += A[k][i] * B[k][j];
            B[i][j] = alpha * B[i][j];
        }
}

int main(int argc, char **argv) {
    real (*A)[M] = pb_alloc(M * M);
    real (*B)[N] = pb_alloc(M * N);
    init(A, B);
    PB_TIMED(kernel_trmm(1.5, A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("B", B, M * N);
        pb_dump_close();
    }
    return 0;
}

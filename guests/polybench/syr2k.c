/* syr2k: the lower triangle of C = alpha * (A B^T + B A^T) + beta * C. */
#include "polybench.h"

static void init(real C[N][N], real A[N][M], real B[N][M]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < M; j++) {
            A[i][j] = (real)((i * j + 1) % N) / N;
            B[i][j] = (real)((i * j + 2) % M) / M;
        }
        for (int j = 0; j < N; j++) C[i][j] = (real)((i * j + 3) % N) / M;
    }
}

KERNEL kernel_syr2k(real alpha, real beta, real C[N][N], real A[N][M], real B[N][M]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j <= i; j++) C[i][j] *= beta;
        for (int k = 0; k < M; k++)
            for (int j = 0; j <= i; j++)
                C[i][j] += A[j][k] * alpha * B[i][k] + B[j][k] * alpha * A[i][k];
    }
}

int main(int argc, char **argv) {
    real (*C)[N] = pb_alloc(N * N);
    real (*A)[M] = pb_alloc(N * M);
    real (*B)[M] = pb_alloc(N * M);
    init(C, A, B);
    PB_TIMED(kernel_syr2k(1.5, 1.2, C, A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("C", C, N * N);
        pb_dump_close();
    }
    return 0;
}

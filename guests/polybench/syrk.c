/* syrk: the lower triangle of C = alpha * A A^T + beta * C. */
#include "polybench.h"

static void init(real C[N][N], real A[N][M]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < M; j++) A[i][j] = (real)((i * j + 1) % N) / N;
        for (int j = 0; j < N; j++) C[i][j] = (real)((i * j + 2) % M) / M;
    }
}

KERNEL kernel_syrk(real alpha, real beta, real C[N][N], real A[N][M]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j <= i; j++) C[i][j] *= beta;
        for (int k = 0; k < M; k++)
            for (int j = 0; j <= i; j++) C[i][j] += alpha * A[i][k] * A[j][k];
    }
}

int main(int argc, char **argv) {
    real (*C)[N] = pb_alloc(N * N);
    real (*A)[M] = pb_alloc(N * M);
    init(C, A);
    PB_TIMED(kernel_syrk(1.5, 1.2, C, A));
    if (pb_dump_open(argc, argv)) {
        pb_dump("C", C, N * N);
        pb_dump_close();
    }
    return 0;
}

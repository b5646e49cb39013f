/* gramschmidt: QR decomposition of A (M x N) by modified Gram-Schmidt. */
#include <math.h>
#include "polybench.h"

static void init(real A[M][N]) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++)
            A[i][j] = (real)((i * (j + 1) + 3) % 17) / 17 + (i == j ? 10 : 0);
}

KERNEL kernel_gramschmidt(real A[M][N], real R[N][N], real Q[M][N]) {
    for (int k = 0; k < N; k++) {
        real norm = 0;
        for (int i = 0; i < M; i++) norm += A[i][k] * A[i][k];
        R[k][k] = sqrt(norm);
        for (int i = 0; i < M; i++) Q[i][k] = A[i][k] / R[k][k];
        for (int j = k + 1; j < N; j++) {
            R[k][j] = 0;
            for (int i = 0; i < M; i++) R[k][j] += Q[i][k] * A[i][j];
            for (int i = 0; i < M; i++) A[i][j] -= Q[i][k] * R[k][j];
        }
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(M * N);
    real (*R)[N] = pb_alloc(N * N);
    real (*Q)[N] = pb_alloc(M * N);
    init(A);
    PB_TIMED(kernel_gramschmidt(A, R, Q));
    if (pb_dump_open(argc, argv)) {
        pb_dump("R", R, N * N);
        pb_dump("Q", Q, M * N);
        pb_dump_close();
    }
    return 0;
}

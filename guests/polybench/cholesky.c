/* cholesky: A = L L^T in place, L in the lower triangle. */
#include <math.h>
#include "polybench.h"

KERNEL kernel_cholesky(real A[N][N]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < i; j++) {
            for (int k = 0; k < j; k++) A[i][j] -= A[i][k] * A[j][k];
            A[i][j] /= A[j][j];
        }
        for (int k = 0; k < i; k++) A[i][i] -= A[i][k] * A[i][k];
        A[i][i] = sqrt(A[i][i]);
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    pb_init_dominant(N, &A[0][0]);
    PB_TIMED(kernel_cholesky(A));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N * N);
        pb_dump_close();
    }
    return 0;
}

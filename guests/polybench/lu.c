/* lu: A = L U in place, without pivoting (L unit lower, U upper). */
#include "polybench.h"

KERNEL kernel_lu(real A[N][N]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < i; j++) {
            for (int k = 0; k < j; k++) A[i][j] -= A[i][k] * A[k][j];
            A[i][j] /= A[j][j];
        }
        for (int j = i; j < N; j++)
            for (int k = 0; k < i; k++) A[i][j] -= A[i][k] * A[k][j];
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    pb_init_dominant(N, &A[0][0]);
    PB_TIMED(kernel_lu(A));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N * N);
        pb_dump_close();
    }
    return 0;
}

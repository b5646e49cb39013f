/* ludcmp: solve A x = b by LU decomposition, then forward and back substitution. */
#include "polybench.h"

static void init(real A[N][N], real b[N]) {
    pb_init_dominant(N, &A[0][0]);
    for (int i = 0; i < N; i++) b[i] = (real)(i + 1) / N / 2 + 4;
}

KERNEL kernel_ludcmp(real A[N][N], real b[N], real x[N], real y[N]) {
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < i; j++) {
            real w = A[i][j];
            for (int k = 0; k < j; k++) w -= A[i][k] * A[k][j];
            A[i][j] = w / A[j][j];
        }
        for (int j = i; j < N; j++) {
            real w = A[i][j];
            for (int k = 0; k < i; k++) w -= A[i][k] * A[k][j];
            A[i][j] = w;
        }
    }
    for (int i = 0; i < N; i++) {
        real w = b[i];
        for (int j = 0; j < i; j++) w -= A[i][j] * y[j];
        y[i] = w;
    }
    for (int i = N - 1; i >= 0; i--) {
        real w = y[i];
        for (int j = i + 1; j < N; j++) w -= A[i][j] * x[j];
        x[i] = w / A[i][i];
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    real *b = pb_alloc(N), *x = pb_alloc(N), *y = pb_alloc(N);
    init(A, b);
    PB_TIMED(kernel_ludcmp(A, b, x, y));
    if (pb_dump_open(argc, argv)) {
        pb_dump("x", x, N);
        pb_dump_close();
    }
    return 0;
}

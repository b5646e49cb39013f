/* trisolv: solve L x = b by forward substitution, L lower triangular. */
#include "polybench.h"

static void init(real L[N][N], real b[N]) {
    for (int i = 0; i < N; i++) {
        b[i] = i;
        for (int j = 0; j < i; j++) L[i][j] = (real)(i + N - j + 1) * 2 / N / N;
        L[i][i] = 1 + (real)(i % 3);
    }
}

KERNEL kernel_trisolv(real L[N][N], real x[N], real b[N]) {
    for (int i = 0; i < N; i++) {
        x[i] = b[i];
        for (int j = 0; j < i; j++) x[i] -= L[i][j] * x[j];
        x[i] = x[i] / L[i][i];
    }
}

int main(int argc, char **argv) {
    real (*L)[N] = pb_alloc(N * N);
    real *x = pb_alloc(N), *b = pb_alloc(N);
    init(L, b);
    PB_TIMED(kernel_trisolv(L, x, b));
    if (pb_dump_open(argc, argv)) {
        pb_dump("x", x, N);
        pb_dump_close();
    }
    return 0;
}

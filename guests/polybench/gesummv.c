/* gesummv: y = alpha * A x + beta * B x, two matrix-vector products summed. */
#include "polybench.h"

static void init(real A[N][N], real B[N][N], real x[N]) {
    for (int i = 0; i < N; i++) {
        x[i] = (real)(i % N) / N;
        for (int j = 0; j < N; j++) {
            A[i][j] = (real)((i * j + 1) % N) / N;
            B[i][j] = (real)((i * j + 2) % N) / N;
        }
    }
}

KERNEL kernel_gesummv(real alpha, real beta, real A[N][N], real B[N][N], real x[N],
                      real y[N], real tmp[N]) {
    for (int i = 0; i < N; i++) {
        tmp[i] = 0;
        y[i] = 0;
        for (int j = 0; j < N; j++) {
            tmp[i] += A[i][j] * x[j];
            y[i] += B[i][j] * x[j];
        }
        y[i] = alpha * tmp[i] + beta * y[i];
    }
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    real (*B)[N] = pb_alloc(N * N);
    real *x = pb_alloc(N), *y = pb_alloc(N), *tmp = pb_alloc(N);
    init(A, B, x);
    PB_TIMED(kernel_gesummv(1.5, 1.2, A, B, x, y, tmp));
    if (pb_dump_open(argc, argv)) {
        pb_dump("y", y, N);
        pb_dump_close();
    }
    return 0;
}

/* gemver: two rank-one updates of A, then x = beta * A^T y + z and w = alpha * A x. */
#include "polybench.h"

struct vectors {
    real *u1, *v1, *u2, *v2, *w, *x, *y, *z;
};

static void init(real A[N][N], struct vectors v) {
    for (int i = 0; i < N; i++) {
        real fi = i;
        v.u1[i] = fi;
        v.u2[i] = (fi + 1) / N / 2;
        v.v1[i] = (fi + 1) / N / 4;
        v.v2[i] = (fi + 1) / N / 6;
        v.y[i] = (fi + 1) / N / 8;
        v.z[i] = (fi + 1) / N / 9;
        for (int j = 0; j < N; j++) A[i][j] = (real)((i * j) % N) / N;
    }
}

KERNEL kernel_gemver(real alpha, real beta, real A[N][N], struct vectors v) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) A[i][j] += v.u1[i] * v.v1[j] + v.u2[i] * v.v2[j];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) v.x[i] += beta * A[j][i] * v.y[j];
    for (int i = 0; i < N; i++) v.x[i] += v.z[i];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) v.w[i] += alpha * A[i][j] * v.x[j];
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    struct vectors v = {pb_alloc(N), pb_alloc(N), pb_alloc(N), pb_alloc(N),
                        pb_alloc(N), pb_alloc(N), pb_alloc(N), pb_alloc(N)};
    init(A, v);
    PB_TIMED(kernel_gemver(1.5, 1.2, A, v));
    if (pb_dump_open(argc, argv)) {
        pb_dump("w", v.w, N);
        pb_dump_close();
    }
    return 0;
}

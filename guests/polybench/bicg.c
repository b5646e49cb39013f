/* bicg: the two products of a BiCGStab step, s = A^T r and q = A p. */
#include "polybench.h"

static void init(real A[N][M], real r[N], real p[M]) {
    for (int j = 0; j < M; j++) p[j] = (real)(j % M) / M;
    for (int i = 0; i < N; i++) {
        r[i] = (real)(i % N) / N;
        for (int j = 0; j < M; j++) A[i][j] = (real)(i * (j + 1) % N) / N;
    }
}

KERNEL kernel_bicg(real A[N][M], real s[M], real q[N], real p[M], real r[N]) {
    for (int j = 0; j < M; j++) s[j] = 0;
    for (int i = 0; i < N; i++) {
        q[i] = 0;
        for (int j = 0; j < M; j++) {
            s[j] += r[i] * A[i][j];
            q[i] += A[i][j] * p[j];
        }
    }
}

int main(int argc, char **argv) {
    real (*A)[M] = pb_alloc(N * M);
    real *s = pb_alloc(M), *q = pb_alloc(N), *p = pb_alloc(M), *r = pb_alloc(N);
    init(A, r, p);
    PB_TIMED(kernel_bicg(A, s, q, p, r));
    if (pb_dump_open(argc, argv)) {
        pb_dump("s", s, M);
        pb_dump("q", q, N);
        pb_dump_close();
    }
    return 0;
}

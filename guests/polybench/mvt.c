/* mvt: x1 += A y1 and x2 += A^T y2. */
#include "polybench.h"

static void init(real A[N][N], real x1[N], real x2[N], real y1[N], real y2[N]) {
    for (int i = 0; i < N; i++) {
        x1[i] = (real)(i % N) / N;
        x2[i] = (real)((i + 1) % N) / N;
        y1[i] = (real)((i + 3) % N) / N;
        y2[i] = (real)((i + 4) % N) / N;
        for (int j = 0; j < N; j++) A[i][j] = (real)(i * j % N) / N;
    }
}

KERNEL kernel_mvt(real A[N][N], real x1[N], real x2[N], real y1[N], real y2[N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) x1[i] += A[i][j] * y1[j];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) x2[i] += A[j][i] * y2[j];
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    real *x1 = pb_alloc(N), *x2 = pb_alloc(N), *y1 = pb_alloc(N), *y2 = pb_alloc(N);
    init(A, x1, x2, y1, y2);
    PB_TIMED(kernel_mvt(A, x1, x2, y1, y2));
    if (pb_dump_open(argc, argv)) {
        pb_dump("x1", x1, N);
        pb_dump("x2", x2, N);
        pb_dump_close();
    }
    return 0;
}

/* heat-3d: explicit heat diffusion on an N^3 grid, A and B in turn. */
#include "polybench.h"

static void init(real A[N][N][N], real B[N][N][N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int k = 0; k < N; k++) A[i][j][k] = B[i][j][k] = (real)(i + j + (N - k)) * 10 / N;
}

/* One step: each interior point moves by 1/8 of its discrete Laplacian. */
static inline void step(real to[N][N][N], real from[N][N][N]) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            for (int k = 1; k < N - 1; k++)
                to[i][j][k] = 0.125 * (from[i + 1][j][k] - 2 * from[i][j][k] + from[i - 1][j][k]) +
                              0.125 * (from[i][j + 1][k] - 2 * from[i][j][k] + from[i][j - 1][k]) +
                              0.125 * (from[i][j][k + 1] - 2 * from[i][j][k] + from[i][j][k - 1]) +
                              from[i][j][k];
}

KERNEL kernel_heat_3d(real A[N][N][N], real B[N][N][N]) {
    for (int t = 1; t <= TSTEPS; t++) {
        step(B, A);
        step(A, B);
    }
}

int main(int argc, char **argv) {
    real (*A)[N][N] = pb_alloc(N * N * N);
    real (*B)[N][N] = pb_alloc(N * N * N);
    init(A, B);
    PB_TIMED(kernel_heat_3d(A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N * N * N);
        pb_dump_close();
    }
    return 0;
}

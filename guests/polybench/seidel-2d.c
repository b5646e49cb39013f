/* seidel-2d: nine-point Gauss-Seidel relaxation in place (each update sees
 * the neighbours already updated in this sweep). */
#include "polybench.h"

static void init(real A[N][N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) A[i][j] = ((real)i * (j + 2) + 2) / N;
}

KERNEL kernel_seidel_2d(real A[N][N]) {
    for (int t = 0; t < TSTEPS; t++)
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                A[i][j] = (A[i - 1][j - 1] + A[i - 1][j] + A[i - 1][j + 1] + A[i][j - 1] +
                           A[i][j] + A[i][j + 1] + A[i + 1][j - 1] + A[i + 1][j] +
                           A[i + 1][j + 1]) / 9.0;
}

int main(int argc, char **argv) {
    real (*A)[N] = pb_alloc(N * N);
    init(A);
    PB_TIMED(kernel_seidel_2d(A));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N * N);
        pb_dump_close();
    }
    return 0;
}

/* jacobi-1d: three-point Jacobi relaxation on a line, A and B in turn. */
#include "polybench.h"

static void init(real A[N], real B[N]) {
    for (int i = 0; i < N; i++) {
        A[i] = ((real)i + 2) / N;
        B[i] = ((real)i + 3) / N;
    }
}

KERNEL kernel_jacobi_1d(real A[N], real B[N]) {
    for (int t = 0; t < TSTEPS; t++) {
        for (int i = 1; i < N - 1; i++) B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
        for (int i = 1; i < N - 1; i++) A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
    }
}

int main(int argc, char **argv) {
    real *A = pb_alloc(N), *B = pb_alloc(N);
    init(A, B);
    PB_TIMED(kernel_jacobi_1d(A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, N);
        pb_dump_close();
    }
    return 0;
}

/* gemm: C = alpha * A * B + beta * C, general dense matrices. */
#include "polybench.h"

static void init(real C[NI][NJ], real A[NI][NK], real B[NK][NJ]) {
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NJ; j++) C[i][j] = (real)((i * j + 1) % NI) / NI;
    for (int i = 0; i < NI; i++)
        for (int k = 0; k < NK; k++) A[i][k] = (real)((i * (k + 1)) % NK) / NK;
    for (int k = 0; k < NK; k++)
        for (int j = 0; j < NJ; j++) B[k][j] = (real)((k * (j + 2)) % NJ) / NJ;
}

KERNEL kernel_gemm(real alpha, real beta, real C[NI][NJ], real A[NI][NK], real B[NK][NJ]) {
    /* Row by row, k outside j, so the inner loop streams rows of B and C. */
    for (int i = 0; i < NI; i++) {
        for (int j = 0; j < NJ; j++) C[i][j] *= beta;
        for (int k = 0; k < NK; k++)
            for (int j = 0; j < NJ; j++) C[i][j] += alpha * A[i][k] * B[k][j];
    }
}

int main(int argc, char **argv) {
    real (*C)[NJ] = pb_alloc(NI * NJ);
    real (*A)[NK] = pb_alloc(NI * NK);
    real (*B)[NJ] = pb_alloc(NK * NJ);
    init(C, A, B);
    PB_TIMED(kernel_gemm(1.5, 1.2, C, A, B));
    if (pb_dump_open(argc, argv)) {
        pb_dump("C", C, NI * NJ);
        pb_dump_close();
    }
    return 0;
}

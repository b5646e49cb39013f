/* 3mm: G = (A B) (C D), three matrix products. */
#include "polybench.h"

static void init(real A[NI][NK], real B[NK][NJ], real C[NJ][NM], real D[NM][NL]) {
    for (int i = 0; i < NI; i++)
        for (int k = 0; k < NK; k++) A[i][k] = (real)((i * k + 1) % NI) / (5 * NI);
    for (int k = 0; k < NK; k++)
        for (int j = 0; j < NJ; j++) B[k][j] = (real)((k * (j + 1) + 2) % NJ) / (5 * NJ);
    for (int j = 0; j < NJ; j++)
        for (int m = 0; m < NM; m++) C[j][m] = (real)(j * (m + 3) % NL) / (5 * NL);
    for (int m = 0; m < NM; m++)
        for (int l = 0; l < NL; l++) D[m][l] = (real)((m * (l + 2) + 2) % NK) / (5 * NK);
}

/* out = left * right, with sizes given by the caller. */
static inline void product(int rows, int inner, int cols, real *out, const real *left,
                           const real *right) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            real sum = 0;
            for (int k = 0; k < inner; k++) sum += left[i * inner + k] * right[k * cols + j];
            out[i * cols + j] = sum;
        }
}

KERNEL kernel_3mm(real E[NI][NJ], real A[NI][NK], real B[NK][NJ], real F[NJ][NL],
                  real C[NJ][NM], real D[NM][NL], real G[NI][NL]) {
    product(NI, NK, NJ, &E[0][0], &A[0][0], &B[0][0]);
    product(NJ, NM, NL, &F[0][0], &C[0][0], &D[0][0]);
    product(NI, NJ, NL, &G[0][0], &E[0][0], &F[0][0]);
}

int main(int argc, char **argv) {
    real (*E)[NJ] = pb_alloc(NI * NJ);
    real (*A)[NK] = pb_alloc(NI * NK);
    real (*B)[NJ] = pb_alloc(NK * NJ);
    real (*F)[NL] = pb_alloc(NJ * NL);
    real (*C)[NM] = pb_alloc(NJ * NM);
    real (*D)[NL] = pb_alloc(NM * NL);
    real (*G)[NL] = pb_alloc(NI * NL);
    init(A, B, C, D);
    PB_TIMED(kernel_3mm(E, A, B, F, C, D, G));
    if (pb_dump_open(argc, argv)) {
        pb_dump("G", G, NI * NL);
        pb_dump_close();
    }
    return 0;
}

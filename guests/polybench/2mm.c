/* 2mm: D = alpha * A B C + beta * D, as two matrix products. */
#include "polybench.h"

static void init(real A[NI][NK], real B[NK][NJ], real C[NJ][NL], real D[NI][NL]) {
    for (int i = 0; i < NI; i++)
        for (int k = 0; k < NK; k++) A[i][k] = (real)((i * k + 1) % NI) / NI;
    for (int k = 0; k < NK; k++)
        for (int j = 0; j < NJ; j++) B[k][j] = (real)(k * (j + 1) % NJ) / NJ;
    for (int j = 0; j < NJ; j++)
        for (int l = 0; l < NL; l++) C[j][l] = (real)((j * (l + 3) + 1) % NL) / NL;
    for (int i = 0; i < NI; i++)
        for (int l = 0; l < NL; l++) D[i][l] = (real)(i * (l + 2) % NK) / NK;
}

KERNEL kernel_2mm(real alpha, real beta, real tmp[NI][NJ], real A[NI][NK], real B[NK][NJ],
                  real C[NJ][NL], real D[NI][NL]) {
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NJ; j++) {
            tmp[i][j] = 0;
            for (int k = 0; k < NK; k++) tmp[i][j] += alpha * A[i][k] * B[k][j];
        }
    for (int i = 0; i < NI; i++)
        for (int l = 0; l < NL; l++) {
            D[i][l] *= beta;
            for (int j = 0; j < NJ; j++) D[i][l] += tmp[i][j] * C[j][l];
        }
}

int main(int argc, char **argv) {
    real (*tmp)[NJ] = pb_alloc(NI * NJ);
    real (*A)[NK] = pb_alloc(NI * NK);
    real (*B)[NJ] = pb_alloc(NK * NJ);
    real (*C)[NL] = pb_alloc(NJ * NL);
    real (*D)[NL] = pb_alloc(NI * NL);
    init(A, B, C, D);
    PB_TIMED(kernel_2mm(1.5, 1.2, tmp, A, B, C, D));
    if (pb_dump_open(argc, argv)) {
        pb_dump("D", D, NI * NL);
        pb_dump_close();
    }
    return 0;
}

/* doitgen: multiresolution analysis kernel, each A[r][q][:] replaced by A[r][q][:] C4. */
#include "polybench.h"

static void init(real A[NR][NQ][NP], real C4[NP][NP]) {
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NQ; q++)
            for (int p = 0; p < NP; p++) A[r][q][p] = (real)((r * q + p) % NP) / NP;
    for (int i = 0; i < NP; i++)
        for (int j = 0; j < NP; j++) C4[i][j] = (real)(i * j % NP) / NP;
}

KERNEL kernel_doitgen(real A[NR][NQ][NP], real C4[NP][NP], real sum[NP]) {
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NQ; q++) {
            for (int p = 0; p < NP; p++) {
                sum[p] = 0;
                for (int s = 0; s < NP; s++) sum[p] += A[r][q][s] * C4[s][p];
            }
            for (int p = 0; p < NP; p++) A[r][q][p] = sum[p];
        }
}

int main(int argc, char **argv) {
    real (*A)[NQ][NP] = pb_alloc(NR * NQ * NP);
    real (*C4)[NP] = pb_alloc(NP * NP);
    real *sum = pb_alloc(NP);
    init(A, C4);
    PB_TIMED(kernel_doitgen(A, C4, sum));
    if (pb_dump_open(argc, argv)) {
        pb_dump("A", A, NR * NQ * NP);
        pb_dump_close();
    }
    return 0;
}

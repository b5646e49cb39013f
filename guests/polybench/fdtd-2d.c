/* fdtd-2d: finite-difference time-domain simulation of a 2-D electromagnetic
 * field (ex, ey, hz), driven by a source along the first row. */
#include "polybench.h"

static void init(real ex[NX][NY], real ey[NX][NY], real hz[NX][NY], real source[TMAX]) {
    for (int t = 0; t < TMAX; t++) source[t] = t;
    for (int i = 0; i < NX; i++)
        for (int j = 0; j < NY; j++) {
            ex[i][j] = (real)(i * (j + 1)) / NX;
            ey[i][j] = (real)(i * (j + 2)) / NY;
            hz[i][j] = (real)(i * (j + 3)) / NX;
        }
}

KERNEL kernel_fdtd_2d(real ex[NX][NY], real ey[NX][NY], real hz[NX][NY], real source[TMAX]) {
    for (int t = 0; t < TMAX; t++) {
        for (int j = 0; j < NY; j++) ey[0][j] = source[t];
        for (int i = 1; i < NX; i++)
            for (int j = 0; j < NY; j++) ey[i][j] -= 0.5 * (hz[i][j] - hz[i - 1][j]);
        for (int i = 0; i < NX; i++)
            for (int j = 1; j < NY; j++) ex[i][j] -= 0.5 * (hz[i][j] - hz[i][j - 1]);
        for (int i = 0; i < NX - 1; i++)
            for (int j = 0; j < NY - 1; j++)
                hz[i][j] -= 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
}

int main(int argc, char **argv) {
    real (*ex)[NY] = pb_alloc(NX * NY);
    real (*ey)[NY] = pb_alloc(NX * NY);
    real (*hz)[NY] = pb_alloc(NX * NY);
    real *source = pb_alloc(TMAX);
    init(ex, ey, hz, source);
    PB_TIMED(kernel_fdtd_2d(ex, ey, hz, source));
    if (pb_dump_open(argc, argv)) {
        pb_dump("ex", ex, NX * NY);
        pb_dump("ey", ey, NX * NY);
        pb_dump("hz", hz, NX * NY);
        pb_dump_close();
    }
    return 0;
}

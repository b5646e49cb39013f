/* adi: alternating direction implicit solver for 2-D heat diffusion: each
 * time step solves tridiagonal systems along columns, then along rows. */
#include "polybench.h"

static void init(real u[N][N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) u[i][j] = (real)(i + N - j) / N;
}

KERNEL kernel_adi(real u[N][N], real v[N][N], real p[N][N], real q[N][N]) {
    const real dx = 1.0 / N, dy = 1.0 / N, dt = 1.0 / TSTEPS;
    const real mul1 = 2.0 * dt / (dx * dx), mul2 = 1.0 * dt / (dy * dy);
    const real a = -mul1 / 2, b = 1 + mul1, c = a;
    const real d = -mul2 / 2, e = 1 + mul2, f = d;
    for (int t = 1; t <= TSTEPS; t++) {
        /* Columns: v from u, by the Thomas algorithm (forward sweep, back substitution). */
        for (int i = 1; i < N - 1; i++) {
            v[0][i] = 1;
            p[i][0] = 0;
            q[i][0] = v[0][i];
            for (int j = 1; j < N - 1; j++) {
                real pivot = a * p[i][j - 1] + b;
                p[i][j] = -c / pivot;
                q[i][j] = (-d * u[j][i - 1] + (1 + 2 * d) * u[j][i] - f * u[j][i + 1] -
                           a * q[i][j - 1]) / pivot;
            }
            v[N - 1][i] = 1;
            for (int j = N - 2; j >= 1; j--) v[j][i] = p[i][j] * v[j + 1][i] + q[i][j];
        }
        /* Rows: u from v. */
        for (int i = 1; i < N - 1; i++) {
            u[i][0] = 1;
            p[i][0] = 0;
            q[i][0] = u[i][0];
            for (int j = 1; j < N - 1; j++) {
                real pivot = d * p[i][j - 1] + e;
                p[i][j] = -f / pivot;
                q[i][j] = (-a * v[i - 1][j] + (1 + 2 * a) * v[i][j] - c * v[i + 1][j] -
                           d * q[i][j - 1]) / pivot;
            }
            u[i][N - 1] = 1;
            for (int j = N - 2; j >= 1; j--) u[i][j] = p[i][j] * u[i][j + 1] + q[i][j];
        }
    }
}

int main(int argc, char **argv) {
    real (*u)[N] = pb_alloc(N * N);
    real (*v)[N] = pb_alloc(N * N);
    real (*p)[N] = pb_alloc(N * N);
    real (*q)[N] = pb_alloc(N * N);
    init(u);
    PB_TIMED(kernel_adi(u, v, p, q));
    if (pb_dump_open(argc, argv)) {
        pb_dump("u", u, N * N);
        pb_dump_close();
    }
    return 0;
}

/* durbin: Levinson-Durbin recursion, solving a Toeplitz system given by r. */
#include "polybench.h"

/* The autocorrelations of a mix of two AR(1) processes (0.9 and -0.5):
 * a positive definite Toeplitz matrix, so the recursion stays stable. */
static void init(real r[N]) {
    real a = 0.9, b = -0.5;
    for (int i = 0; i < N; i++) {
        r[i] = (a + b) / 2;
        a *= 0.9;
        b *= -0.5;
    }
}

KERNEL kernel_durbin(real r[N], real y[N], real z[N]) {
    real alpha = -r[0], beta = 1;
    y[0] = -r[0];
    for (int k = 1; k < N; k++) {
        beta = (1 - alpha * alpha) * beta;
        real sum = 0;
        for (int i = 0; i < k; i++) sum += r[k - i - 1] * y[i];
        alpha = -(r[k] + sum) / beta;
        for (int i = 0; i < k; i++) z[i] = y[i] + alpha * y[k - i - 1];
        for (int i = 0; i < k; i++) y[i] = z[i];
        y[k] = alpha;
    }
}

int main(int argc, char **argv) {
    real *r = pb_alloc(N), *y = pb_alloc(N), *z = pb_alloc(N);
    init(r);
    PB_TIMED(kernel_durbin(r, y, z));
    if (pb_dump_open(argc, argv)) {
        pb_dump("y", y, N);
        pb_dump_close();
    }
    return 0;
}

/* deriche: Deriche's recursive edge-detection filter over a W x H image,
 * a causal and an anti-causal pass along rows, then along columns. */
#include <math.h>
#include "polybench.h"

static void init(real in[W][H]) {
    for (int i = 0; i < W; i++)
        for (int j = 0; j < H; j++) in[i][j] = (real)((313 * i + 991 * j) % 65536) / 65535.0f;
}

struct coefficients {
    real a1, a2, a3, a4, a5, a6, a7, a8, b1, b2, c1, c2;
};

static struct coefficients coefficients(real alpha) {
    real e = expf(-alpha), e2 = expf(-2 * alpha);
    real k = (1 - e) * (1 - e) / (1 + 2 * alpha * e - e2);
    struct coefficients c;
    c.a1 = c.a5 = k;
    c.a2 = c.a6 = k * e * (alpha - 1);
    c.a3 = c.a7 = k * e * (alpha + 1);
    c.a4 = c.a8 = -k * e2;
    c.b1 = powf(2.0f, -alpha);
    c.b2 = -e2;
    c.c1 = c.c2 = 1;
    return c;
}

KERNEL kernel_deriche(struct coefficients c, real in[W][H], real out[W][H], real y1[W][H],
                      real y2[W][H]) {
    for (int i = 0; i < W; i++) {
        real x_prev = 0, y_prev = 0, y_prev2 = 0;
        for (int j = 0; j < H; j++) {
            y1[i][j] = c.a1 * in[i][j] + c.a2 * x_prev + c.b1 * y_prev + c.b2 * y_prev2;
            x_prev = in[i][j];
            y_prev2 = y_prev;
            y_prev = y1[i][j];
        }
    }
    for (int i = 0; i < W; i++) {
        real x_next = 0, x_next2 = 0, y_next = 0, y_next2 = 0;
        for (int j = H - 1; j >= 0; j--) {
            y2[i][j] = c.a3 * x_next + c.a4 * x_next2 + c.b1 * y_next + c.b2 * y_next2;
            x_next2 = x_next;
            x_next = in[i][j];
            y_next2 = y_next;
            y_next = y2[i][j];
        }
    }
    for (int i = 0; i < W; i++)
        for (int j = 0; j < H; j++) out[i][j] = c.c1 * (y1[i][j] + y2[i][j]);
    for (int j = 0; j < H; j++) {
        real t_prev = 0, y_prev = 0, y_prev2 = 0;
        for (int i = 0; i < W; i++) {
            y1[i][j] = c.a5 * out[i][j] + c.a6 * t_prev + c.b1 * y_prev + c.b2 * y_prev2;
            t_prev = out[i][j];
            y_prev2 = y_prev;
            y_prev = y1[i][j];
        }
    }
    for (int j = 0; j < H; j++) {
        real t_next = 0, t_next2 = 0, y_next = 0, y_next2 = 0;
        for (int i = W - 1; i >= 0; i--) {
            y2[i][j] = c.a7 * t_next + c.a8 * t_next2 + c.b1 * y_next + c.b2 * y_next2;
            t_next2 = t_next;
            t_next = out[i][j];
            y_next2 = y_next;
            y_next = y2[i][j];
        }
    }
    for (int i = 0; i < W; i++)
        for (int j = 0; j < H; j++) out[i][j] = c.c2 * (y1[i][j] + y2[i][j]);
}

int main(int argc, char **argv) {
    real (*in)[H] = pb_alloc(W * H);
    real (*out)[H] = pb_alloc(W * H);
    real (*y1)[H] = pb_alloc(W * H);
    real (*y2)[H] = pb_alloc(W * H);
    init(in);
    PB_TIMED(kernel_deriche(coefficients(0.25f), in, out, y1, y2));
    if (pb_dump_open(argc, argv)) {
        pb_dump("out", out, W * H);
        pb_dump_close();
    }
    return 0;
}

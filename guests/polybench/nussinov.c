/* nussinov: the most base pairs an RNA sequence of N bases can fold into,
 * by dynamic programming over all subsequences. */
#include "polybench.h"

static void init(real seq[N]) {
    for (int i = 0; i < N; i++) seq[i] = (i + 1) % 4;
}

/* A-U and C-G pair: with bases numbered 0..3 the pairs sum to 3. */
static inline real pairs(real a, real b) { return a + b == 3; }

static inline real larger(real a, real b) { return a > b ? a : b; }

KERNEL kernel_nussinov(real seq[N], real table[N][N]) {
    for (int i = N - 1; i >= 0; i--)
        for (int j = i + 1; j < N; j++) {
            real best = table[i][j];
            best = larger(best, table[i][j - 1]);
            if (i + 1 < N) {
                best = larger(best, table[i + 1][j]);
                /* Bases i and j pair around whatever lies between them. */
                real inner = table[i + 1][j - 1];
                best = larger(best, i < j - 1 ? inner + pairs(seq[i], seq[j]) : inner);
            }
            for (int k = i + 1; k < j; k++) best = larger(best, table[i][k] + table[k + 1][j]);
            table[i][j] = best;
        }
}

int main(int argc, char **argv) {
    real *seq = pb_alloc(N);
    real (*table)[N] = pb_alloc(N * N);
    init(seq);
    PB_TIMED(kernel_nussinov(seq, table));
    if (pb_dump_open(argc, argv)) {
        pb_dump("table", table, N * N);
        pb_dump_close();
    }
    return 0;
}

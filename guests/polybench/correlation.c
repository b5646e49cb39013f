/* correlation: the Pearson correlation matrix of M variables over N observations. */
#include <math.h>
#include "polybench.h"

static void init(real data[N][M]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            data[i][j] = (real)((i * j) % M) / M + i;
}

KERNEL kernel_correlation(real data[N][M], real corr[M][M], real mean[M], real stddev[M]) {
    const real eps = 0.1;
    for (int j = 0; j < M; j++) {
        mean[j] = 0;
        for (int i = 0; i < N; i++) mean[j] += data[i][j];
        mean[j] /= N;
    }
    for (int j = 0; j < M; j++) {
        stddev[j] = 0;
        for (int i = 0; i < N; i++)
            stddev[j] += (data[i][j] - mean[j]) * (data[i][j] - mean[j]);
        stddev[j] = sqrt(stddev[j] / N);
        /* A near-constant variable would divide by almost zero. */
        if (stddev[j] <= eps) stddev[j] = 1;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            data[i][j] = (data[i][j] - mean[j]) / (sqrt((real)N) * stddev[j]);
    for (int i = 0; i < M - 1; i++) {
        corr[i][i] = 1;
        for (int j = i + 1; j < M; j++) {
            real sum = 0;
            for (int k = 0; k < N; k++) sum += data[k][i] * data[k][j];
            corr[i][j] = sum;
            corr[j][i] = sum;
        }
    }
    corr[M - 1][M - 1] = 1;
}

int main(int argc, char **argv) {
    real (*data)[M] = pb_alloc(N * M);
    real (*corr)[M] = pb_alloc(M * M);
    real *mean = pb_alloc(M), *stddev = pb_alloc(M);
    init(data);
    PB_TIMED(kernel_correlation(data, corr, mean, stddev));
    if (pb_dump_open(argc, argv)) {
        pb_dump("corr", corr, M * M);
        pb_dump_close();
    }
    return 0;
}

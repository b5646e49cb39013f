/* covariance: the sample covariance matrix of M variables over N observations. */
#include "polybench.h"

static void init(real data[N][M]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            data[i][j] = (real)((i * (j + 1)) % 17) / 17 + j;
}

KERNEL kernel_covariance(real data[N][M], real cov[M][M], real mean[M]) {
    for (int j = 0; j < M; j++) {
        mean[j] = 0;
        for (int i = 0; i < N; i++) mean[j] += data[i][j];
        mean[j] /= N;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) data[i][j] -= mean[j];
    for (int i = 0; i < M; i++)
        for (int j = i; j < M; j++) {
            real sum = 0;
            for (int k = 0; k < N; k++) sum += data[k][i] * data[k][j];
            cov[i][j] = sum / (N - 1);
            cov[j][i] = cov[i][j];
        }
}

int main(int argc, char **argv) {
    real (*data)[M] = pb_alloc(N * M);
    real (*cov)[M] = pb_alloc(M * M);
    real *mean = pb_alloc(M);
    init(data);
    PB_TIMED(kernel_covariance(data, cov, mean));
    if (pb_dump_open(argc, argv)) {
        pb_dump("cov", cov, M * M);
        pb_dump_close();
    }
    return 0;
}

/* floyd-warshall: all-pairs shortest path lengths over N nodes. */
#include "polybench.h"

/* Edge weights 1..7; about a third of the pairs have no edge, weighted
 * "far" (large, yet small enough that two of them cannot overflow). */
static void init(real path[N][N]) {
    const real far = 999;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int absent = (i + j) % 13 == 0 || (i + j) % 7 == 0 || (i + j) % 11 == 0;
            path[i][j] = absent ? far : i * j % 7 + 1;
        }
}

KERNEL kernel_floyd_warshall(real path[N][N]) {
    for (int k = 0; k < N; k++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                real through_k = path[i][k] + path[k][j];
                if (through_k < path[i][j]) path[i][j] = through_k;
            }
}

int main(int argc, char **argv) {
    real (*path)[N] = pb_alloc(N * N);
    init(path);
    PB_TIMED(kernel_floyd_warshall(path));
    if (pb_dump_open(argc, argv)) {
        pb_dump("path", path, N * N);
        pb_dump_close();
    }
    return 0;
}

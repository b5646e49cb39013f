/*
 * listdir DIR: lists DIR with readdir, creates DIR/added, rewinds and lists it
 * again. Each pass prints "pass N" and then one name per line, so a runtime
 * that loses, repeats or keeps stale entries shows it.
 */
#include <dirent.h>
#include <stdio.h>

static void pass(DIR *dir, int n) {
    printf("pass %d\n", n);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        printf("%s\n", entry->d_name);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: listdir DIR\n");
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (dir == NULL) {
        perror(argv[1]);
        return 1;
    }
    pass(dir, 1);
    char added[4096];
    snprintf(added, sizeof added, "%s/added", argv[1]);
    FILE *file = fopen(added, "w");
    if (file == NULL) {
        perror(added);
        return 1;
    }
    fclose(file);
    rewinddir(dir);
    pass(dir, 2);
    closedir(dir);
    return 0;
}

// Usage: cc -O2 bench/store-file/store-file.c -o store-file && ./store-file DIR new|spare ROUNDS
// Writing a 40 MB tensor file into the store as FileTensorBackend does (new temporary file, rename over the
// old, the old file's last close off the path) against writing over a kept spare file and swapping it in
// (renameat2 RENAME_EXCHANGE). Prints ms per round for the write, the rename, and the freeing close.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void write_all(int fd, const char *b, size_t n) { while (n) { ssize_t w = write(fd, b, n); if (w <= 0) { perror("write"); exit(1); } b += w; n -= (size_t)w; } }
int main(int argc, char **argv) {
    const char *dir = argv[1]; int spare_mode = strcmp(argv[2], "spare") == 0; int rounds = atoi(argv[3]);
    size_t bytes = 40000040; char *buf = malloc(bytes); memset(buf, 7, bytes);
    char target[512], tmp[512], spare[512];
    snprintf(target, sizeof target, "%s/big.tensor", dir); snprintf(spare, sizeof spare, "%s/.spare.partial", dir);
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644); write_all(fd, buf, bytes); close(fd);
    if (spare_mode) { fd = open(spare, O_WRONLY | O_CREAT | O_TRUNC, 0644); write_all(fd, buf, bytes); close(fd); }
    sync();
    double tw = 0, tr = 0, tc = 0;
    for (int r = 0; r < rounds; r++) {
        snprintf(tmp, sizeof tmp, "%s/.t%d.partial", dir, r);
        const char *path = spare_mode ? spare : tmp;
        double a = now();
        fd = open(path, O_WRONLY | O_CREAT | (spare_mode ? 0 : O_TRUNC), 0644);
        write_all(fd, buf, bytes);
        if (spare_mode) ftruncate(fd, (off_t)bytes);
        close(fd);
        double b = now();
        int old = -1;
        if (spare_mode) { if (renameat2(AT_FDCWD, spare, AT_FDCWD, target, RENAME_EXCHANGE) != 0) { perror("renameat2"); return 1; } }
        else { old = open(target, O_RDONLY); if (rename(tmp, target) != 0) { perror("rename"); return 1; } }
        double c = now();
        if (old >= 0) close(old);
        double d = now();
        tw += b - a; tr += c - b; tc += d - c;
    }
    printf("%s: write %.1f ms, rename %.1f ms, freeing close %.1f ms (mean of %d)\n", argv[2], tw / rounds * 1e3, tr / rounds * 1e3, tc / rounds * 1e3, rounds);
    unlink(target); unlink(spare);
    return 0;
}

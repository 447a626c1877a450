// Ben Okafor - psum
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char *argv[])
{
    int n, fd[2], i;
    long limit, chunk, lo, hi;
    long long sum, total = 0, sums[64];

    if (argc != 3) {
        fprintf(stderr, "usage: psum N LIMIT (1 <= N <= 64, 0 <= LIMIT <= 1000000000)\n");
        exit(1);
    }
    n = atoi(argv[1]);
    limit = atol(argv[2]);
    if (n < 1 || n > 64 || limit < 0 || limit > 1000000000) {
        fprintf(stderr, "usage: psum N LIMIT (1 <= N <= 64, 0 <= LIMIT <= 1000000000)\n");
        exit(1);
    }
    chunk = limit / n;
    for (i = 0; i < n; i++) {
        pipe(fd);
        if (fork() == 0) {
            close(fd[0]);
            lo = i * chunk + 1;
            hi = (i == n - 1) ? limit : (i + 1) * chunk;
            sum = 0;
            for (long k = lo; k <= hi; k++)
                sum += k;
            write(fd[1], &sum, sizeof(sum));
            exit(0);
        }
        close(fd[1]);
        read(fd[0], &sums[i], sizeof(sums[i]));
        close(fd[0]);
    }
    for (i = 0; i < n; i++) {
        wait(NULL);
        printf("child %d: %lld\n", i, sums[i]);
        total += sums[i];
    }
    printf("total: %lld\n", total);
    return 0;
}

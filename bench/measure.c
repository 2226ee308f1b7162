/*
 * measure: runs a command and prints its wall time, CPU time and peak memory.
 *
 *     measure TIMEOUT_SECONDS COMMAND [ARGS...]
 *
 * Prints one line to standard error after the command's own output:
 *
 *     measure: wall_ns=... user_us=... sys_us=... maxrss_kib=... exit=...
 *
 * exit is the command's exit status, or 128 + the signal that ended it (a
 * command still running after TIMEOUT_SECONDS, 0 for none, is killed).
 *
 * A small launcher instead of Python's subprocess: Linux carries the peak
 * resident set size of a process across exec, so a child forked from the
 * Python interpreter never reports less than the interpreter's own size.
 * Forked from this program, it starts from about a megabyte.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;

static void on_alarm(int sig) {
    (void)sig;
    if (child > 0) kill(child, SIGKILL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: measure TIMEOUT_SECONDS COMMAND [ARGS...]\n");
        return 2;
    }
    unsigned timeout = (unsigned)strtoul(argv[1], NULL, 10);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    child = fork();
    if (child < 0) {
        perror("measure: fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[2], argv + 2);
        perror("measure: exec");
        _exit(127);
    }
    signal(SIGALRM, on_alarm);
    if (timeout > 0) alarm(timeout);
    int status = 0;
    struct rusage usage;
    while (wait4(child, &status, 0, &usage) < 0) {
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    alarm(0);
    long long wall = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL +
                     (end.tv_nsec - start.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(stderr, "measure: wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kib=%ld exit=%d\n",
            wall, (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec,
            (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec,
            usage.ru_maxrss, code);
    return 0;
}

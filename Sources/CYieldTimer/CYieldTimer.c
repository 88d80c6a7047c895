#define _GNU_SOURCE
#include "CYieldTimer.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// A real-time signal nothing else in the process uses (glibc keeps the two below SIGRTMIN for itself).
static int tick_signal(void) { return SIGRTMIN + 3; }

static __thread unsigned long yields;

static void on_tick(int signal) {
    (void)signal;
    int saved = errno;
    sched_yield();
    yields += 1;
    errno = saved;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int installed = -1;

static void install(void) {
    struct sigaction action = {0};
    action.sa_handler = on_tick;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    installed = sigaction(tick_signal(), &action, 0);
}

int cyt_create(int *timer) {
    pthread_once(&once, install);
    if (installed != 0) return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, tick_signal());
    if (pthread_sigmask(SIG_UNBLOCK, &set, 0) != 0) return -1;
    struct sigevent event = {0};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = tick_signal();
    event._sigev_un._tid = (pid_t)syscall(SYS_gettid); // sigev_notify_thread_id, which glibc 2.36 does not define
    timer_t made;
    if (timer_create(CLOCK_MONOTONIC, &event, &made) != 0) return -1;
    *timer = (int)(intptr_t)made; // glibc's timer_t holds the kernel's timer id
    return 0;
}

int cyt_set(int timer, long interval_ns) {
    struct itimerspec spec = {.it_interval = {0, interval_ns}, .it_value = {0, interval_ns}};
    return timer_settime((timer_t)(intptr_t)timer, 0, &spec, 0);
}

void cyt_delete(int timer) { timer_delete((timer_t)(intptr_t)timer); }

unsigned long cyt_yields(void) { return yields; }

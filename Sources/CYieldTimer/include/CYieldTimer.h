// A timer that makes one thread give up its core at a fixed interval (`BackgroundPriority.YieldTimer`).
// Glibc's Swift module cannot fill a thread-directed `struct sigevent` (a union), so Swift sees these.
#pragma once

/// A timer (stopped) whose every expiry runs `sched_yield()` on the calling thread, in a signal handler
/// (SA_RESTART, the signal unblocked on that thread). Returns 0 and sets `*timer` (an id: the first is 0),
/// or -1 with errno.
int cyt_create(int *timer);
/// Starts the timer with the period `interval_ns` (< 1 s), or stops it when that is 0; 0 or -1 with errno.
int cyt_set(int timer, long interval_ns);
/// Deletes the timer.
void cyt_delete(int timer);
/// How many times the calling thread has yielded to its timer.
unsigned long cyt_yields(void);

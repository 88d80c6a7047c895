// epoll and eventfd for HTTPServer's event loops. Glibc's Swift module does not export <sys/epoll.h>, and
// `struct epoll_event` is packed on x86-64, so Swift sees only these plain functions.
#pragma once
#include <stdint.h>

/// A new epoll instance (close-on-exec), or -1 with errno.
int cep_create(void);
/// Watches `fd` for input (level-triggered, including peer hang-up); events carry `token`.
int cep_add(int epoll, int fd, uint64_t token);
/// Stops watching `fd`.
int cep_remove(int epoll, int fd);
/// Waits up to `timeout_ms` (-1: forever) and writes the tokens of at most `max` ready descriptors (≤ 256);
/// returns their number, or -1 with errno.
int cep_wait(int epoll, uint64_t *tokens, int max, int timeout_ms);
/// A non-blocking, close-on-exec eventfd, or -1 with errno.
int cep_eventfd(void);

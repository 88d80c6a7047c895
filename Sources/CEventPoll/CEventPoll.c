#include "CEventPoll.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>

int cep_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cep_add(int epoll, int fd, uint64_t token) {
    struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = token};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int cep_remove(int epoll, int fd) { return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, 0); }

int cep_wait(int epoll, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event events[256];
    int count = epoll_wait(epoll, events, max < 256 ? max : 256, timeout_ms);
    for (int i = 0; i < count; i++) tokens[i] = events[i].data.u64;
    return count;
}

int cep_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

// The floor under any HTTP server on this machine: epoll loops that answer every read with one fixed
// response, without parsing (correct only for wrk's one-request-per-read traffic). scripts/bench-http.sh runs
// it beside tensord and Hummingbird to show how much of a request's cost is the kernel's.
// Usage: c-epoll-server PORT [LOOPS]   (cc -O2 -pthread server.c -o c-epoll-server)
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 00:00:00 GMT\r\n"
    "Content-Length: 18\r\n\r\n{\"ok\":true,\"n\":54}";

static void *loop(void *arg) {
    int epoll = (int)(long)arg;
    struct epoll_event events[64];
    char buffer[16384];
    for (;;) {
        int count = epoll_wait(epoll, events, 64, -1);
        for (int i = 0; i < count; i++) {
            int fd = events[i].data.fd;
            ssize_t got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno != EAGAIN)) close(fd);
            else if (got > 0) send(fd, response, sizeof response - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8083, loops = argc > 2 ? atoi(argv[2]) : 4, one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 256)) return 1;
    int epolls[64];
    if (loops < 1 || loops > 64) loops = 4;
    for (int i = 0; i < loops; i++) {
        pthread_t thread;
        epolls[i] = epoll_create1(0);
        pthread_create(&thread, 0, loop, (void *)(long)epolls[i]);
    }
    for (unsigned next = 0;; next++) {
        int client = accept(listener, 0, 0);
        if (client < 0) continue;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event event = {.events = EPOLLIN, .data.fd = client};
        epoll_ctl(epolls[next % loops], EPOLL_CTL_ADD, client, &event);
    }
}

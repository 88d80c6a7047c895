// The floor under a large upload on 127.0.0.1: what the kernel's loopback TCP and the client cost
// before any server code runs. Used by scripts/bench-binary.sh.
//
//   loopback raw BYTES ROUNDS   one thread sends BYTES from memory, another receives them into one
//                               buffer (recv of the remaining count, as a server that knows Content-Length
//                               would); both buffers are touched before the clock starts, so this is the
//                               kernel's TCP alone. Prints the best GB/s of ROUNDS.
//   loopback sink PORT          an HTTP/1.1 sink on 127.0.0.1:PORT for curl: reads the head, answers
//                               `Expect: 100-continue`, reads Content-Length bytes into one buffer of that
//                               size, answers 201 and closes. No parsing beyond that: curl against it is the
//                               fastest any server could take the same PUT.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static int listener(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(fd, 16) < 0) die("listen");
    return fd;
}

static void receive_exactly(int fd, char *buffer, size_t count) {
    size_t got = 0;
    while (got < count) {
        ssize_t n = recv(fd, buffer + got, count - got, 0);
        if (n <= 0) die("recv");
        got += (size_t)n;
    }
}

static void send_all(int fd, const char *bytes, size_t count) {
    size_t sent = 0;
    while (sent < count) {
        ssize_t n = send(fd, bytes + sent, count - sent, MSG_NOSIGNAL);
        if (n <= 0) die("send");
        sent += (size_t)n;
    }
}

struct sender { int port; const char *data; size_t bytes; };

static void *send_thread(void *arg) {
    struct sender *s = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    send_all(fd, s->data, s->bytes);
    close(fd);
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int raw(size_t bytes, int rounds) {
    int server = listener(0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    getsockname(server, (struct sockaddr *)&a, &len);
    char *data = malloc(bytes), *buffer = malloc(bytes);
    if (!data || !buffer) die("malloc");
    memset(data, 0x5a, bytes);
    memset(buffer, 0, bytes);
    double best = 1e9;
    for (int r = 0; r < rounds; r++) {
        struct sender s = {ntohs(a.sin_port), data, bytes};
        pthread_t thread;
        double start = now();
        pthread_create(&thread, NULL, send_thread, &s);
        int fd = accept(server, NULL, NULL);
        if (fd < 0) die("accept");
        receive_exactly(fd, buffer, bytes);
        double seconds = now() - start;
        pthread_join(thread, NULL);
        close(fd);
        if (seconds < best) best = seconds;
    }
    printf("%.3f\n", bytes / best / 1e9);
    return 0;
}

static void sink(int port) {
    int server = listener(port);
    static char head[65536];
    for (;;) {
        int fd = accept(server, NULL, NULL);
        if (fd < 0) continue;
        size_t used = 0;
        char *end = NULL;
        while (!end && used < sizeof head - 1) {
            ssize_t n = recv(fd, head + used, sizeof head - 1 - used, 0);
            if (n <= 0) break;
            used += (size_t)n;
            head[used] = 0;
            end = strstr(head, "\r\n\r\n");
        }
        if (!end) { close(fd); continue; }
        end += 4;
        size_t length = 0;
        char *field = strcasestr(head, "\r\ncontent-length:");
        if (field) length = strtoull(field + 17, NULL, 10);
        if (strcasestr(head, "\r\nexpect: 100-continue")) send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        char *body = malloc(length ? length : 1);
        size_t already = used - (size_t)(end - head);
        if (already > length) already = length;
        memcpy(body, end, already);
        receive_exactly(fd, body + already, length - already);
        free(body);
        const char *answer = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send_all(fd, answer, strlen(answer));
        shutdown(fd, SHUT_WR);
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "raw") == 0) return raw(strtoull(argv[2], NULL, 10), atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "sink") == 0) sink(atoi(argv[2]));  // serves until killed
    fprintf(stderr, "usage: %s raw BYTES ROUNDS | sink PORT\n", argv[0]);
    return 2;
}

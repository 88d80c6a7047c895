// The floor under a large upload on 127.0.0.1: what the kernel's loopback TCP and the client cost
// before any server code runs. Used by scripts/bench-binary.sh.
//
//   loopback raw BYTES ROUNDS   one thread sends BYTES from memory, another receives them into one
//                               buffer (recv of the remaining count, as a server that knows Content-Length
//                               would); both buffers are touched before the clock starts, so this is the
//                               kernel's TCP alone. Prints the best GB/s of ROUNDS.
//   loopback sink PORT          an HTTP/1.1 sink on 127.0.0.1:PORT: reads the head, answers
//                               `Expect: 100-continue`, reads Content-Length bytes into one buffer (kept from
//                               one request to the next, so already faulted in), answers 201, and serves the
//                               connection's next request. No parsing beyond that: a client against it is the
//                               fastest any server could take the same PUT from that client.
//   loopback put PORT PATH FILE ROUNDS
//                               a client faster than curl: PUTs FILE (read into memory first) to PATH as
//                               application/x-npy ROUNDS times on one keep-alive connection, the head and the
//                               whole body each in one send() call, and reads each answer. Prints the best
//                               wall time of one request in seconds.
//   loopback get PORT PATH ROUNDS
//                               the same for GET with Accept: application/x-npy: each answer's body is read into
//                               one buffer of its size, touched before the clock starts. Prints the best wall
//                               time of one request in seconds.
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

/* Serves PUTs on one connection until the client closes it. The body buffer is kept (and touched when it
   grows), so a repeated upload costs the sink only the kernel's copy, as a server reading into recycled
   memory would. */
static void sink_connection(int fd) {
    static char head[65536];
    static char *body = NULL;
    static size_t capacity = 0;
    size_t used = 0;
    for (;;) {
        char *end = NULL;
        head[used] = 0;
        end = strstr(head, "\r\n\r\n");
        while (!end && used < sizeof head - 1) {
            ssize_t n = recv(fd, head + used, sizeof head - 1 - used, 0);
            if (n <= 0) return;
            used += (size_t)n;
            head[used] = 0;
            end = strstr(head, "\r\n\r\n");
        }
        if (!end) return;
        end += 4;
        size_t length = 0;
        char *field = strcasestr(head, "\r\ncontent-length:");
        if (field && field < end) length = strtoull(field + 17, NULL, 10);
        char *expect = strcasestr(head, "\r\nexpect: 100-continue");
        if (expect && expect < end) send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        if (length > capacity) {
            body = realloc(body, length);
            if (!body) die("realloc");
            memset(body, 0, length);
            capacity = length;
        }
        size_t head_length = (size_t)(end - head), already = used - head_length;
        if (already > length) already = length;
        memcpy(body, end, already);
        receive_exactly(fd, body + already, length - already);
        const char *answer = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        send_all(fd, answer, strlen(answer));
        /* Whatever followed this request's body is the next request's. */
        size_t rest = used - head_length - already;
        memmove(head, end + already, rest);
        used = rest;
    }
}

static void sink(int port) {
    int server = listener(port);
    for (;;) {
        int fd = accept(server, NULL, NULL);
        if (fd < 0) continue;
        sink_connection(fd);
        close(fd);
    }
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads one answer's head into `head` (what follows it stays at the returned offset) and returns its
   Content-Length; `*got` is how many bytes of `head` were read, `*body_start` where the body begins. */
static size_t read_answer_head(int fd, char *head, size_t size, size_t *got, size_t *body_start) {
    size_t used = 0;
    char *end = NULL;
    while (!end) {
        if (used == size - 1) { fprintf(stderr, "answer head too long\n"); exit(1); }
        ssize_t n = recv(fd, head + used, size - 1 - used, 0);
        if (n <= 0) die("recv head");
        used += (size_t)n;
        head[used] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    if (strncmp(head, "HTTP/1.1 2", 10) != 0) { fprintf(stderr, "answer: %.*s\n", 80, head); exit(1); }
    char *field = strcasestr(head, "\r\ncontent-length:");
    *got = used;
    *body_start = (size_t)(end + 4 - head);
    return field ? strtoull(field + 17, NULL, 10) : 0;
}

static int put(int port, const char *path, const char *file, int rounds) {
    FILE *f = fopen(file, "rb");
    if (!f) die("fopen");
    fseek(f, 0, SEEK_END);
    size_t bytes = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *body = malloc(bytes ? bytes : 1);
    if (!body || fread(body, 1, bytes, f) != bytes) die("read file");
    fclose(f);
    char head[512], answer[65536];
    int head_length = snprintf(head, sizeof head, "PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-npy\r\n"
                               "Content-Length: %zu\r\n\r\n", path, bytes);
    int fd = connect_to(port);
    double best = 1e9;
    for (int r = 0; r <= rounds; r++) {  /* round 0 warms up (the first PUT creates the tensor) */
        double start = now();
        send_all(fd, head, (size_t)head_length);
        send_all(fd, body, bytes);
        size_t got, body_start;
        size_t length = read_answer_head(fd, answer, sizeof answer, &got, &body_start);
        if (body_start + length > got) receive_exactly(fd, answer + got, body_start + length - got);  /* a short JSON */
        double seconds = now() - start;
        if (r > 0 && seconds < best) best = seconds;
    }
    close(fd);
    printf("%.6f\n", best);
    return 0;
}

static int get(int port, const char *path, int rounds) {
    char request[512], head[65536];
    int request_length = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/x-npy\r\n\r\n", path);
    int fd = connect_to(port);
    char *buffer = NULL;
    size_t capacity = 0;
    double best = 1e9;
    for (int r = 0; r <= rounds; r++) {  /* round 0 sizes the buffer */
        double start = now();
        send_all(fd, request, (size_t)request_length);
        size_t got, body_start;
        size_t length = read_answer_head(fd, head, sizeof head, &got, &body_start);
        if (length > capacity) {  /* the first answer: size the buffer and touch it */
            buffer = realloc(buffer, length);
            if (!buffer) die("realloc");
            memset(buffer, 0, length);
            capacity = length;
        }
        size_t already = got - body_start < length ? got - body_start : length;
        memcpy(buffer, head + body_start, already);
        receive_exactly(fd, buffer + already, length - already);
        double seconds = now() - start;
        if (r > 0 && seconds < best) best = seconds;
    }
    close(fd);
    printf("%.6f\n", best);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "raw") == 0) return raw(strtoull(argv[2], NULL, 10), atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "sink") == 0) sink(atoi(argv[2]));  // serves until killed
    if (argc == 6 && strcmp(argv[1], "put") == 0) return put(atoi(argv[2]), argv[3], argv[4], atoi(argv[5]));
    if (argc == 5 && strcmp(argv[1], "get") == 0) return get(atoi(argv[2]), argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: %s raw BYTES ROUNDS | sink PORT | put PORT PATH FILE ROUNDS | get PORT PATH ROUNDS\n", argv[0]);
    return 2;
}

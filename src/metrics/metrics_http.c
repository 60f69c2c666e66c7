/*
 * metrics_http — the /metrics endpoint (include/constrictor/metrics.h).
 *
 * One thread, one poll(2) loop over the listening socket, a wake-up pipe and
 * at most CONN_MAX non-blocking connections.  The packet loop only ever
 * copies its counters into `snap` under `lock`; this thread copies them out
 * under the same lock and does everything else (formatting, sockets) on its
 * own time, so no client can make the capture wait longer than a memcpy.
 * A connection reads one request (at most REQ_MAX bytes, within
 * CONN_TIMEOUT_MS), gets one response and is closed (Connection: close).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <constrictor/constrictor.h>
#include <constrictor/metrics.h>

#include "metrics/metrics_int.h"

#define CONN_MAX        16
#define REQ_MAX         4096
#define CONN_TIMEOUT_MS 5000
#define RESP_MAX        (METRICS_TEXT_MAX + 512)

struct conn {
        int fd; /* -1: free */
        uint64_t deadline_ms;
        size_t in_len;
        size_t out_len, out_off; /* out_len > 0: answering */
        char in[REQ_MAX + 1];
        char out[RESP_MAX];
};

struct cst_metrics {
        int lfd;
        int wake[2]; /* a byte on wake[1] ends the thread */
        unsigned port;
        pthread_t thread;
        bool running;
        pthread_mutex_t lock;
        struct cst_pipeline_stats snap; /* guarded by lock */
        struct cst_pipeline_stats copy; /* the thread's: formatted outside the lock */
        char text[METRICS_TEXT_MAX];
        struct conn conns[CONN_MAX];
};

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void conn_close(struct conn *c)
{
        close(c->fd);
        c->fd = -1;
}

static void respond(struct conn *c, const char *status, const char *ctype, const char *body,
                    size_t body_len, const char *extra)
{
        int n = snprintf(c->out, sizeof(c->out),
                         "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                         "Connection: close\r\n\r\n",
                         status, ctype, body_len, extra);
        if (n < 0 || (size_t)n + body_len > sizeof(c->out)) {
                conn_close(c);
                return;
        }
        memcpy(c->out + n, body, body_len);
        c->out_len = (size_t)n + body_len;
        c->out_off = 0;
}

static void respond_error(struct conn *c, const char *status, const char *extra)
{
        char body[64];
        int n = snprintf(body, sizeof(body), "%s\n", status);
        respond(c, status, "text/plain; charset=utf-8", body, (size_t)n, extra);
}

/* A whole request head is in c->in: GET /metrics (a query string is ignored). */
static void handle(struct cst_metrics *m, struct conn *c)
{
        char *sp1 = strchr(c->in, ' ');
        char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        char *eol = strstr(c->in, "\r\n");
        if (!sp1 || !sp2 || !eol || sp2 > eol || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
                respond_error(c, "400 Bad Request", "");
                return;
        }
        *sp1 = *sp2 = '\0';
        size_t plen = strcspn(sp1 + 1, "?");
        bool is_metrics = plen == 8 && strncmp(sp1 + 1, "/metrics", 8) == 0;
        if (!is_metrics) {
                respond_error(c, "404 Not Found", "");
                return;
        }
        if (strcmp(c->in, "GET") != 0) {
                respond_error(c, "405 Method Not Allowed", "Allow: GET\r\n");
                return;
        }
        pthread_mutex_lock(&m->lock);
        m->copy = m->snap;
        pthread_mutex_unlock(&m->lock);
        size_t n = cst_metrics_text(m->text, sizeof(m->text), &m->copy);
        respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", m->text, n, "");
}

static void on_readable(struct cst_metrics *m, struct conn *c)
{
        ssize_t r = recv(c->fd, c->in + c->in_len, REQ_MAX - c->in_len, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (r <= 0) {
                conn_close(c);
                return;
        }
        c->in_len += (size_t)r;
        c->in[c->in_len] = '\0';
        if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n"))
                handle(m, c);
        else if (c->in_len >= REQ_MAX)
                respond_error(c, "431 Request Header Fields Too Large", "");
}

static void on_writable(struct conn *c)
{
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (w <= 0) {
                conn_close(c);
                return;
        }
        c->out_off += (size_t)w;
        if (c->out_off == c->out_len) {
                shutdown(c->fd, SHUT_WR);
                conn_close(c);
        }
}

static void on_accept(struct cst_metrics *m)
{
        int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return;
        for (int i = 0; i < CONN_MAX; i++) {
                struct conn *c = &m->conns[i];
                if (c->fd < 0) {
                        c->fd = fd;
                        c->deadline_ms = now_ms() + CONN_TIMEOUT_MS;
                        c->in_len = c->out_len = c->out_off = 0;
                        return;
                }
        }
        close(fd); /* full: the client retries at its next scrape */
}

static void *serve(void *arg)
{
        struct cst_metrics *m = arg;
        struct pollfd pf[CONN_MAX + 2];
        int idx[CONN_MAX];
        for (;;) {
                int n = 0;
                pf[n++] = (struct pollfd){m->wake[0], POLLIN, 0};
                pf[n++] = (struct pollfd){m->lfd, POLLIN, 0};
                uint64_t now = now_ms();
                for (int i = 0; i < CONN_MAX; i++) {
                        struct conn *c = &m->conns[i];
                        if (c->fd < 0)
                                continue;
                        if (now >= c->deadline_ms) {
                                conn_close(c);
                                continue;
                        }
                        idx[n - 2] = i;
                        pf[n++] = (struct pollfd){c->fd, c->out_len ? POLLOUT : POLLIN, 0};
                }
                if (poll(pf, (nfds_t)n, 500) < 0 && errno != EINTR)
                        break;
                if (pf[0].revents)
                        break;
                for (int k = 2; k < n; k++) {
                        struct conn *c = &m->conns[idx[k - 2]];
                        if (!pf[k].revents || c->fd < 0)
                                continue;
                        if (c->out_len)
                                on_writable(c);
                        else
                                on_readable(m, c);
                }
                if (pf[1].revents & POLLIN)
                        on_accept(m);
        }
        return NULL;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT", "PORT" -> host (NULL = 127.0.0.1) and port. */
static int split_addr(const char *addr, char *host, size_t hcap, const char **port)
{
        const char *colon = strrchr(addr, ':');
        if (!colon) {
                snprintf(host, hcap, "127.0.0.1");
                *port = addr;
                return 0;
        }
        size_t hl = (size_t)(colon - addr);
        const char *h = addr;
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
                h++;
                hl -= 2;
        }
        if (hl >= hcap)
                return -1;
        if (hl == 0)
                snprintf(host, hcap, "127.0.0.1");
        else
                snprintf(host, hcap, "%.*s", (int)hl, h);
        *port = colon + 1;
        return 0;
}

static int valid_port(const char *p)
{
        if (!*p || strlen(p) > 5)
                return 0;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        return 0;
        return atoi(p) <= 65535;
}

static int open_listener(struct cst_metrics *m, const char *addr, char *err)
{
        char host[256];
        const char *port;
        if (split_addr(addr, host, sizeof(host), &port) != 0 || !valid_port(port)) {
                snprintf(err, CST_ERRBUF,
                         "invalid metrics address '%.200s' (expected ADDR:PORT or :PORT)", addr);
                return CST_EFATAL;
        }
        struct addrinfo hints = {0}, *ai = NULL;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        int g = getaddrinfo(host, port, &hints, &ai);
        if (g != 0) {
                snprintf(err, CST_ERRBUF, "invalid metrics address '%.200s': %s", addr,
                         gai_strerror(g));
                return CST_EFATAL;
        }
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
        if (fd >= 0)
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, CONN_MAX) != 0) {
                snprintf(err, CST_ERRBUF, "cannot listen on metrics address %.200s: %s", addr,
                         strerror(errno));
                if (fd >= 0)
                        close(fd);
                freeaddrinfo(ai);
                return CST_EFATAL;
        }
        freeaddrinfo(ai);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
                if (ss.ss_family == AF_INET)
                        m->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
                else if (ss.ss_family == AF_INET6)
                        m->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        m->lfd = fd;
        return CST_OK;
}

int cst_metrics_listen(cst_metrics **out, const char *addr, char *err)
{
        *out = NULL;
        struct cst_metrics *m = calloc(1, sizeof(*m));
        if (!m) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        m->lfd = m->wake[0] = m->wake[1] = -1;
        for (int i = 0; i < CONN_MAX; i++)
                m->conns[i].fd = -1;
        pthread_mutex_init(&m->lock, NULL);
        if (open_listener(m, addr, err) != CST_OK)
                goto fail;
        if (pipe2(m->wake, O_CLOEXEC) != 0) {
                snprintf(err, CST_ERRBUF, "metrics: %s", strerror(errno));
                goto fail;
        }
        /* signals stay with the packet loop's thread: its waits must see EINTR */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int rc = pthread_create(&m->thread, NULL, serve, m);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
                snprintf(err, CST_ERRBUF, "metrics: cannot start a thread: %s", strerror(rc));
                goto fail;
        }
        m->running = true;
        *out = m;
        return CST_OK;
fail:
        cst_metrics_close(m);
        return CST_EFATAL;
}

void cst_metrics_publish(cst_metrics *m, const struct cst_pipeline_stats *st)
{
        if (!m)
                return;
        pthread_mutex_lock(&m->lock);
        m->snap = *st;
        pthread_mutex_unlock(&m->lock);
}

unsigned cst_metrics_port(const cst_metrics *m)
{
        return m ? m->port : 0;
}

void cst_metrics_close(cst_metrics *m)
{
        if (!m)
                return;
        if (m->running) {
                char b = 1;
                while (write(m->wake[1], &b, 1) < 0 && errno == EINTR)
                        ;
                pthread_join(m->thread, NULL);
        }
        for (int i = 0; i < CONN_MAX; i++)
                if (m->conns[i].fd >= 0)
                        close(m->conns[i].fd);
        if (m->lfd >= 0)
                close(m->lfd);
        if (m->wake[0] >= 0)
                close(m->wake[0]);
        if (m->wake[1] >= 0)
                close(m->wake[1]);
        pthread_mutex_destroy(&m->lock);
        free(m);
}

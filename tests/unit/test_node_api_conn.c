/* api_conn.c: the per-request receive deadline on a real evhttp server over loopback, driven by its own
 * event loop (the deadline here is 1 s; the checks before it come 50-100 ms after the start, far from it). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api_conn.h"
#include "node_testutil.h"

#define BIG_BODY (32u << 20) /* more than loopback's socket buffers hold */

typedef struct {
    struct event_base *base;
    struct evhttp *http;
    uint16_t port;
    int served;
} server;

/* Answers every request with 200 "ok", telling the tracker first (as api.c's router does). */
static void on_req(struct evhttp_request *req, void *arg)
{
    server *s = arg;
    cj_api_conn_dispatched(req);
    s->served++;
    struct evbuffer *b = evbuffer_new();
    if (strcmp(evhttp_request_get_uri(req), "/big") == 0) { /* BIG_BODY bytes: takes a while to download */
        char chunk[4096];
        memset(chunk, 'x', sizeof chunk);
        for (size_t i = 0; i < BIG_BODY / sizeof chunk; i++)
            evbuffer_add(b, chunk, sizeof chunk);
    } else {
        evbuffer_add(b, "ok", 2);
    }
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* A server on 127.0.0.1, ephemeral port, with the tracker's bufferevents. */
static void server_start(server *s, uint64_t timeout_ms)
{
    memset(s, 0, sizeof *s);
    s->base = event_base_new();
    assert_non_null(s->base);
    assert_int_equal(cj_api_conn_start(s->base, timeout_ms, 64 << 10), 0);
    s->http = evhttp_new(s->base);
    assert_non_null(s->http);
    evhttp_set_bevcb(s->http, cj_api_conn_bevcb, NULL);
    evhttp_set_gencb(s->http, on_req, s);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
    assert_non_null(bs);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
}

static void server_stop(server *s)
{
    evhttp_free(s->http);
    cj_api_conn_stop();
    event_base_free(s->base);
}

/* Runs the server's loop for ms milliseconds. */
static void run_for(server *s, long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(s->base, &tv);
    event_base_dispatch(s->base);
}

static int client(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* What the server sent so far (non-blocking); -1 if nothing is there, 0 at end of file. */
static ssize_t take(int fd, char *buf, size_t cap)
{
    ssize_t n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
    if (n >= 0) buf[n] = '\0';
    return n;
}

static void test_start_rejects_bad_arguments(void **state)
{
    (void)state;
    struct event_base *b = event_base_new();
    assert_int_equal(cj_api_conn_start(NULL, 100, 1), -1);
    assert_int_equal(cj_api_conn_start(b, 0, 1), -1);
    assert_int_equal(cj_api_conn_start(b, 100, 0), -1);
    assert_int_equal(cj_api_conn_tracked(), 0);
    cj_api_conn_stop(); /* not started: no-op */
    cj_api_conn_dispatched(NULL);
    assert_int_equal(cj_api_conn_start(b, 100, 1), 0);
    struct event_base *other = event_base_new();
    assert_int_equal(cj_api_conn_start(other, 100, 1), -1); /* one event base per process */
    cj_api_conn_stop();
    event_base_free(other);
    event_base_free(b);
}

static void test_trickled_request_is_closed_at_the_deadline(void **state)
{
    (void)state;
    server s;
    server_start(&s, 1000);
    int fd = client(s.port);
    char buf[4096];
    assert_int_equal(send(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a", 34, 0), 34);
    run_for(&s, 50);
    assert_int_equal(cj_api_conn_tracked(), 1);
    assert_int_equal(take(fd, buf, sizeof buf), -1); /* still open: 50 ms into a 1 s deadline */
    assert_int_equal(send(fd, "a", 1, 0), 1);        /* bytes keep coming: evhttp's inactivity timer resets */
    run_for(&s, 50);
    assert_int_equal(send(fd, "a", 1, 0), 1);
    run_for(&s, 1200);
    assert_int_equal(take(fd, buf, sizeof buf), 0); /* end of file from the server */
    assert_int_equal(s.served, 0);
    run_for(&s, 20);
    assert_int_equal(cj_api_conn_tracked(), 0);
    close(fd);
    server_stop(&s);
}

static void test_deadline_restarts_with_every_request(void **state)
{
    (void)state;
    server s;
    server_start(&s, 1000);
    int fd = client(s.port);
    char buf[4096];
    for (int i = 0; i < 5; i++) { /* 5 x 300 ms on one connection: past one 1 s deadline */
        const char *req = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
        run_for(&s, 300);
        assert_true(take(fd, buf, sizeof buf) > 0);
        assert_non_null(strstr(buf, "HTTP/1.1 200"));
    }
    assert_int_equal(s.served, 5);
    assert_int_equal(cj_api_conn_tracked(), 1);
    close(fd); /* the close callback frees the record */
    run_for(&s, 30);
    assert_int_equal(cj_api_conn_tracked(), 0);
    server_stop(&s);
}

static void test_client_gone_before_the_deadline(void **state)
{
    (void)state;
    server s;
    server_start(&s, 1000);
    int fd = client(s.port);
    assert_int_equal(send(fd, "GET / HT", 8, 0), 8);
    run_for(&s, 50);
    assert_int_equal(cj_api_conn_tracked(), 1);
    close(fd); /* never dispatched: evhttp reports no close, the deadline finds the socket gone */
    int fd2 = client(s.port); /* may reuse the descriptor number: a different socket (inode) */
    run_for(&s, 1200);
    assert_int_equal(cj_api_conn_tracked(), 0);
    const char *req = "GET /y HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd2, req, strlen(req), 0), (ssize_t)strlen(req));
    run_for(&s, 100);
    char buf[4096];
    assert_true(take(fd2, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    close(fd2);
    run_for(&s, 20);
    server_stop(&s);
}

/* Reads what the server sends while its loop runs, until total bytes arrived, end of file, or ms passed.
 * Returns the bytes read (the end-of-file flag in *eof). */
static size_t drain_for(server *s, int fd, size_t total, long ms, int *eof)
{
    static char buf[1 << 16];
    size_t got = 0;
    *eof = 0;
    for (long t = 0; t < ms && got < total && !*eof; t += 20) {
        run_for(s, 20);
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0) *eof = 1;
            if (n <= 0) break;
            got += (size_t)n;
        }
    }
    return got;
}

static void test_pipelined_byte_does_not_cut_a_slow_download(void **state)
{
    (void)state;
    server s;
    server_start(&s, 1000);
    int fd = client(s.port);
    int eof = 0;
    const char *req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    run_for(&s, 100);
    assert_int_equal(send(fd, "G", 1, 0), 1); /* the next request's first byte, while the response is queued */
    run_for(&s, 1500);                       /* not reading: the download outlasts the 1 s deadline */
    size_t got = drain_for(&s, fd, BIG_BODY + 1, 15000, &eof);
    assert_true(got > BIG_BODY);             /* headers + the whole body, not cut at the deadline */
    assert_int_equal(s.served, 1);
    /* the pipelined request's deadline starts when the response is sent: now it is enforced */
    got = drain_for(&s, fd, 1, 2000, &eof);
    assert_int_equal(got, 0);
    assert_int_equal(eof, 1);
    close(fd);
    run_for(&s, 20);
    server_stop(&s);
}

static void test_too_much_sent_ahead_of_a_response_closes(void **state)
{
    (void)state;
    server s;
    server_start(&s, 1000); /* 64 KiB may be sent ahead */
    int fd = client(s.port);
    int eof = 0;
    const char *req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    run_for(&s, 100);
    static char junk[128 << 10];
    memset(junk, 'a', sizeof junk);
    assert_int_equal(send(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
    run_for(&s, 200);
    size_t got = drain_for(&s, fd, BIG_BODY + 1, 5000, &eof);
    assert_true(got < BIG_BODY); /* shut down before the whole response went out */
    assert_int_equal(eof, 1);
    close(fd);
    run_for(&s, 20);
    server_stop(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as coinjectured does: a write to a shut-down socket is an error, not death */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_rejects_bad_arguments),
        cmocka_unit_test(test_trickled_request_is_closed_at_the_deadline),
        cmocka_unit_test(test_deadline_restarts_with_every_request),
        cmocka_unit_test(test_client_gone_before_the_deadline),
        cmocka_unit_test(test_pipelined_byte_does_not_cut_a_slow_download),
        cmocka_unit_test(test_too_much_sent_ahead_of_a_response_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

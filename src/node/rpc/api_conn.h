/* A total deadline for receiving each HTTP API request, which libevent 2.1's evhttp lacks: its timeouts are
 * inactivity timeouts, so a client trickling one byte per half timeout held a connection for hours.
 *
 * Every connection evhttp accepts gets its socket bufferevent from cj_api_conn_bevcb, with a callback on its
 * input buffer. The first bytes of a request start its deadline; cj_api_conn_dispatched (called by the
 * request handler) stops it. At the deadline the connection's socket is shut down, so evhttp sees end of
 * file and frees the connection from its own callbacks. Nothing here ever frees a bufferevent.
 *
 * evhttp 2.1 reports no connection's end before a first request was dispatched, so a connection is
 * identified by its socket's (device, inode) as well as its descriptor: a deadline whose socket is gone
 * (or whose descriptor now names another socket) only frees its record. Records exist only for connections
 * that sent bytes; at most CJ_API_CONN_MAX_TRACKED are kept: when full, the records of closed connections
 * are swept first, and if it is still full a new sender is shut down at once. Bytes that arrive while a
 * response is being written start their deadline when it is sent (a slow download is not cut short).
 *
 * Every answer comes from the node. evhttp 2.1 answers what never reaches a handler (a malformed request
 * line, header or chunk size, headers over the limit, a body over the hard cap) itself, with an HTML page
 * that no handler sees; it has no hook for that. A callback on each connection's output buffer sees it
 * being written (bytes added while no request of the connection is dispatched, starting with a status
 * line of 400 or more) and puts the node's JSON error in its place before a byte of it is sent: status 400,
 * 413, or 414 / 431 when the request line / the head was over the header limit (evhttp says 400 for both),
 * counted in http_requests_total{endpoint="other",method="OTHER"}. Interim answers (100 Continue) pass.
 *
 * A reply sent with cj_api_conn_send stops reading until it is written: evhttp 2.1 reads on while it
 * writes, only to notice a close, and frees the connection at a client's end of file (a client that
 * half-closes after its request) with the reply still queued. Whatever is sent ahead waits in the kernel.
 * State is per process (every API server of the process shares it); not thread-safe (event loop only). */
#ifndef CJ_API_CONN_H
#define CJ_API_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>

#define CJ_API_CONN_MAX_TRACKED 65536

/* Starts (or, for a further API server, joins) the tracker on base; request_timeout_ms >= 1 is the time
 * from a request's first byte to its dispatch (the latest call's value applies). Returns 0, or -1 on bad
 * arguments, out of memory, or a base other than the first user's. max_pipelined >= 1: bytes a client may
 * send while its previous response is still being written (the next request's; evhttp 2.1 buffers them
 * without bound); more and the connection is shut down. */
int cj_api_conn_start(struct event_base *base, uint64_t request_timeout_ms, size_t max_pipelined);

/* Leaves the tracker; the last user frees every record. Call after evhttp_free. */
void cj_api_conn_stop(void);

/* evhttp_set_bevcb callback (arg unused): a socket bufferevent with the request-start callback, or NULL
 * when out of memory (evhttp then makes a plain one, without a deadline). */
struct bufferevent *cj_api_conn_bevcb(struct event_base *base, void *arg);

/* The request was received completely: stops its deadline (the next bytes start the next request's). */
void cj_api_conn_dispatched(struct evhttp_request *req);

/* The head size evhttp allows (evhttp_set_max_headers_size): beyond it an evhttp 400 becomes 414 or 431.
 * 0 (the default) keeps 400. The latest call applies. */
void cj_api_conn_set_max_headers(size_t max_headers_size);

/* evhttp_send_reply, then no reading on the connection until the reply is written (see above). */
void cj_api_conn_send(struct evhttp_request *req, int code, const char *reason, struct evbuffer *body);

/* Records held now (connections that sent bytes and are open or whose end is not yet known). */
size_t cj_api_conn_tracked(void);

#endif

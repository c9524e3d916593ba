/* tls_transport: the raft_uv_transport interface, connections' life, incoming and
 * outgoing connections (see tls_transport.h); tls_session.c runs each connection's TLS
 * session, hello and relay. */
#include "node/raft/tls_transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/raft/tls_conn.h"

/* ---- Small helpers. ---- */

/* Tells the node why a connection was refused or could not be made. */
void tls_say(struct conn* c, const char* why) {
  char line[512];
  if (c->tr->log == NULL) return;
  if (c->outgoing) {
    snprintf(line, sizeof line, "raft peer %s: cannot connect over TLS (%s)", c->peer, why);
  } else {
    snprintf(line, sizeof line, "raft connection from %s refused (%s)", c->peer, why);
  }
  c->tr->log(c->tr->log_user, line);
}

/* Splits "host:port" or "[v6]:port". */
static bool split_address(const char* address, char* host, size_t host_size, char* port,
                          size_t port_size) {
  const char* colon = strrchr(address, ':');
  const char* start = address;
  size_t length;
  if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= port_size) return false;
  length = (size_t)(colon - address);
  if (address[0] == '[' && length >= 2 && address[length - 1] == ']') {
    start = address + 1;
    length -= 2;
  }
  if (length == 0 || length >= host_size) return false;
  memcpy(host, start, length);
  host[length] = '\0';
  strcpy(port, colon + 1);
  return true;
}

/* ---- Connection life. ---- */

static struct conn* conn_new(struct transport* tr, bool outgoing) {
  struct conn* c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->tr = tr;
  c->outgoing = outgoing;
  c->req_status = RAFT_NOCONNECTION;
  c->next = tr->conns;
  if (tr->conns != NULL) tr->conns->prev = c;
  tr->conns = c;
  return c;
}

static void maybe_fire_close(struct transport* tr) {
  raft_uv_transport_close_cb cb = tr->close_cb;
  if (!tr->closing || !tr->listener_closed || tr->conns != NULL || cb == NULL) return;
  tr->close_cb = NULL;
  cb(tr->t);
}

/* The connection no longer waits for its hello. */
void tls_settle(struct conn* c) {
  if (!c->pending) return;
  c->pending = false;
  c->tr->pending--;
}

static void conn_maybe_free(struct conn* c) {
  struct transport* tr = c->tr;
  struct raft_uv_connect* req = c->req;
  int status = tr->closing ? RAFT_CANCELED : c->req_status;
  if (c->state != CONN_CLOSING || c->handles > 0 || c->resolving) return;
  if (c->prev != NULL) c->prev->next = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  if (tr->conns == c) tr->conns = c->next;
  if (c->ssl != NULL) SSL_free(c->ssl); /* Frees both BIOs too. */
  free(c);
  if (req != NULL) req->cb(req, NULL, status);
  maybe_fire_close(tr);
}

static void on_conn_handle_closed(uv_handle_t* handle) {
  struct conn* c = handle->data;
  c->handles--;
  conn_maybe_free(c);
}

void tls_close_handle(uv_handle_t* handle, bool* open) {
  if (!*open) return;
  *open = false;
  uv_close(handle, on_conn_handle_closed);
}

/* Closes the connection; an outgoing request not yet answered gets `req_status`. */
void tls_conn_close(struct conn* c, int req_status) {
  if (c->state == CONN_CLOSING) return;
  c->state = CONN_CLOSING;
  c->req_status = req_status;
  tls_settle(c);
  if (c->resolving) uv_cancel((uv_req_t*)&c->resolve);
  tls_close_handle((uv_handle_t*)&c->tcp, &c->tcp_open);
  tls_close_handle((uv_handle_t*)&c->timer, &c->timer_open);
  tls_close_handle((uv_handle_t*)&c->local, &c->local_open);
  conn_maybe_free(c);
}

void tls_refuse(struct conn* c, const char* why) {
  tls_say(c, why);
  ERR_clear_error(); /* So the next connection's reason is its own. */
  tls_conn_close(c, RAFT_NOCONNECTION);
}

static void on_timeout(uv_timer_t* timer) {
  tls_refuse(timer->data, "no TLS handshake and hello within 10 seconds");
}

static int start_timer(struct conn* c) {
  int rv = uv_timer_init(c->tr->loop, &c->timer);
  if (rv != 0) return rv;
  c->timer.data = c;
  c->timer_open = true;
  c->handles++;
  return uv_timer_start(&c->timer, on_timeout, HANDSHAKE_TIMEOUT_MS, 0);
}

/* ---- Incoming. ---- */

/* Names the remote: its host (c->host) and host:port (c->peer). */
static void name_peer(struct conn* c) {
  struct sockaddr_storage address;
  int length = sizeof address;
  strcpy(c->host, "?");
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr*)&address, &length) != 0) return;
  if (address.ss_family == AF_INET6) {
    uv_ip6_name((struct sockaddr_in6*)&address, c->host, INET6_ADDRSTRLEN);
    snprintf(c->peer, sizeof c->peer, "[%s]:%d", c->host,
             ntohs(((struct sockaddr_in6*)&address)->sin6_port));
    return;
  }
  uv_ip4_name((struct sockaddr_in*)&address, c->host, INET6_ADDRSTRLEN);
  snprintf(c->peer, sizeof c->peer, "%s:%d", c->host,
           ntohs(((struct sockaddr_in*)&address)->sin_port));
}

/* How many incoming connections from `c`'s host, other than `c`, wait for their hello. */
static unsigned pending_from_host(const struct conn* c) {
  unsigned n = 0;
  for (const struct conn* other = c->tr->conns; other != NULL; other = other->next) {
    if (other != c && other->pending && strcmp(other->host, c->host) == 0) n++;
  }
  return n;
}

static void free_handle(uv_handle_t* handle) {
  free(handle);
}

/* Accepts a connection only to close it: libuv stops watching a listener whose
 * connection callback did not accept. */
static void turn_away(struct transport* tr, uv_stream_t* listener) {
  uv_tcp_t* tcp = malloc(sizeof *tcp);
  if (tcp == NULL || uv_tcp_init(tr->loop, tcp) != 0) {
    free(tcp);
    return;
  }
  uv_accept(listener, (uv_stream_t*)tcp);
  uv_close((uv_handle_t*)tcp, free_handle);
}

static void on_connection(uv_stream_t* listener, int status) {
  struct transport* tr = listener->data;
  struct conn* c = NULL;
  if (status != 0) return;
  if (tr->closing || tr->pending >= PENDING_MAX || (c = conn_new(tr, false)) == NULL ||
      uv_tcp_init(tr->loop, &c->tcp) != 0) {
    if (c != NULL) tls_conn_close(c, RAFT_NOCONNECTION);
    turn_away(tr, listener);
    return;
  }
  c->state = CONN_HANDSHAKE;
  c->pending = true;
  tr->pending++;
  c->tcp.data = c;
  c->tcp_open = true;
  c->handles++;
  if (uv_accept(listener, (uv_stream_t*)&c->tcp) != 0) {
    tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  name_peer(c);
  if (pending_from_host(c) >= PENDING_PER_HOST_MAX) {
    tls_conn_close(c, RAFT_NOCONNECTION); /* Quietly: a flood would flood the log too. */
    return;
  }
  if (start_timer(c) != 0 || tls_start(c) != 0) tls_conn_close(c, RAFT_NOCONNECTION);
}

/* ---- Outgoing. ---- */

static void on_connected(uv_connect_t* req, int status) {
  struct conn* c = req->data;
  if (c->state == CONN_CLOSING) return;
  if (status != 0 || tls_start(c) != 0) {
    tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  tls_pump(c); /* Sends the ClientHello. */
}

static void on_resolved(uv_getaddrinfo_t* req, int status, struct addrinfo* found) {
  struct conn* c = req->data;
  c->resolving = false;
  if (c->state == CONN_CLOSING || status != 0) {
    if (found != NULL) uv_freeaddrinfo(found);
    if (c->state == CONN_CLOSING)
      conn_maybe_free(c);
    else
      tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  c->state = CONN_CONNECTING;
  if (uv_tcp_init(c->tr->loop, &c->tcp) == 0) {
    c->tcp.data = c;
    c->tcp_open = true;
    c->handles++;
  }
  c->connect.data = c;
  if (!c->tcp_open || start_timer(c) != 0 ||
      uv_tcp_connect(&c->connect, &c->tcp, found->ai_addr, on_connected) != 0) {
    tls_conn_close(c, RAFT_NOCONNECTION);
  }
  uv_freeaddrinfo(found);
}

/* ---- The raft_uv_transport interface. ---- */

static int transport_init(struct raft_uv_transport* t, raft_id id, const char* address) {
  struct transport* tr = t->impl;
  if (strlen(address) > ADDRESS_MAX) return RAFT_NAMETOOLONG;
  tr->id = id;
  strcpy(tr->address, address);
  return 0;
}

static int transport_listen(struct raft_uv_transport* t, raft_uv_accept_cb cb) {
  struct transport* tr = t->impl;
  struct addrinfo hints = {0}, *found = NULL;
  char host[ADDRESS_MAX + 1], port[8];
  int rv;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (!split_address(tr->address, host, sizeof host, port, sizeof port) ||
      getaddrinfo(host, port, &hints, &found) != 0) {
    snprintf(t->errmsg, sizeof t->errmsg, "cannot resolve the raft address %.200s", tr->address);
    return RAFT_IOERR;
  }
  uv_tcp_init(tr->loop, &tr->listener);
  tr->listener.data = tr;
  tr->listener_open = true;
  tr->listener_closed = false;
  rv = uv_tcp_bind(&tr->listener, found->ai_addr, 0);
  if (rv == 0) rv = uv_listen((uv_stream_t*)&tr->listener, LISTEN_BACKLOG, on_connection);
  freeaddrinfo(found);
  if (rv != 0) {
    snprintf(t->errmsg, sizeof t->errmsg, "cannot listen on %.200s: %s", tr->address,
             uv_strerror(rv));
    return RAFT_IOERR;
  }
  tr->accept_cb = cb;
  return 0;
}

static int transport_connect(struct raft_uv_transport* t, struct raft_uv_connect* req, raft_id id,
                             const char* address, raft_uv_connect_cb cb) {
  struct transport* tr = t->impl;
  struct addrinfo hints = {0};
  struct conn* c;
  (void)id;
  req->cb = cb;
  if (tr->closing) return RAFT_CANCELED;
  c = conn_new(tr, true);
  if (c == NULL) return RAFT_NOMEM;
  c->state = CONN_RESOLVING;
  c->req = req;
  c->resolve.data = c;
  snprintf(c->peer, sizeof c->peer, "%s", address);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (!split_address(address, c->host, sizeof c->host, c->port, sizeof c->port) ||
      uv_getaddrinfo(tr->loop, &c->resolve, on_resolved, c->host, c->port, &hints) != 0) {
    c->req = NULL; /* Refused at once: libraft gets the error, not a callback. */
    tls_conn_close(c, RAFT_NOCONNECTION);
    return RAFT_NOCONNECTION;
  }
  c->resolving = true;
  return 0;
}

static void on_listener_closed(uv_handle_t* handle) {
  struct transport* tr = handle->data;
  tr->listener_closed = true;
  maybe_fire_close(tr);
}

static void transport_close(struct raft_uv_transport* t, raft_uv_transport_close_cb cb) {
  struct transport* tr = t->impl;
  struct conn* c = tr->conns;
  tr->closing = true;
  tr->close_cb = cb;
  if (tr->listener_open) {
    tr->listener_open = false;
    uv_close((uv_handle_t*)&tr->listener, on_listener_closed);
  }
  while (c != NULL) {
    struct conn* next = c->next;
    tls_conn_close(c, RAFT_CANCELED);
    c = next;
  }
  maybe_fire_close(tr);
}

int kyoso_tls_transport_init(struct raft_uv_transport* t, struct uv_loop_s* loop,
                             struct ssl_ctx_st* context, kyoso_tls_log_fn log, void* log_user) {
  struct transport* tr = calloc(1, sizeof *tr);
  if (tr == NULL) return RAFT_NOMEM;
  tr->t = t;
  tr->listener_closed = true; /* Until listen opens it. */
  tr->loop = loop;
  tr->context = context;
  tr->log = log;
  tr->log_user = log_user;
  t->impl = tr;
  t->init = transport_init;
  t->listen = transport_listen;
  t->connect = transport_connect;
  t->close = transport_close;
  return 0;
}

void kyoso_tls_transport_free(struct raft_uv_transport* t) {
  free(t->impl);
  t->impl = NULL;
}

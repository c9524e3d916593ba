/* tls_transport: see tls_transport.h. */
#include "node/raft/tls_transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <raft.h>
#include <raft/uv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define HELLO_MAGIC "KYRAFT01"
#define HELLO_FIXED 18 /* magic (8), raft id (8, little-endian), address length (2). */
#define ADDRESS_MAX 255
#define HANDSHAKE_TIMEOUT_MS 10000
#define BUFFER_SIZE 65536
#define LISTEN_BACKLOG 64
#define PENDING_MAX 64         /* Incoming connections not yet handed to libraft, at most... */
#define PENDING_PER_HOST_MAX 8 /* ...and from one host. */

enum conn_state {
  CONN_RESOLVING,  /* Outgoing: looking the peer's host up. */
  CONN_CONNECTING, /* Outgoing: TCP connect in flight. */
  CONN_HANDSHAKE,  /* TLS handshake. */
  CONN_HELLO,      /* Incoming: waiting for the peer's hello. */
  CONN_RELAY,      /* libraft has the stream; bytes flow both ways. */
  CONN_CLOSING,    /* Handles closing; freed once all are closed. */
};

struct transport {
  struct raft_uv_transport* t;
  uv_loop_t* loop;
  SSL_CTX* context;
  kyoso_tls_log_fn log;
  void* log_user;
  raft_id id;
  char address[ADDRESS_MAX + 1];
  uv_tcp_t listener;
  bool listener_open;   /* Initialised and not yet asked to close. */
  bool listener_closed; /* Its close callback has run (or it never was opened). */
  unsigned pending;     /* Incoming connections before their hello, for PENDING_MAX. */
  raft_uv_accept_cb accept_cb;
  struct conn* conns;
  bool closing;
  raft_uv_transport_close_cb close_cb;
  char wire[BUFFER_SIZE];  /* What libuv reads into (one loop thread, used at once). */
  char plain[BUFFER_SIZE]; /* What SSL_read decrypts into. */
};

struct conn {
  struct transport* tr;
  struct conn* prev;
  struct conn* next;
  enum conn_state state;
  bool outgoing;
  struct raft_uv_connect* req; /* Outgoing: libraft's request until it is answered. */
  int req_status;              /* What the request is answered with if it fails. */
  char host[ADDRESS_MAX + 1];
  char port[8];
  char peer[ADDRESS_MAX + 16]; /* The remote, for messages. */
  bool resolving;
  uv_getaddrinfo_t resolve;
  uv_connect_t connect;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_pipe_t local; /* Our end of the socket pair. */
  bool tcp_open, timer_open, local_open;
  bool pending;     /* Counted in the transport's pending (incoming, before the hello). */
  unsigned handles; /* Handles closing whose callback has not run yet, or open. */
  SSL* ssl;
  BIO* in;  /* Ciphertext from the network, read by OpenSSL. */
  BIO* out; /* Ciphertext OpenSSL wrote, to send. */
  unsigned char hello[HELLO_FIXED + ADDRESS_MAX];
  size_t hello_len;
};

struct write_req {
  uv_write_t req;
  char data[];
};

static void conn_close(struct conn* c, int req_status);

/* ---- Small helpers. ---- */

/* Tells the node why a connection was refused or could not be made. */
static void say(struct conn* c, const char* why) {
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

static bool is_ip_literal(const char* host) {
  unsigned char scratch[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host, scratch) == 1 || inet_pton(AF_INET6, host, scratch) == 1;
}

static void on_written(uv_write_t* req, int status) {
  (void)status; /* A failed write shows on the read side, which closes the connection. */
  free(req);
}

static int write_copy(uv_stream_t* stream, const void* data, size_t size) {
  struct write_req* w = malloc(sizeof *w + size);
  uv_buf_t buf;
  int rv;
  if (w == NULL) return UV_ENOMEM;
  memcpy(w->data, data, size);
  buf = uv_buf_init(w->data, (unsigned)size);
  rv = uv_write(&w->req, stream, &buf, 1, on_written);
  if (rv != 0) free(w);
  return rv;
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  struct conn* c = handle->data;
  (void)suggested;
  *buf = uv_buf_init(c->tr->wire, sizeof c->tr->wire);
}

/* Sends whatever OpenSSL has written to the outgoing BIO. */
static int flush_tls(struct conn* c) {
  size_t pending = BIO_ctrl_pending(c->out);
  struct write_req* w;
  uv_buf_t buf;
  int rv;
  if (pending == 0) return 0;
  w = malloc(sizeof *w + pending);
  if (w == NULL) return UV_ENOMEM;
  BIO_read(c->out, w->data, (int)pending);
  buf = uv_buf_init(w->data, (unsigned)pending);
  rv = uv_write(&w->req, (uv_stream_t*)&c->tcp, &buf, 1, on_written);
  if (rv != 0) free(w);
  return rv;
}

/* The reason OpenSSL gives for the last failure on this connection. */
static const char* tls_reason(struct conn* c) {
  long verify = SSL_get_verify_result(c->ssl);
  unsigned long error = ERR_peek_error();
  if (verify == X509_V_ERR_APPLICATION_VERIFICATION) {
    return "its certificate does not have the role node";
  }
  if (verify != X509_V_OK) return X509_verify_cert_error_string(verify);
  if (error != 0 && ERR_reason_error_string(error) != NULL) return ERR_reason_error_string(error);
  return "the connection closed during the handshake";
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
static void settle(struct conn* c) {
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

static void close_handle(uv_handle_t* handle, bool* open) {
  if (!*open) return;
  *open = false;
  uv_close(handle, on_conn_handle_closed);
}

/* Closes the connection; an outgoing request not yet answered gets `req_status`. */
static void conn_close(struct conn* c, int req_status) {
  if (c->state == CONN_CLOSING) return;
  c->state = CONN_CLOSING;
  c->req_status = req_status;
  settle(c);
  if (c->resolving) uv_cancel((uv_req_t*)&c->resolve);
  close_handle((uv_handle_t*)&c->tcp, &c->tcp_open);
  close_handle((uv_handle_t*)&c->timer, &c->timer_open);
  close_handle((uv_handle_t*)&c->local, &c->local_open);
  conn_maybe_free(c);
}

static void refuse(struct conn* c, const char* why) {
  say(c, why);
  ERR_clear_error(); /* So the next connection's reason is its own. */
  conn_close(c, RAFT_NOCONNECTION);
}

static void on_timeout(uv_timer_t* timer) {
  refuse(timer->data, "no TLS handshake and hello within 10 seconds");
}

static int start_timer(struct conn* c) {
  int rv = uv_timer_init(c->tr->loop, &c->timer);
  if (rv != 0) return rv;
  c->timer.data = c;
  c->timer_open = true;
  c->handles++;
  return uv_timer_start(&c->timer, on_timeout, HANDSHAKE_TIMEOUT_MS, 0);
}

/* ---- The relay. ---- */

static void on_local_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  struct conn* c = stream->data;
  if (c->state != CONN_RELAY) return;
  if (nread < 0) { /* libraft closed its end. */
    conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  ERR_clear_error();
  if (nread > 0 && (SSL_write(c->ssl, buf->base, (int)nread) <= 0 || flush_tls(c) != 0)) {
    conn_close(c, RAFT_NOCONNECTION);
  }
}

static void free_stream(uv_handle_t* handle) {
  raft_free(handle);
}

/* Makes the socket pair: our end starts reading, the other end is libraft's stream. */
static uv_stream_t* open_pair(struct conn* c) {
  int fds[2];
  uv_pipe_t* theirs = raft_malloc(sizeof *theirs);
  if (theirs == NULL) return NULL;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    raft_free(theirs);
    return NULL;
  }
  uv_pipe_init(c->tr->loop, &c->local, 0);
  c->local.data = c;
  c->local_open = true;
  c->handles++;
  uv_pipe_init(c->tr->loop, theirs, 0);
  if (uv_pipe_open(&c->local, fds[0]) != 0) {
    close(fds[0]);
    close(fds[1]);
    goto fail;
  }
  if (uv_pipe_open(theirs, fds[1]) != 0) {
    close(fds[1]);
    goto fail;
  }
  if (uv_read_start((uv_stream_t*)&c->local, on_alloc, on_local_read) != 0) goto fail;
  return (uv_stream_t*)theirs;

fail:
  uv_close((uv_handle_t*)theirs, free_stream); /* Closes its end if it was opened. */
  return NULL;
}

static void relay_to_raft(struct conn* c, const char* data, size_t size) {
  if (size > 0 && write_copy((uv_stream_t*)&c->local, data, size) != 0) {
    conn_close(c, RAFT_NOCONNECTION);
  }
}

/* ---- The hello. ---- */

static uint64_t read_le(const unsigned char* p, unsigned bytes) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; i++) value |= (uint64_t)p[i] << (8 * i);
  return value;
}

static bool send_hello(struct conn* c) {
  unsigned char hello[HELLO_FIXED + ADDRESS_MAX];
  size_t length = strlen(c->tr->address);
  memcpy(hello, HELLO_MAGIC, 8);
  for (unsigned i = 0; i < 8; i++) hello[8 + i] = (unsigned char)(c->tr->id >> (8 * i));
  hello[16] = (unsigned char)(length & 0xff);
  hello[17] = (unsigned char)(length >> 8);
  memcpy(hello + HELLO_FIXED, c->tr->address, length);
  return SSL_write(c->ssl, hello, (int)(HELLO_FIXED + length)) > 0;
}

/* Takes hello bytes; returns how many of `size` it used, or -1 for a bad hello. Once the
 * hello is whole, hands the stream to libraft. */
static long take_hello(struct conn* c, const char* data, size_t size) {
  size_t want = HELLO_FIXED, used;
  size_t address_length;
  char address[ADDRESS_MAX + 1];
  uv_stream_t* stream;
  if (c->hello_len >= HELLO_FIXED) want += read_le(c->hello + 16, 2);
  used = want - c->hello_len < size ? want - c->hello_len : size;
  memcpy(c->hello + c->hello_len, data, used);
  c->hello_len += used;
  if (c->hello_len == HELLO_FIXED) {
    address_length = (size_t)read_le(c->hello + 16, 2);
    if (memcmp(c->hello, HELLO_MAGIC, 8) != 0 || address_length == 0 ||
        address_length > ADDRESS_MAX) {
      return -1;
    }
    if (used < size) {
      long rest = take_hello(c, data + used, size - used);
      return rest < 0 ? -1 : (long)used + rest;
    }
    return (long)used;
  }
  if (c->hello_len < want) return (long)used;
  address_length = c->hello_len - HELLO_FIXED;
  memcpy(address, c->hello + HELLO_FIXED, address_length);
  address[address_length] = '\0';
  stream = open_pair(c);
  if (stream == NULL) return -1;
  c->state = CONN_RELAY;
  settle(c);
  close_handle((uv_handle_t*)&c->timer, &c->timer_open);
  c->tr->accept_cb(c->tr->t, (raft_id)read_le(c->hello + 8, 8), address, stream);
  return (long)used;
}

/* ---- Driving the TLS session. ---- */

static void read_plaintext(struct conn* c) {
  struct transport* tr = c->tr;
  while (c->state == CONN_HELLO || c->state == CONN_RELAY) {
    int n = SSL_read(c->ssl, tr->plain, sizeof tr->plain);
    if (n <= 0) {
      int error = SSL_get_error(c->ssl, n);
      if (error == SSL_ERROR_WANT_READ) return;
      /* In TLS 1.3 the dialling side learns only now that the peer refused it. */
      if (error == SSL_ERROR_SSL && c->outgoing) say(c, tls_reason(c));
      ERR_clear_error();
      conn_close(c, RAFT_NOCONNECTION);
      return;
    }
    if (c->state == CONN_HELLO) {
      long used = take_hello(c, tr->plain, (size_t)n);
      if (used < 0) {
        refuse(c, "its hello is not a Kyoso raft hello");
        return;
      }
      if (c->state == CONN_RELAY) relay_to_raft(c, tr->plain + used, (size_t)(n - used));
    } else {
      relay_to_raft(c, tr->plain, (size_t)n);
    }
  }
}

/* The handshake finished: an outgoing connection says hello and goes to libraft. */
static void handshake_done(struct conn* c) {
  struct raft_uv_connect* req = c->req;
  uv_stream_t* stream;
  if (!c->outgoing) {
    c->state = CONN_HELLO;
    return;
  }
  if (!send_hello(c)) {
    conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  stream = open_pair(c);
  if (stream == NULL) {
    conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  c->state = CONN_RELAY;
  close_handle((uv_handle_t*)&c->timer, &c->timer_open);
  c->req = NULL;
  req->cb(req, stream, 0);
}

static void pump(struct conn* c) {
  ERR_clear_error();
  if (c->state == CONN_HANDSHAKE) {
    int rv = SSL_do_handshake(c->ssl);
    if (rv != 1) {
      if (SSL_get_error(c->ssl, rv) != SSL_ERROR_WANT_READ) {
        flush_tls(c); /* The alert that tells the peer why. */
        refuse(c, tls_reason(c));
        return;
      }
    } else {
      handshake_done(c);
    }
  }
  read_plaintext(c);
  if (c->state != CONN_CLOSING && flush_tls(c) != 0) conn_close(c, RAFT_NOCONNECTION);
}

static void on_tcp_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  struct conn* c = stream->data;
  if (c->state == CONN_CLOSING) return;
  if (nread < 0) {
    if (c->state == CONN_HANDSHAKE)
      refuse(c, tls_reason(c));
    else
      conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  if (nread > 0) BIO_write(c->in, buf->base, (int)nread);
  pump(c);
}

static int start_tls(struct conn* c) {
  c->ssl = SSL_new(c->tr->context);
  c->in = BIO_new(BIO_s_mem());
  c->out = BIO_new(BIO_s_mem());
  if (c->ssl == NULL || c->in == NULL || c->out == NULL) {
    BIO_free(c->in);
    BIO_free(c->out);
    c->in = c->out = NULL;
    return -1;
  }
  SSL_set_bio(c->ssl, c->in, c->out);
  if (c->outgoing) {
    SSL_set_connect_state(c->ssl);
    if (is_ip_literal(c->host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->host);
    } else {
      SSL_set1_host(c->ssl, c->host);
      SSL_set_tlsext_host_name(c->ssl, c->host);
    }
  } else {
    SSL_set_accept_state(c->ssl);
  }
  c->state = CONN_HANDSHAKE;
  return uv_read_start((uv_stream_t*)&c->tcp, on_alloc, on_tcp_read);
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
    if (c != NULL) conn_close(c, RAFT_NOCONNECTION);
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
    conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  name_peer(c);
  if (pending_from_host(c) >= PENDING_PER_HOST_MAX) {
    conn_close(c, RAFT_NOCONNECTION); /* Quietly: a flood would flood the log too. */
    return;
  }
  if (start_timer(c) != 0 || start_tls(c) != 0) conn_close(c, RAFT_NOCONNECTION);
}

/* ---- Outgoing. ---- */

static void on_connected(uv_connect_t* req, int status) {
  struct conn* c = req->data;
  if (c->state == CONN_CLOSING) return;
  if (status != 0 || start_tls(c) != 0) {
    conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  pump(c); /* Sends the ClientHello. */
}

static void on_resolved(uv_getaddrinfo_t* req, int status, struct addrinfo* found) {
  struct conn* c = req->data;
  c->resolving = false;
  if (c->state == CONN_CLOSING || status != 0) {
    if (found != NULL) uv_freeaddrinfo(found);
    if (c->state == CONN_CLOSING)
      conn_maybe_free(c);
    else
      conn_close(c, RAFT_NOCONNECTION);
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
    conn_close(c, RAFT_NOCONNECTION);
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
    conn_close(c, RAFT_NOCONNECTION);
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
    conn_close(c, RAFT_CANCELED);
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

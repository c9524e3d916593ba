/* tls_conn: what tls_transport.c and tls_session.c share (internal to the raft shim):
 * the transport's and a connection's state, and the functions each file gives the other.
 * Everything runs on the loop thread. */
#ifndef KYOSO_NODE_RAFT_TLS_CONN_H
#define KYOSO_NODE_RAFT_TLS_CONN_H

#include <openssl/ssl.h>
#include <raft.h>
#include <raft/uv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "node/raft/tls_transport.h"

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

/* ---- tls_transport.c: a connection's life. ---- */

/* Tells the node why a connection was refused or could not be made. */
void tls_say(struct conn* c, const char* why);
/* Closes the connection; an outgoing request not yet answered gets `req_status`. */
void tls_conn_close(struct conn* c, int req_status);
/* Says why, then closes. */
void tls_refuse(struct conn* c, const char* why);
/* The connection no longer waits for its hello. */
void tls_settle(struct conn* c);
/* Closes one of a connection's handles if open. */
void tls_close_handle(uv_handle_t* handle, bool* open);

/* ---- tls_session.c: the TLS session. ---- */

/* Starts the session on a connected TCP handle (client side for outgoing connections). */
int tls_start(struct conn* c);
/* Drives the handshake, reads what arrived, and sends what OpenSSL wrote. */
void tls_pump(struct conn* c);

#endif /* KYOSO_NODE_RAFT_TLS_CONN_H */

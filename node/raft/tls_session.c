/* tls_session: one raft peer connection's TLS session on memory BIOs, the hello, and the
 * relay between the session and libraft's end of the socket pair (see tls_conn.h). */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/raft/tls_conn.h"

/* ---- Small helpers. ---- */

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

/* ---- The relay. ---- */

static void on_local_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  struct conn* c = stream->data;
  if (c->state != CONN_RELAY) return;
  if (nread < 0) { /* libraft closed its end. */
    tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  ERR_clear_error();
  if (nread > 0 && (SSL_write(c->ssl, buf->base, (int)nread) <= 0 || flush_tls(c) != 0)) {
    tls_conn_close(c, RAFT_NOCONNECTION);
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
    tls_conn_close(c, RAFT_NOCONNECTION);
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
  tls_settle(c);
  tls_close_handle((uv_handle_t*)&c->timer, &c->timer_open);
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
      if (error == SSL_ERROR_SSL && c->outgoing) tls_say(c, tls_reason(c));
      ERR_clear_error();
      tls_conn_close(c, RAFT_NOCONNECTION);
      return;
    }
    if (c->state == CONN_HELLO) {
      long used = take_hello(c, tr->plain, (size_t)n);
      if (used < 0) {
        tls_refuse(c, "its hello is not a Kyoso raft hello");
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
    tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  stream = open_pair(c);
  if (stream == NULL) {
    tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  c->state = CONN_RELAY;
  tls_close_handle((uv_handle_t*)&c->timer, &c->timer_open);
  c->req = NULL;
  req->cb(req, stream, 0);
}

void tls_pump(struct conn* c) {
  ERR_clear_error();
  if (c->state == CONN_HANDSHAKE) {
    int rv = SSL_do_handshake(c->ssl);
    if (rv != 1) {
      if (SSL_get_error(c->ssl, rv) != SSL_ERROR_WANT_READ) {
        flush_tls(c); /* The alert that tells the peer why. */
        tls_refuse(c, tls_reason(c));
        return;
      }
    } else {
      handshake_done(c);
    }
  }
  read_plaintext(c);
  if (c->state != CONN_CLOSING && flush_tls(c) != 0) tls_conn_close(c, RAFT_NOCONNECTION);
}

static void on_tcp_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  struct conn* c = stream->data;
  if (c->state == CONN_CLOSING) return;
  if (nread < 0) {
    if (c->state == CONN_HANDSHAKE)
      tls_refuse(c, tls_reason(c));
    else
      tls_conn_close(c, RAFT_NOCONNECTION);
    return;
  }
  if (nread > 0) BIO_write(c->in, buf->base, (int)nread);
  tls_pump(c);
}

int tls_start(struct conn* c) {
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

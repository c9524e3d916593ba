/* tls_transport: libraft's raft_uv_transport over mutual TLS, for raft_shim.c only.
 *
 * libraft frames its own messages and needs only a libuv stream to each peer. Here each
 * peer connection is a TCP socket carrying TLS (OpenSSL on memory BIOs, driven by the
 * loop) plus a socket pair: libraft reads and writes one end as a uv_pipe_t, and the
 * relay moves bytes between the other end and the TLS session. After the handshake the
 * connecting server sends a hello with its raft id and address (what libraft's own TCP
 * transport sends in clear); the accepting server then hands the stream to libraft.
 *
 * Who may connect is the SSL_CTX's business: the node's context requires a certificate
 * from the cluster's authority with the role node, and reports a wrong role as
 * X509_V_ERR_APPLICATION_VERIFICATION. A connecting server also checks that the peer's
 * certificate names the host it dialled. The hello's id is not tied to the certificate:
 * any node certificate of the cluster's authority is trusted as a peer, as on the gRPC
 * peer services. At most 64 incoming connections, 8 from one host, may wait for their
 * handshake and hello (10 seconds each); more are closed at once. Everything runs on the
 * loop thread.
 */
#ifndef KYOSO_NODE_RAFT_TLS_TRANSPORT_H
#define KYOSO_NODE_RAFT_TLS_TRANSPORT_H

struct raft_uv_transport;
struct uv_loop_s;
struct ssl_ctx_st;

/* Receives one line about a refused or failed peer connection. */
typedef void (*kyoso_tls_log_fn)(void* user, const char* message);

/* Fills `t` (whose version the caller has set) with the TLS transport. The context must
 * outlive the transport. Returns 0 or a libraft error code. */
int kyoso_tls_transport_init(struct raft_uv_transport* t, struct uv_loop_s* loop,
                             struct ssl_ctx_st* context, kyoso_tls_log_fn log, void* log_user);
/* Frees what init allocated, after libraft has closed the transport. */
void kyoso_tls_transport_free(struct raft_uv_transport* t);

#endif /* KYOSO_NODE_RAFT_TLS_TRANSPORT_H */

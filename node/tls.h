// TLS credentials from the PEM files named in the config: the gRPC server's (TLS 1.2+,
// client certificates required and verified against the authority), the channel
// credentials this node presents when it calls its peers, and the OpenSSL context of the
// raft port. Without TLS configured the first two are insecure and the raft port plain
// TCP (a development node on loopback).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

struct ssl_ctx_st;

#include "kyoso/ledger/status.h"
#include "node/config.h"

namespace kyoso::node {

ledger::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls);
ledger::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakePeerCredentials(
    const TlsConfig& tls);
// The context of the raft transport (node/raft/tls_transport.h): TLS 1.3 both ways, this
// node's certificate, and peers verified against the authority that must hold a node
// certificate (role OU=node). Null without TLS configured.
ledger::StatusOr<std::shared_ptr<ssl_ctx_st>> MakeRaftTlsContext(const TlsConfig& tls);

}  // namespace kyoso::node

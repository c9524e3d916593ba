// TLS credentials from the PEM files named in the config: the gRPC server's (TLS 1.2+,
// client certificates required and verified against the authority) and the channel
// credentials this node presents when it calls its peers. Without TLS configured both
// are insecure (a development node on loopback).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "kyoso/ledger/status.h"
#include "node/config.h"

namespace kyoso::node {

ledger::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls);
ledger::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakePeerCredentials(
    const TlsConfig& tls);

}  // namespace kyoso::node

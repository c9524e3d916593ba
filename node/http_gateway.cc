#include "node/http_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <optional>
#include <thread>

#include "dashboard/assets.h"
#include "node/http_query.h"
#include "node/translate.h"

namespace kyoso::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;
using Respond = std::function<void(Response)>;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr size_t kHeaderBytesMax = 8 * 1024;
// GET only: a body is never used, and one larger than this is refused (413).
constexpr size_t kBodyBytesMax = 1024;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kDashboardPath = "/dashboard/";
// The dashboard's page loads only its own script and reads only this origin.
constexpr std::string_view kDashboardPolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'";

Response MakeResponse(const Request& request, int status, std::string content_type,
                      std::string body) {
  Response response{http::status(status), request.version()};
  response.set(http::field::server, "kyoso-node");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response ErrorResponse(const Request& request, const grpc::Status& status) {
  return MakeResponse(request, HttpStatusOf(status.error_code()), "application/json",
                      HttpErrorJson(status.error_code(), status.error_message()));
}

// The reply as JSON, field names as in the proto; or the error `status` is.
Response ReplyResponse(const Request& request, const grpc::Status& status,
                       const google::protobuf::Message& reply) {
  if (!status.ok()) return ErrorResponse(request, status);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(reply, &json, options).ok()) {
    return ErrorResponse(request, {grpc::StatusCode::INTERNAL, "cannot write the reply"});
  }
  return MakeResponse(request, 200, "application/json", json + "\n");
}

bool IsDashboardPath(std::string_view path) {
  return path == "/" || path == "/dashboard" || path.starts_with(kDashboardPath);
}

std::string_view PathOf(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

std::string PemOf(X509* certificate) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) return {};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(size));
}

}  // namespace

struct HttpGateway::Impl {
  explicit Impl(HttpGatewayParts p) : parts(std::move(p)) {
    requests = &prometheus::BuildCounter()
                    .Name("kyoso_http_requests_total")
                    .Help("Requests answered by the HTTP gateway, by path and HTTP status")
                    .Register(registry);
    applied_index = &Gauge("kyoso_applied_index", "The last index applied to the ledger");
    last_seq = &Gauge("kyoso_last_seq", "Sequence number of the last transfer applied");
    leader = &Gauge("kyoso_leader", "1 when this node takes writes (leader or standalone)");
    calls_in_flight = &Gauge("kyoso_calls_in_flight", "gRPC and HTTP calls being served");
    refused_connections = &prometheus::BuildCounter()
                               .Name("kyoso_http_connections_refused_total")
                               .Help("HTTP connections closed at once: connections_max were open")
                               .Register(registry)
                               .Add({});
  }

  prometheus::Gauge& Gauge(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  }

  void Count(std::string_view path, int status) {
    std::string counted = "other";
    if (path == kMetricsPath || FindRoute(path) != nullptr) counted = path;
    if (IsDashboardPath(path)) counted = kDashboardPath;
    requests->Add({{"path", counted}, {"code", std::to_string(status)}}).Increment();
  }

  const HttpRoute* FindRoute(std::string_view path) const {
    for (const HttpRoute& route : parts.routes) {
      if (route.path == path) return &route;
    }
    return nullptr;
  }

  void Handle(const Request& request, const Caller& caller, Respond respond);
  void ServeRoute(const HttpRoute& route, std::string_view query, const Request& request,
                  const Caller& caller, Respond respond);
  void ServeMetrics(const Request& request, const Caller& caller, Respond respond);
  static Response ServeDashboard(const Request& request, std::string_view path,
                                 std::string_view query);
  // Answers a read (once) and counts it done.
  using Answer = std::function<void(Response)>;
  // Runs `reply` on the applied ledger, which answers (there or later, from the worker),
  // or answers with the reason no read was possible; counted as a call in flight until
  // answered.
  using ReplyFn =
      std::function<void(const Request& head, const ledger::Ledger&, const Answer& answer)>;
  void Read(bool stale_ok, const Request& request, Respond respond, ReplyFn reply);
  void Accept();

  HttpGatewayParts parts;
  // Declared before the io_context: connections in its queue use it as they go.
  std::optional<ssl::context> tls;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  int connections = 0;  // Open sessions; changed on the io thread only.
  std::thread thread;
  std::string address;
  std::atomic<bool> stopped = false;
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Gauge* applied_index = nullptr;
  prometheus::Gauge* last_seq = nullptr;
  prometheus::Gauge* leader = nullptr;
  prometheus::Gauge* calls_in_flight = nullptr;
  prometheus::Counter* refused_connections = nullptr;
};

namespace {

// One connection: reads a request, has the gateway answer it (perhaps from the apply
// thread), writes the answer, and reads the next while the client keeps it alive.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpGateway::Impl* gateway, Stream stream)
      : gateway_(gateway), stream_(std::move(stream)) {
    ++gateway_->connections;
  }
  ~Session() { --gateway_->connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (!error) self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderBytesMax);
    parser_->body_limit(kBodyBytesMax);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, size_t) {
                       if (!error) return self->Answer();
                       if (std::optional<Response> refusal = RefusalOf(error)) {
                         self->Write(std::move(*refusal));
                       }
                     });
  }

  // The answer to a request that could not be read; nullopt when the client went away
  // or fell silent (nothing to answer).
  static std::optional<Response> RefusalOf(beast::error_code error) {
    bool unreadable = error.category() == http::make_error_code(http::error::bad_target).category();
    if (!unreadable || error == http::error::end_of_stream ||
        error == http::error::partial_message) {
      return std::nullopt;
    }
    Request unread;
    unread.version(11);
    unread.keep_alive(false);
    Response refusal = ErrorResponse(unread, {grpc::StatusCode::INVALID_ARGUMENT,
                                              "the request cannot be read: " + error.message()});
    if (error == http::error::body_limit) refusal.result(http::status::payload_too_large);
    if (error == http::error::header_limit) {
      refusal.result(http::status::request_header_fields_too_large);
    }
    return refusal;
  }

  void Answer() {
    request_ = parser_->release();
    Caller caller;
    grpc::Status identified = Identify(&caller);
    if (!identified.ok()) {
      Response refusal = ErrorResponse(request_, identified);
      gateway_->Count(PathOf(request_), refusal.result_int());
      return Write(std::move(refusal));
    }
    gateway_->Handle(request_, caller, [self = this->shared_from_this()](Response response) {
      // May run on the apply thread: the connection is only touched on the gateway's.
      asio::post(self->gateway_->io, [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  grpc::Status Identify(Caller* caller) {
    if constexpr (kTls) {
      std::unique_ptr<X509, decltype(&X509_free)> peer(
          SSL_get1_peer_certificate(stream_.native_handle()), &X509_free);
      if (!peer) {
        return {grpc::StatusCode::UNAUTHENTICATED, "this node requires a client certificate"};
      }
      return gateway_->parts.access->IdentifyPem(PemOf(peer.get()), caller);
    } else {
      caller->trusted = true;
      return grpc::Status::OK;
    }
  }

  void Write(Response response) {
    response_ = std::move(response);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code error, size_t) {
                        if (error) return;
                        if (self->response_.keep_alive()) return self->Read();
                        self->Close();
                      });
  }

  // Tells the client no more comes: TLS close_notify, then the TCP send side.
  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  HttpGateway::Impl* gateway_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Response response_;
};

}  // namespace

void HttpGateway::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
    if (error) {
      if (stopped || error == asio::error::operation_aborted) return;
      // Out of descriptors, say: try again shortly rather than spin.
      spdlog::warn("HTTP gateway: accept failed: {}; retrying", error.message());
      retry.expires_after(kAcceptRetry);
      retry.async_wait([this](beast::error_code waited) {
        if (!waited && !stopped) Accept();
      });
      return;
    }
    if (connections >= parts.connections_max) {
      // Full: closed at once (the client sees the connection end), counted in /metrics.
      boost::system::error_code ignored;
      socket.close(ignored);
      refused_connections->Increment();
    } else if (tls) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls))
          ->Run();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(this, beast::tcp_stream(std::move(socket)))
          ->Run();
    }
    if (!stopped) Accept();
  });
}

void HttpGateway::Impl::Handle(const Request& request, const Caller& caller, Respond respond) {
  std::string_view target(request.target().data(), request.target().size());
  size_t question = target.find('?');
  std::string_view path = PathOf(request);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  Respond counted = [this, path = std::string(path), respond](Response response) {
    Count(path, response.result_int());
    respond(std::move(response));
  };
  if (request.method() != http::verb::get) {
    Response refused = ErrorResponse(
        request, {grpc::StatusCode::UNIMPLEMENTED, "the gateway is read-only: GET only"});
    refused.result(http::status::method_not_allowed);
    refused.set(http::field::allow, "GET");
    // A HEAD's client expects no body: closing keeps both sides in step.
    refused.keep_alive(false);
    return counted(std::move(refused));
  }
  if (path == kMetricsPath) return ServeMetrics(request, caller, std::move(counted));
  if (IsDashboardPath(path)) return counted(ServeDashboard(request, path, query));
  const HttpRoute* route = FindRoute(path);
  if (route == nullptr) {
    std::string paths;
    for (const HttpRoute& known : parts.routes) paths += known.path + ", ";
    return counted(ErrorResponse(
        request, {grpc::StatusCode::NOT_FOUND,
                  "no such path: the gateway serves " + paths + std::string(kMetricsPath) +
                      " and the dashboard at " + std::string(kDashboardPath)}));
  }
  ServeRoute(*route, query, request, caller, std::move(counted));
}

void HttpGateway::Impl::ServeRoute(const HttpRoute& route, std::string_view query,
                                   const Request& request, const Caller& caller, Respond respond) {
  std::shared_ptr<google::protobuf::Message> message(route.request_type->New());
  grpc::Status status = ReadQueryParameters(query, message.get());
  if (status.ok()) status = parts.gate->AdmitCaller(caller, route.rpc, *message);
  HttpRoute::Serve serve = route.serve;
  if (status.ok() && route.prepare) status = route.prepare(*message, &serve);
  if (!status.ok()) return respond(ErrorResponse(request, status));
  const google::protobuf::FieldDescriptor* stale =
      message->GetDescriptor()->FindFieldByName("stale_ok");
  bool stale_ok = stale != nullptr && message->GetReflection()->GetBool(*message, stale);
  Read(stale_ok, request, std::move(respond),
       [&route, serve, message, worker = parts.worker](
           const Request& head, const ledger::Ledger& ledger, const Answer& answer) {
         std::shared_ptr<google::protobuf::Message> reply(route.reply_type->New());
         ReadRest rest;
         grpc::Status served = serve(ledger, *message, reply.get(), &rest);
         if (!served.ok() || !rest) return answer(ReplyResponse(head, served, *reply));
         worker->Post([head, reply, rest = std::move(rest), answer](bool run) {
           answer(ReplyResponse(
               head,
               run ? rest()
                   : grpc::Status(grpc::StatusCode::UNAVAILABLE, "the node is stopping: ask again"),
               *reply));
         });
       });
}

void HttpGateway::Impl::Read(bool stale_ok, const Request& request, Respond respond,
                             ReplyFn reply) {
  // The request line and headers, not the body, are all a response needs.
  Request head{request.method(), request.target(), request.version()};
  head.keep_alive(request.keep_alive());
  parts.calls->CallStarted();
  Answer answer = [calls = parts.calls, respond = std::move(respond)](Response response) {
    respond(std::move(response));
    calls->CallDone();
  };
  parts.consensus->Read(
      stale_ok, [head, answer, reply](const ledger::Status& read, const ledger::Ledger* ledger) {
        if (!read.ok()) return answer(ErrorResponse(head, ToGrpcStatus(read)));
        reply(head, *ledger, answer);
      });
}

void HttpGateway::Impl::ServeMetrics(const Request& request, const Caller& caller,
                                     Respond respond) {
  if (grpc::Status admitted = parts.gate->AdmitScrape(caller); !admitted.ok()) {
    return respond(ErrorResponse(request, admitted));
  }
  RoleInfo role = parts.consensus->Role();
  leader->Set(role.role == "leader" || role.role == "standalone" ? 1 : 0);
  calls_in_flight->Set(parts.calls->in_flight());
  Read(true, request, std::move(respond),
       [this](const Request& head, const ledger::Ledger& ledger, const Answer& answer) {
         applied_index->Set(double(ledger.applied_index()));
         last_seq->Set(double(ledger.last_seq()));
         answer(MakeResponse(head, 200, "text/plain; version=0.0.4",
                             prometheus::TextSerializer().Serialize(registry.Collect())));
       });
}

// The dashboard's files (dashboard/assets.h): not ledger data, so no read and no role
// check; a caller the port admitted may load the page, and each figure it then reads is
// a /v1 path with its own access rule.
Response HttpGateway::Impl::ServeDashboard(const Request& request, std::string_view path,
                                           std::string_view query) {
  if (path == "/" || path == "/dashboard") {  // The query (a view's link) goes along.
    Response moved = MakeResponse(request, 302, "text/plain", "");
    moved.set(http::field::location,
              std::string(kDashboardPath) + (query.empty() ? "" : "?") + std::string(query));
    return moved;
  }
  std::optional<dashboard::Asset> asset = dashboard::FindAsset(path.substr(kDashboardPath.size()));
  if (!asset) {
    return ErrorResponse(request, {grpc::StatusCode::NOT_FOUND,
                                   "no such file of the dashboard: " + std::string(path)});
  }
  Response response =
      MakeResponse(request, 200, std::string(asset->content_type), std::string(asset->body));
  response.set(http::field::cache_control, "no-cache");
  response.set("Content-Security-Policy", std::string(kDashboardPolicy));
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

ledger::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(const std::string& listen,
                                                                  const TlsConfig& tls_config,
                                                                  HttpGatewayParts parts) {
  auto impl = std::make_unique<Impl>(std::move(parts));
  if (tls_config.enabled()) {
    try {
      impl->tls.emplace(ssl::context::tls_server);
      SSL_CTX_set_min_proto_version(impl->tls->native_handle(), TLS1_2_VERSION);
      impl->tls->use_certificate_chain_file(tls_config.cert_file);
      impl->tls->use_private_key_file(tls_config.key_file, ssl::context::pem);
      impl->tls->load_verify_file(tls_config.ca_file);
      impl->tls->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      // Verified peers and resumed sessions: OpenSSL wants the sessions' context named.
      static constexpr unsigned char kSessionContext[] = "kyoso-http";
      SSL_CTX_set_session_id_context(impl->tls->native_handle(), kSessionContext,
                                     sizeof kSessionContext - 1);
    } catch (const boost::system::system_error& error) {
      return ledger::Status::InvalidArgument("the HTTP gateway cannot use the TLS files: " +
                                             std::string(error.what()));
    }
  }
  size_t colon = listen.rfind(':');
  boost::system::error_code error;
  asio::ip::address host = asio::ip::make_address(listen.substr(0, colon), error);
  uint16_t port = 0;
  if (colon == std::string::npos || error || !ParseInteger(listen.substr(colon + 1), &port)) {
    return ledger::Status::InvalidArgument("--http-listen must be IP:PORT, not '" + listen + "'");
  }
  tcp::endpoint endpoint(host, port);
  impl->acceptor.open(endpoint.protocol(), error);
  if (!error) impl->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl->acceptor.bind(endpoint, error);
  if (!error) impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return ledger::Status::IOError("the HTTP gateway cannot listen on " + listen + ": " +
                                   error.message());
  }
  impl->address =
      listen.substr(0, colon) + ":" + std::to_string(impl->acceptor.local_endpoint().port());
  impl->Accept();
  impl->thread = std::thread([io = &impl->io] { io->run(); });
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(impl)));
}

HttpGateway::HttpGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpGateway::~HttpGateway() {
  Stop();
}

const std::string& HttpGateway::address() const {
  return impl_->address;
}

void HttpGateway::Stop() {
  if (impl_->stopped.exchange(true)) return;
  // Connections still open are closed when the gateway is destroyed (with its io_context).
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace kyoso::node

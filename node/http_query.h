// The HTTP gateway's request and error text (http_gateway.h): query parameters read into
// a request message by field name and type, the HTTP status of a gRPC code, and the JSON
// body of an error. Pure functions.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <charconv>
#include <string>
#include <string_view>

namespace kyoso::node {

// Reads `query` ("a=1&b=x%20y") into `request`'s fields by name: strings, integers,
// booleans ("true"/"false") and enums by name. INVALID_ARGUMENT naming the parameter for
// an unknown, repeated or malformed one, or text that is not UTF-8 once decoded.
grpc::Status ReadQueryParameters(std::string_view query, google::protobuf::Message* request);

// The HTTP status for a gRPC code (INVALID_ARGUMENT 400, PERMISSION_DENIED 403, ...).
int HttpStatusOf(grpc::StatusCode code);

// {"code": "INVALID_ARGUMENT", "message": ...} and a newline; text that is not UTF-8 in
// the message is replaced, never thrown on.
std::string HttpErrorJson(grpc::StatusCode code, const std::string& message);

// The whole of `text` as a decimal integer of this type; false otherwise.
template <typename Integer>
bool ParseInteger(std::string_view text, Integer* value) {
  const char* end = text.data() + text.size();
  auto [at, error] = std::from_chars(text.data(), end, *value);
  return !text.empty() && error == std::errc() && at == end;
}

}  // namespace kyoso::node

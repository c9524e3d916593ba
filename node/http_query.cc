#include "node/http_query.h"

#include <nlohmann/json.hpp>

#include "node/translate.h"

namespace kyoso::node {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query component ('+' is a space); nullopt when malformed.
std::optional<std::string> Decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexDigit(text[i + 1]);
      int low = HexDigit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += char(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

template <typename Integer, typename Set>
bool SetInteger(const std::string& text, Set set) {
  Integer value = 0;
  if (!ParseInteger(text, &value)) return false;
  set(value);
  return true;
}

// Sets one scalar field from its text; false when the text is not of the field's type.
bool SetField(const google::protobuf::FieldDescriptor& field, const std::string& text,
              google::protobuf::Message* message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection& reflection = *message->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection.SetString(message, &field, text);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (text != "true" && text != "false") return false;
      reflection.SetBool(message, &field, text == "true");
      return true;
    case FieldDescriptor::CPPTYPE_INT32:
      return SetInteger<int32_t>(text, [&](auto v) { reflection.SetInt32(message, &field, v); });
    case FieldDescriptor::CPPTYPE_INT64:
      return SetInteger<int64_t>(text, [&](auto v) { reflection.SetInt64(message, &field, v); });
    case FieldDescriptor::CPPTYPE_UINT32:
      return SetInteger<uint32_t>(text, [&](auto v) { reflection.SetUInt32(message, &field, v); });
    case FieldDescriptor::CPPTYPE_UINT64:
      return SetInteger<uint64_t>(text, [&](auto v) { reflection.SetUInt64(message, &field, v); });
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* value = field.enum_type()->FindValueByName(text);
      if (value == nullptr) return false;
      reflection.SetEnum(message, &field, value);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

grpc::Status ReadQueryParameters(std::string_view query, google::protobuf::Message* request) {
  const google::protobuf::Descriptor& descriptor = *request->GetDescriptor();
  std::vector<std::string> seen;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::optional<std::string> name = Decode(pair.substr(0, equals));
    std::optional<std::string> value =
        Decode(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    if (!name || !value) return InvalidField("query", "is not percent-encoded correctly");
    if (!ValidUtf8(*name) || !ValidUtf8(*value)) {
      return InvalidField("query", "is not valid UTF-8 once decoded");
    }
    const google::protobuf::FieldDescriptor* field = descriptor.FindFieldByName(*name);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      return InvalidField(*name, "is not a parameter of this path");
    }
    if (std::find(seen.begin(), seen.end(), *name) != seen.end()) {
      return InvalidField(*name, "is given more than once");
    }
    seen.push_back(*name);
    if (!SetField(*field, *value, request)) {
      return InvalidField(*name, "'" + *value + "' is not a valid " + field->cpp_type_name());
    }
  }
  return grpc::Status::OK;
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string HttpErrorJson(grpc::StatusCode code, const std::string& message) {
  static constexpr std::string_view kNames[] = {"OK",
                                                "CANCELLED",
                                                "UNKNOWN",
                                                "INVALID_ARGUMENT",
                                                "DEADLINE_EXCEEDED",
                                                "NOT_FOUND",
                                                "ALREADY_EXISTS",
                                                "PERMISSION_DENIED",
                                                "RESOURCE_EXHAUSTED",
                                                "FAILED_PRECONDITION",
                                                "ABORTED",
                                                "OUT_OF_RANGE",
                                                "UNIMPLEMENTED",
                                                "INTERNAL",
                                                "UNAVAILABLE",
                                                "DATA_LOSS",
                                                "UNAUTHENTICATED"};
  size_t index = size_t(code);
  std::string name(index < std::size(kNames) ? kNames[index] : "UNKNOWN");
  // Messages quote the request; anything not UTF-8 in them is replaced, never thrown on.
  return nlohmann::json{{"code", name}, {"message", message}}.dump(
             -1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace kyoso::node

// Hex and base64 text forms of byte strings, for keys, signatures and ids in files,
// command lines and logs.
//
// Decoders are strict, so each byte string has exactly one accepted text form (apart
// from hex letter case): no whitespace, no missing padding, no stray bits. Every function
// is pure and safe to call from any number of threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kyoso::crypto {

// Lowercase hex, two characters per byte.
[[nodiscard]] std::string ToHex(std::string_view bytes);

// Accepts either case; nullopt on odd length or a character that is not a hex digit.
[[nodiscard]] std::optional<std::string> FromHex(std::string_view hex);

// Standard alphabet (RFC 4648 section 4), padded with '='.
[[nodiscard]] std::string ToBase64(std::string_view bytes);

// Strict: nullopt unless text is exactly what ToBase64 would produce for some bytes
// (length a multiple of 4, padding only at the end, unused bits zero, no whitespace).
[[nodiscard]] std::optional<std::string> FromBase64(std::string_view text);

}  // namespace kyoso::crypto

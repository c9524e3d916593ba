// A string's bytes as the unsigned char pointers OpenSSL's functions take.
#pragma once

#include <string>
#include <string_view>

namespace kyoso::crypto {

inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

inline unsigned char* MutableBytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace kyoso::crypto

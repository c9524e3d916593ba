// The web dashboard's files as the node serves them (docs/flows.md, "The dashboard"):
// built from dashboard/src at build time and embedded in the binary.
#pragma once

#include <optional>
#include <string_view>

namespace kyoso::dashboard {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// The file served at `path` under /dashboard/ ("" or "index.html", "app.js"), or nullopt.
std::optional<Asset> FindAsset(std::string_view path);

}  // namespace kyoso::dashboard

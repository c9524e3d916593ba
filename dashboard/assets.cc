#include "dashboard/assets.h"

extern "C" {
extern const char kyoso_dashboard_index_html[];
extern const char kyoso_dashboard_index_html_end[];
extern const char kyoso_dashboard_app_js[];
extern const char kyoso_dashboard_app_js_end[];
}

namespace kyoso::dashboard {
namespace {

std::string_view Between(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view path) {
  if (path.empty() || path == "index.html") {
    return Asset{"text/html; charset=utf-8",
                 Between(kyoso_dashboard_index_html, kyoso_dashboard_index_html_end)};
  }
  if (path == "app.js") {
    return Asset{"text/javascript; charset=utf-8",
                 Between(kyoso_dashboard_app_js, kyoso_dashboard_app_js_end)};
  }
  return std::nullopt;
}

}  // namespace kyoso::dashboard

#include "wallet-cli/qr.h"

#include <qrencode.h>

#include <memory>

namespace kyoso::wallet {
namespace {

// The light margin around the code that the QR standard asks for, in modules.
constexpr int kQuietZone = 4;

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// Whether the module at (x, y), counted from the outer edge of the quiet zone, is dark.
bool Dark(const QRcode& code, int x, int y) {
  int col = x - kQuietZone;
  int row = y - kQuietZone;
  if (col < 0 || row < 0 || col >= code.width || row >= code.width) return false;
  return (code.data[row * code.width + col] & 1) != 0;
}

// One text line: module rows y (upper half of each cell) and y + 1 (lower half).
std::string Line(const QRcode& code, int y, int size, bool ansi_colors) {
  std::string line = ansi_colors ? "\x1b[30;47m" : "";
  for (int x = 0; x < size; ++x) {
    bool top = Dark(code, x, y);
    bool bottom = Dark(code, x, y + 1);
    line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
  }
  // Reset before the newline, so the background colour does not spill into the next line.
  if (ansi_colors) line += "\x1b[0m";
  return line + "\n";
}

}  // namespace

std::string RenderQr(std::string_view text, bool ansi_colors) {
  std::string input(text);  // libqrencode wants a NUL-terminated string.
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code) return "";
  int size = code->width + 2 * kQuietZone;
  std::string out;
  for (int y = 0; y < size; y += 2) out += Line(*code, y, size, ansi_colors);
  return out;
}

}  // namespace kyoso::wallet

// Draws a QR code in a terminal, so a customer's phone can scan a payment request straight
// off a merchant's screen.
//
// Two modules share one character cell (Unicode half blocks "▀▄█ "), so the code keeps
// its square shape in a terminal whose cells are twice as tall as wide. Dark modules are
// drawn as glyphs, black on white, with the four-module quiet zone scanners need. Pure;
// thread-safe (libqrencode keeps no state between calls).
#pragma once

#include <string>
#include <string_view>

namespace kyoso::wallet {

// The QR code (error correction level M) of `text` as lines of text ending in "\n".
// With `ansi_colors`, each line sets black on white and resets at its end, so the code
// reads the same on a dark terminal; without, the glyphs alone (for a file or a light
// background). Empty if the text is too long for a QR code.
std::string RenderQr(std::string_view text, bool ansi_colors);

}  // namespace kyoso::wallet

#pragma once
// Kölner Phonetik (Postel 1969), the phonetic code German registers use for name search (BMeldDAV).
// Header-only so adapters can precompute codes with exactly the host's algorithm.

#include <string>

namespace regfed::sdk {

namespace detail {

// Maps one UTF-8 code point of a name to an upper-case ASCII letter, folding umlauts and ß; 0 for anything
// else.
inline char foldLetter(const std::string& s, std::size_t& i, std::string& extra) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z') return static_cast<char>(c);
    return 0;
  }
  if (c == 0xC3 && i + 1 < s.size()) {
    unsigned char d = static_cast<unsigned char>(s[i + 1]);
    i += 2;
    switch (d) {
      case 0x84:
      case 0xA4:
        return 'A';  // Ä ä
      case 0x96:
      case 0xB6:
        return 'O';  // Ö ö
      case 0x9C:
      case 0xBC:
        return 'U';  // Ü ü
      case 0x9F:
        extra = "S";
        return 'S';  // ß -> SS
      case 0x80:
      case 0x81:
      case 0x82:
      case 0xA0:
      case 0xA1:
      case 0xA2:
        return 'A';
      case 0x88:
      case 0x89:
      case 0x8A:
      case 0xA8:
      case 0xA9:
      case 0xAA:
        return 'E';
      case 0x87:
      case 0xA7:
        return 'C';
      default:
        return 0;
    }
  }
  // Skip the rest of any other multi-byte sequence.
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return 0;
}

}  // namespace detail

/// Returns the Kölner Phonetik code of a name, e.g. "Müller" -> "657", "Meier" and "Mayr" -> "67".
inline std::string colognePhonetic(const std::string& name) {
  std::string letters;
  for (std::size_t i = 0; i < name.size();) {
    std::string extra;
    char c = detail::foldLetter(name, i, extra);
    if (c != 0) letters.push_back(c);
    letters += extra;
  }
  std::string raw;
  const std::size_t n = letters.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = letters[i];
    const char prev = i > 0 ? letters[i - 1] : 0;
    const char next = i + 1 < n ? letters[i + 1] : 0;
    auto in = [](char x, const char* set) { return x != 0 && std::string(set).find(x) != std::string::npos; };
    char code = '-';
    if (in(c, "AEIJOUY"))
      code = '0';
    else if (c == 'H')
      code = '-';
    else if (c == 'B')
      code = '1';
    else if (c == 'P')
      code = next == 'H' ? '3' : '1';
    else if (c == 'D' || c == 'T')
      code = in(next, "CSZ") ? '8' : '2';
    else if (in(c, "FVW"))
      code = '3';
    else if (in(c, "GKQ"))
      code = '4';
    else if (c == 'C') {
      if (i == 0)
        code = in(next, "AHKLOQRUX") ? '4' : '8';
      else
        code = (in(next, "AHKOQUX") && !in(prev, "SZ")) ? '4' : '8';
    } else if (c == 'X') {
      if (in(prev, "CKQ"))
        code = '8';
      else {
        raw += '4';
        code = '8';
      }
    } else if (c == 'L')
      code = '5';
    else if (c == 'M' || c == 'N')
      code = '6';
    else if (c == 'R')
      code = '7';
    else if (in(c, "SZ"))
      code = '8';
    raw += code;
  }
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '-') continue;
    // 'H' carries no code, so letters on both sides of it collapse like neighbours.
    if (!out.empty() && out.back() == c) continue;
    out.push_back(c);
  }
  std::string result;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] != '0' || i == 0) result.push_back(out[i]);
  return result;
}

}  // namespace regfed::sdk

#include "testing/json_lines.h"

#include <cctype>
#include <cstddef>

namespace fdlink::testing {
namespace {

// Parser is a recursive-descent recogniser over one string.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Whole() {
    Space();
    if (!Value(0)) return false;
    Space();
    return i_ == s_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool At(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Eat(char c) {
    if (!At(c)) return false;
    ++i_;
    return true;
  }
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\r' || s_[i_] == '\n'))
      ++i_;
  }
  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
      ++i_;
    return i_ > start;
  }
  bool Number() {
    Eat('-');
    if (Eat('0')) {
      if (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
        return false;  // No leading zeros.
    } else if (!Digits()) {
      return false;
    }
    if (Eat('.') && !Digits()) return false;
    if (Eat('e') || Eat('E')) {
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    return true;
  }
  bool String() {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k, ++i_) {
          if (i_ >= s_.size() ||
              !std::isxdigit(static_cast<unsigned char>(s_[i_])))
            return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) ==
                 std::string_view::npos) {
        return false;
      }
    }
    return false;
  }
  // Items parses "v, v, ..." up to `close`; `member` wants "key": first.
  bool Items(char close, bool member, int depth) {
    Space();
    if (Eat(close)) return true;
    for (;;) {
      Space();
      if (member) {
        if (!String()) return false;
        Space();
        if (!Eat(':')) return false;
        Space();
      }
      if (!Value(depth + 1)) return false;
      Space();
      if (Eat(close)) return true;
      if (!Eat(',')) return false;
    }
  }
  bool Value(int depth) {
    if (depth > kMaxDepth || i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        ++i_;
        return Items('}', true, depth);
      case '[':
        ++i_;
        return Items(']', false, depth);
      case '"':
        return String();
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Number();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool IsJsonValue(std::string_view text) { return Parser(text).Whole(); }

std::string JsonLinesError(std::string_view out) {
  if (out.empty()) return "no output at all";
  if (out.back() != '\n') return "the last line has no newline";
  size_t line = 1;
  for (size_t start = 0; start < out.size(); ++line) {
    const size_t end = out.find('\n', start);
    const std::string_view l = out.substr(start, end - start);
    if (!IsJsonValue(l))
      return "line " + std::to_string(line) + " is not JSON: " + std::string(l);
    start = end + 1;
  }
  return "";
}

}  // namespace fdlink::testing

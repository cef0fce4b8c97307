// The content of a `reprobe report`, independent of its rendering: sections
// of paragraphs, bullet lists and tables whose text is made of spans, each
// either prose or a verbatim string from the machine (a device, driver,
// resource or module name, a deferral reason, a command line). The Markdown
// renderer shows verbatim spans as code spans (so `<mac-1>` placeholders,
// `|` and `_` survive any tracker); the text renderer prints them as they are.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace reprobe {

struct Span {
  std::string text;
  bool verbatim = false;
};

// One line of text: prose and verbatim spans.
struct Line {
  std::vector<Span> spans;

  Line() = default;
  Line(std::string prose) { t(std::move(prose)); }  // NOLINT: implicit, prose is the common case
  Line(const char* prose) { t(prose); }            // NOLINT
  Line& t(std::string prose) {
    if (!prose.empty()) spans.push_back({std::move(prose), false});
    return *this;
  }
  Line& v(std::string verbatim) {
    spans.push_back({std::move(verbatim), true});
    return *this;
  }
  Line& add(const Line& other) {
    spans.insert(spans.end(), other.spans.begin(), other.spans.end());
    return *this;
  }
  bool empty() const { return spans.empty(); }
  // Text without markup (for measuring and for the text renderer).
  std::string plain() const {
    std::string s;
    for (const auto& sp : spans) s += sp.text;
    return s;
  }
};

struct Table {
  std::vector<std::string> columns;
  std::vector<bool> numeric;              // right-aligned columns (same size as columns, or empty)
  std::vector<std::vector<Line>> rows;
};

struct Block {
  enum class Kind { paragraph, bullets, table, key_values };
  Kind kind = Kind::paragraph;
  std::vector<Line> lines;                // paragraph: one line each; bullets: one item each
  Table table;                            // table
  std::vector<std::pair<std::string, Line>> pairs;  // key_values: label -> value
};

struct Section {
  std::string title;
  bool collapsed = false;                 // Markdown: inside <details>, the summary being title + summary
  std::string summary;                    // one-line summary shown next to a collapsed title
  std::vector<Block> blocks;

  Block& paragraph(Line l) {
    Block b;
    b.kind = Block::Kind::paragraph;
    b.lines.push_back(std::move(l));
    blocks.push_back(std::move(b));
    return blocks.back();
  }
  Block& bullets(std::vector<Line> items) {
    Block b;
    b.kind = Block::Kind::bullets;
    b.lines = std::move(items);
    blocks.push_back(std::move(b));
    return blocks.back();
  }
  Block& table(Table t) {
    Block b;
    b.kind = Block::Kind::table;
    b.table = std::move(t);
    blocks.push_back(std::move(b));
    return blocks.back();
  }
  Block& key_values(std::vector<std::pair<std::string, Line>> kv) {
    Block b;
    b.kind = Block::Kind::key_values;
    b.pairs = std::move(kv);
    blocks.push_back(std::move(b));
    return blocks.back();
  }
};

struct ReportDocument {
  std::string title;
  std::vector<Line> lead;                 // short paragraphs under the title (the verdict in one sentence)
  std::vector<Section> sections;
};

}  // namespace reprobe

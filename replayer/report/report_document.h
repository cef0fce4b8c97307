// The content of a `reprobe report` (or of `reprobe replay` text and
// Markdown output), independent of its rendering: sections
// of paragraphs, bullet lists and tables whose text is made of spans, each
// either prose or a verbatim string from the machine (Line, story.h). The Markdown
// renderer shows verbatim spans as code spans (so `<mac-1>` placeholders,
// `|` and `_` survive any tracker); the text renderer prints them as they are.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "replayer/verdict/story.h"

namespace reprobe {

struct Table {
  std::vector<std::string> columns;
  std::vector<bool> numeric;  // right-aligned columns (same size as columns, or empty)
  std::vector<std::vector<Line>> rows;
};

struct Block {
  enum class Kind { paragraph, bullets, table, key_values };
  Kind kind = Kind::paragraph;
  std::vector<Line> lines;                          // paragraph: one line each; bullets: one item each
  Table table;                                      // table
  std::vector<std::pair<std::string, Line>> pairs;  // key_values: label -> value
};

struct Section {
  std::string title;
  bool collapsed = false;  // Markdown: inside <details>, the summary being title + summary
  std::string summary;     // one-line summary shown next to a collapsed title
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
  std::vector<Line> lead;  // short paragraphs under the title (the verdict in one sentence)
  std::vector<Section> sections;
  std::string made_by = "reprobe report";  // the verb named in the renderers' closing line
};

}  // namespace reprobe

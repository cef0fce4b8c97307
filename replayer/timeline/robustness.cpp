#include "replayer/timeline/robustness.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprobe {

namespace {

using json = nlohmann::json;

std::string count(double n) { return n < 1e15 ? fmt::format("{:.0f}", n) : fmt::format("{:.3g}", n); }

// A key of the wanted type, or an error naming the key and the policy it belongs to.
template <class T>
Result<T> field(const json& j, const char* key, const std::string& path, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end())
    return Error{path, 0, fmt::format("{}: no \"{}\" (not reprobe explore --format json?)", where, key)};
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return Error{path, 0, fmt::format("{}: \"{}\" has the wrong type", where, key)};
  }
}

Result<RobustnessRow> read_row(const json& p, const std::string& path, size_t i) {
  const std::string where = fmt::format("policies[{}]", i);
  if (!p.is_object()) return Error{path, 0, where + ": not an object"};
  RobustnessRow r;
  REPROBE_TRY_ASSIGN(r.policy, field<std::string>(p, "policy", path, where));
  const auto robust = p.find("robust");
  if (robust == p.end() || !(robust->is_boolean() || robust->is_null()))
    return Error{path, 0, where + ": \"robust\" must be true, false or null"};
  if (robust->is_boolean()) r.robust = robust->get<bool>();
  REPROBE_TRY_ASSIGN(r.exhaustive, field<bool>(p, "exhaustive", path, where));
  REPROBE_TRY_ASSIGN(r.schedules, field<double>(p, "schedules", path, where));
  REPROBE_TRY_ASSIGN(r.stranded, field<double>(p, "stranded", path, where));
  REPROBE_TRY_ASSIGN(r.runs, field<uint64_t>(p, "runs", path, where));
  REPROBE_TRY_ASSIGN(r.states, field<uint64_t>(p, "states", path, where));
  if (p.contains("cut_runs")) {
    REPROBE_TRY_ASSIGN(r.cut_runs, field<uint64_t>(p, "cut_runs", path, where));
  }
  if (const auto cx = p.find("counterexample"); cx != p.end()) {
    if (!cx->is_object()) return Error{path, 0, where + ": \"counterexample\" must be an object"};
    const std::string cw = where + ".counterexample";
    if (const auto pth = cx->find("path"); pth != cx->end() && !pth->is_null()) {
      REPROBE_TRY_ASSIGN(auto s, field<std::string>(*cx, "path", path, cw));
      r.counterexample = std::move(s);
    }
    REPROBE_TRY_ASSIGN(r.words, (field<std::vector<std::string>>(*cx, "words", path, cw)));
  }
  return r;
}

std::string answer(const RobustnessRow& r) {
  if (r.robust == true) return "robust";
  if (r.robust == false) return r.exhaustive ? "fails" : "fails (search not exhaustive)";
  if (r.cut_runs > 0) return "undetermined (runs cut by the step bound)";
  return "not exhaustive";
}

}  // namespace

namespace {

// Text or a stream: a stream is parsed as it is read, so that a file that is not JSON (even an
// endless one such as /dev/zero) is refused at its first wrong byte.
template <class Input>
Result<json> parse_json(Input&& in, const std::string& path) {
  try {
    return json::parse(std::forward<Input>(in));
  } catch (const json::parse_error& e) {
    return Error{path, 0, fmt::format("not JSON (byte {})", e.byte)};
  }
}

Result<Robustness> robustness_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return Error{path, 0, "not reprobe explore --format json (not an object)"};
  Robustness r;
  r.source = path;
  REPROBE_TRY_ASSIGN(r.trace, field<std::string>(j, "trace", path, "top level"));
  if (const auto it = j.find("jitter"); it != j.end() && it->is_string()) {
    r.jitter = it->get<std::string>();
  } else {
    REPROBE_TRY_ASSIGN(const double ms, field<double>(j, "jitter_ms", path, "top level"));
    r.jitter = fmt::format("{:g} ms", ms);
  }
  const auto policies = j.find("policies");
  if (policies == j.end() || !policies->is_array()) return Error{path, 0, "top level: \"policies\" must be an array"};
  for (size_t i = 0; i < policies->size(); ++i) {
    REPROBE_TRY_ASSIGN(auto row, read_row((*policies)[i], path, i));
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace

Result<Robustness> parse_robustness(const std::string& text, const std::string& path) {
  REPROBE_TRY_ASSIGN(const json j, parse_json(text, path));
  return robustness_from_json(j, path);
}

Result<Robustness> read_robustness(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error{path, 0, "cannot read: is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, 0, fmt::format("cannot read: {}", std::strerror(errno))};
  REPROBE_TRY_ASSIGN(const json j, parse_json(in, path));
  return robustness_from_json(j, path);
}

Section robustness_section(const Robustness& r) {
  Section s;
  s.title = "Robustness across schedules (reprobe explore)";
  s.paragraph(Line("Every schedule of the trace's concurrent events within a jitter of ")
                  .t(r.jitter)
                  .t(" was run through the replay's simulator (docs/explore.md), per policy; from ")
                  .v(r.source)
                  .t(", which explored ")
                  .v(r.trace)
                  .t("."));
  Table t;
  t.columns = {"policy", "answer", "schedules explored", "stranded", "states", "counterexample"};
  t.numeric = {false, false, true, true, true, false};
  for (const auto& row : r.rows) {
    Line cx;
    if (row.counterexample)
      cx.v(*row.counterexample);
    else
      cx.t(row.robust == false ? "(not written: --counterexample-dir)" : "-");
    t.rows.push_back({Line().v(row.policy), Line(answer(row)), Line(count(row.schedules)), Line(count(row.stranded)),
                      Line(std::to_string(row.states)), std::move(cx)});
  }
  s.table(std::move(t));
  std::vector<Line> items;
  for (const auto& row : r.rows) {
    if (row.words.empty()) continue;
    Line l;
    l.v(row.policy).t(": ");
    for (size_t i = 0; i < row.words.size(); ++i) l.t(i ? "; " : "").t(row.words[i]);
    l.t(".");
    items.push_back(std::move(l));
  }
  if (!items.empty()) {
    s.paragraph("The smallest change from the observed schedule that strands a target, per failing policy:");
    s.bullets(std::move(items));
  }
  if (std::any_of(r.rows.begin(), r.rows.end(), [](const RobustnessRow& x) { return !x.exhaustive; }))
    s.paragraph(
        "\"not exhaustive\": a bound (--max-schedules, --max-time) stopped the search before every schedule ran; "
        "the policy may still strand a target in one not run.");
  return s;
}

}  // namespace reprobe

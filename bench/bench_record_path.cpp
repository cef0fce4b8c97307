// bench-record-path: host-side cost per event of `reprobe record`'s user-space
// path, the JSON path (EventDecoder -> nlohmann::ordered_json ->
// Redactor::scrub_json -> canonical_event_line -> ostream per event) against
// the fast path (EventDecoder -> DecodedEvent -> RecordLineWriter into a
// 64 KiB buffer), same binary, same raw records (packed like the BPF ring
// delivers them), interleaved, best of N. Both outputs are checked equal.
//   bench-record-path [RECORDS] [ROUNDS]   (default 200000 records, 5 rounds)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "replayer/trace/redact.h"
#include "replayer/trace/trace_writer.h"
#include "tracer/ebpf/event_decoder.h"
#include "tracer/ebpf/record_line_writer.h"

using namespace reprobe;

namespace {

// The generator's own events: a writer error is a bug here, reported as one.
void must(reprobe::Result<void> r) {
  if (!r) throw std::runtime_error("bench: the trace writer refused an event: " + r.error().str());
}

// A bind/unbind stress mix: probe, deferral, trigger, unbind on a few devices.
std::vector<std::vector<uint8_t>> make_records(size_t n) {
  static const char* devs[] = {"0000:00:1f.3", "ehdaudio0D0", "ehdaudio0D2", "skl_hda_dsp_generic", "dmic-codec"};
  static const uint32_t kinds[] = {RP_PROBE_START, RP_DEFER_ADD, RP_PROBE_END, RP_TRIGGER, RP_PROBE_START,
                                   RP_PROBE_END,   RP_BOUND,     RP_DEFER_DEL, RP_UNBIND,  RP_DEFER_REASON};
  std::vector<std::vector<uint8_t>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    RawRecord r;
    r.hdr.kind = kinds[i % 10];
    r.hdr.ts = 1'000'000 + i * 1000;
    r.hdr.cpu = static_cast<uint32_t>(i % 2);
    r.hdr.tid = 200 + static_cast<uint32_t>(i % 3);
    std::strcpy(r.hdr.comm, i % 3 ? "kworker/u4:1" : "bash");
    r.hdr.dev = 0x1000 + (i / 10) % 5;
    r.hdr.ret = (i % 20 < 10) ? -517 : 0;
    r.dev = devs[(i / 10) % 5];
    r.bus = "pci";
    r.drv = "snd_hda_intel";
    if (r.hdr.kind == RP_DEFER_REASON) r.str = "deferred probe pending: HDA codec not found";
    out.push_back(encode_raw_record(r));
  }
  return out;
}

DecoderOptions decoder_options() {
  DecoderOptions o;
  o.initial_devices = {"0000:00:1f.3", "ehdaudio0D0", "ehdaudio0D2", "skl_hda_dsp_generic", "dmic-codec"};
  o.reorder_window_ns = 0;
  return o;
}

RedactOptions redact_options() {
  RedactOptions o;
  o.host_names = {"buildhost"};
  o.user_names = {"alice"};
  return o;
}

// Per-poll batches of 1000 records, like the ring under load.
constexpr size_t kBatch = 1000;

double json_path(const std::vector<std::vector<uint8_t>>& recs, std::string* bytes) {
  std::ostringstream os;
  const auto t0 = std::chrono::steady_clock::now();
  EventDecoder dec(decoder_options());
  Redactor red(redact_options());
  TraceWriter w(os);
  for (size_t i = 0; i < recs.size(); ++i) {
    dec.push(recs[i].data(), recs[i].size());
    if ((i + 1) % kBatch == 0 || i + 1 == recs.size()) {
      dec.flush(UINT64_MAX, [&](nlohmann::ordered_json ev) {
        red.scrub_json(ev);
        must(w.event(ev));
      });
      w.flush();
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  *bytes = os.str();
  return std::chrono::duration<double>(t1 - t0).count();
}

double fast_path(const std::vector<std::vector<uint8_t>>& recs, std::string* bytes) {
  std::ostringstream os;
  const auto t0 = std::chrono::steady_clock::now();
  EventDecoder dec(decoder_options());
  Redactor red(redact_options());
  RecordLineWriter w(red);
  std::string pending;
  pending.reserve(64 << 10);
  for (size_t i = 0; i < recs.size(); ++i) {
    dec.push(recs[i].data(), recs[i].size());
    if ((i + 1) % kBatch == 0 || i + 1 == recs.size()) {
      dec.flush_events(UINT64_MAX, [&](DecodedEvent&& e) {
        must(w.append(e, pending));
        if (pending.size() >= (64u << 10)) {
          os.write(pending.data(), static_cast<std::streamsize>(pending.size()));
          pending.clear();
        }
      });
      os.write(pending.data(), static_cast<std::streamsize>(pending.size()));
      pending.clear();
      os.flush();
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  *bytes = os.str();
  return std::chrono::duration<double>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const auto recs = make_records(n);
  double best_json = 1e99, best_fast = 1e99;
  std::string a, b;
  for (int r = 0; r < rounds; ++r) {
    best_json = std::min(best_json, json_path(recs, &a));
    best_fast = std::min(best_fast, fast_path(recs, &b));
  }
  if (a != b) {
    std::fprintf(stderr, "bench-record-path: outputs differ (%zu vs %zu bytes)\n", a.size(), b.size());
    return 1;
  }
  std::printf("records %zu, output %zu bytes, best of %d (interleaved)\n", n, a.size(), rounds);
  std::printf("%-34s %9.2f us/event %12.0f events/s\n", "json path (decode+scrub+canonical)", best_json * 1e6 / n,
              n / best_json);
  std::printf("%-34s %9.2f us/event %12.0f events/s\n", "fast path (RecordLineWriter)", best_fast * 1e6 / n,
              n / best_fast);
  std::printf("speedup %.1fx\n", best_json / best_fast);
  return 0;
}

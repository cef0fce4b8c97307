#include "replayer/explore/state_key.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace reprobe {

namespace {

class KeyWriter {
 public:
  template <typename T>
  KeyWriter& operator<<(const T& v) {
    static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>, "scalars only: no padding bytes in the key");
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    out_.append(buf, sizeof(T));
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The queue and `later` as one list in run order, without the sequence numbers.
void put_queue(KeyWriter& w, const SimState& s) {
  std::vector<QItem> all(s.queue.begin(), s.queue.end());
  all.insert(all.end(), s.later.begin(), s.later.end());
  std::sort(all.begin(), all.end(),
            [](const QItem& a, const QItem& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
  w << all.size();
  for (const QItem& q : all) w << q.t << q.subject << q.action_index << q.kind;
}

void put_devs(KeyWriter& w, const SimState& s) {
  for (const DevState& d : s.devs) {
    w << d.present << d.bound << d.probing << d.assumed_success << d.list << d.prev << d.next << d.bound_binding
      << d.ever_bound << d.bound_at << d.card_at << d.card_live << d.card_unbound << d.card_registers << d.card_rebinds
      << d.attempts << d.deferrals;
    const ProbeInFlight& p = d.probe;
    if (d.probing)
      w << p.binding << p.thread << p.start << p.count_at_start << p.attempt_index << p.decided << p.bound << p.assumed
        << p.outcome;
  }
}

void put_threads(KeyWriter& w, const SimState& s) {
  w << s.threads.size();
  for (const SimThread& t : s.threads) {
    w << t.busy << t.is_worker << t.owner << t.pos << t.jobs.size();
    for (size_t j = t.pos; j < t.jobs.size(); ++j)
      w << t.jobs[j].dev << t.jobs[j].only_driver << t.jobs[j].next_candidate;
  }
}

}  // namespace

std::string state_key(const SimState& s) {
  KeyWriter w;
  w << s.now;
  put_queue(w, s);
  put_devs(w, s);
  put_threads(w, s);
  for (uint8_t r : s.driver_registered) w << r;
  for (uint32_t r : s.driver_reg_order) w << r;
  for (uint32_t a : s.binding_attempts) w << a;
  for (uint32_t r : s.resource_up) w << r;
  w << s.instances.size();
  for (const CtxInstance& i : s.instances)
    w << i.ctx << i.base << i.inline_children << i.parent << i.lag << i.applied << i.inherited << i.started;
  w << s.pending.head << s.pending.tail << s.pending.size << s.active.head << s.active.tail << s.active.size;
  w << s.enabled << s.late_initcall_stage << s.worker_scheduled << s.trigger_count << s.triggers_ignored;
  for (uint32_t c : s.triggers_by_cause) w << c;
  w << s.unbind_cards.size();
  for (DevId c : s.unbind_cards) w << c;
  w << s.timeout_armed << s.timeout_fired << s.timeout_due << s.timeout_fired_at << s.timeout_fired_pending
    << s.timeout_version << s.blocked_total_ns << s.blocked_max_ns << s.probe_attempts << s.deferrals << s.reg_seq
    << s.truncated;
  return w.take();
}

}  // namespace reprobe

#include "tracer/ebpf/event_decoder.h"

#include <algorithm>
#include <cstring>

namespace reprobe {

using json = DecodedEvent;

namespace {

constexpr int64_t kEProbeDefer = 517;
constexpr int64_t kENoDev = 19;
constexpr int64_t kENxio = 6;

const char* outcome_of(int64_t ret) {
  if (ret == 0) return "bound";
  if (ret == -kEProbeDefer) return "deferred";
  if (ret == -kENoDev || ret == -kENxio) return "rejected";
  return "failed";
}

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
size_t utf8_len(const unsigned char* s, size_t i, size_t n) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else
    return 0;
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i + k] & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

}  // namespace

std::string raw_string(const char* p, size_t cap) {
  size_t n = strnlen(p, cap);
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n;) {
    size_t l = utf8_len(s, i, n);
    if (l == 0) {
      out.push_back('?');
      i++;
    } else {
      out.append(p + i, l);
      i += l;
    }
  }
  return out;
}

std::string normalize_module_name(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

ProbeResult normalize_probe_ret(int64_t raw, bool new_convention, bool saw_defer) {
  if (new_convention) {
    // >= 5.14: 0 bound, positive = -(->probe() return), negative = pre-probe failure
    int64_t ret = raw > 0 ? -raw : raw;
    return {ret, outcome_of(ret), false};
  }
  // <= 5.13: 1 bound; 0 = ->probe() failed or deferred (errors swallowed);
  // negative = -EPROBE_DEFER from links / defer_all_probes, -EBUSY, ...
  if (raw == 1) return {0, "bound", false};
  if (raw == 0) {
    if (saw_defer) return {-kEProbeDefer, "deferred", false};
    // The driver core ignored the error and lets the next driver try: behaves
    // like a rejection; the errno itself is not visible at this hook.
    return {-kENoDev, "rejected", true};
  }
  if (raw < 0) return {raw, outcome_of(raw), false};
  return {-raw, outcome_of(-raw), true};
}

EventDecoder::EventDecoder(DecoderOptions opts) : opts_(std::move(opts)) {
  for (const auto& d : opts_.initial_devices) {
    known_.insert(d);
    present_.insert(d);
  }
}

bool parse_raw_record(const void* data, size_t size, RawRecord* out) {
  if (size < sizeof(rp_event)) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  std::memcpy(&out->hdr, p, sizeof(rp_event));
  const rp_event& e = out->hdr;
  if (e.abi != RP_ABI_VERSION || e.kind == RP_NONE || e.kind >= RP_KIND_MAX || e.size > size ||
      e.size < sizeof(rp_event))
    return false;
  out->dev.clear();
  out->parent.clear();
  out->bus.clear();
  out->drv.clear();
  out->str.clear();
  out->dais.clear();
  out->sym.clear();
  out->card.clear();
  for (size_t off = sizeof(rp_event); off < e.size;) {
    if (off + 2 > e.size) return false;
    const unsigned field = p[off];
    const size_t len = p[off + 1];
    const char* bytes = reinterpret_cast<const char*>(p + off + 2);
    if (off + 2 + len > e.size) return false;
    off += 2 + len;
    switch (field) {
      case RP_S_DEV:
        out->dev = raw_string(bytes, len);
        break;
      case RP_S_PARENT:
        out->parent = raw_string(bytes, len);
        break;
      case RP_S_BUS:
        out->bus = raw_string(bytes, len);
        break;
      case RP_S_DRV:
        out->drv = raw_string(bytes, len);
        break;
      case RP_S_STR:
        out->str = raw_string(bytes, len);
        break;
      case RP_S_DAI:
        if (out->dais.size() < RP_MAX_DAIS) out->dais.push_back(raw_string(bytes, len));
        break;
      case RP_S_SYM:
        out->sym = raw_string(bytes, len);
        break;
      case RP_S_CARD:
        out->card = raw_string(bytes, len);
        break;
      default:
        return false;
    }
  }
  return true;
}

std::vector<uint8_t> encode_raw_record(const RawRecord& r) {
  std::vector<uint8_t> out(sizeof(rp_event));
  auto put = [&](unsigned field, const std::string& s, size_t cap) {
    const size_t len = std::min(s.size(), cap - 1);
    if (len == 0) return;
    out.push_back(static_cast<uint8_t>(field));
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), s.begin(), s.begin() + static_cast<long>(len));
  };
  put(RP_S_DEV, r.dev, RP_NAME_LEN);
  put(RP_S_PARENT, r.parent, RP_NAME_LEN);
  put(RP_S_BUS, r.bus, RP_BUS_LEN);
  put(RP_S_DRV, r.drv, RP_NAME_LEN);
  put(RP_S_STR, r.str, RP_STR_LEN);
  for (size_t i = 0; i < r.dais.size() && i < RP_MAX_DAIS; i++) put(RP_S_DAI, r.dais[i], RP_DAI_LEN);
  put(RP_S_SYM, r.sym, RP_SYM_LEN);
  put(RP_S_CARD, r.card, RP_NAME_LEN);
  rp_event h = r.hdr;
  h.size = static_cast<uint16_t>(out.size());
  h.abi = RP_ABI_VERSION;
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

bool EventDecoder::push(const void* data, size_t size) {
  Held h;
  if (!parse_raw_record(data, size, &h.r)) {
    stats_.malformed++;
    return false;
  }
  h.seq = seq_++;
  stats_.records++;
  hold(std::move(h));
  return true;
}

bool EventDecoder::push(RawRecord r) {
  if (r.hdr.kind == RP_NONE || r.hdr.kind >= RP_KIND_MAX) {
    stats_.malformed++;
    return false;
  }
  hold(Held{std::move(r), seq_++});
  stats_.records++;
  return true;
}

void EventDecoder::flush(uint64_t now_ns, const Sink& sink) {
  flush_events(now_ns, [&](DecodedEvent&& e) { sink(e.to_json()); });
}

void EventDecoder::drain(const Sink& sink) {
  drain_events([&](DecodedEvent&& e) { sink(e.to_json()); });
}

void EventDecoder::hold(Held&& h) {
  held_.push_back(std::move(h));
  // stable: an equal timestamp stays behind what arrived before it
  for (size_t i = held_.size() - 1; i > 0 && held_[i - 1].r.hdr.ts > held_[i].r.hdr.ts; --i)
    std::swap(held_[i - 1], held_[i]);
}

void EventDecoder::flush_events(uint64_t now_ns, const EventSink& sink) {
  if (held_.empty()) return;
  uint64_t cutoff = now_ns > opts_.reorder_window_ns ? now_ns - opts_.reorder_window_ns : 0;
  auto it = std::find_if(held_.begin(), held_.end(), [&](const Held& h) { return h.r.hdr.ts > cutoff; });
  std::vector<Held> batch(std::make_move_iterator(held_.begin()), std::make_move_iterator(it));
  held_.erase(held_.begin(), it);
  release(batch, sink);
}

void EventDecoder::drain_events(const EventSink& sink) {
  std::vector<Held> batch(std::make_move_iterator(held_.begin()), std::make_move_iterator(held_.end()));
  held_.clear();
  release(batch, sink);
}

void EventDecoder::release(std::vector<Held>& batch, const EventSink& sink) {
  for (const Held& h : batch) {
    uint64_t t = h.r.hdr.ts;
    if (t < last_t_) {
      t = last_t_;
      stats_.clamped++;
    }
    decode(h, t, sink);
  }
}

json EventDecoder::base(const rp_event& e, uint64_t t, const char* ev) const {
  json j;
  j["t"] = t;
  j["cpu"] = e.cpu;
  j["tid"] = e.tid;
  std::string comm = raw_string(e.comm, RP_COMM_LEN);
  if (!comm.empty()) j["comm"] = comm;
  j["ev"] = ev;
  return j;
}

void EventDecoder::emit(json j, const EventSink& sink) {
  uint64_t t = j.t();
  if (t > last_t_) last_t_ = t;
  stats_.events++;
  sink(std::move(j));
}

bool EventDecoder::ensure_device(const RawRecord& r, uint64_t t, const std::string& name, const EventSink& sink) {
  if (name.empty()) return false;
  if (known_.count(name)) return true;
  json j = base(r.hdr, t, "device_add");
  j["dev"] = name;
  j["bus"] = r.bus;
  j["inferred"] = true;
  known_.insert(name);
  present_.insert(name);
  stats_.inferred_devices++;
  emit(std::move(j), sink);
  return true;
}

std::string EventDecoder::sym(const RawRecord& r, uint64_t addr) {
  // "%ps" prints "name", "name [module]", or "0x<hex>" when the kernel has no name.
  // The BPF side names an address once per module generation; later records
  // of the same address carry no name and use what the first one said.
  if (!r.sym.empty() && r.sym.compare(0, 2, "0x") != 0) {
    std::string name = r.sym.substr(0, r.sym.find(' '));
    kernel_syms_[addr] = name;
    return name;
  }
  if (auto it = kernel_syms_.find(addr); it != kernel_syms_.end()) return it->second;
  std::string s = opts_.symbolize ? opts_.symbolize(addr) : std::string();
  return s.empty() ? std::string("?") : s;
}

bool EventDecoder::need_dev(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  if (ensure_device(rec, t, rec.dev, sink)) return true;
  stats_.unnamed++;
  return false;
}

// One handler per record kind; the kinds that only stamp a time are written here.
void EventDecoder::decode(const Held& h, uint64_t t, const EventSink& sink) {
  const rp_event& e = h.r.hdr;
  const uint32_t prev_kind = last_kind_.count(e.tid) ? last_kind_[e.tid] : static_cast<uint32_t>(RP_NONE);
  last_kind_[e.tid] = e.kind;

  switch (static_cast<rp_kind>(e.kind)) {
    case RP_PROBE_START:
      on_probe_start(h.r, t, sink);
      return;
    case RP_PROBE_END:
      on_probe_end(h.r, t, sink);
      return;
    case RP_BOUND:
      on_bound(h.r, t, sink);
      return;
    case RP_UNBIND:
      on_unbind(h.r, t, sink);
      return;
    case RP_DEFER_ADD:
      on_defer_add(h.r, t, sink);
      return;
    case RP_DEFER_DEL:
      on_defer_del(h.r, t, sink);
      return;
    case RP_DEFER_REASON:
      on_defer_reason(h.r, t, sink);
      return;
    case RP_TRIGGER:
      on_trigger(h.r, t, sink, prev_kind);
      return;
    case RP_TIMEOUT_EXTENDED:
      on_timeout_extended(h.r, t, sink);
      return;
    case RP_DEVICE_ADD:
      on_device_add(h.r, t, sink);
      return;
    case RP_DEVICE_DEL:
      on_device_del(h.r, t, sink);
      return;
    case RP_DEVICE_LINK:
      on_device_link(h.r, t, sink);
      return;
    case RP_DRIVER_REGISTER:
      on_driver_register(h.r, t, sink);
      return;
    case RP_DRIVER_UNREGISTER:
      on_driver_unregister(h.r, t, sink);
      return;
    case RP_FW_REQUEST:
      on_fw_request(h.r, t, sink);
      return;
    case RP_FW_SYNC_DONE:
      on_fw_sync_done(h.r, t, sink);
      return;
    case RP_FW_WORK_START:
      on_fw_work_start(h.r, t, sink);
      return;
    case RP_FW_LOADED:
      on_fw_loaded(h.r, t, sink);
      return;
    case RP_FW_WORK_END:
      on_fw_work_end(h.r, t, sink);
      return;
    case RP_MODULE_REQUEST:
      on_module_request(h.r, t, sink);
      return;
    case RP_MODULE_LOAD:
      on_module_load(h.r, t, sink);
      return;
    case RP_MODULE_INIT_DONE:
      on_module_init_done(h.r, t, sink);
      return;
    case RP_WORK_QUEUE:
      on_work_queue(h.r, t, sink);
      return;
    case RP_WORK_START:
      on_work_start(h.r, t, sink);
      return;
    case RP_WORK_END:
      on_work_end(h.r, t, sink);
      return;
    case RP_COMPONENT_ADD:
      on_component_add(h.r, t, sink);
      return;
    case RP_COMPONENT_DEL:
      on_component_del(h.r, t, sink);
      return;
    case RP_CARD_BIND_START:
      on_card_bind_start(h.r, t, sink);
      return;
    case RP_CARD_BIND_END:
      on_card_bind_end(h.r, t, sink);
      return;
    case RP_SND_CARD_REGISTER:
      on_snd_card_register(h.r, t, sink);
      return;
    case RP_ASOC_MISSING:
      on_asoc_missing(h.r, t, sink);
      return;
    case RP_DWORK_START:
      emit(base(e, t, "deferred_work_start"), sink);
      return;
    case RP_DWORK_END:
      emit(base(e, t, "deferred_work_end"), sink);
      return;
    case RP_TIMEOUT_FIRED:
      emit(base(e, t, "timeout_fired"), sink);
      return;
    case RP_RESUME:
      emit(base(e, t, "resume"), sink);
      return;
    case RP_MODULE_FREE:
      kernel_syms_.clear();
      stats_.ignored++;  // only used by the loader (re-attach after reload)
      return;
    case RP_NONE:
    case RP_KIND_MAX:
      break;
  }
  stats_.ignored++;
}

void EventDecoder::on_probe_start(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& drv = rec.drv;
  attempts_[e.dev] = Attempt{};
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "probe_start");
  j["dev"] = dev;
  j["drv"] = drv;
  if (e.flags & RP_F_ASYNC) j["async"] = true;
  emit(std::move(j), sink);
}

void EventDecoder::on_probe_end(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& drv = rec.drv;
  bool saw_defer = false;
  if (auto it = attempts_.find(e.dev); it != attempts_.end()) {
    saw_defer = it->second.saw_defer;
    attempts_.erase(it);
  }
  if (!need_dev(rec, t, sink)) return;
  ProbeResult r = normalize_probe_ret(e.ret, opts_.new_probe_convention, saw_defer);
  json j = base(e, t, "probe_end");
  j["dev"] = dev;
  j["drv"] = drv;
  j["ret"] = r.ret;
  j["outcome"] = r.outcome;
  if (r.ambiguous) j["x-raw_ret"] = e.ret;
  emit(std::move(j), sink);
}

void EventDecoder::on_bound(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& drv = rec.drv;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "bound");
  j["dev"] = dev;
  j["drv"] = drv;
  emit(std::move(j), sink);
}

void EventDecoder::on_unbind(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& drv = rec.drv;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "unbind");
  j["dev"] = dev;
  if (!drv.empty()) j["drv"] = drv;
  emit(std::move(j), sink);
}

void EventDecoder::on_defer_add(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  if (auto it = attempts_.find(e.dev); it != attempts_.end()) it->second.saw_defer = true;
  if (e.flags & RP_F_ON_LIST) {  // already listed: driver_deferred_probe_add() is a no-op
    stats_.ignored++;
    return;
  }
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "defer_add");
  j["dev"] = dev;
  emit(std::move(j), sink);
}

void EventDecoder::on_defer_del(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "defer_del");
  j["dev"] = dev;
  emit(std::move(j), sink);
}

void EventDecoder::on_defer_reason(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  if (auto it = attempts_.find(e.dev); it != attempts_.end()) it->second.saw_defer = true;
  std::string reason = str;
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r' || reason.back() == ' ')) reason.pop_back();
  if (reason.empty()) {
    stats_.ignored++;
    return;
  }
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "defer_reason");
  j["dev"] = dev;
  j["reason"] = reason;
  emit(std::move(j), sink);
}

void EventDecoder::on_trigger(const RawRecord& rec, uint64_t t, const EventSink& sink, uint32_t prev_kind) {
  const rp_event& e = rec.hdr;
  json j = base(e, t, "trigger");
  if (e.flags & RP_F_IN_TIMEOUT)
    j["cause"] = "timeout";
  else if (e.flags & RP_F_IN_BOUND)
    j["cause"] = "bound";
  else if ((e.flags & RP_F_IN_PROBE) || prev_kind == RP_DEFER_ADD)
    j["cause"] = "race";
  if (e.flags & RP_F_COUNT) j["count"] = e.aux;
  emit(std::move(j), sink);
}

void EventDecoder::on_timeout_extended(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  if (!(e.flags & RP_F_COUNT) || (e.flags & RP_F_NOT_PENDING)) {
    stats_.ignored++;
    return;
  }
  json j = base(e, t, "timeout_extended");
  j["secs"] = e.ret;
  emit(std::move(j), sink);
}

void EventDecoder::on_device_add(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  if (dev.empty()) {
    stats_.unnamed++;
    return;
  }
  if (present_.count(dev)) {
    stats_.dup_device_add++;
    return;
  }
  json j = base(e, t, "device_add");
  j["dev"] = dev;
  j["bus"] = rec.bus;
  if (!rec.parent.empty()) j["parent"] = rec.parent;
  known_.insert(dev);
  present_.insert(dev);
  emit(std::move(j), sink);
}

void EventDecoder::on_device_del(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  if (!known_.count(dev)) {  // never referred to: nothing to close
    stats_.ignored++;
    return;
  }
  present_.erase(dev);
  json j = base(e, t, "device_del");
  j["dev"] = dev;
  emit(std::move(j), sink);
}

// device_link_add() returned a link: consumer, supplier name, the link's DL_FLAG_* bits.
void EventDecoder::on_device_link(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  if (rec.str.empty()) {
    stats_.ignored++;
    return;
  }
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "device_link");
  j["dev"] = rec.dev;
  j["supplier"] = rec.str;
  j["flags"] = e.aux;
  emit(std::move(j), sink);
}

void EventDecoder::on_driver_register(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& drv = rec.drv;
  const std::string& str = rec.str;
  json j = base(e, t, "driver_register");
  j["drv"] = drv;
  j["bus"] = rec.bus;
  if (e.flags & RP_F_ASYNC) j["async"] = true;
  if (!str.empty()) j["module"] = str;
  emit(std::move(j), sink);
}

void EventDecoder::on_driver_unregister(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& drv = rec.drv;
  json j = base(e, t, "driver_unregister");
  j["drv"] = drv;
  emit(std::move(j), sink);
}

void EventDecoder::on_fw_request(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  bool have_dev = ensure_device(rec, t, dev, sink);
  uint64_t id = next_fw_id_++;
  json j = base(e, t, "fw_request");
  j["id"] = id;
  bool nowait = e.flags & RP_F_NOWAIT;
  j["mode"] = nowait ? "nowait" : "sync";
  j["name"] = str;
  if (have_dev) j["dev"] = dev;
  if (nowait) {
    if (e.ptr) j["cb"] = sym(rec, e.ptr);
    fw_nowait_.push_back(NowaitReq{e.dev, e.ptr2, e.ptr, id, str});
    if (fw_nowait_.size() > 4096) fw_nowait_.pop_front();
  } else {
    fw_sync_[e.ptr] = id;
  }
  emit(std::move(j), sink);
}

void EventDecoder::on_fw_sync_done(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  auto it = fw_sync_.find(e.ptr);
  if (it == fw_sync_.end()) {
    stats_.unmatched++;
    return;
  }
  json j = base(e, t, "fw_done");
  j["id"] = it->second;
  j["ret"] = e.ret;
  fw_sync_.erase(it);
  emit(std::move(j), sink);
}

void EventDecoder::on_fw_work_start(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  // Pair with the request_firmware_nowait() that queued it.
  auto match = [&](bool strict) {
    return std::find_if(fw_nowait_.begin(), fw_nowait_.end(), [&](const NowaitReq& r) {
      if (r.name != str || r.dev != e.dev) return false;
      return !strict || (r.context == e.ptr2 && r.cont == e.aux);
    });
  };
  auto it = match(true);
  if (it == fw_nowait_.end()) it = match(false);
  uint64_t id;
  if (it != fw_nowait_.end()) {
    id = it->id;
    fw_nowait_.erase(it);
  } else {
    // Requested before the capture started: declare it (inferred).
    bool have_dev = ensure_device(rec, t, dev, sink);
    id = next_fw_id_++;
    json j = base(e, t, "fw_request");
    j["id"] = id;
    j["mode"] = "nowait";
    j["name"] = str;
    if (have_dev) j["dev"] = dev;
    if (e.aux) j["cb"] = sym(rec, e.aux);
    j["inferred"] = true;
    emit(std::move(j), sink);
  }
  FwWork& w = fw_work_[e.ptr];
  w = FwWork{id, false};
  if (!opts_.fw_loaded_hooked) {
    json j = base(e, t, "fw_done");
    j["id"] = id;
    j["ret"] = 0;
    w.done = true;
    emit(std::move(j), sink);
  }
}

void EventDecoder::on_fw_loaded(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  auto it = fw_work_.find(e.ptr);
  if (it == fw_work_.end() || it->second.done) {
    stats_.unmatched++;
    return;
  }
  it->second.done = true;
  json j = base(e, t, "fw_done");
  j["id"] = it->second.id;
  j["ret"] = e.ret;
  emit(std::move(j), sink);
}

void EventDecoder::on_fw_work_end(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  auto it = fw_work_.find(e.ptr);
  if (it == fw_work_.end()) {
    stats_.unmatched++;
    return;
  }
  if (!it->second.done) {  // the load result was not seen: say so
    json j = base(e, t, "fw_done");
    j["id"] = it->second.id;
    j["ret"] = 0;
    j["inferred"] = true;
    emit(std::move(j), sink);
  }
  json j = base(e, t, "fw_cb_end");
  j["id"] = it->second.id;
  fw_work_.erase(it);
  emit(std::move(j), sink);
}

void EventDecoder::on_module_request(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& str = rec.str;
  // some callers pass a sysfs-style modalias with its trailing newline
  std::string name = str;
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ' || name.back() == '\r')) name.pop_back();
  uint64_t id = next_mod_id_++;
  mod_reqs_.push_back(ModReq{normalize_module_name(name), id});
  if (mod_reqs_.size() > 4096) mod_reqs_.erase(mod_reqs_.begin());
  json j = base(e, t, "module_request");
  j["name"] = name;
  j["wait"] = (e.flags & RP_F_WAIT) != 0;
  j["id"] = id;
  emit(std::move(j), sink);
}

void EventDecoder::on_module_load(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& str = rec.str;
  kernel_syms_.clear();  // module text addresses may now name other functions
  json j = base(e, t, "module_load");
  j["module"] = str;
  std::string norm = normalize_module_name(str);
  for (auto& r : mod_reqs_) {
    if (!r.used && r.norm == norm) {
      r.used = true;
      j["req"] = r.id;
      break;
    }
  }
  emit(std::move(j), sink);
}

void EventDecoder::on_module_init_done(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& str = rec.str;
  json j = base(e, t, "module_init_done");
  j["module"] = str;
  j["ret"] = e.ret;
  emit(std::move(j), sink);
}

void EventDecoder::on_work_queue(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  WorkIds& w = works_[e.ptr];
  if (w.queued == 0) w.queued = next_work_id_++;
  json j = base(e, t, "work_queue");
  j["work"] = w.queued;
  j["func"] = sym(rec, e.aux);
  emit(std::move(j), sink);
}

void EventDecoder::on_work_start(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  WorkIds& w = works_[e.ptr];
  w.running = w.queued ? w.queued : next_work_id_++;
  w.queued = 0;
  json j = base(e, t, "work_start");
  j["work"] = w.running;
  j["func"] = sym(rec, e.aux);
  emit(std::move(j), sink);
}

void EventDecoder::on_work_end(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  auto it = works_.find(e.ptr);
  if (it == works_.end() || it->second.running == 0) {
    stats_.unmatched++;
    return;
  }
  json j = base(e, t, "work_end");
  j["work"] = it->second.running;
  it->second.running = 0;
  if (it->second.queued == 0) works_.erase(it);
  emit(std::move(j), sink);
}

void EventDecoder::on_component_add(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "component_add");
  j["name"] = str;
  j["dev"] = dev;
  std::vector<std::string> dais;
  for (const auto& d : rec.dais)
    if (!d.empty()) dais.push_back(d);
  if (!dais.empty()) j["dais"] = std::move(dais);
  emit(std::move(j), sink);
}

void EventDecoder::on_component_del(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "component_del");
  j["name"] = str;
  j["dev"] = dev;
  if (!rec.card.empty()) j["card"] = rec.card;
  emit(std::move(j), sink);
}

void EventDecoder::on_card_bind_start(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "card_bind_start");
  j["dev"] = dev;
  if (!str.empty()) j["card"] = str;
  emit(std::move(j), sink);
}

void EventDecoder::on_card_bind_end(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  if (!need_dev(rec, t, sink)) return;
  json j = base(e, t, "card_bind_end");
  j["dev"] = dev;
  j["ret"] = e.ret;
  emit(std::move(j), sink);
}

void EventDecoder::on_snd_card_register(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& str = rec.str;
  bool have_dev = ensure_device(rec, t, dev, sink);
  json j = base(e, t, "snd_card_register");
  if (have_dev) j["dev"] = dev;
  j["index"] = e.ret;
  j["id"] = str;
  emit(std::move(j), sink);
}

void EventDecoder::on_asoc_missing(const RawRecord& rec, uint64_t t, const EventSink& sink) {
  const rp_event& e = rec.hdr;
  const std::string& dev = rec.dev;
  const std::string& drv = rec.drv;
  const std::string& str = rec.str;
  // soc-core.c only dev_info()/dev_dbg()s which DAI or component a card
  // bind lacks before returning -EPROBE_DEFER; the driver's own
  // dev_err_probe() text usually does not name it. Same wording as the kernel.
  if (str.empty()) {
    stats_.ignored++;
    return;
  }
  if (!need_dev(rec, t, sink)) return;
  const bool comp = e.flags & RP_F_COMPONENT;
  const char* role = (e.flags & RP_F_LINK_CPU)        ? "cpu"
                     : (e.flags & RP_F_LINK_CODEC)    ? "codec"
                     : (e.flags & RP_F_LINK_PLATFORM) ? "platform"
                                                      : "";
  std::string reason;
  if (comp) {
    if (*role)
      reason =
          std::string("ASoC: ") + role + " component " + str + " not found" + (drv.empty() ? "" : " for link " + drv);
    else
      reason = "ASoC: Component " + str + " not found";
  } else {
    std::string r = std::string(role) == "cpu" ? "CPU DAI " : std::string(role) == "codec" ? "CODEC DAI " : "DAI ";
    reason = "ASoC: " + r + str + " not registered";
  }
  json j = base(e, t, "defer_reason");
  j["dev"] = dev;
  j["reason"] = reason;
  j["x-source"] = "asoc";
  emit(std::move(j), sink);
}

}  // namespace reprobe

#include "tracer/ebpf/decoded_event.h"

namespace reprobe {

nlohmann::ordered_json DecodedValue::to_json() const {
  switch (type_) {
    case Type::str:
      return s_;
    case Type::i64:
      return i_;
    case Type::u64:
      return u_;
    case Type::boolean:
      return b_;
    case Type::list:
      return list_;
    case Type::none:
      break;
  }
  return nullptr;
}

nlohmann::ordered_json DecodedEvent::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : fields_)
    if (v.type() != DecodedValue::Type::none) j[std::string(k)] = v.to_json();
  return j;
}

}  // namespace reprobe

// The kernel's wording of deferral reasons and the resources they name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reprobe {

// Parses a deferral reason into the resource it names, e.g.
// "ASoC: CODEC DAI spdif-dit-hifi not registered" -> "dai:spdif-dit-hifi".
std::optional<std::string> resource_from_reason(std::string_view reason);

}  // namespace reprobe

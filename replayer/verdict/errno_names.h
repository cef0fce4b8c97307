// Kernel error numbers in words ("-121 (EREMOTEIO)"), for the explanation (a supplier whose probe
// failed, issue 14) and the report's Triage section, so both name an errno the same way.
#pragma once

#include <cstdint>
#include <string>

namespace reprobe {

// "-121" -> "-121 (EREMOTEIO)"; unknown numbers stay as they are.
std::string errno_with_name(int64_t err);

}  // namespace reprobe

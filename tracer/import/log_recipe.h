// The log recipe (`reprobe import --recipe`): the kernel boot parameters that make a kernel
// log replay well, and how to collect the log, for machines where eBPF cannot run. The
// parameters are one string so the VM test boots with exactly what users are told
// (tests/vm/run-recipe.sh; docs/import.md, "The log recipe").
#pragma once

#include <string>

namespace reprobe {

// The boot parameters, space-separated, quoted as on a kernel command line.
std::string log_recipe_boot_parameters();

// The whole recipe for people: the parameters, why each, how to set them, how to collect.
std::string log_recipe_text();

}  // namespace reprobe

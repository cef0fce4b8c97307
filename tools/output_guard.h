// What every verb that writes an output FILE shares: refusing an output that is one of its
// inputs (the same file: device and inode, so also through links and "./x"), and, on
// SIGINT/SIGTERM/SIGHUP, removing the temporary file of the write in progress
// (write_file_atomically) and saying that the output was not written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reprobe {

// True (and "reprobe VERB: -o FILE is an input" printed) when `output` names the same file as
// one of `inputs` ("-" is stdin). "-" as output and outputs that do not exist yet are never inputs.
bool output_is_an_input(std::string_view verb, const std::string& output, const std::vector<std::string>& inputs);

// Installs the SIGINT/SIGTERM/SIGHUP handlers: they unlink the temporary files being written,
// print "reprobe: interrupted: OUTPUT was not written" (or "reprobe: interrupted" for stdout)
// and re-raise the signal with its default action (exit status 128 + signal: 130, 143, 129).
// Signals ignored at start (nohup) stay ignored. Not for `record`, which stops cleanly on them.
void install_interrupt_cleanup(const std::string& output);

}  // namespace reprobe

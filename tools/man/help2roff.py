#!/usr/bin/env python3
"""Writes the man page of `reprobe` or of one verb from the program's own --help text.

usage: help2roff.py REPROBE VERB|- OUT.1 VERSION

The page is made at build time from what the binary prints, so it cannot drift from --help
(tests/man_test.sh checks every verb has a page and every option is in it). Layout of the
help text: "usage:" lines, a description, a boost program_options block ("NAME options:"),
then free sections ("exit status: ...", "examples:").
"""
import re
import subprocess
import sys

OPTION = re.compile(r"^  (-\w \[ )?(--[\w-]+)( \])?( arg(?: \(=[^)]*\))?)?\s+(\S.*)$"
                    r"|^  (-\w \[ )?(--[\w-]+)( \])?( arg(?: \(=[^)]*\))?)?$")


def roff(text):
    text = text.replace("\\", "\\e")
    return "\n".join(("\\&" + ln) if ln.startswith((".", "'")) else ln for ln in text.split("\n"))


def parse_options(lines):
    """[(flags, description)] from a program_options block (continuation lines are indented)."""
    opts = []
    for ln in lines:
        m = OPTION.match(ln)
        if m:
            short = (m.group(1) or m.group(6) or "").strip(" [")
            name = m.group(2) or m.group(7)
            argtext = (m.group(4) or m.group(9) or "").strip()
            arg = " \\fI" + argtext.replace("\\", "\\e") + "\\fR" if argtext else ""
            flags = (f"\\fB{short}\\fR, " if short else "") + f"\\fB{name}\\fR{arg}"
            opts.append([flags, (m.group(5) or "").strip()])
        elif opts and ln.startswith("    "):
            opts[-1][1] += " " + ln.strip()
    return opts


def page(prog, verb, help_text, version, summary=None):
    name = prog if verb == "-" else f"{prog}-{verb}"
    lines = help_text.rstrip("\n").split("\n")
    usage, i = [], 0
    while i < len(lines) and lines[i].strip():
        usage.append(re.sub(r"^usage: ", "", lines[i]).strip())
        i += 1
    blocks, cur = [], []
    for ln in lines[i:]:
        if not ln.strip():
            if cur:
                blocks.append(cur)
            cur = []
        else:
            cur.append(ln)
    if cur:
        blocks.append(cur)
    first = blocks[0] if blocks else []
    summary = summary or (first[0].rstrip(".:") if first else name)
    out = [f'.TH {name.upper()} 1 "" "reprobe {version}" "reprobe manual"',
           ".SH NAME", f"{name} \\- {roff(summary)}", ".SH SYNOPSIS"]
    for u in usage:
        out += [".nf", roff(u), ".fi"]
    section = "DESCRIPTION"
    out.append(".SH DESCRIPTION")
    for b in blocks:
        head = b[0].strip()
        if head.endswith("options:") and len(b) > 1:
            out.append(".SH OPTIONS")
            for flags, desc in parse_options(b[1:]):
                out += [".TP", flags, roff(desc)]
            section = "OPTIONS"
            continue
        m = re.match(r"^([a-z][a-z ()-]*):(.*)$", head)
        if m and section != "" and m.group(1) in ("exit status", "examples", "verbs", "policies",
                                                   "planned (not built yet)"):
            title = m.group(1).upper()
            out.append(f".SH {title}")
            rest = [m.group(2).strip()] if m.group(2).strip() else []
            body = rest + [ln for ln in b[1:]]
            out += [".nf", roff("\n".join(x.rstrip() for x in body)), ".fi"]
            continue
        out += [".PP", roff(" ".join(x.strip() for x in b))]
    see = "reprobe(1)" if verb != "-" else "reprobe\\-replay(1), reprobe\\-record(1), reprobe\\-import(1), reprobe\\-report(1)"
    out += [".SH SEE ALSO", see, ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    prog, verb, dest, version = sys.argv[1:]
    cmd = [prog, "--help"] if verb == "-" else [prog, verb, "--help"]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    summary = None
    if verb != "-":  # the one-line summary `reprobe --help` gives the verb
        top = subprocess.run([prog, "--help"], capture_output=True, text=True, check=True).stdout
        m = re.search(rf"^  {re.escape(verb)}\s+(.*)$", top, re.M)
        summary = m.group(1) if m else None
    else:
        summary = "capture, rebuild and replay Linux deferred-probe sequences"
    with open(dest, "w", encoding="utf-8") as f:
        f.write(page("reprobe", verb, text, version, summary))


if __name__ == "__main__":
    main()

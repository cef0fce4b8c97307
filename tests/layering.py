#!/usr/bin/env python3
"""Checks that every #include goes down the layers of docs/architecture.md.

usage: layering.py ROOT             check the tree; prints file:line of each wrong-way include
       layering.py --self-test ROOT  plant a wrong-way include in memory and check it is refused

Each folder may include headers of the folders listed for it (and its own). Folders not in the
table (tests/, bench/) may include anything but the CLI (tools/ outside its library tools/preload).
"""
import os
import re
import sys

# folder -> folders it may include (besides itself). The order of this table is the build order.
ALLOWED = {
    "replayer/trace": [],
    "replayer/model": ["replayer/trace"],
    "replayer/verdict": ["replayer/model", "replayer/trace"],
    "replayer/explore": ["replayer/verdict", "replayer/model", "replayer/trace"],
    "replayer/report": ["replayer/verdict", "replayer/model", "replayer/trace"],
    "replayer/timeline": ["replayer/report", "replayer/verdict", "replayer/model", "replayer/trace"],
    "examples": ["replayer/trace"],
    "bpf": [],
    "tracer/import": ["replayer/trace"],
    "tracer/snapshot": ["replayer/trace"],
    "tracer/ebpf": ["replayer/trace", "bpf"],
    "tracer/record": ["tracer/import", "tracer/snapshot", "replayer/trace"],
    "tools/preload": ["replayer/verdict", "replayer/model", "replayer/trace"],
    "tools": ["tools/preload", "replayer/explore", "replayer/timeline", "replayer/report", "replayer/verdict",
              "replayer/model", "replayer/trace", "tracer/import", "tracer/snapshot", "tracer/ebpf", "tracer/record"],
}
# Layers under tools/ that are libraries, not the CLI: the tests may include them.
TOOL_LIBRARIES = ("tools/preload/",)
SOURCES = (".c", ".cc", ".cpp", ".h", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# Generated headers that belong to a layer.
GENERATED = {"reprobe.skel.h": "bpf"}


def folder_of(path):
    """The layer folder a repository path belongs to (the longest matching table entry)."""
    best = None
    for f in ALLOWED:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def check_file(rel, text):
    errors = []
    own = folder_of(rel)
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        target = m.group(1)
        tfolder = GENERATED.get(target) or folder_of(target)
        if target.startswith("tools/") and not target.startswith(TOOL_LIBRARIES) and own != "tools":
            errors.append(f"{rel}:{n}: includes {target}: nothing may include the CLI (tools/)")
            continue
        if own is None or tfolder is None or tfolder == own:
            continue
        if tfolder not in ALLOWED[own]:
            errors.append(f"{rel}:{n}: includes {target}: {own} may not depend on {tfolder} "
                          f"(allowed: {', '.join(ALLOWED[own]) or 'nothing'})")
    return errors


def sources(root):
    for top in ["replayer", "tracer", "tools", "bpf", "examples", "bench", "tests"]:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", "data", "golden"))
            for f in sorted(filenames):
                if f.endswith(SOURCES):
                    p = os.path.join(dirpath, f)
                    yield os.path.relpath(p, root), p


def check_tree(root, plant=None):
    errors = []
    for rel, path in sources(root):
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if plant and rel == plant[0]:
            text = plant[1] + "\n" + text
        errors += check_file(rel, text)
    return errors


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        root = argv[2]
        plant = ("replayer/model/simulator.cpp", '#include "replayer/report/report_text.h"')
        errors = check_tree(root, plant)
        if not any(e.startswith("replayer/model/simulator.cpp:1: includes replayer/report/report_text.h") for e in errors):
            print("layering self-test: a wrong-way include (model -> report) was NOT refused", file=sys.stderr)
            return 1
        print("layering self-test: the planted model -> report include is refused:")
        print("  " + [e for e in errors if e.startswith("replayer/model/simulator.cpp:1:")][0])
        # The preload library (tools/preload) is a layer below the CLI: it may not include the CLI.
        plant = ("tools/preload/sound_card.cpp", '#include "tools/trace_verb.h"')
        errors = check_tree(root, plant)
        if not any(e.startswith("tools/preload/sound_card.cpp:1: includes tools/trace_verb.h") for e in errors):
            print("layering self-test: tools/preload -> tools (the CLI) was NOT refused", file=sys.stderr)
            return 1
        print("  " + [e for e in errors if e.startswith("tools/preload/sound_card.cpp:1:")][0])
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    errors = check_tree(argv[1])
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"layering: {len(errors)} include(s) cross a layer the wrong way (docs/architecture.md)", file=sys.stderr)
        return 1
    print("layering: every include goes down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

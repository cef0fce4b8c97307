#!/usr/bin/env python3
"""Checks the shape of the tree (docs/architecture.md, CONTRIBUTING.md).

usage: tree_rules.py ROOT              check the tree; prints path[:line]: what, for each offender
       tree_rules.py --self-test ROOT  plant one offender per rule in memory and check each is refused

Rules:
  (a) no folder holds more than 20 C/C++ files (.c .cc .cpp .h .hpp), tests/data, node_modules
      and build* excluded: a folder that grows past it wants to be split along a concept;
  (b) every Markdown path cited in a source, script or doc exists: `docs/<name>.md`,
      `tests/vm/README.md`, ... (a path with a folder, from the project root or from the citing
      file's folder), a bare `name.md` when it is a Markdown link target or followed by a section
      sign; citations inside tests/data and tests/golden, URLs, shell variables ($tmp/a.md) and
      placeholder folders (DIR/results.md) are ignored;
  (c) every `kernel-model.md §N[.M]` citation (also `kernel-model §N`, lists `§1, §3`, ranges
      `§1.2–§1.6`) names a numbered heading of docs/kernel-model.md, and so does every bare `§N`
      inside that document.

Files come from `git ls-files` (tracked and untracked-but-not-ignored) inside a git checkout,
else from walking ROOT.
"""
import os
import re
import subprocess
import sys

MAX_CPP_PER_FOLDER = 20
CPP = (".c", ".cc", ".cpp", ".h", ".hpp")
# Files whose citations count: sources, scripts, docs, build files.
TEXT = CPP + (".py", ".sh", ".md", ".bt", ".js", ".mjs", ".ts", ".txt", ".build", ".json", ".yml", ".yaml", ".html")
SKIP_DIRS = ("tests/data/", "tests/golden/")
KERNEL_MODEL = "docs/kernel-model.md"

URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
# A Markdown path: optional folders, a name, ".md"; not the tail of a longer path or variable.
MD_PATH = re.compile(r"(?<![\w./$}-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
SECTION = r"§\d+(?:\.\d+)*"
KM_CITE = re.compile(r"kernel-model(?:\.md)?((?:\s*(?:,|–|-|and|or)?\s*" + SECTION + r")+)")
SECTION_NUM = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s")


def skipped(rel):
    parts = rel.split("/")
    return (rel.startswith("tests/data/") or "node_modules" in parts or parts[0].startswith("build")
            or parts[0] == ".git")


def list_files(root):
    """Repository-relative paths of the project's files (git when possible)."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout.decode("utf-8", "replace")
        files = sorted({p for p in out.split("\0") if p and os.path.isfile(os.path.join(root, p))})
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        dirnames[:] = sorted(d for d in dirnames if not skipped(rel_dir + d) and d != ".git")
        files += [rel_dir + f for f in sorted(filenames)]
    return files


def read(root, rel):
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            data = fh.read(1 << 20)
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", "replace")


def check_folders(files):
    """(a) folders with too many C/C++ files."""
    counts = {}
    for rel in files:
        if rel.endswith(CPP) and not skipped(rel):
            folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
            counts[folder] = counts.get(folder, 0) + 1
    return [f"{folder}/: {n} C/C++ files (at most {MAX_CPP_PER_FOLDER}): split it along a concept "
            f"(docs/architecture.md)" for folder, n in sorted(counts.items()) if n > MAX_CPP_PER_FOLDER]


def cites_text(rel):
    base = rel.rsplit("/", 1)[-1]
    if rel.startswith(SKIP_DIRS) or skipped(rel):
        return False
    return base.endswith(TEXT) or base in ("meson.build", "meson_options.txt") or "." not in base


def placeholder(path):
    """DIR/results.md, OUT/x.md: an all-capitals folder is a placeholder, not a path."""
    return any(re.fullmatch(r"[A-Z][A-Z0-9_]*", part) for part in path.split("/")[:-1])


def check_md_citations(texts, exists):
    """(b) cited Markdown paths that do not exist. texts: {rel: text}; exists(rel) -> bool."""
    errors = []
    for rel, text in sorted(texts.items()):
        here = rel.rsplit("/", 1)[0] if "/" in rel else ""
        for n, line in enumerate(text.splitlines(), 1):
            line = URL.sub(" ", line)
            for m in MD_PATH.finditer(line):
                path = m.group(1)
                if "/" not in path:
                    # A bare name counts only as a link target or a section citation.
                    after = line[m.end():]
                    if not (line[:m.start()].endswith("](") or re.match(r"\s*§", after)):
                        continue
                    if path == "kernel-model.md":
                        path = KERNEL_MODEL
                if placeholder(path):
                    continue
                candidates = [path, os.path.normpath(os.path.join(here, path)).replace(os.sep, "/")]
                if not any(exists(c) for c in candidates):
                    errors.append(f"{rel}:{n}: cites {m.group(1)}, which is not in the project")
    return errors


def headings(text):
    return {m.group(1) for m in (HEADING.match(line) for line in text.splitlines()) if m}


def expand(sections_text):
    """'§1.2–§1.6, §5.4' -> ['1.2', '1.3', ..., '1.6', '5.4']."""
    out = []
    nums = [(m.group(1), m.start()) for m in SECTION_NUM.finditer(sections_text)]
    i = 0
    while i < len(nums):
        num, pos = nums[i]
        out.append(num)
        if i + 1 < len(nums):
            nxt, npos = nums[i + 1]
            between = sections_text[pos + len(num) + 1:npos]
            a, b = num.split("."), nxt.split(".")
            if re.fullmatch(r"\s*[–-]\s*", between) and len(a) == len(b) and a[:-1] == b[:-1]:
                out += [".".join(a[:-1] + [str(k)]) for k in range(int(a[-1]) + 1, int(b[-1]))]
        i += 1
    return out


def check_kernel_model(texts, km_text):
    """(c) kernel-model.md section citations that are not headings of docs/kernel-model.md."""
    if km_text is None:
        return [f"{KERNEL_MODEL}: missing, but the project cites it"] if any(
            KM_CITE.search(t) for t in texts.values()) else []
    known = headings(km_text)
    errors = []
    for rel, text in sorted(texts.items()):
        for n, line in enumerate(text.splitlines(), 1):
            for m in KM_CITE.finditer(line):
                for num in expand(m.group(1)):
                    if num not in known:
                        errors.append(f"{rel}:{n}: cites {KERNEL_MODEL} §{num}, which is not a heading there")
    # The document's own cross-references.
    for n, line in enumerate(km_text.splitlines(), 1):
        if HEADING.match(line):
            continue
        for m in re.finditer(r"(?:" + SECTION + r")(?:\s*[–-]\s*" + SECTION + r")?", line):
            for num in expand(m.group(0)):
                if num not in known:
                    errors.append(f"{KERNEL_MODEL}:{n}: refers to §{num}, which is not a heading")
    return errors


def check_tree(root, plant=None):
    """All three rules. plant: optional (extra_files, {rel: text}) to add in memory (self-test)."""
    files = list_files(root)
    extra_files, extra_texts = plant or ([], {})
    files = sorted(set(files) | set(extra_files))
    texts = {}
    for rel in files:
        if cites_text(rel):
            t = extra_texts.get(rel)
            if t is None:
                t = read(root, rel)
            if t is not None:
                texts[rel] = t
    file_set = set(files)

    def exists(rel):
        return rel in file_set or os.path.isfile(os.path.join(root, rel))

    km_text = extra_texts.get(KERNEL_MODEL) or (read(root, KERNEL_MODEL) if exists(KERNEL_MODEL) else None)
    return check_folders(files) + check_md_citations(texts, exists) + check_kernel_model(texts, km_text)


def self_test(root):
    crowded = [f"replayer/crowded/f{i}.cpp" for i in range(MAX_CPP_PER_FOLDER + 1)]
    planted = {
        # Spelled in pieces so this file does not cite them itself.
        "tools/planted.cpp": "// see docs/no-such-doc" + ".md and docs/kernel-model" + ".md \u00a79.9\n"
                             "// fine: https://example.org/docs/x" + ".md, $tmp/a" + ".md, DIR/results" + ".md\n",
    }
    errors = check_tree(root, (crowded + list(planted), planted))
    want = [
        "replayer/crowded/: 21 C/C++ files",
        "tools/planted.cpp:1: cites docs/no-such-doc" + ".md",
        "tools/planted.cpp:1: cites docs/kernel-model" + ".md \u00a79.9",
    ]
    ok = True
    for w in want:
        hit = [e for e in errors if e.startswith(w)]
        if not hit:
            print(f"tree rules self-test: NOT refused: {w}", file=sys.stderr)
            ok = False
        else:
            print("refused as it should be: " + hit[0])
    false_alarms = [e for e in errors if e.startswith("tools/planted.cpp:2:")]
    for e in false_alarms:
        print(f"tree rules self-test: false alarm: {e}", file=sys.stderr)
    return 0 if ok and not false_alarms else 1


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    errors = check_tree(argv[1])
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"tree rules: {len(errors)} problem(s) (tests/tree_rules.py, CONTRIBUTING.md)", file=sys.stderr)
        return 1
    print("tree rules: folders small enough, every cited doc and kernel-model section exists")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/bash
# `meson install` into a DESTDIR (issue 18): the installed file list is exactly the binary,
# the man pages, the bash completion and (capture builds) the boot-capture unit and initramfs-tools
# hook and script, and the unit runs the installed binary.
#   tests/install_test.sh BUILDDIR HAVE_CAPTURE(0|1) HAVE_PRELOAD(0|1)
set -uo pipefail
build=$1 capture=$2 preload=${3:-0}
dest=$(mktemp -d /tmp/reprobe-install-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT
if ! meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$dest.log" 2>&1; then
  cat "$dest.log"; rm -f "$dest.log"; echo "FAIL: meson install"; exit 1
fi
rm -f "$dest.log"
prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["mandir"], o["datadir"])')
read -r p bindir mandir datadir <<< "$prefix"
want=("$p/$bindir/reprobe" "$p/$mandir/man1/reprobe.1" "$p/$datadir/bash-completion/completions/reprobe")
verbs=(replay import report export explore)
[ "$preload" = 1 ] && verbs+=(preload)
[ "$capture" = 1 ] && verbs+=(record boot) && want+=("$p/lib/systemd/system/reprobe-boot.service"
  "$p/$datadir/initramfs-tools/hooks/reprobe" "$p/$datadir/initramfs-tools/scripts/init-top/reprobe")
for v in "${verbs[@]}"; do want+=("$p/$mandir/man1/reprobe-$v.1"); done
have=$(cd "$dest" && find . -type f -o -type l | sed 's|^\.||' | sort)
expected=$(printf '%s\n' "${want[@]}" | sed 's|//*|/|g' | sort)
if [ "$have" != "$expected" ]; then
  echo "FAIL: installed files differ from the expected list"
  diff <(echo "$expected") <(echo "$have")
  exit 1
fi
if [ "$capture" = 1 ]; then
  grep -qx "ExecStart=$p/$bindir/reprobe boot run --output /var/log/reprobe .*" \
    "$dest/$p/lib/systemd/system/reprobe-boot.service" ||
    { echo "FAIL: the installed unit does not run $p/$bindir/reprobe"; exit 1; }
fi
if [ "$capture" = 1 ]; then
  for f in hooks/reprobe scripts/init-top/reprobe; do
    f=$dest/$p/$datadir/initramfs-tools/$f
    [ -x "$f" ] && sh -n "$f" && grep -qx '# reprobe boot capture from the initramfs (reprobe-boot(1))' "$f" ||
      { echo "FAIL: $f is not an executable initramfs-tools script of reprobe"; exit 1; }
  done
fi
"$dest/$p/$bindir/reprobe" --version > /dev/null || { echo "FAIL: the installed binary does not run"; exit 1; }
bash -n "$dest/$p/$datadir/bash-completion/completions/reprobe" || { echo "FAIL: completion script"; exit 1; }
echo "install_test: ${#want[@]} files as expected"

#!/bin/bash
# Turn symbol names into icount plugin arguments: prints
# "mark=0xADDR:NAME,mark=..." from an `nm -n` listing (default build/kernel.sym).
#   tools/bench/markers.sh [-s SYMFILE] NAME...      e.g. mark_kernel_entry mark_ready
# A name missing from the listing is an error (exit 1, named on stderr).
set -euo pipefail

sym=${BUILD:-build}/kernel.sym
if [ "${1:-}" = "-s" ]; then
	sym=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [-s SYMFILE] NAME..." >&2; exit 2; }
[ -r "$sym" ] || { echo "markers: $sym: not readable" >&2; exit 1; }

awk -v names="$*" -v sym="$sym" '
BEGIN { n = split(names, want, " ") }
NF >= 3 && !($3 in addr) { addr[$3] = $1 }
END {
	out = ""
	for (i = 1; i <= n; i++) {
		if (!(want[i] in addr)) {
			print "markers: " want[i] " not in " sym > "/dev/stderr"
			bad = 1
			continue
		}
		a = addr[want[i]]
		sub(/^0+/, "", a)
		out = out (out == "" ? "" : ",") "mark=0x" (a == "" ? "0" : a) ":" want[i]
	}
	if (bad)
		exit 1
	print out
}' "$sym"

#!/bin/bash
# Smoke test of the benchmark kit (tools/bench): the floor kernel exits with
# status 1, icount counts a known-count kernel exactly, markers.sh, and
# linux-guest runs a static binary (output, stderr, status, icount marks),
# tools/bench/run's summary table, results.json, chart and --write-docs.
# Run: make -f tools/bench/bench.mk bench-check  (or this file; ~15 s)
# Silent when it passes; else exit 1, each failure a "FAIL: ..." line on stderr.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
export BUILD=${BUILD:-build}
B=$BUILD/bench
tmp=$(mktemp -d /tmp/bench_kit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# qemu and musl-gcc are project dependencies (tools/deps.sh): no skipping.
make -s -f tools/bench/bench.mk BUILD="$BUILD" bench-tools "$B/exact.elf" "$B/exact.sym" ||
	{ echo "FAIL: building the kit (make -f tools/bench/bench.mk bench-tools)" >&2; exit 1; }

Q=(qemu-system-x86_64 -M microvm,acpi=off -accel tcg -cpu max -m 16M
	-display none -nodefaults -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=4)

# Floor: exits through isa-debug-exit with v=0 (QEMU status 1).
timeout 20 "${Q[@]}" -kernel "$B/floor.elf" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$tmp/err" ] ||
	fail "floor.elf: expected QEMU status 1 and no message, got $rc: $(cat "$tmp/err")"

# icount: exact counts between the labels of exact.S.
marks=$(tools/bench/markers.sh -s "$B/exact.sym" pvh_start mark_loop mark_rep mark_end) ||
	fail "markers.sh on exact.sym"
timeout 20 "${Q[@]}" -kernel "$B/exact.elf" \
	-plugin "$B/icount.so,$marks,out=$tmp/ic" 2>"$tmp/err"
got=$(awk '$2 == "mark" { c[$3] = $5 } $2 == "total" { t = $3 }
	END { print c["mark_loop"] - c["pvh_start"], c["mark_rep"] - c["mark_loop"],
	      c["mark_end"] - c["mark_rep"], t - c["mark_end"] }' "$tmp/ic" 2>/dev/null)
[ "$got" = "1 2000 4 2" ] ||
	fail "icount on exact.elf: expected deltas '1 2000 4 2', got '$got' ($(cat "$tmp/ic" "$tmp/err" 2>&1))"

# every=: each execution of an address, up to 256 recorded. mark_loop's
# decl runs 1000 times, the K-th 2K instructions after the first.
every=$(tools/bench/markers.sh -s "$B/exact.sym" mark_loop | sed 's/^mark=/every=/')
timeout 20 "${Q[@]}" -kernel "$B/exact.elf" \
	-plugin "$B/icount.so,$every,out=$tmp/ev" 2>"$tmp/err"
got=$(awk '$2 == "hit" && $4 == 0 { h0 = $5 } $2 == "hit" && $5 != h0 + 2 * $4 { bad++ } $2 == "hit" { n++ }
	$2 == "hits" { h = $4 " " $5 } END { print n + 0, bad + 0, h }' "$tmp/ev" 2>/dev/null)
[ "$got" = "256 0 256 744" ] ||
	fail "icount every= on exact.elf: expected '256 0 256 744' (hits, wrong counts, recorded more), got '$got' ($(head -c 600 "$tmp/ev") $(cat "$tmp/err"))"

# prof=: each address's executions; mark_loop's decl (and its jnz) 1000
# times, and with prof.lo/prof.hi only those inside the count window.
loop=$(awk '$3 == "mark_loop" { print "0x" $1 }' "$B/exact.sym" | sed 's/^0x0*/0x/')
timeout 20 "${Q[@]}" -kernel "$B/exact.elf" \
	-plugin "$B/icount.so,prof=$tmp/prof,out=$tmp/pic" 2>"$tmp/err"
got=$(awk -v a="$loop" '$1 == a { print $2 }' "$tmp/prof" 2>/dev/null)
[ "$got" = 1000 ] || fail "icount prof= on exact.elf: expected 1000 runs of $loop, got '$got' ($(cat "$tmp/err"))"
h0=$(awk '$2 == "hit" && $4 == 0 { print $5 }' "$tmp/ev")
timeout 20 "${Q[@]}" -kernel "$B/exact.elf" \
	-plugin "$B/icount.so,prof=$tmp/prof2,prof.lo=$h0,prof.hi=$((h0 + 20)),out=$tmp/pic" 2>"$tmp/err"
got=$(awk -v a="$loop" '$1 == a { print $2 }' "$tmp/prof2" 2>/dev/null)
[ "$got" = 10 ] || fail "icount prof.lo/prof.hi: expected 10 runs of $loop in 20 instructions, got '$got'"

# markers.sh names what is missing.
tools/bench/markers.sh -s "$B/exact.sym" no_such_symbol >/dev/null 2>"$tmp/err" &&
	fail "markers.sh: expected failure for a missing symbol"
grep -q no_such_symbol "$tmp/err" || fail "markers.sh: expected the missing name on stderr"

# linux-guest: stdout exactly, stderr, exit status, icount marks.
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) {
	fprintf(stderr, "err line\n");
	printf("%d [%s] [%s]\nno newline", argc, argv[1], argv[2]);
	return 7;
}
EOF
musl-gcc -static -O2 -o "$tmp/hello" "$tmp/hello.c" || fail "musl-gcc hello"
timeout 120 tools/bench/linux-guest --icount "$tmp/lic" "$tmp/hello" a "b c" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
printf '3 [a] [b c]\nno newline' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" ||
	fail "linux-guest stdout: expected '$(cat "$tmp/want")', got '$(cat "$tmp/out")'"
grep -qx 'err line' "$tmp/err" || fail "linux-guest stderr: expected 'err line', got '$(cat "$tmp/err")'"
[ $rc -eq 7 ] || fail "linux-guest status: expected 7, got $rc"
n=$(awk '$2 == "mark" && ($3 == "init" || $3 == "app") && $5 ~ /^[0-9]+$/' "$tmp/lic" 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || fail "linux-guest --icount: expected marks init and app hit, got: $(cat "$tmp/lic" 2>&1)"

# tools/bench/run's summary: two made-up sections (run's BENCH_SECTIONS)
# whose rows must come out in the Markdown table, results.json and the chart.
mkdir -p "$tmp/sections" "$tmp/docs"
cat >"$tmp/sections/10-fake.sh" <<EOF
. "$ROOT/tools/bench/lib.sh"
bench_table_head "fake: a made-up section" "  its subtitle" Linux
bench_row us "wall time" 2000 1000
bench_row count "  instructions" 300 600
bench_subhead "ping: a made-up benchmark"
bench_row count "  ns per op" 10 -
bench_row count "req/s (wrk)" 50 100
BENCH_BETTER=higher bench_row raw "throughput" 3 2
EOF
cat >"$tmp/sections/20-other.sh" <<EOF
. "$ROOT/tools/bench/lib.sh"
bench_table_head "other: another" "" host
bench_row bytes "size" 4096 1024
EOF
BENCH_OUT=$tmp/bout BENCH_SECTIONS=$tmp/sections BENCH_DOCS=$tmp/docs/benchmarks.md \
	tools/bench/run --write-docs >"$tmp/run.out" 2>"$tmp/run.err" ||
	fail "tools/bench/run on made-up sections: status $? ($(cat "$tmp/run.err"))"
missing=()
for want in '== summary: 6 rows ==' \
	'| section | what | ours | baseline | ratio |' \
	'| fake vs Linux | wall time | 2.0 ms | 1.0 ms | 2.00 |' \
	'| fake vs Linux | wall time: instructions | 300 | 600 | 0.50 |' \
	'| fake vs Linux | ping: ns per op | 10 | - |  |' \
	'| fake vs Linux | req/s (wrk) | 50 | 100 | 0.50 ↑ |' \
	'| fake vs Linux | throughput | 3 | 2 | 1.50 ↑ |' \
	'| other vs host | size | 4,096 B | 1,024 B | 4.00 |'; do
	grep -qxF -- "$want" "$tmp/run.out" || missing+=("$want")
done
[ ${#missing[@]} -eq 0 ] ||
	fail "run's table: expected the lines$(printf "\n  '%s'" "${missing[@]}")
got: $(cat "$tmp/run.out")"
grep -qE '^wall time +2\.0 ms +1\.0 ms +2\.00$' "$tmp/run.out" ||
	fail "run: expected the section's own table as it goes, got: $(cat "$tmp/run.out")"
python3 - "$tmp/bout/results.json" >"$tmp/json.err" 2>&1 <<'EOF' || fail "results.json: $(cat "$tmp/json.err")"
import json, sys
doc = json.load(open(sys.argv[1]))
m, rows = doc["meta"], doc["rows"]
assert m["sections"] == ["fake", "other"], m["sections"]
for k in ("git_rev", "date", "qemu", "command", "profile"):
    assert m[k], k
assert m["host"]["cpus"] > 0 and len(m["host"]["load_start"].split()) == 3, m["host"]
assert m["chart"] == "ratios.png", m
got = [(r["section"], r["label"], r["kind"], r["ours"], r["baseline"],
        None if r["ratio"] is None else round(r["ratio"], 3), r["better"]) for r in rows]
want = [("fake", "wall time", "us", 2000, 1000, 2.0, "lower"),
        ("fake", "wall time: instructions", "count", 300, 600, 0.5, "lower"),
        ("fake", "ping: ns per op", "count", 10, None, None, "lower"),
        ("fake", "req/s (wrk)", "count", 50, 100, 0.5, "higher"),
        ("fake", "throughput", "raw", 3, 2, 1.5, "higher"),
        ("other", "size", "bytes", 4096, 1024, 4.0, "lower")]
assert got == want, f"rows: expected {want}, got {got}"
assert rows[0]["baseline_name"] == "Linux" and rows[0]["title"] == "fake: a made-up section", rows[0]
assert rows[0]["unit"] == "us" and rows[0]["ours_shown"] == "2.0 ms", rows[0]
EOF
[ "$(head -c 8 "$tmp/bout/ratios.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
	fail "run: expected a PNG chart in ratios.png ($(grep -i chart "$tmp/run.out"))"
grep -qxF '| other vs host | size | 4,096 B | 1,024 B | 4.00 |' "$tmp/docs/benchmarks.md" &&
	grep -qF '![cost ratio per row, log scale](benchmarks.png)' "$tmp/docs/benchmarks.md" &&
	grep -qF '== fake: a made-up section ==' "$tmp/docs/benchmarks.md" &&
	[ -s "$tmp/docs/benchmarks.png" ] ||
	fail "run --write-docs: expected the table, chart and log in $tmp/docs, got: $(cat "$tmp/docs/benchmarks.md" 2>&1)"

[ $fails -eq 0 ] || exit 1
exit 0

#!/bin/bash
# tools/unum's --mem minimum follows the kernel's real floor (issue #11):
# the least -m at which build/kernel.elf boots (tools/bench/lib.sh's
# bench_min_mem: from 2 MiB up in 256 KiB steps, a banner and exit 0),
# rounded up to whole MiB as --mem takes it, is MIN_MEM_MIB of
# tools/pyunum/cli.py; one MiB less is refused before QEMU starts.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BENCH_TMP=$TMP/bench
mkdir -p "$BENCH_TMP"
. tools/bench/lib.sh
min=$(sed -n 's/^MIN_MEM_MIB = \([0-9]*\).*/\1/p' tools/pyunum/cli.py)
[ -n "$min" ] || fail "no MIN_MEM_MIB in tools/pyunum/cli.py"
floor=$(bench_min_mem "$KERNEL" banner)
[ "$floor" != - ] || fail "the kernel did not boot with any -m up to 4 GiB"
up=$(((floor + 1023) / 1024))
[ "$up" -eq "$min" ] ||
	fail "the kernel boots from ${floor} KiB, so --mem's minimum should be ${up}M; tools/unum's is ${min}M (MIN_MEM_MIB)"
if [ "$min" -gt 1 ]; then
	run "$UNUM" run "$KERNEL" --mem "$((min - 1))M" --timeout "$BOOT_TIMEOUT"
	expect_status 2
	expect_err "below the ${min}M minimum"
fi
exit 0

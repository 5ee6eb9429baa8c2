#!/bin/bash
# FILE that cannot run: missing -> 127 "unum: FILE: not found"; not an ELF
# or image, empty, truncated ELF, a directory -> 126 with a line naming it.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"

run "$UNUM" run "$TMP/no-such-kernel.elf"
expect_status 127
expect_err "^unum: $TMP/no-such-kernel.elf: not found\$"

cannot_run() { # FILE WHY-REGEX
	run "$UNUM" run "$1" --timeout "$BOOT_TIMEOUT"
	expect_status 126
	expect_err "^unum: $1: $2"
}
echo "hello, world" >"$TMP/text"
cannot_run "$TMP/text" "not an ELF or a disk image"
: >"$TMP/empty"
cannot_run "$TMP/empty" "empty"
head -c 200 "$KERNEL" >"$TMP/truncated.elf"
cannot_run "$TMP/truncated.elf" "truncated"
mkdir "$TMP/dir"
cannot_run "$TMP/dir" "is a directory"

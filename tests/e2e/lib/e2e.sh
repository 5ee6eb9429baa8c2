# Helpers sourced by tests/e2e/*.sh: paths, running a command with its output
# captured, checks, and tests/run's conventions (exit 0 pass, 1 fail, 77 skip
# with the reason as the last stderr line). A failure prints the command,
# its status and its whole console, which tests/run keeps in the test's log.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT" || exit 1
UNUM=tools/unum
# BUILD (as the Makefile's) or E2E_*: test other builds than build/
B=${BUILD:-build}
KERNEL=${E2E_KERNEL:-$B/kernel.elf}
KERNEL_TEST=${E2E_KERNEL_TEST:-$B/kernel-test.elf}
IMAGE=${E2E_IMAGE:-$B/unum.img}
QEMU=${UNUM_QEMU:-qemu-system-x86_64}
BOOT_TIMEOUT=60 # seconds for one boot that should end by itself
# The kernel's banner: one line with all of these (order free).
BANNER_RE='unum:.*boot=(pvh|multiboot2)'
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/out
ERR=$TMP/err
rc=0
cmd=

# run CMD...: stdout to $OUT, stderr to $ERR, status to $rc.
run() {
	cmd="$*"
	rc=0
	"$@" >"$OUT" 2>"$ERR" </dev/null || rc=$?
}

show() {
	{
		echo "--- command: $cmd"
		echo "--- status: $rc"
		echo "--- stdout:"
		cat -v "$OUT" 2>/dev/null
		echo "--- stderr:"
		cat -v "$ERR" 2>/dev/null
	} >&2
}

fail() {
	show
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "$*" >&2
	exit 77
}

need() { # need FILE [MAKE-TARGET]
	[ -e "$1" ] || fail "$1 missing (make ${2:-})"
}

expect_status() {
	[ "$rc" = "$1" ] || fail "expected status $1, got $rc"
}

expect_banner() { # on stdout: boot=, mem= and cpus= on one unum: line
	grep -E "$BANNER_RE" "$OUT" | grep -F 'mem=' | grep -qF 'cpus=' ||
		fail "no banner on stdout (a line matching /$BANNER_RE/ with mem= and cpus=)"
}

expect_err() { # expect_err REGEX [WHY]
	grep -Eq -- "$1" "$ERR" || fail "${2:-stderr has no line matching /$1/}"
}

expect_no_err() {
	if grep -Eq -- "$1" "$ERR"; then fail "stderr has a line matching /$1/"; fi
}

# Hardware-assisted KVM, as tools/unum --accel auto decides (PVM never counts).
has_hw_kvm() {
	{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } &&
		[ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# need_app NAME PKG...: apps/NAME's binary (make apps builds it from the
# Debian source packages PKG... pinned in deps.lock). Missing: a skip when
# a package's pinned files cannot be fetched from the archive, else a
# failure (the recipe did not run or did not work).
need_app() {
	local app=$1 pkg
	shift
	APP_BIN=$B/apps/$app/$app
	[ -x "$APP_BIN" ] && return 0
	for pkg in "$@"; do
		BUILD=$B tools/bench/fetch-src.sh fetch "$pkg" >/dev/null 2>"$TMP/fetch.err" ||
			skip "source cannot be fetched: $pkg ($(tail -1 "$TMP/fetch.err"))"
	done
	fail "$APP_BIN missing, though its sources can be fetched (make apps BUILD=$B)"
}

#!/bin/bash
# The console as a terminal: tools/unum runs on a pseudo-terminal (Python's
# pty, tests/e2e/lib/tty_drive.py) and we type at the app as a user would.
# tests/guest-tty/tty_interactive (musl and glibc builds): isatty, window
# size, canonical editing (erase, word erase, kill, EOF) with its echo,
# ^C to a handler (read ends with EINTR; with SA_RESTART it goes on), raw
# mode, O_NONBLOCK, poll, FIONREAD, select and epoll, VTIME, ECHONL, and
# the host terminal restored at the end. Then busybox: sh read
# interactively, cat killed by ^C (130) and ^\ (131); tools/unum killed
# with the terminal raw restores it too.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
DRIVE=tests/e2e/lib/tty_drive.py
export UNUM_KERNEL=$KERNEL

# drive STEP... -- CMD...: $OUT gets the terminal's bytes, $ERR stderr,
# $TTYRES the driver's report (status N, termios same|changed)
drive() {
	cmd="tty_drive $*"
	rc=0
	TTYRES=$(python3 "$DRIVE" --out "$OUT" --err "$ERR" --rows 33 --cols 101 \
		--timeout 240 "$@" 2>"$TMP/drive.err") || rc=$?
	[ "$rc" = 0 ] || {
		cat "$TMP/drive.err" >&2
		fail "the driver gave up"
	}
}

# has TEXT: the terminal showed TEXT (printf escapes), in order after the
# previous has
has() {
	python3 - "$OUT" "$1" "$TMP/pos" <<'EOF' || fail "the terminal never showed $(printf %q "$1") (in order)"
import os, sys
data = open(sys.argv[1], "rb").read()
want = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
pos = int(open(sys.argv[3]).read()) if os.path.exists(sys.argv[3]) else 0
at = data.find(want, pos)
if at < 0:
    sys.exit(1)
open(sys.argv[3], "w").write(str(at + len(want)))
EOF
}

result() {
	grep -qx "$1" <<<"$TTYRES" || fail "expected '$1' from the driver, got: $TTYRES"
}

for v in musl glibc; do
	APP=$B/tests/guest-tty/tty_interactive-$v
	need "$APP" guest-apps
	rm -f "$TMP/pos"
	drive 'expect:erase> ' 'send:hello\x7fp\r' \
		'expect:werase> ' 'send:abc def\x17xyz\x08q\r' \
		'expect:kill> ' 'send:junk\x15ok\r' \
		'expect:eof> ' 'send:\x04' \
		'expect:sigint> ' 'send:\x03' 'retry:sigint 2 ' \
		'expect:restart> ' 'send:\x03' 'expect:[int]' 'send:after\r' \
		'expect:raw> ' 'send:a\r\x03' \
		'expect:poll> ' 'send:z' \
		'expect:cooked> ' 'send:bye\r' \
		'expect:noecho> ' 'send:secret\r' \
		-- $UNUM run "$APP" --timeout 200
	result "status 7"
	result "termios same"
	has 'isatty 1 1\r\n'
	has 'winsize 33 101\r\n'
	has 'pgrp 1\r\n'
	has 'erase> hello\b \bp\r\n'          # the echo, ECHOE erasing
	has 'erase [hellp$] 6\r\n'
	has 'werase> abc def\b \b\b \b\b \bxyz\b \bq\r\n'
	has 'werase [abc xyq$] 8\r\n'
	has 'kill> junk\b \b\b \b\b \b\b \bok\r\n' # ECHOKE: the line erased
	has 'kill [ok$] 3\r\n'
	has 'eof [] 0\r\n'
	has 'sigint> ^C'
	has 'sigint 2 -1 Interrupted system call\r\n'
	has 'restart> ^C[int]after\r\nrestart [after$] 6\r\n' # SA_RESTART
	has 'raw> raw 61 0d 03 sig 0\r\n' # no echo, no ICRNL, no signal
	has 'nonblock -1 Resource temporarily unavailable\r\n'
	has 'poll0 0\r\n'
	has 'poll> poll 1 0x1 select 1 epoll 1 0x1 fionread 1 read 1 z\r\n'
	has 'epoll-after 0\r\n'
	has 'vtime 0\r\n'
	has 'cooked> bye\r\ncooked [bye$] 4\r\n'
	has 'noecho> \r\nnoecho [secret$] 7\r\ndone\r\n' # ECHONL without ECHO
done

# busybox sh, interactive: only builtins (no fork yet)
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
rm -f "$TMP/pos"
drive 'expect:# ' 'send:echo hi there\r' 'expect:hi there\r\n' \
	'expect:# ' 'send:exit 3\r' -- $UNUM run "$BB" --timeout 200 -- sh
result "status 3"
result "termios same"
has 'echo hi there\r\n'
has 'hi there\r\n'

# ^C with no handler: the app dies of SIGINT, as cat on a terminal does
rm -f "$TMP/pos"
drive 'raw:' 'send:meow\r' 'expect:meow\r\nmeow\r\n' 'send:\x03' \
	-- $UNUM run "$BB" --timeout 200 -- cat
result "status 130"
result "termios same"
has 'meow\r\nmeow\r\n^C'

# ^\\ : SIGQUIT, whose default action ends the app too (128+3)
rm -f "$TMP/pos"
drive 'raw:' 'send:x\x1c' -- $UNUM run "$BB" --timeout 200 -- cat
result "status 131"
result "termios same"
has 'x^\\'

# tools/unum killed (SIGTERM) while the terminal is raw: restored anyway
rm -f "$TMP/pos"
drive 'raw:' 'kill:15' -- $UNUM run "$BB" --timeout 200 -- cat
result "status 143"
result "termios same"
exit 0

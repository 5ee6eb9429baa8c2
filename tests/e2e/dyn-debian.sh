#!/bin/bash
# Debian's own dynamically linked binaries, unmodified, with the library
# closure tools/unum copies from the host: sqlite3 computes 6*7, Debian's
# python3.11 (not a pyenv shim: /usr/bin/python3.11 itself) runs json with
# its stdlib --add'ed (whose lib-dynload modules need libraries none of
# which the program itself names: the closure covers --add'ed trees) and
# finds its prefix from /proc/self/exe. Skipped when the host lacks them.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
missing=
if [ -x /usr/bin/sqlite3 ]; then
	run "$UNUM" run /usr/bin/sqlite3 --timeout "$BOOT_TIMEOUT" -- :memory: 'select 6*7'
	expect_status 0
	[ "$(cat "$OUT")" = 42 ] || fail "sqlite3: expected 42 on stdout"
else
	missing="/usr/bin/sqlite3 (Debian package sqlite3)"
fi
py=/usr/bin/python3.11
if [ -x $py ] && [ -d /usr/lib/python3.11 ] && [ "$(head -c 4 $py | tail -c 3)" = ELF ]; then
	run "$UNUM" run --mem 512M $py --add /usr/lib/python3.11:/usr/lib/python3.11 \
		--timeout "$BOOT_TIMEOUT" -- -c 'import json, sys; print(json.dumps([1,2])); print(sys.prefix)'
	expect_status 0
	printf '[1, 2]\n/usr\n' >"$TMP/want"
	diff "$TMP/want" "$OUT" >/dev/null || fail "python3.11: expected [1, 2] and /usr on stdout"
else
	missing="${missing:+$missing, }$py with /usr/lib/python3.11 (Debian package python3.11)"
fi
[ -z "$missing" ] || skip "not on this host: $missing"
exit 0

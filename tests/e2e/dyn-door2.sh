#!/bin/bash
# Door 2 (DESIGN.md, two doors; loader/dynlink.c): a musl-gcc dynamic
# program runs on the kernel's musl, with no ld-musl file in the image,
# and its libc's system calls are calls: getppid() 1000 times enters the
# SYSCALL door 0 times and door 2 at least 1000 times (/proc/unum/syscalls),
# while the same source linked static enters door 1 as often. musl's own
# assembly goes through the door too (arch/x86_64/musl/*.s in place of
# musl's): 20 pthread_create/join (clone, the thread's exit), 20 signal
# handlers that return (sigreturn), 20 vfork (ENOSYS) each enter door 1
# 0 times dynamic and at least 20 times static. (dyn_door's detach, a
# detached thread's exit that unmaps its own stack, is not run here: the
# static build hangs about one run in six, its main thread in a futex
# wait after every thread exited: XXX a lost wake-up to find.) Our linker's
# refusals, each one line and exit 127: a symbol missing from a library,
# a library missing from the image.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn/musl")
for f in dyn_door dyn_door-static dyn_nosym empty/libdynsym.so dyn_main; do
	need "$D/$f" guest-apps
done

doors() { # doors FILE [N WHAT]: "door1 N door2 M" over 1000 getppid() (dyn_door.c)
	run "$UNUM" run -v "$D/$1" --timeout "$BOOT_TIMEOUT" -- "${2:-1000}" ${3:+"$3"}
	expect_status 0
	read -r _ d1 _ d2 <"$OUT"
	[ -n "$d2" ] || fail "$1: expected 'door1 N door2 M', got: $(cat "$OUT")"
}
doors dyn_door
[ "$d1" = 0 ] || fail "dynamic: expected door1 0 (no SYSCALL from the kernel's musl), got $d1"
[ "$d2" -ge 1000 ] || fail "dynamic: expected door2 >= 1000, got $d2"
expect_no_err '^unum: added .*ld-musl'
doors dyn_door-static
[ "$d1" -ge 1000 ] || fail "static: expected door1 >= 1000, got $d1"
[ "$d2" = 0 ] || fail "static: expected door2 0, got $d2"
for what in thread signal vfork; do
	doors dyn_door 20 "$what"
	[ "$d1" = 0 ] || fail "dynamic $what: expected door1 0, got $d1"
	[ "$d2" -ge 20 ] || fail "dynamic $what: expected door2 >= 20, got $d2"
	doors dyn_door-static 20 "$what"
	[ "$d1" -ge 20 ] || fail "static $what: expected door1 >= 20, got $d1"
	[ "$d2" = 0 ] || fail "static $what: expected door2 0, got $d2"
done

run "$UNUM" run "$D/dyn_nosym" --add "$D/empty/libdynsym.so:/app/libdynsym.so" \
	--timeout "$BOOT_TIMEOUT"
expect_status 127
grep -qxF "unum: /app/dyn_nosym: cannot run: dynsym_value: symbol not found (needed by /app/dyn_nosym)" "$ERR" ||
	fail "expected the line: unum: /app/dyn_nosym: cannot run: dynsym_value: symbol not found (needed by /app/dyn_nosym)"
[ "$(grep -c 'cannot run' "$ERR")" = 1 ] || fail "expected one 'cannot run' line"

# the kernel's view: libdyntls.so left out of the image
python3 tests/e2e/lib/mkinitrd.py --no-closure "$TMP/initrd.cpio" "$D/dyn_main" ||
	fail "mkinitrd.py failed"
run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$TMP/initrd.cpio"
expect_status 127
expect_err '^unum: /app/dyn_main: cannot run: libdyntls.so: not found \(needed by /app/dyn_main\)$'
if grep -q '^ok' "$OUT"; then fail "something ran"; fi
exit 0

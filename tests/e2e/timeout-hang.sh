#!/bin/bash
# --timeout: the test kernel told to spin forever (test.hang) is killed after 1 s:
# status 124, "unum: timeout after 1s", and tools/unum returns promptly.
# Before it kills QEMU, tools/unum asks for an NMI (QMP inject-nmi) and the
# kernel prints its hang dump (core/nmi.c): each CPU's frame and
# backtrace, then every thread, a switched-out one with its backtrace.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL_TEST"
need "$KERNEL"
start=$(date +%s)
run timeout 60 "$UNUM" run "$KERNEL_TEST" --timeout 1 --kernel-args test.hang
took=$(($(date +%s) - start))
expect_status 124
expect_err '^unum: timeout after 1s$'
[ "$took" -le 15 ] || fail "took ${took}s to give up"
expect_banner
expect_err '^nmi: CPU 0, thread [0-9]+ main$' "no NMI dump line for CPU 0"
expect_err '^RIP [0-9a-f]{16} RSP' "the NMI dump has no registers"
expect_err ' kernel_run\+0x' "the backtrace does not name the spinning function"
expect_err '^unum: nmi: dump done$' "the dump did not end"

# an app whose two threads block for good, on 2 CPUs: both CPUs report,
# and each app thread's backtrace shows where it sleeps
cat >"$TMP/hang.c" <<'C'
#include <pthread.h>
#include <unistd.h>
static void *sleeper(void *a) { for (;;) pause(); }
int main(void) { pthread_t t; pthread_create(&t, 0, sleeper, 0); pthread_join(t, 0); return 0; }
C
musl-gcc -static -O2 -o "$TMP/hang" "$TMP/hang.c" -lpthread || fail "musl-gcc failed"
export UNUM_KERNEL=$KERNEL
run timeout 60 "$UNUM" run "$TMP/hang" --cpus 2 --timeout 2
expect_status 124
expect_err '^nmi: CPU 0, thread' "no NMI dump line for CPU 0"
expect_err '^nmi: CPU 1, thread' "no NMI dump line for CPU 1"
expect_err '^thread 1 app +blocked' "the main app thread is not listed as blocked"
expect_err ' sys_pause\+0x' "the pausing thread's backtrace does not show sys_pause"
expect_err ' futex_op\+0x' "the joining thread's backtrace does not show the futex wait"
expect_err '^unum: nmi: dump done$' "the dump did not end"
expect_err '^unum: timeout after 2s$'
exit 0

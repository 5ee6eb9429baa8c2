# Benchmark kit: floor kernel, the bench kernel, icount TCG plugin,
# Linux-guest /init shim and the pinned Linux kernel. Included by the top Makefile; also standalone:
#   make -f tools/bench/bench.mk bench-tools     (all of build/bench/)
#   make -f tools/bench/bench.mk bench-check     (tests/e2e/bench_kit.sh)

BUILD ?= build
BENCH_SRC := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
BENCH_OUT := $(BUILD)/bench
BENCH_ROOT := $(BENCH_SRC)/../..

BENCH_CC ?= gcc
BENCH_MUSL_CC ?= musl-gcc
BENCH_CFLAGS ?= -O2 -Wall -Wextra -Werror

.PHONY: bench-tools bench-check
bench-tools: $(BENCH_OUT)/floor.elf $(BENCH_OUT)/floor.sym $(BENCH_OUT)/icount.so \
	$(BENCH_OUT)/linux-init $(BENCH_OUT)/schedbench $(BENCH_OUT)/kernel-bench.elf \
	$(BENCH_OUT)/schedbench.sym $(BENCH_OUT)/sysbench $(BENCH_OUT)/sysbench.sym \
	$(BENCH_OUT)/sysbench-musl $(BENCH_OUT)/sysbench-musl.sym \
	$(BENCH_OUT)/sysbench-musldyn $(BENCH_OUT)/sysbench-musldyn.sym \
	$(BENCH_OUT)/scalebench $(BENCH_OUT)/tcpbench $(BENCH_OUT)/tcpbench.sym $(BENCH_OUT)/netup \
	$(BENCH_OUT)/tcpserve \
	$(BUILD)/linux/vmlinuz

# Floor kernel: 32-bit PVH entry that exits through isa-debug-exit; and
# exact.elf, whose instruction counts are known (tests/e2e/bench_kit.sh).
$(BENCH_OUT)/%.o: $(BENCH_SRC)/floor/%.S
	@mkdir -p $(@D)
	$(BENCH_CC) -c -o $@ $<

$(BENCH_OUT)/%.elf: $(BENCH_OUT)/%.o $(BENCH_SRC)/floor/floor.ld
	ld -nostdlib -z noexecstack -T $(BENCH_SRC)/floor/floor.ld -o $@ $<

$(BENCH_OUT)/%.sym: $(BENCH_OUT)/%.elf
	nm -n $< >$@

# The bench kernel: the kernel's objects with core/run.c swapped for
# tools/bench/kernel/*.c, the in-kernel side of sections/20-sched.sh and
# 50-net.sh (bench=NAME), with the raw-frame helpers it shares with the
# virtio-net cases (tests/kernel/raw_frames.c), so that kernel-test.elf
# holds tests. Its objects and link are the top Makefile's: standalone,
# this file asks it for the kernel.
BENCH_KSRCS := $(wildcard $(BENCH_SRC)/kernel/*.c) tests/kernel/raw_frames.c
ifdef KOBJS
BENCH_KOBJS := $(filter-out $(BUILD)/obj/core/run.o,$(KOBJS)) \
	$(patsubst %,$(BUILD)/obj/%.o,$(basename $(BENCH_KSRCS)))
$(BENCH_KOBJS): | $(DEPS_OK)
$(BENCH_OUT)/kernel-bench.elf: $(BENCH_KOBJS) $(ARCH)/kernel.ld tools/mksyms.py
	@mkdir -p $(BUILD)/obj/bench $(@D)
	$(call link_kernel,bench/kernel-bench,$(BENCH_KOBJS))
else
.PHONY: $(BENCH_OUT)/kernel-bench.elf
$(BENCH_OUT)/kernel-bench.elf:
	$(MAKE) -s -C $(BENCH_ROOT) BUILD=$(BUILD) $@
endif

# qemu-plugin.h from Debian's qemu source package (pinned in deps.lock).
$(BUILD)/qemu/include/qemu-plugin.h: $(BENCH_ROOT)/deps.lock $(BENCH_SRC)/fetch-src.sh
	BUILD=$(abspath $(BUILD)) $(BENCH_SRC)/fetch-src.sh qemu-plugin-h >/dev/null
	@touch $@

$(BENCH_OUT)/icount.so: $(BENCH_SRC)/icount.c $(BUILD)/qemu/include/qemu-plugin.h
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -shared -fPIC -I$(BUILD)/qemu/include -o $@ $<

# /init of the Linux-guest baseline: static, linked high (256 MiB) so its
# code never shares an address with the benchmark binary's (icount marks).
$(BENCH_OUT)/linux-init: $(BENCH_SRC)/linux-init.c
	@mkdir -p $(@D)
	$(BENCH_MUSL_CC) $(BENCH_CFLAGS) -Os -static -no-pie \
		-Wl,-Ttext-segment=0x10000000 -o $@ $<

# Linux side of the scheduler benchmarks (sections/20-sched.sh): glibc,
# static non-PIE so nm gives the addresses of its icount marks.
$(BENCH_OUT)/schedbench: $(BENCH_SRC)/progs/schedbench.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -static -no-pie -pthread -o $@ $<

$(BENCH_OUT)/schedbench.sym: $(BENCH_OUT)/schedbench
	nm -n $< >$@

# System-call benchmarks (sections/30-syscalls.sh): one static glibc
# binary, non-PIE (icount marks by address), run on both sides.
$(BENCH_OUT)/sysbench: $(BENCH_SRC)/progs/sysbench.c $(wildcard $(BENCH_SRC)/progs/sysbench_*.c)
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -static -no-pie -pthread -o $@ $<

$(BENCH_OUT)/sysbench.sym: $(BENCH_OUT)/sysbench
	nm -n $< >$@

# The two doors (sections/70-dyn.sh): the same source with musl, static
# (door 1: SYSCALL) and dynamic (PT_INTERP ld-musl: door 2, the kernel's
# musl), both non-PIE for the icount marks.
$(BENCH_OUT)/sysbench-musl: $(BENCH_SRC)/progs/sysbench.c $(wildcard $(BENCH_SRC)/progs/sysbench_*.c)
	@mkdir -p $(@D)
	$(BENCH_MUSL_CC) $(BENCH_CFLAGS) -static -no-pie -pthread -o $@ $<

$(BENCH_OUT)/sysbench-musldyn: $(BENCH_SRC)/progs/sysbench.c $(wildcard $(BENCH_SRC)/progs/sysbench_*.c)
	@mkdir -p $(@D)
	$(BENCH_MUSL_CC) $(BENCH_CFLAGS) -no-pie -pthread -o $@ $<

$(BENCH_OUT)/sysbench-musl.sym: $(BENCH_OUT)/sysbench-musl
	nm -n $< >$@

$(BENCH_OUT)/sysbench-musldyn.sym: $(BENCH_OUT)/sysbench-musldyn
	nm -n $< >$@

# Scale benchmarks (sections/35-scale.sh): static glibc, run as our app
# and on the host.
$(BENCH_OUT)/scalebench: $(BENCH_SRC)/progs/scalebench.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -static -o $@ $<

# TCP benchmarks (sections/55-tcp.sh): tcpbench static glibc non-PIE
# (icount marks by address), run on both sides; netup puts the Linux
# guest's network up and execs the program, linked high (512 MiB) so
# that its code never runs at tcpbench's icount marks; tcpserve is the HTTP server
# of the tests (tests/guest-net), static musl.
$(BENCH_OUT)/tcpbench: $(BENCH_SRC)/progs/tcpbench.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -static -no-pie -pthread -o $@ $<

$(BENCH_OUT)/tcpbench.sym: $(BENCH_OUT)/tcpbench
	nm -n $< >$@

$(BENCH_OUT)/netup: $(BENCH_SRC)/progs/netup.c
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -static -no-pie -Wl,-Ttext-segment=0x20000000 -o $@ $<

$(BENCH_OUT)/tcpserve: $(BENCH_ROOT)/tests/guest-net/tcpserve.c
	@mkdir -p $(@D)
	$(BENCH_MUSL_CC) $(BENCH_CFLAGS) -static -o $@ $<

# Debian's cloud kernel, unpacked (never installed).
$(BUILD)/linux/vmlinuz: $(BENCH_ROOT)/deps.lock $(BENCH_SRC)/fetch-src.sh
	BUILD=$(abspath $(BUILD)) $(BENCH_SRC)/fetch-src.sh linux >/dev/null
	@touch $@

bench-check: bench-tools $(BENCH_OUT)/exact.elf $(BENCH_OUT)/exact.sym
	BUILD=$(BUILD) $(BENCH_ROOT)/tests/e2e/bench_kit.sh

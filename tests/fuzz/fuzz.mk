# --- host fuzzing (tests/fuzz/README.md): each tests/fuzz/NAME.c is a
#     libFuzzer harness linking the kernel sources FUZZ_SRCS_NAME lists,
#     built into BUILD/fuzz/NAME; tests/fuzz/seeds.py writes the seed
#     corpora into BUILD/fuzz/seeds/NAME from real files. make test runs
#     each for a fixed number of runs (tests/run: fuzz/NAME); make fuzz
#     runs them FUZZ_TIME seconds each (default 60), keeping what they
#     find in BUILD/fuzz/corpus/NAME and crashes in BUILD/fuzz/crashes.
# Alignment is not checked: x86-64 loads any alignment, and the kernel
# is built with -mgeneral-regs-only (no SSE instruction that needs it),
# so a parser reading a field of an input at an odd address is fine. ---
FUZZ_CC ?= clang-14
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize=alignment -fno-sanitize-recover=all \
	-Itests/fuzz -Itests/unit/shim -Iinclude -DUNIT_TEST
FUZZ_SRCS_elf := loader/elf.c libc/fmt.c
FUZZ_SRCS_initrd := core/fs/initrd.c libc/fmt.c
FUZZ_SRCS_bootinfo := arch/x86_64/bootinfo_pvh.c arch/x86_64/bootinfo_mb2.c core/bootinfo.c
FUZZ_SRCS_cmdline := core/cmdline.c drivers/vmmio_args.c libc/fmt.c
FUZZ_SRCS_virtq := drivers/virtio_ring.c
# net: our netdev layer, netif, timers, OS glue and AF_INET sockets over
# lwIP's sources (the kernel's LWIP_FILES, unpacked by the lwIP rule),
# built with net/lwipopts.h; lwIP's own files with the kernel build's
# allowances for its style
FUZZ_LWIP_OBJS := $(patsubst %.c,$(BUILD)/fuzz/lwip/%.o,$(LWIP_FILES))
# (the host's <endian.h> defines BYTE_ORDER too, as net/arch/cc.h does;
# include/spinlock.h, which the network headers include from include/,
# would find the real arch.h beside it: the shim's is read first)
FUZZ_NET_INC := -Inet -I$(LWIP)/src/include -Wno-macro-redefined \
	-include tests/unit/shim/arch.h
FUZZ_SRCS_net := drivers/netdev.c net/netif.c net/timers.c net/sys_arch.c net/inet.c \
	net/inet_tcp.c net/inet_udp.c net/inet_port.c net/tcp_isn.c net/ifioctl.c net/ifinfo.c libc/fmt.c $(FUZZ_LWIP_OBJS)
$(BUILD)/fuzz/net: FUZZ_CFLAGS += $(FUZZ_NET_INC)
$(BUILD)/fuzz/net: $(wildcard net/*.h net/arch/*.h) tests/fuzz/fuzz.mk
$(FUZZ_LWIP_OBJS): $(BUILD)/fuzz/lwip/%.o: $(LWIP)/src/%.c $(LWIP_STAMP) net/lwipopts.h tests/fuzz/fuzz.mk \
		$(wildcard net/arch/*.h net/net_hooks.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_NET_INC) -Wno-sign-compare -Wno-implicit-fallthrough \
		-Wno-type-limits -Wno-address -Wno-tautological-constant-out-of-range-compare -c $< -o $@
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZERS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRCS_%) tests/fuzz/fuzz.h \
		$(wildcard tests/unit/shim/*.h include/*.h include/uapi/*.h drivers/*.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*)

# the programs the ELF seeds are (musl, glibc, static-PIE builds of one
# tests/guest program, and a dynamic glibc PIE with its PT_INTERP)
FUZZ_ELF_SEEDS := $(foreach v,musl glibc pie,$(BUILD)/tests/guest/posix_auxv-$(v)) \
	$(BUILD)/tests/guest-dyn/glibc/dyn_hello
$(BUILD)/fuzz/seeds/.done: tests/fuzz/seeds.py $(wildcard tools/pyunum/*.py) $(FUZZ_ELF_SEEDS) tests/run
	$(V)$(PYTHON) tests/fuzz/seeds.py $(BUILD)/fuzz/seeds $(FUZZ_ELF_SEEDS)
	@touch $@

fuzzers: $(FUZZERS) $(BUILD)/fuzz/seeds/.done
FUZZ_TIME ?= 60
fuzz: fuzzers
	BUILD=$(BUILD) tests/fuzz/run --time $(FUZZ_TIME)

.PHONY: fuzzers fuzz

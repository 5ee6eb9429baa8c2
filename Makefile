# unum: build the kernel, its test build, the boot image and host tests.
#   make            build/kernel.elf (+ kernel.sym, kernel.map)
#   make run        serve the default app, apps/httpd, on http://127.0.0.1:8080/
#   make test       every test; last line "N passed, N failed"
#   make image      build/unum.img, a GRUB (BIOS, multiboot2) disk image
#   make image APP=hello   build/hello.img: apps/hello baked in (tools/unum image,
#                   apps/hello/manifest; FORMAT=qcow2|libvirt|firecracker)
#   make run APP=redis     the app booted with its manifest (docs/apps.md)
#   make apps       every apps/NAME, built from its pinned Debian source
#   make bench      benchmarks side by side with the baseline
#   make fuzz       the host fuzzers, FUZZ_TIME seconds each (tests/fuzz)
BUILD ?= build
CC ?= gcc
LD ?= ld
PYTHON ?= python3
V ?= @

ARCH := arch/x86_64
# plain `make` builds the kernels (the first rule below is musl's unpacking)
.DEFAULT_GOAL := all
GCC_INC := $(shell $(CC) -print-file-name=include)
KCFLAGS := -std=gnu11 -O2 -g -nostdinc -isystem $(GCC_INC) -ffreestanding \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-value \
	-Wmissing-prototypes -Wstrict-prototypes -Iinclude -I$(ARCH) -I$(BUILD)/gen -MD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
	--no-warn-rwx-segments -T $(ARCH)/kernel.ld

KSRCS := $(wildcard $(ARCH)/*.S $(ARCH)/*.c core/*.c core/*/*.c mm/*.c drivers/*.c loader/*.c \
	libc/*.c net/*.c)
KOBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(KSRCS)))

# --- lwIP (net/, DESIGN.md "Network"): Debian's source package, pinned in
# deps.lock, unpacked into BUILD/lwip by tools/bench/fetch-src.sh, never
# committed; its core, IPv4, IPv6 and Ethernet, and the tcpip thread of
# core locking, built with net/lwipopts.h. Our net/*.c (in KSRCS) see its
# headers. ---
LWIP := $(BUILD)/lwip
NETBASE := $(BUILD)/netbase/etc/services
LWIP_STAMP := $(LWIP)/.unpacked
LWIP_FILES := $(addprefix core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c pbuf.c \
	raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c mld6.c nd6.c) \
	core/dns.c netif/ethernet.c api/tcpip.c
LWIP_OBJS := $(patsubst %.c,$(BUILD)/obj/lwip/%.o,$(LWIP_FILES))
LWIP_INC := -Inet -I$(LWIP)/src/include
# lwIP's own sources: our warnings but the ones its style trips
LWIP_CFLAGS := $(KCFLAGS) $(LWIP_INC) -Inet/shim -Wno-missing-prototypes -Wno-sign-compare \
	-Wno-implicit-fallthrough -Wno-type-limits -Wno-address
KOBJS += $(LWIP_OBJS)

# --- musl, the app's libc inside the kernel (door 2, DESIGN.md "two
# doors"): Debian's source package, pinned in deps.lock, unpacked into
# BUILD/musl, configured and compiled there with our arch glue first on
# the include path (arch/x86_64/musl/syscall_arch.h: __syscall is a call of
# the kernel's door2_entry; our .s files there in place of musl's that
# execute SYSCALL: syscall_cp, clone, vfork, restore, __unmapself,
# __set_thread_area), and linked
# as a shared object without musl's dynamic linker (ldso/: ours is
# loader/dynlink.c, with libc/musl's glue in its place). The kernel
# carries the image (arch/x86_64/kmusl.S) as Linux carries the vDSO. ---
MUSL := $(BUILD)/musl
MUSL_STAMP := $(MUSL)/.unpacked
MUSL_ARCH_H := $(wildcard $(ARCH)/musl/*.h)
MUSL_GLUE_H := $(MUSL_ARCH_H) $(wildcard libc/musl/*.h) include/uapi/unum_dyn.h
MUSL_GLUE := $(patsubst %,$(MUSL)/unum/%.lo,$(basename $(wildcard $(ARCH)/musl/*.s libc/musl/*.c)))
# musl's own files that ours replace (same symbols)
MUSL_REPLACED := obj/src/thread/x86_64/syscall_cp.lo obj/src/thread/__tls_get_addr.lo \
	obj/src/ldso/dlclose.lo obj/src/thread/x86_64/clone.lo obj/src/thread/x86_64/__unmapself.lo \
	obj/src/thread/x86_64/__set_thread_area.lo obj/src/signal/x86_64/restore.lo \
	obj/src/process/x86_64/vfork.lo obj/src/ldso/dlinfo.lo obj/src/ldso/dlerror.lo
MUSL_SO := $(BUILD)/musl-libc.so
$(MUSL_STAMP): deps.lock tools/bench/fetch-src.sh | $(DEPS_OK)
	$(V)BUILD=$(abspath $(BUILD)) tools/bench/fetch-src.sh unpack musl $(abspath $(MUSL))
	$(V)cd $(MUSL) && ./configure --target=x86_64 --disable-static --prefix=/usr/local/musl \
		CC=$(CC) CFLAGS="-iquote $(abspath $(ARCH)/musl)" >configure.log
	@touch $@
# musl's objects, again from scratch when our glue headers change (musl's
# Makefile has no header dependencies)
# (its own lib/libc.so, unused, linked without --no-undefined: the door is an import)
$(MUSL)/.objs: $(MUSL_STAMP) $(MUSL_ARCH_H)
	$(V)rm -rf $(MUSL)/obj/src
	$(V)$(MAKE) -s -C $(MUSL) lib/libc.so LDFLAGS_AUTO= >$(MUSL)/make.log 2>&1 || \
		{ tail -20 $(MUSL)/make.log >&2; exit 1; }
	@touch $@
$(MUSL)/unum/%.lo: %.s $(MUSL_STAMP)
	@mkdir -p $(dir $@)
	$(V)$(CC) -c $< -o $@
$(MUSL)/unum/%.lo: %.c $(MUSL_STAMP) $(MUSL)/.objs $(MUSL_GLUE_H)
	@mkdir -p $(dir $@)
	$(V)$(CC) -std=c99 -ffreestanding -nostdinc -fPIC -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-value \
		-fno-stack-protector -iquote $(abspath $(ARCH)/musl) \
		-I$(MUSL)/arch/x86_64 -I$(MUSL)/arch/generic -I$(MUSL)/obj/src/internal \
		-I$(MUSL)/src/include -I$(MUSL)/src/internal -I$(MUSL)/obj/include \
		-I$(MUSL)/include -D_XOPEN_SOURCE=700 -c $< -o $@
# the only import left is the door (tools/check-musl-so)
$(MUSL_SO): $(MUSL)/.objs $(MUSL_GLUE) tools/check-musl-so
	$(V)cd $(MUSL) && find obj/src -name '*.lo' | sort | \
		grep -vxF $(addprefix -e ,$(MUSL_REPLACED)) >unum-objs.txt
	$(V)cd $(MUSL) && $(CC) -nostdlib -shared -fPIC -Wl,-soname,libc.so -Wl,-z,now \
		-Wl,-z,relro -Wl,--hash-style=both -Wl,--sort-section,alignment -Wl,--sort-common \
		-Wl,--gc-sections -Wl,--exclude-libs=ALL -Wl,--dynamic-list=./dynamic.list \
		-o $(abspath $@).tmp @unum-objs.txt $(abspath $(MUSL_GLUE)) -lgcc
	$(V)objcopy --strip-debug $@.tmp && tools/check-musl-so $@.tmp && mv $@.tmp $@
$(BUILD)/obj/$(ARCH)/kmusl.o: KCFLAGS += -DKMUSL_SO='"$(abspath $(MUSL_SO))"'
$(BUILD)/obj/$(ARCH)/kmusl.o: $(MUSL_SO)

# the test build swaps core/run.c for the in-guest test runner
TSRCS := $(wildcard tests/kernel/*.c tests/kernel/*.S)
TOBJS := $(filter-out $(BUILD)/obj/core/run.o,$(KOBJS)) \
	$(patsubst %,$(BUILD)/obj/%.o,$(basename $(TSRCS)))

all: $(BUILD)/kernel.elf $(BUILD)/kernel-test.elf $(NETBASE)

# the Debian packages the build and tests need (tools/deps.sh installs the
# missing ones; checked again when deps.sh changes)
DEPS_OK := $(BUILD)/.deps-ok
$(DEPS_OK): tools/deps.sh
	$(V)tools/deps.sh
	@mkdir -p $(dir $@) && touch $@
$(KOBJS) $(TOBJS): | $(DEPS_OK)

# netbase's /etc/services and /etc/protocols, which tools/unum puts in an
# app's initrd when the app brings none (deps.lock)
$(NETBASE): deps.lock tools/bench/fetch-src.sh | $(DEPS_OK)
	$(V)BUILD=$(abspath $(BUILD)) tools/bench/fetch-src.sh netbase >/dev/null
	@touch $@

# lwIP unpacked and built (see LWIP above)
$(LWIP_STAMP): deps.lock tools/bench/fetch-src.sh | $(DEPS_OK)
	$(V)BUILD=$(abspath $(BUILD)) tools/bench/fetch-src.sh unpack lwip $(abspath $(LWIP))
	@touch $@
# explicit (static) rules: a pattern would let make chain its built-in
# rules through them for the .d files it includes (ip.d <- ip.d.o <- ip.d.c)
$(addprefix $(LWIP)/src/,$(LWIP_FILES)): $(LWIP_STAMP) ;
$(LWIP_OBJS): $(BUILD)/obj/lwip/%.o: $(LWIP)/src/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(LWIP_CFLAGS) -c $< -o $@
$(BUILD)/obj/net/%.o: net/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(KCFLAGS) $(LWIP_INC) -c $< -o $@
# in-guest cases on lwIP's raw API
$(BUILD)/obj/tests/kernel/test_lwip.o: KCFLAGS += $(LWIP_INC)
$(BUILD)/obj/tests/kernel/test_lwip.o: $(LWIP_STAMP)

# system-call numbers: include/uapi/unistd.h is the kernel's one list; the
# build stops if any differs from the host's Linux UAPI header
# (linux-libc-dev), and the names table is generated from it
UNISTD_H := include/uapi/unistd.h
HOST_UNISTD_H := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
UNISTD_OK := $(BUILD)/.unistd-ok
$(UNISTD_OK): $(UNISTD_H) $(HOST_UNISTD_H) tools/check-unistd.py | $(DEPS_OK)
	$(V)$(PYTHON) tools/check-unistd.py $(UNISTD_H) $(HOST_UNISTD_H)
	@mkdir -p $(dir $@) && touch $@
$(KOBJS) $(TOBJS): | $(UNISTD_OK)
$(BUILD)/gen/sysnames.h: $(UNISTD_H) tools/mksysnames.py | $(UNISTD_OK)
	@mkdir -p $(dir $@)
	$(V)$(PYTHON) tools/mksysnames.py $< $@
$(BUILD)/obj/core/syscall.o: $(BUILD)/gen/sysnames.h

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(V)$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# Two links: the first gives the symbols, the second embeds them in
# .ksyms, which the linker script places last so no address moves (checked).
define link_kernel
	@mkdir -p $(BUILD)/obj
	$(V)$(PYTHON) tools/mksyms.py /dev/null $(BUILD)/obj/$(1).ksyms0.S
	$(V)$(CC) -c $(BUILD)/obj/$(1).ksyms0.S -o $(BUILD)/obj/$(1).ksyms0.o
	$(V)$(LD) $(KLDFLAGS) -o $(BUILD)/obj/$(1).pass1 $(2) $(BUILD)/obj/$(1).ksyms0.o
	$(V)nm -n $(BUILD)/obj/$(1).pass1 > $(BUILD)/obj/$(1).nm1
	$(V)$(PYTHON) tools/mksyms.py $(BUILD)/obj/$(1).nm1 $(BUILD)/obj/$(1).ksyms.S
	$(V)$(CC) -c $(BUILD)/obj/$(1).ksyms.S -o $(BUILD)/obj/$(1).ksyms.o
	$(V)$(LD) $(KLDFLAGS) -Map $(BUILD)/$(1).map -o $(BUILD)/$(1).elf $(2) $(BUILD)/obj/$(1).ksyms.o
	$(V)nm -n $(BUILD)/$(1).elf > $(BUILD)/$(1).sym
	$(V)diff <(grep -v _kernel_end $(BUILD)/obj/$(1).nm1) <(grep -v _kernel_end $(BUILD)/$(1).sym) >/dev/null || \
		{ echo "$(1): symbol addresses moved between links" >&2; rm -f $(BUILD)/$(1).elf; exit 1; }
endef

SHELL := /bin/bash

$(BUILD)/kernel.elf: $(KOBJS) $(ARCH)/kernel.ld tools/mksyms.py
	$(call link_kernel,kernel,$(KOBJS))

$(BUILD)/kernel-test.elf: $(TOBJS) $(ARCH)/kernel.ld tools/mksyms.py
	$(call link_kernel,kernel-test,$(TOBJS))

# --- GRUB disk image (shared/QEMU.md recipe) ---
# make image: the kernel alone; make image APP=NAME: BUILD/NAME.img, the
# app apps/NAME baked in by tools/unum image (rule below)
IMAGE_SUFFIX := $(or $(patsubst raw,img,$(patsubst libvirt,xml,$(patsubst firecracker,firecracker.json,$(FORMAT)))),img)
image: $(if $(APP),$(BUILD)/$(APP).$(IMAGE_SUFFIX),$(BUILD)/unum.img)
$(BUILD)/unum.img: $(BUILD)/kernel.elf tools/grub.cfg | $(DEPS_OK)
	$(V)rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	$(V)cp tools/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	$(V)strip -o $(BUILD)/iso/boot/kernel.elf $(BUILD)/kernel.elf
	$(V)grub-mkrescue -d /usr/lib/grub/i386-pc \
		--install-modules="multiboot2 normal serial terminal configfile" \
		--fonts= --locales= --themes= --compress=xz -o $@.tmp $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log \
		|| { cat $(BUILD)/grub-mkrescue.log >&2; rm -f $@.tmp; exit 1; }
	$(V)mv $@.tmp $@

# --- host unit tests (tests/unit): kernel logic compiled for the host ---
UCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-value \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Itests/unit/shim -Iinclude -DUNIT_TEST
UNIT_SRCS_test_fmt := libc/fmt.c libc/string.c arch/x86_64/string.c
UNIT_SRCS_test_cmdline := core/cmdline.c libc/fmt.c
UNIT_SRCS_test_bootinfo := arch/x86_64/bootinfo_pvh.c arch/x86_64/bootinfo_mb2.c core/bootinfo.c
UNIT_SRCS_test_frame := mm/frame.c libc/fmt.c
UNIT_SRCS_test_heap := mm/heap.c libc/fmt.c
UNIT_SRCS_test_ksym := core/ksym.c
UNIT_SRCS_test_virtq := drivers/virtio_ring.c
UNIT_SRCS_test_blk_name := drivers/blk_name.c libc/string.c
UNIT_SRCS_test_rbtree := libc/rbtree.c
UNIT_SRCS_test_json := libc/json.c
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))

.SECONDEXPANSION:
$(BUILD)/tests/unit/%: tests/unit/%.c $$(UNIT_SRCS_%) $(wildcard tests/unit/*.h tests/unit/shim/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(UCFLAGS) -o $@ $< $(UNIT_SRCS_$*) -lpthread

# test_mpsc again under ThreadSanitizer, which cannot share a binary with ASan
UNIT_TSAN := $(BUILD)/tests/unit/test_mpsc_tsan
$(BUILD)/tests/unit/test_mpsc_tsan: tests/unit/test_mpsc.c $(wildcard tests/unit/*.h tests/unit/shim/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(UCFLAGS)) -fsanitize=thread -o $@ $< -pthread

unit: $(UNIT_TESTS) $(UNIT_TSAN)

# --- the measuring kit: floor kernel, icount plugin, Linux-guest runner ---
include tools/bench/bench.mk

# --- Linux programs run as the app by tests/run (tests/guest) ---
GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_BINS := $(foreach s,$(GUEST_SRCS),$(foreach v,musl glibc pie musldyn,$(BUILD)/tests/guest/$(basename $(notdir $(s)))-$(v)))
GUEST_CFLAGS := -O2 -Wall -Wextra -Werror -Wno-unused-parameter
$(BUILD)/tests/guest/%-musl: tests/guest/%.c tests/guest/tap.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $< -lpthread
# and dynamic with musl: on the kernel's musl, through door 2 (loader/dynlink.c)
$(BUILD)/tests/guest/%-musldyn: tests/guest/%.c tests/guest/tap.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc $(GUEST_CFLAGS) -o $@ $< -lpthread
$(BUILD)/tests/guest/%-glibc: tests/guest/%.c tests/guest/tap.h
	@mkdir -p $(dir $@)
	$(V)$(CC) -static $(GUEST_CFLAGS) -o $@ $< -lpthread
$(BUILD)/tests/guest/%-pie: tests/guest/%.c tests/guest/tap.h
	@mkdir -p $(dir $@)
	$(V)$(CC) -static-pie $(GUEST_CFLAGS) -o $@ $< -lpthread
guest-apps: $(GUEST_BINS)
# tests/guest-dyn: dynamically linked programs and their shared libraries
# (tests/e2e/dyn-*.sh), for glibc (gcc: PIE, and -no-pie for the hello) and
# musl (musl-gcc: PT_INTERP /lib/ld-musl-x86_64.so.1); one folder each
DYN := $(BUILD)/tests/guest-dyn
DYN_CC_glibc := $(CC)
DYN_CC_musl := musl-gcc
DYN_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_hello dyn_main libdyntls.so libdynplugin.so)) $(DYN)/glibc/dyn_hello-nopie
$(DYN)/%/libdyntls.so: tests/guest-dyn/libdyntls.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynplugin.so: tests/guest-dyn/libdynplugin.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_hello: tests/guest-dyn/dyn_hello.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $<
$(DYN)/glibc/dyn_hello-nopie: tests/guest-dyn/dyn_hello.c
	@mkdir -p $(dir $@)
	$(V)$(CC) -no-pie $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_main: tests/guest-dyn/dyn_main.c $(DYN)/%/libdyntls.so | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -ldyntls \
		-Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags -lpthread -ldl
# door 2 (tests/e2e/dyn-door2.sh): which door getppid takes, dynamic and
# static; a symbol missing from a library
DOOR_BINS := $(DYN)/musl/dyn_door $(DYN)/musl/dyn_door-static $(DYN)/musl/dyn_nosym \
	$(DYN)/musl/libdynsym.so $(DYN)/musl/empty/libdynsym.so
$(DYN)/musl/dyn_door: tests/guest-dyn/dyn_door.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc $(GUEST_CFLAGS) -o $@ $<
$(DYN)/musl/dyn_door-static: tests/guest-dyn/dyn_door.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<
$(DYN)/musl/libdynsym.so: tests/guest-dyn/libdynsym.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -shared -fPIC -Wl,-soname,libdynsym.so $(GUEST_CFLAGS) -o $@ $<
$(DYN)/musl/empty/libdynsym.so: tests/guest-dyn/libdynsym-empty.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -shared -fPIC -Wl,-soname,libdynsym.so $(GUEST_CFLAGS) -o $@ $<
$(DYN)/musl/dyn_nosym: tests/guest-dyn/dyn_nosym.c $(DYN)/musl/libdynsym.so | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -ldynsym -Wl,-rpath,'$$ORIGIN' \
		-Wl,--enable-new-dtags
guest-apps: $(DYN_BINS) $(DOOR_BINS)
# symbol versions (tests/e2e/dyn-ver.sh): libdynver.so built three ways
# (verN/; the second beside the programs), a program linked against each
VER_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,ver1/libdynver.so libdynver.so \
	ver3/libdynver.so dyn_ver_old dyn_ver dyn_ver_new))
$(DYN)/%/ver1/libdynver.so: tests/guest-dyn/libdynver.c tests/guest-dyn/libdynver-1.map | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DVERS=1 -Wl,-soname,libdynver.so \
		-Wl,--version-script=tests/guest-dyn/libdynver-1.map $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynver.so: tests/guest-dyn/libdynver.c tests/guest-dyn/libdynver-2.map | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DVERS=2 -Wl,-soname,libdynver.so \
		-Wl,--version-script=tests/guest-dyn/libdynver-2.map $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/ver3/libdynver.so: tests/guest-dyn/libdynver.c tests/guest-dyn/libdynver-3.map | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DVERS=3 -Wl,-soname,libdynver.so \
		-Wl,--version-script=tests/guest-dyn/libdynver-3.map $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_ver_old: tests/guest-dyn/dyn_ver.c $(DYN)/%/ver1/libdynver.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -L$(dir $@)ver1 -ldynver -Wl,-rpath,'$$ORIGIN'
$(DYN)/%/dyn_ver: tests/guest-dyn/dyn_ver.c $(DYN)/%/libdynver.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -ldynver -Wl,-rpath,'$$ORIGIN'
$(DYN)/%/dyn_ver_new: tests/guest-dyn/dyn_ver.c $(DYN)/%/ver3/libdynver.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -DNEW -o $@ $< -L$(dir $@)ver3 -ldynver -Wl,-rpath,'$$ORIGIN'
guest-apps: $(VER_BINS)
# dlopen's scopes (tests/e2e/dyn-scope.sh)
SCOPE_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_scope libdynlocal.so libdynuser.so \
	libdynnext-a.so libdynnext-b.so))
$(DYN)/%/libdynnext-b.so: tests/guest-dyn/libdynnext.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynnext-a.so: tests/guest-dyn/libdynnext.c $(DYN)/%/libdynnext-b.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) -shared -fPIC -DA $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -Wl,--no-as-needed -ldynnext-b \
		-Wl,-rpath,'$$ORIGIN' -ldl
$(DYN)/%/libdynlocal.so: tests/guest-dyn/libdynlocal.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynuser.so: tests/guest-dyn/libdynuser.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_scope: tests/guest-dyn/dyn_scope.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -ldl
guest-apps: $(SCOPE_BINS)
# dlsym of TLS symbols, RTLD_NEXT, dlinfo (tests/e2e/dyn-info.sh)
$(DYN)/%/dyn_info: tests/guest-dyn/dyn_info.c $(DYN)/%/libdyntls.so | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -ldyntls \
		-Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags -lpthread -ldl
guest-apps: $(DYN)/glibc/dyn_info $(DYN)/musl/dyn_info
# destructors of dlopen'ed objects at exit (tests/e2e/dyn-fini.sh)
FINI_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_fini libdynfini-a.so libdynfini-b.so))
$(DYN)/%/libdynfini-a.so: tests/guest-dyn/libdynfini.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DWHO=A $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynfini-b.so: tests/guest-dyn/libdynfini.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DWHO=B $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_fini: tests/guest-dyn/dyn_fini.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -ldl
guest-apps: $(FINI_BINS)
# dlclose unloading, and dlopen again (tests/e2e/dyn-close.sh)
CLOSE_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_close libdynclose.so libdynclosedep.so \
	libdynclosenest.so libdynclosenest2.so))
$(DYN)/%/libdynclosenest.so: tests/guest-dyn/libdynclosenest.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $< -ldl
$(DYN)/%/libdynclosenest2.so: tests/guest-dyn/libdynclosenest.c $(DYN)/%/libdynclosedep.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) -shared -fPIC -DNEEDS $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -Wl,--no-as-needed \
		-ldynclosedep -Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags -ldl
$(DYN)/%/libdynclosedep.so: tests/guest-dyn/libdynclose.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DDEP $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynclose.so: tests/guest-dyn/libdynclose.c $(DYN)/%/libdynclosedep.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -Wl,--no-as-needed \
		-ldynclosedep -Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags
$(DYN)/%/dyn_close: tests/guest-dyn/dyn_close.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -rdynamic -o $@ $< -ldl -lpthread
guest-apps: $(CLOSE_BINS)
# relocation dependencies (tests/e2e/dyn-reldeps.sh): libdynreluse.so binds
# to libdynreldef.so without a DT_NEEDED on it
RELDEPS_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_reldeps libdynreldef.so \
	libdynreldef2.so libdynreluse.so))
$(DYN)/%/libdynreldef.so: tests/guest-dyn/libdynreldef.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynreldef2.so: tests/guest-dyn/libdynreldef.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -DOTHER $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/libdynreluse.so: tests/guest-dyn/libdynreluse.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $< -ldl
$(DYN)/%/dyn_reldeps: tests/guest-dyn/dyn_reldeps.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -rdynamic -o $@ $< -ldl -lpthread
guest-apps: $(RELDEPS_BINS)
# musl's ld.so's name (tests/e2e/dyn-muslname.sh)
$(DYN)/musl/dyn_muslname: tests/guest-dyn/dyn_muslname.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc $(GUEST_CFLAGS) -o $@ $<
guest-apps: $(DYN)/musl/dyn_muslname
# TLSDESC (tests/e2e/dyn-tlsdesc.sh): a plugin and a DT_NEEDED library built
# -mtls-dialect=gnu2, each with tests/guest-dyn/tlsdesc_regs.S on one variable
TLSDESC_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_tlsdesc libdyntlsdesc.so \
	libdyntlsdesc-needed.so))
TLSDESC_CFLAGS := -shared -fPIC -mtls-dialect=gnu2 $(GUEST_CFLAGS)
$(DYN)/%/libdyntlsdesc.so: tests/guest-dyn/libdyntlsdesc.c tests/guest-dyn/tlsdesc_regs.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(TLSDESC_CFLAGS) -DFN=tdp_regs_kept -DTLSVAR=tdp_init -o $@ $^
$(DYN)/%/libdyntlsdesc-needed.so: tests/guest-dyn/libdyntlsdesc-needed.c tests/guest-dyn/tlsdesc_regs.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(TLSDESC_CFLAGS) -DFN=tdn_regs_kept -DTLSVAR=tdn_value -o $@ $^
$(DYN)/%/dyn_tlsdesc: tests/guest-dyn/dyn_tlsdesc.c $(DYN)/%/libdyntlsdesc-needed.so | $(DEPS_OK)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -L$(dir $@) -ldyntlsdesc-needed \
		-Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags -ldl -lpthread
guest-apps: $(TLSDESC_BINS)
# dynamic TLS freed when a thread exits (tests/e2e/dyn-tlsexit.sh)
TLSEXIT_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_tlsexit libdyntlsbig.so))
$(DYN)/%/libdyntlsbig.so: tests/guest-dyn/libdyntlsbig.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_tlsexit: tests/guest-dyn/dyn_tlsexit.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -ldl -lpthread
guest-apps: $(TLSEXIT_BINS)
# RELRO of a dlopen'ed library with an IFUNC (tests/e2e/dyn-relro.sh)
RELRO_BINS := $(foreach v,glibc musl,$(addprefix $(DYN)/$(v)/,dyn_relro libdynrelro.so))
$(DYN)/%/libdynrelro.so: tests/guest-dyn/libdynrelro.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) -shared -fPIC -Wl,-z,relro,-z,now $(GUEST_CFLAGS) -o $@ $<
$(DYN)/%/dyn_relro: tests/guest-dyn/dyn_relro.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)$(DYN_CC_$*) $(GUEST_CFLAGS) -o $@ $< -ldl
guest-apps: $(RELRO_BINS)
# C++ through door 1 (tests/e2e/dyn-cxx.sh): g++ on glibc and libstdc++, a
# program throwing across libdynthrow.so (found by RUNPATH $ORIGIN)
CXX_BINS := $(DYN)/glibc/dyn_cxx $(DYN)/glibc/libdynthrow.so
GUEST_CXXFLAGS := $(GUEST_CFLAGS) -std=c++17
$(DYN)/glibc/libdynthrow.so: tests/guest-dyn/libdynthrow.cc tests/guest-dyn/libdynthrow.h
	@mkdir -p $(dir $@)
	$(V)$(CXX) -shared -fPIC -Wl,-soname,libdynthrow.so $(GUEST_CXXFLAGS) -o $@ $<
$(DYN)/glibc/dyn_cxx: tests/guest-dyn/dyn_cxx.cc tests/guest-dyn/libdynthrow.h $(DYN)/glibc/libdynthrow.so
	@mkdir -p $(dir $@)
	$(V)$(CXX) -pthread $(GUEST_CXXFLAGS) -o $@ $< -L$(dir $@) -ldynthrow \
		-Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags
guest-apps: $(CXX_BINS)
# tests/guest-cmp: programs whose output is compared line by line with the
# pinned Linux guest's (tests/e2e/linux-compare.sh), not run as TAP tests
CMP_SRCS := $(wildcard tests/guest-cmp/*.c)
CMP_BINS := $(foreach s,$(CMP_SRCS),$(foreach v,musl glibc pie,$(BUILD)/tests/guest-cmp/$(basename $(notdir $(s)))-$(v)))
$(BUILD)/tests/guest-cmp/%-musl: tests/guest-cmp/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<
$(BUILD)/tests/guest-cmp/%-glibc: tests/guest-cmp/%.c
	@mkdir -p $(dir $@)
	$(V)$(CC) -static $(GUEST_CFLAGS) -o $@ $<
$(BUILD)/tests/guest-cmp/%-pie: tests/guest-cmp/%.c
	@mkdir -p $(dir $@)
	$(V)$(CC) -static-pie $(GUEST_CFLAGS) -o $@ $<
guest-apps: $(CMP_BINS)
# tests/guest-tty: programs someone types at (tests/e2e/tty.sh), not run alone
TTY_SRCS := $(wildcard tests/guest-tty/*.c)
TTY_BINS := $(foreach s,$(TTY_SRCS),$(foreach v,musl glibc,$(BUILD)/tests/guest-tty/$(basename $(notdir $(s)))-$(v)))
$(BUILD)/tests/guest-tty/%-musl: tests/guest-tty/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<
$(BUILD)/tests/guest-tty/%-glibc: tests/guest-tty/%.c
	@mkdir -p $(dir $@)
	$(V)$(CC) -static $(GUEST_CFLAGS) -o $@ $<
guest-apps: $(TTY_BINS)
# tests/net: servers and clients the network e2e tests run in the guest
# (tests/e2e/net-*.sh; a plain Linux program runs on the host the same way)
NET_SRCS := $(wildcard tests/net/*.c)
NET_BINS := $(foreach s,$(NET_SRCS),$(foreach v,musl glibc,$(BUILD)/tests/net/$(basename $(notdir $(s)))-$(v)))
$(BUILD)/tests/net/%-musl: tests/net/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<
$(BUILD)/tests/net/%-glibc: tests/net/%.c
	@mkdir -p $(dir $@)
	$(V)$(CC) -static $(GUEST_CFLAGS) -o $@ $<
guest-apps: $(NET_BINS)
# tests/guest-net: servers driven from outside the guest (tests/e2e/net-*.py,
# tools/bench/sections/55-tcp.sh), not run alone
NETP_SRCS := $(wildcard tests/guest-net/*.c)
NETP_BINS := $(foreach s,$(NETP_SRCS),$(BUILD)/tests/guest-net/$(basename $(notdir $(s)))-musl)
$(BUILD)/tests/guest-net/%-musl: tests/guest-net/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<
guest-apps: $(NETP_BINS)

include tests/fuzz/fuzz.mk

# --- apps/NAME (docs/apps.md): each has an app.mk that builds
#     BUILD/apps/NAME/NAME (and the files its manifest bakes in, which it
#     lists in APP_FILES_NAME) and a manifest; BUILD/NAME.img bakes one
#     into a disk image, FORMAT=qcow2|libvirt|firecracker the other forms.
#     Third-party sources come from deps.lock: BUILD/src/PKG/.unpacked
#     (with Debian's patches), redone only when PKG's lines change (not
#     when fetch-src.sh does: that would rebuild every app). ---
APPS := $(patsubst apps/%/app.mk,%,$(wildcard apps/*/app.mk))
$(BUILD)/lock/%.lock: deps.lock
	@mkdir -p $(dir $@)
	$(V)awk -v n=$* '$$1 == n' deps.lock >$@.tmp
	$(V)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/src/%/.unpacked: $(BUILD)/lock/%.lock | tools/bench/fetch-src.sh $(DEPS_OK)
	$(V)BUILD=$(abspath $(BUILD)) tools/bench/fetch-src.sh unpack $* $(abspath $(@D))
	@touch $@
# kept: as intermediate files make would delete them, and their next
# remaking would rebuild every app
.PRECIOUS: $(BUILD)/lock/%.lock $(BUILD)/src/%/.unpacked
include $(wildcard apps/*/app.mk)
# an app's program: BUILD/apps/NAME/NAME, or APP_BIN_NAME for an app
# that runs a Debian binary of the host unmodified (apps/python3, apps/java)
APP_BIN = $(or $(APP_BIN_$(1)),$(BUILD)/apps/$(1)/$(1))
APP_INPUTS = $(call APP_BIN,$(1)) $(APP_FILES_$(1)) $(wildcard apps/$(1)/manifest)
UNUM_IMAGE = UNUM_KERNEL=$(BUILD)/kernel.elf BUILD=$(BUILD) tools/unum image \
	$(if $(wildcard apps/$(1)/manifest),--manifest apps/$(1)/manifest) $(call APP_BIN,$(1))
$(BUILD)/%.img: $$(call APP_INPUTS,$$*) $(BUILD)/kernel.elf tools/unum $(wildcard tools/pyunum/*.py)
	$(V)$(call UNUM_IMAGE,$*) -o $@
$(BUILD)/%.qcow2: $$(call APP_INPUTS,$$*) $(BUILD)/kernel.elf tools/unum $(wildcard tools/pyunum/*.py)
	$(V)$(call UNUM_IMAGE,$*) --format qcow2 -o $@
$(BUILD)/%.xml: $$(call APP_INPUTS,$$*) $(BUILD)/kernel.elf tools/unum $(wildcard tools/pyunum/*.py)
	$(V)$(call UNUM_IMAGE,$*) --format libvirt -o $@
$(BUILD)/%.firecracker.json: $$(call APP_INPUTS,$$*) $(BUILD)/kernel.elf tools/unum $(wildcard tools/pyunum/*.py)
	$(V)$(call UNUM_IMAGE,$*) --format firecracker -o $@
# every app whose recipe can run (CI builds them before the tests)
apps: $(foreach a,$(APPS),$(call APP_BIN,$(a)) $(APP_FILES_$(a)))

# --- entry points ---
# make run: the default app, apps/httpd (on http://127.0.0.1:8080/);
# make run APP=NAME: apps/NAME. Each with its manifest (its ports forwarded
# to 127.0.0.1; PORT=N moves the first to 127.0.0.1:N), ARGS='...'
# replacing its arguments. Ctrl-C is SIGINT to the app.
RUN_APP = $(or $(APP),httpd)
run: $(BUILD)/kernel.elf $(call APP_INPUTS,$(RUN_APP))
	$(V)UNUM_KERNEL=$(BUILD)/kernel.elf BUILD=$(BUILD) tools/unum run \
		$(if $(wildcard apps/$(RUN_APP)/manifest),--manifest apps/$(RUN_APP)/manifest) \
		$(if $(PORT),--host-port $(PORT)) \
		$(call APP_BIN,$(RUN_APP)) $(if $(ARGS),-- $(ARGS))

test: all unit image $(BUILD)/hello.img guest-apps fuzzers
	tests/run

bench: all image
	tools/bench/run

clean:
	rm -rf $(BUILD)

.PHONY: all image unit guest-apps run test bench clean apps
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

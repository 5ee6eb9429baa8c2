#!/bin/bash
# `boottime` (include/boottime.h): a static hello as the app, and the
# kernel log has the start-up table, every step of core/main.c,
# core/run.c and loader/app.c in order, each with its TSC ticks, and the
# total their sum. Without the argument there is no table.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
hello=$B/apps/hello/hello
[ -x "$hello" ] || make -s "$hello" >/dev/null || fail "make $hello"
run "$UNUM" run "$hello" -v --kernel-args boottime --timeout "$BOOT_TIMEOUT"
expect_status 0
grep -qx 'Hello from unum!' "$OUT" || fail "no greeting on stdout"
steps=$(awk '$1 == "boottime:" && $2 == "step" { printf "%s ", $4 }' "$ERR")
want="printk_init arch_early_init cmdline_parse mm_init arch_cpu_init_tables arch_idt_init"
want="$want platform_init arch_percpu_alloc_all pic_disable lapic_init ioapic_init clock_init rtc_init"
want="$want arch_fpu_init_cpu sched_init arch_syscall_init syscall_init vfs_init pci_init"
want="$want virtio_init acpi_button_init clock_calibrated smp_boot_aps net_init initrd_init vfs_mount_tmp random_init"
want="$want vma_layout_init console_init app_args_init initrd_unum_remove procfs_init etc_init"
want="$want banner net_wait_config etc_resolv_init elf_load app_thread "
[ "$steps" = "$want" ] || fail "boottime steps: expected '$want', got '$steps'"
# numbered from 0 in order; TSC ticks positive; the total is their sum
check=$(awk '$1 == "boottime:" && $2 == "step" {
		if ($3 != n++ || $5 != "insns" || $7 != "tsc" || $8 !~ /^[0-9]+$/ || $8 == 0) bad++
		sum += $8 }
	$1 == "boottime:" && $2 == "total" { total = $4 }
	$1 == "boottime:" && $3 == "steps;" { declared = $2 }
	END { print (bad + 0) " " (declared == n) " " (total == sum) }' "$ERR")
[ "$check" = "0 1 1" ] || fail "boottime table: expected well-formed steps, count and total (0 1 1), got '$check'"
run "$UNUM" run "$hello" -v --timeout "$BOOT_TIMEOUT"
expect_status 0
grep -q '^boottime:' "$ERR" && fail "boottime table printed without the argument"
exit 0

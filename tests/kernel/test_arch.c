/* In-guest tests of protection and fault handling: W^X really holds,
 * faults are caught (arch_try) and pointer copies return -EFAULT. */
#include "arch.h"
#include "errno.h"
#include "irq.h"
#include "ksym.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sections.h"
#include "uaccess.h"

static const char ro_victim[16] = "unchanged";
static char data_buf[64] __aligned(16);

static long
write_rodata(void *arg)
{
	*(volatile char *)ro_victim = 'X';
	return 0;
}

static long
write_text(void *arg)
{
	*(volatile char *)arg = (char)0xc3;
	return 0;
}

static long
exec_data(void *arg)
{
	data_buf[0] = (char)0xc3; /* ret */
	((void (*)(void))(uintptr_t)data_buf)();
	return 0;
}

static long
returns_seven(void *arg)
{
	return 7;
}

static long
do_ud2(void *arg)
{
	__asm__ volatile("ud2");
	return 0;
}

KTEST(write_to_rodata_faults)
{
	int vec = -1;

	EXPECT_EQ(arch_try(write_rodata, NULL, &vec), -EFAULT);
	EXPECT_EQ(vec, 14);
	EXPECT(!strcmp(ro_victim, "unchanged"));
}

KTEST(write_to_text_faults)
{
	int vec = -1;

	EXPECT_EQ(arch_try(write_text, (void *)returns_seven, &vec), -EFAULT);
	EXPECT_EQ(vec, 14);
	EXPECT_EQ(arch_try(returns_seven, NULL, NULL), 7);
}

KTEST(data_is_not_executable)
{
	int vec = -1;

	EXPECT_EQ(arch_try(exec_data, NULL, &vec), -EFAULT);
	EXPECT_EQ(vec, 14);
}

KTEST(invalid_opcode_is_caught)
{
	int vec = -1;

	EXPECT_EQ(arch_try(do_ud2, NULL, &vec), -EFAULT);
	EXPECT_EQ(vec, 6);
}

KTEST(page_permissions_are_wx_exclusive)
{
	uint64_t t = mm_query((uintptr_t)_text_start);
	uint64_t r = mm_query((uintptr_t)_rodata_start);
	uint64_t d = mm_query((uintptr_t)_data_start);
	uint64_t dm = mm_query(MM_DIRECT_BASE + MiB(1));

	EXPECT((t & PTE_P) && !(t & PTE_W) && !(t & PTE_NX));
	EXPECT((r & PTE_P) && !(r & PTE_W) && (r & PTE_NX));
	EXPECT((d & PTE_P) && (d & PTE_W) && (d & PTE_NX));
	EXPECT((dm & PTE_P) && (dm & PTE_NX));
	EXPECT(read_cr0() & CR0_WP);
	EXPECT(rdmsr(MSR_EFER) & EFER_NXE);
	EXPECT_EQ(mm_query(0), 0); /* null is unmapped */
}

KTEST(copy_from_bad_address_is_efault)
{
	char buf[32];

	EXPECT_EQ(copy_from_user(buf, (void *)0x1000, 8), -EFAULT);         /* unmapped */
	EXPECT_EQ(copy_from_user(buf, (void *)16, 8), -EFAULT);             /* null page */
	EXPECT_EQ(copy_from_user(buf, ro_victim, 8), -EFAULT);              /* kernel half */
	EXPECT_EQ(copy_from_user(buf, (void *)(USER_TOP - 4), 8), -EFAULT); /* straddles */
	EXPECT_EQ(copy_to_user((void *)0x2000, buf, 8), -EFAULT);
	EXPECT_EQ(strncpy_from_user(buf, (void *)0x3000, sizeof(buf)), -EFAULT);
}

KTEST(copy_user_good_and_partial)
{
	const uintptr_t va = 0x40000000; /* a page in the app's half, mapped here */
	uint64_t pa = frame_alloc(0);
	char buf[32];

	EXPECT(pa != 0);
	if (!pa)
		return;
	EXPECT_EQ(mm_map(va, pa, PAGE_SIZE, PTE_W | PTE_NX), 0);
	EXPECT_EQ(copy_to_user((void *)va, "hello", 6), 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(copy_from_user(buf, (void *)va, 6), 0);
	EXPECT(!strcmp(buf, "hello"));
	EXPECT_EQ(strncpy_from_user(buf, (void *)va, sizeof(buf)), 5);
	EXPECT_EQ(strncpy_from_user(buf, (void *)va, 3), -ENAMETOOLONG);
	/* a copy running off the end of the mapping faults part-way */
	EXPECT_EQ(copy_from_user(buf, (void *)(va + PAGE_SIZE - 8), 16), -EFAULT);
	mm_unmap(va, PAGE_SIZE);
	EXPECT_EQ(copy_from_user(buf, (void *)va, 6), -EFAULT);
	frame_free(pa, 0);
}

KTEST(symbols_resolve_for_backtraces)
{
	uintptr_t off = 99;
	const char *n = ksym_lookup((uintptr_t)returns_seven + 2, &off);

	EXPECT(n && !strcmp(n, "returns_seven"));
	EXPECT_EQ(off, 2);
	n = ksym_lookup((uintptr_t)memcpy, &off);
	EXPECT(n && !strcmp(n, "memcpy"));
	EXPECT_EQ(off, 0);
	EXPECT(ksym_lookup(0x1234, NULL) == NULL);
}

static uintptr_t seen_frame;

static void
record_frame(struct trapframe *tf, void *arg)
{
	seen_frame = (uintptr_t)tf;
}

KTEST(interrupt_frames_leave_the_ist)
{
	/* an interrupt's frame lives on the running thread's kernel stack,
	 * below the interrupted %rsp, not on the per-CPU IST1 stack, so a
	 * handler may block or switch threads (DESIGN.md "Ring 0") */
	struct percpu *pc = this_cpu();
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	irq_set_handler(0xee, record_frame, NULL);
	__asm__ volatile("int $0xee" ::: "memory");
	irq_set_handler(0xee, NULL, NULL);
	EXPECT(seen_frame >= pc->kstack_lo && seen_frame < pc->kstack_hi);
	EXPECT(seen_frame < here);
	EXPECT(seen_frame < (uintptr_t)pc->ist_stacks ||
	       seen_frame >= (uintptr_t)pc->ist_stacks + 4 * 8192);
}

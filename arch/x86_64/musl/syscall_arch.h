/* musl's system calls through door 2 (DESIGN.md, The Linux system-call
 * layer): this file takes the place of musl's arch/x86_64/syscall_arch.h
 * (found first through -iquote when build/musl is compiled, Makefile's
 * MUSL_*). Where musl executes SYSCALL, its __syscallN here call the
 * kernel's door2_entry (arch/x86_64/syscall.S), which our dynamic linker
 * binds to the import __unum_door: the same registers as SYSCALL (number
 * in rax, arguments in rdi, rsi, rdx, r10, r8, r9, rcx and r11
 * clobbered) and the same exit path. The call is the two-byte
 * `call *%rbx`, so a call to restart is rewound by two bytes like a
 * SYSCALL (a signal handler sees the same rip); rsp steps over the red
 * zone first, since the compiler does not know the asm calls. */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

extern void __unum_door(void);

#define __UNUM_DOOR_CALL "lea -128(%%rsp),%%rsp\n\tcall *%%rbx\n\tlea 128(%%rsp),%%rsp"

static __inline long
__syscall0(long n)
{
	unsigned long ret;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall1(long n, long a1)
{
	unsigned long ret;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall2(long n, long a1, long a2)
{
	unsigned long ret;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1), "S"(a2)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall3(long n, long a1, long a2, long a3)
{
	unsigned long ret;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1), "S"(a2), "d"(a3)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall4(long n, long a1, long a2, long a3, long a4)
{
	unsigned long ret;
	register long r10 __asm__("r10") = a4;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	unsigned long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
	                       "r"(r8)
	                     : "rcx", "r11", "memory");
	return ret;
}

static __inline long
__syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	unsigned long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ __volatile__(__UNUM_DOOR_CALL
	                     : "=a"(ret)
	                     : "a"(n), "b"(__unum_door), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
	                       "r"(r8), "r"(r9)
	                     : "rcx", "r11", "memory");
	return ret;
}

/* no vDSO: clock_gettime is a door-2 call like the others */
#define IPC_64 0

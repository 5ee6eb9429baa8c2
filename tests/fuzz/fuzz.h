/* Host fuzz harnesses (tests/fuzz/NAME.c, README.md there): what every
 * harness needs beside the kernel sources it links, namely the kernel
 * symbols those call (panic, printk, vprintk), which in the kernel come
 * from core/. A panic is a finding: the input reached a kernel assertion,
 * so the harness aborts with its message and libFuzzer keeps the input.
 * printk formats its record (so a bad argument to a format is caught by
 * the sanitizers) and throws it away; FUZZ_LOG=1 in the environment
 * prints it. Include it from the one file of each harness. */
#ifndef UNUM_FUZZ_H
#define UNUM_FUZZ_H

#include <sanitizer/asan_interface.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "printk.h"

__thread uint64_t unit_rflags = 0x202; /* the shim's RFLAGS: IF set */
__thread uint32_t unit_atomic_depth;   /* the shim's spinlock count */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken promise of the code under test: report and stop */
static void __printf(1, 2) __noreturn __attribute__((unused)) fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: kernel panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void
vprintk(const char *fmt, va_list ap)
{
	static int log = -1;
	char rec[1024];

	vsnprintf(rec, sizeof(rec), fmt, ap);
	if (log < 0)
		log = getenv("FUZZ_LOG") && !strcmp(getenv("FUZZ_LOG"), "1");
	if (log)
		fprintf(stderr, "printk: %s", rec);
}

void
printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

/* the input read as a stream of choices (a harness that runs a sequence
 * of operations): bytes, then zeros once it is used up */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint64_t __attribute__((unused)) fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->left ? *in->p : 0) << (8 * i);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

#endif

/* Fuzz core/cmdline.c: cmdline_parse_keys() on the input as the kernel
 * command line (bytes up to the first NUL, in an exact-size heap block),
 * against the real keys linked in (drivers/vmmio_args.c's
 * virtio_mmio.device, whose value parser takes what QEMU microvm appends)
 * and keys of the harness's own: a flag, a number, a free string. Besides
 * the sanitizers, the harness fails when a handler is given a value over
 * 255 bytes or one still holding a quote, or a warning names a token that
 * is not inside the line. Seeds: the command lines of the tests
 * (tests/run's boots) and those tools/unum and QEMU write
 * (tests/fuzz/seeds.py). */
#include "cmdline.h"
#include "errno.h"
#include "fuzz.h"
#include "lib.h"
#include "vmmio_args.h"

static const char *line;
static size_t line_len;

static void
check_value(const char *v)
{
	if (!v)
		return;
	size_t n = strlen(v);
	if (n > 255)
		fuzz_fail("a value of %zu bytes (at most 255)", n);
	if (memchr(v, '"', n))
		fuzz_fail("a value with a quote left in: \"%s\"", v);
}

static int
h_flag(const char *v)
{
	check_value(v);
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("quiet", h_flag);

static int
h_number(const char *v)
{
	uint64_t n;

	check_value(v);
	return !v || parse_u64(v, strlen(v), &n, true) ? -EINVAL : 0;
}
CMDLINE_KEY("loglevel", h_number);

static int
h_string(const char *v)
{
	check_value(v);
	return 0;
}
CMDLINE_KEY("hostname", h_string);

static int
h_flag_or_string(const char *v)
{
	check_value(v);
	return 0;
}
CMDLINE_KEY("tty", h_flag_or_string);

static void
warn(const char *what, const char *tok, size_t len)
{
	if (tok < line || tok > line + line_len || len > (size_t)(line + line_len - tok))
		fuzz_fail("warning \"%s\" about a token outside the line", what);
	if (!len)
		fuzz_fail("warning \"%s\" about an empty token", what);
}

extern const struct cmdline_key __start_cmdline_keys[], __stop_cmdline_keys[];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);

	memcpy(s, data, n);
	s[n] = '\0';
	line = s;
	line_len = n;
	vmmio_ndevs = 0;
	int w = cmdline_parse_keys(s, __start_cmdline_keys,
	                           __stop_cmdline_keys - __start_cmdline_keys, warn);
	if (w < 0)
		fuzz_fail("%d warnings", w);
	if (vmmio_ndevs < 0 || vmmio_ndevs > VMMIO_MAX)
		fuzz_fail("%d virtio-mmio devices", vmmio_ndevs);
	for (int i = 0; i < vmmio_ndevs; i++)
		if (!vmmio_devs[i].size || vmmio_devs[i].irq > 255)
			fuzz_fail("device %d: size %lu irq %u", i,
			          (unsigned long)vmmio_devs[i].size, vmmio_devs[i].irq);
	free(s);
	return 0;
}

/* libc/fmt.c on the host: fmt_snprintf against the host's snprintf for
 * every conversion and flag lib.h promises, truncation at every buffer
 * size, the places where it differs from C on purpose, parse_u64 and
 * parse_sysctl_ints (its cases checked against Linux 6.18's
 * ip_local_port_range, in a network namespace).
 * Also libc/string.c, which the Makefile links in: through volatile
 * pointers, so the compiler cannot swap in its builtins.
 * Run: make unit && build/tests/unit/test_fmt */
#include <limits.h>
#include <stdint.h>

#include "errno.h"
#include "lib.h"
#include "unit.h"

/* one case: the kernel's output and return value must be the host's */
static void
same(int line, const char *args, const char *k, int kn, const char *h, int hn)
{
	unit_begin("snprintf(%s)", args);
	if (strcmp(k, h) || kn != hn)
		unit_fail(__FILE__, line, "expected \"%s\" (%d), got \"%s\" (%d)", h, hn, k, kn);
	unit_end();
}

#define SAME(...)                                                                                  \
	do {                                                                                       \
		char _k[256], _h[256];                                                             \
		int _kn = fmt_snprintf(_k, sizeof(_k), __VA_ARGS__);                               \
		int _hn = snprintf(_h, sizeof(_h), __VA_ARGS__);                                   \
		same(__LINE__, #__VA_ARGS__, _k, _kn, _h, _hn);                                    \
	} while (0)

/* one case: an exact expected string, where C says otherwise or nothing */
#define GIVES(want, ...)                                                                           \
	do {                                                                                       \
		char _k[256];                                                                      \
		int _kn = fmt_snprintf(_k, sizeof(_k), __VA_ARGS__);                               \
		unit_begin("snprintf(%s) gives %s", #__VA_ARGS__, #want);                          \
		EXPECT_STR(_k, want);                                                              \
		EXPECT_EQ(_kn, strlen(want));                                                      \
		unit_end();                                                                        \
	} while (0)

static void
against_host(void)
{
	SAME("%d", 0);
	SAME("%d", 1);
	SAME("%d", -1);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%i", 42);
	SAME("%i", -42);
	SAME("%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%u", (unsigned)-1);
	SAME("%x", 0u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%x", (unsigned)-1);
	SAME("%ld", LONG_MIN);
	SAME("%ld", LONG_MAX);
	SAME("%li", -123456789012l);
	SAME("%lld", LLONG_MIN);
	SAME("%llu", ULLONG_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0xffff800000000000ul);
	SAME("%llX", 0x0123456789abcdefull);
	SAME("%zu", SIZE_MAX);
	SAME("%zx", (size_t)0x1000);
	SAME("%zd", (ssize_t)-5);
	SAME("%zi", (ssize_t)PTRDIFF_MAX);

	/* width, '-', '0' */
	SAME("[%5d]", 42);
	SAME("[%-5d]", 42);
	SAME("[%05d]", 42);
	SAME("[%05d]", -42);
	SAME("[%2d]", 12345);
	SAME("[%1d]", -7);
	SAME("[%010u]", 4000000000u);
	SAME("[%016lx]", 0xffffffff80001234ul);
	SAME("[%08lx]", 0xabcul);
	SAME("[%8X]", 0xabcu);
	SAME("[%-8x]", 0xabcu);
	SAME("[%020lld]", LLONG_MIN);
	SAME("[%*d]", 6, 42);
	SAME("[%-*d]", 6, 42);
	SAME("[%0*d]", 8, -1);
	SAME("[%*d]", 0, 42);
	SAME("[%*d]", -6, 42); /* a negative '*' width means '-' */
	SAME("[%0*x]", -6, 0xabu);

	/* '#' */
	SAME("%#x", 255u);
	SAME("%#lx", 0xffff800000000000ul);
	SAME("[%#10x]", 255u);
	SAME("[%-#10x]", 255u);
	SAME("%#X", 0xabu);
	SAME("[%#010x]", 255u);
	SAME("[%#018lx]", 0x1234ul);

	/* %s, precision */
	SAME("%s", "hello");
	SAME("%s", "");
	SAME("[%10s]", "hello");
	SAME("[%-10s]", "hello");
	SAME("[%3s]", "hello");
	SAME("[%.3s]", "hello");
	SAME("[%.0s]", "hello");
	SAME("[%.10s]", "hi");
	SAME("[%5.2s]", "hello");
	SAME("[%-5.2s]", "hello");
	SAME("[%.*s]", 3, "hello");
	SAME("[%.*s]", -1, "hello"); /* negative precision: none */
	SAME("[%*.*s]", 7, 2, "hello");

	/* %c, %%, %p */
	SAME("%c", 'A');
	SAME("[%3c]", 'z');
	SAME("[%-3c]", 'z');
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("%%");
	SAME("100%%");
	SAME("a%%b%%c%%");
	SAME("%p", (void *)0x1234);
	SAME("%p", (void *)0xffffffff80000000ul);
	SAME("[%20p]", (void *)0xdead);
	SAME("[%-20p]", (void *)0xdead);

	/* a mix, and a format longer than any internal buffer */
	SAME("%s=%d (%#x) %c %lu%%", "key", -3, 0x10u, '!', 99ul);
	SAME("%s %s %s %s %s", "the", "quick", "brown", "fox", "jumps over the lazy dog");
	SAME("%64d|%-64s|", 1, "x");
	SAME("no conversions at all");
	SAME("%s", "");
}

/* where fmt.c differs from C by design (lib.h), or C says nothing */
static void
documented(void)
{
	/* formats GCC's -Wformat rejects go through variables */
	const char *unknown = "%q%y", *trailing = "abc%", *zero_p = "[%05p]";
	const char *left_zero = "[%-05d]", *hash_u = "%#u", *pct_width = "[%5%]";
	const char *volatile nul = NULL;

	GIVES("(null)", "%s", nul);
	GIVES("[(nu]", "[%.3s]", nul);
	GIVES("0x0", "%p", (void *)0);
	GIVES("0x0", "%#x", 0u); /* C: "0" */
	GIVES("0x0", "%#lx", 0ul);
	GIVES("%q%y", unknown, 0);
	GIVES("abc", trailing, 0);
	GIVES("[  0x1]", zero_p, (void *)1); /* '0' ignored for %p */
	GIVES("[-42  ]", left_zero, -42);    /* as C: '-' wins over '0' */
	GIVES("17", hash_u, 17u);            /* as glibc: no prefix for %u */
	GIVES("[%]", pct_width, 0);          /* a width on %% is ignored */
}

static void
truncation(void)
{
	static const char *const fmts[] = {"%s|%5d|%-4x|%c", "%%%s%%", "%10s", "%-10s"};
	char host[128];

	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++) {
		int hn = snprintf(host, sizeof(host), fmts[f], "abcdef", -12, 0xbeu, 'Z');

		/* an exact-size heap buffer: ASan sees any byte written past it */
		unit_begin("truncation of \"%s\" at every size 0..%d", fmts[f], hn + 2);
		for (int size = 0; size <= hn + 2; size++) {
			char *b = malloc(size ? size : 1);
			int kn;

			memset(b, 0x7e, size ? size : 1);
			kn =
			    fmt_snprintf(size ? b : NULL, size, fmts[f], "abcdef", -12, 0xbeu, 'Z');
			EXPECT_EQ(kn, hn);
			if (size) {
				size_t want = MIN((size_t)hn, (size_t)size - 1);
				if (strlen(b) != want || memcmp(b, host, want))
					unit_fail(__FILE__, __LINE__,
					          "size %d: expected \"%.*s\", got \"%s\"", size,
					          (int)want, host, b);
			}
			free(b);
		}
		unit_end();
	}

	/* size 0 writes nothing, even with a buffer */
	{
		char b[4] = "xyz";
		unit_begin("size 0 writes nothing");
		EXPECT_EQ(fmt_snprintf(b, 0, "%s", "hello"), 5);
		EXPECT_STR(b, "xyz");
		unit_end();
	}
	{
		char b[1] = {'x'};
		unit_begin("size 1 gives an empty string");
		EXPECT_EQ(fmt_snprintf(b, 1, "%d", 12345), 5);
		EXPECT_EQ(b[0], '\0');
		unit_end();
	}
}

static int
vwrap(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void
vsnprintf_entry(void)
{
	char b[32];

	EXPECT_EQ(vwrap(b, sizeof(b), "%s-%d", "v", 7), 3);
	EXPECT_STR(b, "v-7");
}

/* ---- parse_u64 ---- */

struct pcase {
	const char *s;
	int len; /* -1: strlen(s) */
	bool suffix;
	int ret;
	uint64_t val;
};

static const struct pcase pcases[] = {
    {"0", -1, false, 0, 0},
    {"7", -1, false, 0, 7},
    {"007", -1, false, 0, 7}, /* decimal, not octal */
    {"123", -1, false, 0, 123},
    {"18446744073709551615", -1, false, 0, UINT64_MAX},
    {"18446744073709551616", -1, false, -EINVAL, 0},
    {"99999999999999999999", -1, false, -EINVAL, 0},
    {"0x0", -1, false, 0, 0},
    {"0x10", -1, false, 0, 16},
    {"0XfF", -1, false, 0, 255},
    {"0xDeadBeef", -1, true, 0, 0xdeadbeef},
    {"0xffffffffffffffff", -1, false, 0, UINT64_MAX},
    {"0x0000000000000000000001", -1, false, 0, 1},
    {"0x10000000000000000", -1, false, -EINVAL, 0},
    {"0x", -1, false, -EINVAL, 0},
    {"0x", -1, true, -EINVAL, 0},
    {"0xg", -1, false, -EINVAL, 0},
    {"0x1K", -1, true, -EINVAL, 0}, /* suffixes are for decimal only */
    {"4K", -1, true, 0, 4096},
    {"4k", -1, true, 0, 4096},
    {"2M", -1, true, 0, 2 << 20},
    {"3m", -1, true, 0, 3 << 20},
    {"1G", -1, true, 0, 1ull << 30},
    {"16g", -1, true, 0, 16ull << 30},
    {"0K", -1, true, 0, 0},
    {"17179869183G", -1, true, 0, 17179869183ull << 30},
    {"17179869184G", -1, true, -EINVAL, 0}, /* 2^64 */
    {"18014398509481984K", -1, true, -EINVAL, 0},
    {"1G", -1, false, -EINVAL, 0},
    {"128", -1, true, 0, 128},
    {"K", -1, true, -EINVAL, 0},
    {"1KK", -1, true, -EINVAL, 0},
    {"1T", -1, true, -EINVAL, 0},
    {"", -1, false, -EINVAL, 0},
    {"", -1, true, -EINVAL, 0},
    {" 1", -1, false, -EINVAL, 0},
    {"1 ", -1, false, -EINVAL, 0},
    {"-1", -1, false, -EINVAL, 0},
    {"+1", -1, false, -EINVAL, 0},
    {"12a", -1, false, -EINVAL, 0},
    {"1.5", -1, false, -EINVAL, 0},
    {"123abc", 3, false, 0, 123}, /* only len bytes are read */
    {"4Kxyz", 2, true, 0, 4096},
    {"0x1fz", 4, false, 0, 0x1f},
    {"99", 0, false, -EINVAL, 0},
};

static void
parse_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(pcases); i++) {
		const struct pcase *c = &pcases[i];
		size_t len = c->len < 0 ? strlen(c->s) : (size_t)c->len;
		uint64_t out = 0x5a5a5a5a5a5a5a5aull;
		/* a heap copy of exactly len bytes: no reading past the length */
		char *s = malloc(len ? len : 1);
		int r;

		memcpy(s, c->s, len);
		r = parse_u64(s, len, &out, c->suffix);
		unit_begin("parse_u64(\"%.*s\"%s) = %s", (int)len, c->s,
		           c->suffix ? ", suffix" : "", c->ret ? "-EINVAL" : "ok");
		EXPECT_EQ(r, c->ret);
		/* on failure *out is left alone */
		EXPECT_EQ(out, c->ret ? 0x5a5a5a5a5a5a5a5aull : c->val);
		unit_end();
		free(s);
	}
}

/* ---- parse_sysctl_ints: 2 values in 1..65535, starting as {7, 8} ---- */

struct scase {
	const char *s;
	int len; /* -1: strlen(s) */
	long ret;
	int v0, v1;
};

static const struct scase scases[] = {
    {"40000 40049", -1, 11, 40000, 40049},
    {"40000", -1, 5, 40000, 8}, /* the second keeps its value */
    {"", -1, 0, 7, 8},
    {"  ", -1, -EINVAL, 7, 8},
    {"\n", -1, -EINVAL, 7, 8},
    {"0x9c40\t0100\n", -1, 12, 40000, 64}, /* C's bases */
    {"\r40000", -1, 6, 40000, 8},          /* any white space before */
    {" \v40000", -1, 7, 40000, 8},
    {"40000\r", -1, -EINVAL, 0, 0}, /* only space, tab, newline after */
    {"1x", -1, -EINVAL, 0, 0},
    {"1,2", -1, -EINVAL, 0, 0},
    {"08", -1, -EINVAL, 0, 0}, /* octal */
    {"0x", -1, -EINVAL, 0, 0},
    {"0", -1, -EINVAL, 0, 0}, /* below min */
    {"65536", -1, -EINVAL, 0, 0},
    {"-1", -1, -EINVAL, 0, 0},
    {"-", -1, -EINVAL, 0, 0}, /* a sign alone */
    {"+1", -1, -EINVAL, 0, 0},
    {"4294967297", -1, -EINVAL, 0, 0},
    {"99999999999999999999 4", -1, -EINVAL, 0, 0}, /* past 64 bits */
    {"00000000000000040000", -1, 20, 16384, 8},    /* 20 characters */
    {"000000000000000040000", -1, -EINVAL, 0, 0},  /* 21: Linux's buffer is full */
    {"1 2 3", -1, 4, 1, 2},                        /* the third is not read */
    {"1 2 x", -1, 4, 1, 2},
    {"1 2  \n", -1, 6, 1, 2},
    {"12", 1, 1, 1, 8},  /* only len bytes are read */
    {"1 2", 2, 2, 1, 8}, /* the space after it counted */
};

static void
sysctl_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(scases); i++) {
		const struct scase *c = &scases[i];
		size_t len = c->len < 0 ? strlen(c->s) : (size_t)c->len;
		int v[2] = {7, 8};
		/* a heap copy of exactly len bytes: no reading past the length */
		char *s = malloc(len ? len : 1);
		long r;

		char shown[64];
		size_t k = 0;
		for (size_t j = 0; j < len && k + 5 < sizeof(shown); j++)
			k += (size_t)(c->s[j] >= ' ' ? snprintf(shown + k, 2, "%c", c->s[j])
			                             : snprintf(shown + k, 5, "\\x%02x", c->s[j]));
		shown[k] = '\0';
		memcpy(s, c->s, len);
		r = parse_sysctl_ints(s, len, v, 2, 1, 65535);
		unit_begin("parse_sysctl_ints(\"%s\") = %ld", shown, c->ret);
		EXPECT_EQ(r, c->ret);
		if (c->ret >= 0) {
			EXPECT_EQ(v[0], c->v0);
			EXPECT_EQ(v[1], c->v1);
		}
		unit_end();
		free(s);
	}
}

/* ---- libc/string.c, called through pointers the compiler cannot see through ---- */

static void *(*volatile k_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile k_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile k_memset)(void *, int, size_t) = memset;
static int (*volatile k_memcmp)(const void *, const void *, size_t) = memcmp;
static size_t (*volatile k_strlen)(const char *) = strlen;
static size_t (*volatile k_strnlen)(const char *, size_t) = strnlen;
static int (*volatile k_strcmp)(const char *, const char *) = strcmp;
static int (*volatile k_strncmp)(const char *, const char *, size_t) = strncmp;
static char *(*volatile k_strchr)(const char *, int) = strchr;

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
string_mem(void)
{
	unsigned char a[64], b[64];

	for (int i = 0; i < 64; i++)
		a[i] = (unsigned char)i;
	EXPECT(k_memcpy(b, a, 64) == b);
	EXPECT(!k_memcmp(a, b, 64));
	EXPECT(k_memset(b + 8, 0xee, 16) == b + 8);
	EXPECT_EQ(b[7], 7);
	EXPECT_EQ(b[8], 0xee);
	EXPECT_EQ(b[23], 0xee);
	EXPECT_EQ(b[24], 24);
	EXPECT(k_memcpy(b, a, 0) == b);
	/* memcmp compares unsigned bytes */
	a[5] = 0x80;
	b[5] = 0x01;
	EXPECT(k_memcmp(a, b, 6) > 0);
	EXPECT(k_memcmp(b, a, 6) < 0);
	EXPECT_EQ(k_memcmp(a, b, 0), 0);
}

static void
string_memmove(void)
{
	/* every overlap, both directions, against a simple model */
	for (int len = 0; len <= 20; len++)
		for (int src = 0; src + len <= 32; src++)
			for (int dst = 0; dst + len <= 32; dst++) {
				char buf[32], want[32];
				for (int i = 0; i < 32; i++)
					buf[i] = want[i] = (char)('A' + i);
				for (int i = 0; i < len; i++)
					want[dst + i] = (char)('A' + src + i);
				if (k_memmove(buf + dst, buf + src, len) != buf + dst ||
				    memcmp(buf, want, 32)) {
					unit_fail(
					    __FILE__, __LINE__,
					    "memmove(+%d, +%d, %d): expected %.32s, got %.32s", dst,
					    src, len, want, buf);
					return;
				}
			}
}

static void
string_str(void)
{
	static const char *const s[] = {"", "a", "b", "ab", "abc", "abd", "\x80", "\x01"};
	const char *hello = "hello";

	EXPECT_EQ(k_strlen(""), 0);
	EXPECT_EQ(k_strlen(hello), 5);
	EXPECT_EQ(k_strnlen(hello, 3), 3);
	EXPECT_EQ(k_strnlen(hello, 5), 5);
	EXPECT_EQ(k_strnlen(hello, 99), 5);
	EXPECT_EQ(k_strnlen(hello, 0), 0);
	/* same sign as the host's, for every pair and prefix length */
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		for (size_t j = 0; j < ARRAY_SIZE(s); j++) {
			if (sign(k_strcmp(s[i], s[j])) != sign(strcmp(s[i], s[j])))
				unit_fail(__FILE__, __LINE__,
				          "strcmp(\"%s\", \"%s\") has the wrong sign", s[i], s[j]);
			for (size_t n = 0; n < 4; n++)
				if (sign(k_strncmp(s[i], s[j], n)) != sign(strncmp(s[i], s[j], n)))
					unit_fail(__FILE__, __LINE__,
					          "strncmp(\"%s\", \"%s\", %zu) has the wrong sign",
					          s[i], s[j], n);
		}
	EXPECT(k_strchr(hello, 'l') == hello + 2);
	EXPECT(k_strchr(hello, 'o') == hello + 4);
	EXPECT(k_strchr(hello, 'z') == NULL);
	EXPECT(k_strchr(hello, '\0') == hello + 5);
	EXPECT(k_strchr("a\xff", 0xff) != NULL);
}

int
main(void)
{
	against_host();
	documented();
	truncation();
	RUN(vsnprintf_entry);
	parse_cases();
	sysctl_cases();
	RUN(string_mem);
	RUN(string_memmove);
	RUN(string_str);
	return unit_done();
}

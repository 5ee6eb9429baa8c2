/* core/cmdline.c on the host: cmdline_parse_keys over a table of keys
 * whose handlers record what they were given, and a warn callback that
 * records each warning, checked line by line.
 * Run: make unit && build/tests/unit/test_cmdline */
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "unit.h"

static char calls[8192];    /* "key=value;" or "key;" (a bare flag), in order */
static char warnings[8192]; /* "what: token;" in order */

static void
record(char *log, size_t size, const char *what, const char *text, size_t len)
{
	size_t n = strlen(log);

	snprintf(log + n, size - n, "%s%s%.*s;", what, *what ? ": " : "", (int)len, text);
}

static int
call(const char *key, const char *value, int ret)
{
	char kv[512];

	snprintf(kv, sizeof(kv), "%s%s%s", key, value ? "=" : "", value ? value : "");
	record(calls, sizeof(calls), "", kv, strlen(kv));
	return ret;
}

/* loglevel=N: a number 0..7, required */
static int
h_loglevel(const char *v)
{
	uint64_t n;

	return call("loglevel", v, !v || parse_u64(v, strlen(v), &n, false) || n > 7 ? -EINVAL : 0);
}

/* quiet: a flag, no value */
static int
h_quiet(const char *v)
{
	return call("quiet", v, v ? -EINVAL : 0);
}

/* anything at all */
static int
h_name(const char *v)
{
	return call("name", v, 0);
}

static int
h_device(const char *v)
{
	return call("virtio_mmio.device", v, 0);
}

static int
h_log(const char *v)
{
	return call("log", v, 0);
}

static int
h_reject(const char *v)
{
	return call("reject", v, -EINVAL);
}

static const struct cmdline_key keys[] = {
    {"loglevel", h_loglevel},         {"quiet", h_quiet}, {"name", h_name},
    {"virtio_mmio.device", h_device}, {"log", h_log},     {"reject", h_reject},
};

static void
warn(const char *what, const char *token, size_t len)
{
	record(warnings, sizeof(warnings), what, token, len);
}

/* parse 'line' (from an exact-size heap copy, so ASan sees any read past
 * its NUL) and compare the handler calls, warnings and return value */
static void
check(int line, const char *name, const char *cmdline, const char *want_calls,
      const char *want_warnings, int want_ret)
{
	size_t len = strlen(cmdline);
	char *copy = malloc(len + 1);
	int r;

	memcpy(copy, cmdline, len + 1);
	calls[0] = warnings[0] = '\0';
	r = cmdline_parse_keys(copy, keys, ARRAY_SIZE(keys), warn);
	unit_begin("%s", name);
	if (strcmp(calls, want_calls))
		unit_fail(__FILE__, line, "calls: expected \"%s\", got \"%s\"", want_calls, calls);
	if (strcmp(warnings, want_warnings))
		unit_fail(__FILE__, line, "warnings: expected \"%s\", got \"%s\"", want_warnings,
		          warnings);
	if (r != want_ret)
		unit_fail(__FILE__, line, "return: expected %d, got %d", want_ret, r);
	unit_end();
	free(copy);
}
#define CHECK(...) check(__LINE__, __VA_ARGS__)

static void
long_values(void)
{
	char line[600], want[600];

	/* 255 bytes is the longest value a handler gets */
	snprintf(line, sizeof(line), "name=%0255d quiet", 0);
	snprintf(want, sizeof(want), "name=%0255d;quiet;", 0);
	CHECK("a 255-byte value is delivered", line, want, "", 0);

	snprintf(line, sizeof(line), "name=%0256d quiet", 0);
	snprintf(want, sizeof(want), "argument too long: name=%0256d;", 0);
	CHECK("a 256-byte value is warned about and skipped", line, "quiet;", want, 1);

	/* quotes do not count */
	snprintf(line, sizeof(line), "name=\"%0255d\"", 0);
	snprintf(want, sizeof(want), "name=%0255d;", 0);
	CHECK("quotes do not count towards the length", line, want, "", 0);

	snprintf(line, sizeof(line), "name=%0500d", 0);
	snprintf(want, sizeof(want), "argument too long: name=%0500d;", 0);
	CHECK("a 500-byte value is warned about", line, "", want, 1);
}

static void
no_keys(void)
{
	calls[0] = warnings[0] = '\0';
	EXPECT_EQ(cmdline_parse_keys("quiet loglevel=3", keys, 0, warn), 2);
	EXPECT_STR(calls, "");
	EXPECT_STR(warnings, "unknown argument: quiet;unknown argument: loglevel=3;");
}

static void
parse_dup(void *arg)
{
	static const struct cmdline_key dup[] = {
	    {"loglevel", h_loglevel}, {"quiet", h_quiet}, {"log", h_log}, {"quiet", h_name}};

	cmdline_parse_keys(arg, dup, ARRAY_SIZE(dup), warn);
}

/* two registrations of one name: a panic naming it, even when the line
 * does not use it */
static void
duplicate_key_panics(void)
{
	EXPECT_PANIC(parse_dup, "loglevel=3", "key 'quiet' registered twice");
	EXPECT_PANIC(parse_dup, "", "key 'quiet' registered twice");
}

int
main(void)
{
	CHECK("key=value", "loglevel=7", "loglevel=7;", "", 0);
	CHECK("bare flag", "quiet", "quiet;", "", 0);
	CHECK("several tokens in order", "loglevel=3 quiet name=x", "loglevel=3;quiet;name=x;", "",
	      0);
	CHECK("runs of spaces, tabs and newlines separate", "  loglevel=1\t\tquiet \n\n name=a\t\n",
	      "loglevel=1;quiet;name=a;", "", 0);
	CHECK("empty line", "", "", "", 0);
	CHECK("whitespace only", " \t\n  ", "", "", 0);
	CHECK("a value may hold '='", "name=a=b=c", "name=a=b=c;", "", 0);
	CHECK("an empty value is a value, not a flag", "name=", "name=;", "", 0);

	CHECK("quotes group spaces", "name=\"hello world\" quiet", "name=hello world;quiet;", "",
	      0);
	CHECK("quotes inside a value", "name=ab\"c d\"e", "name=abc de;", "", 0);
	CHECK("quotes group tabs and newlines", "name=\"a\tb\nc\"", "name=a\tb\nc;", "", 0);
	CHECK("empty quotes give an empty value", "name=\"\" quiet", "name=;quiet;", "", 0);
	CHECK("two quoted groups", "name=\"a b\"\"c d\"", "name=a bc d;", "", 0);
	CHECK("unterminated quote swallows the rest", "loglevel=2 name=\"abc def quiet",
	      "loglevel=2;", "unterminated quote in argument: name=\"abc def quiet;", 1);
	CHECK("unterminated quote after a closed one", "name=\"a\" name=\"b", "name=a;",
	      "unterminated quote in argument: name=\"b;", 1);

	CHECK("unknown keys are warned about, with their text", "foo=1 quiet bar", "quiet;",
	      "unknown argument: foo=1;unknown argument: bar;", 2);
	CHECK("a key's prefix is not the key", "logl=3 loglevelx=3", "",
	      "unknown argument: logl=3;unknown argument: loglevelx=3;", 2);
	CHECK("a shorter key does not match a longer name", "log=1 loglevel=1", "log=1;loglevel=1;",
	      "", 0);
	CHECK("'=x' is malformed", "=x quiet", "quiet;", "malformed argument: =x;", 1);
	CHECK("'=' alone is malformed", "=", "", "malformed argument: =;", 1);
	CHECK("'%%%' is unknown", "%%%", "", "unknown argument: %%%;", 1);
	CHECK("'foo=' is unknown", "foo=", "", "unknown argument: foo=;", 1);
	CHECK("case matters", "QUIET", "", "unknown argument: QUIET;", 1);

	CHECK("repeated keys are all delivered",
	      "virtio_mmio.device=512@0xfeb00000:5 virtio_mmio.device=512@0xfeb00200:6",
	      "virtio_mmio.device=512@0xfeb00000:5;virtio_mmio.device=512@0xfeb00200:6;", "", 0);
	CHECK("a repeated key's last value comes last", "loglevel=1 loglevel=5",
	      "loglevel=1;loglevel=5;", "", 0);

	CHECK("a handler rejecting its value", "loglevel=abc quiet", "loglevel=abc;quiet;",
	      "bad value in argument: loglevel=abc;", 1);
	CHECK("a handler rejecting a bare flag", "loglevel", "loglevel;", "bad argument: loglevel;",
	      1);
	CHECK("a flag given a value", "quiet=1", "quiet=1;", "bad value in argument: quiet=1;", 1);
	CHECK("every kind of warning counts", "reject=1 reject =y zz name=\"", "reject=1;reject;",
	      "bad value in argument: reject=1;bad argument: reject;malformed argument: =y;"
	      "unknown argument: zz;unterminated quote in argument: name=\";",
	      5);

	long_values();
	RUN(no_keys);
	RUN(duplicate_key_panics);
	return unit_done();
}

/* libc/json.c on the host: json_strings decodes arrays of strings
 * (escapes, \u with surrogate pairs to UTF-8, whitespace) and refuses
 * every malformed one with the offending byte's offset and a reason.
 * Run: make unit && build/tests/unit/test_json */
#include "errno.h"
#include "json.h"
#include "unit.h"

static char out[4096];
static size_t at;
static const char *why;

/* decode text; the strings joined by '|' into joined */
static long
decode(const char *text, char *joined, size_t size)
{
	size_t len = strlen(text), n = 0;

	memset(out, 0x55, sizeof(out));
	why = NULL;
	at = 9999;
	long r = json_strings(text, len, out, &at, &why);
	joined[0] = '\0';
	const char *p = out;
	for (long i = 0; i < r; i++) {
		n += snprintf(joined + n, size - n, "%s%s", i ? "|" : "", p);
		p += strlen(p) + 1;
	}
	if (r >= 0)
		EXPECT(p <= out + len + 1); /* never longer than the text */
	return r;
}

static void
json_good(void)
{
	char j[1024];

	EXPECT_EQ(decode("[]", j, sizeof(j)), 0);
	EXPECT_EQ(decode(" \t\r\n[ ] \n", j, sizeof(j)), 0);
	EXPECT_EQ(decode("[\"-p\",\"8081\"]", j, sizeof(j)), 2);
	EXPECT_STR(j, "-p|8081");
	EXPECT_EQ(decode("[ \"\" , \"two words\" ]\n", j, sizeof(j)), 2);
	EXPECT_STR(j, "|two words");
	EXPECT_EQ(decode("[\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"]", j, sizeof(j)), 1);
	EXPECT_STR(j, "a\"b\\c/d\n\t\r\b\f");
	EXPECT_EQ(decode("[\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"]", j, sizeof(j)), 1);
	EXPECT_STR(j, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	EXPECT_EQ(decode("[\"K=V\",\"PATH=/bin:/usr/bin\"]", j, sizeof(j)), 2);
	EXPECT_STR(j, "K=V|PATH=/bin:/usr/bin");
	EXPECT_EQ(decode("[\"caf\xc3\xa9\"]", j, sizeof(j)), 1); /* raw UTF-8 kept */
	EXPECT_STR(j, "caf\xc3\xa9");
}

static void
bad(const char *text, size_t want_at, const char *want_why)
{
	char j[1024];

	EXPECT_EQ(decode(text, j, sizeof(j)), -EINVAL);
	EXPECT_EQ(at, want_at);
	EXPECT(why && strstr(why, want_why));
}

static void
json_bad(void)
{
	bad("", 0, "expected '['");
	bad("  ", 2, "expected '['");
	bad("\"a\"", 0, "expected '['");
	bad("[", 1, "expected a string");
	bad("[\"a\"", 4, "expected ',' or ']'");
	bad("[\"a\",]", 5, "expected a string");
	bad("[\"a\" \"b\"]", 5, "expected ',' or ']'");
	bad("[1]", 1, "expected a string");
	bad("[\"a\"] x", 6, "text after the array");
	bad("[\"a\"][]", 5, "text after the array");
	bad("[\"abc", 5, "unterminated");
	bad("[\"a\\", 4, "unterminated");
	bad("[\"a\\x\"]", 4, "unknown escape");
	bad("[\"a\tb\"]", 3, "control character");
	bad("[\"\\u12\"]", 4, "four hex digits");
	bad("[\"\\u0000\"]", 8, "NUL");
	bad("[\"\\ude00\"]", 8, "lone low surrogate");
	bad("[\"\\ud83d\"]", 8, "without its low half");
	bad("[\"\\ud83d\\u0041\"]", 14, "without its low half");
}

/* an embedded NUL byte in the text is a control character, not an end */
static void
json_nul_byte(void)
{
	static const char text[] = "[\"a\0b\"]";
	EXPECT_EQ(json_strings(text, sizeof(text) - 1, out, &at, &why), -EINVAL);
	EXPECT_EQ(at, 3);
}

int
main(void)
{
	RUN(json_good);
	RUN(json_bad);
	RUN(json_nul_byte);
	return unit_done();
}

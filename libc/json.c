/* A JSON array of strings (include/json.h): RFC 8259's grammar for that
 * one form, escapes \" \\ \/ \b \f \n \r \t and \uXXXX (UTF-16 surrogate
 * pairs joined, written as UTF-8). */
#include "json.h"
#include "errno.h"

struct in {
	const char *p, *start, *end;
	const char *why;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_space(struct in *in)
{
	while (in->p < in->end && is_space(*in->p))
		in->p++;
}

static bool
fail(struct in *in, const char *why)
{
	in->why = why;
	return false;
}

static int
hex4(struct in *in)
{
	int v = 0;
	const char *start = in->p;

	if (in->end - in->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *in->p++;
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0) {
			in->p = start; /* the error points at the digits */
			return -1;
		}
		v = v * 16 + d;
	}
	return v;
}

static char *
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* a \u escape after the 'u': its code point into *cp, or false */
static bool
unicode_escape(struct in *in, uint32_t *cp)
{
	int hi = hex4(in), lo;

	if (hi < 0)
		return fail(in, "\\u needs four hex digits");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(in, "a lone low surrogate");
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = (uint32_t)hi;
		return true;
	}
	if (in->end - in->p < 2 || in->p[0] != '\\' || in->p[1] != 'u')
		return fail(in, "a high surrogate without its low half");
	in->p += 2;
	lo = hex4(in);
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(in, "a high surrogate without its low half");
	*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
	return true;
}

/* one string at in->p (its opening quote), decoded to *o */
static bool
string(struct in *in, char **o)
{
	char *w = *o;

	if (in->p >= in->end || *in->p != '"')
		return fail(in, "expected a string");
	in->p++;
	for (;;) {
		if (in->p >= in->end)
			return fail(in, "unterminated string");
		unsigned char c = (unsigned char)*in->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(in, "a control character in a string (escape it)");
		in->p++;
		if (c != '\\') {
			*w++ = (char)c;
			continue;
		}
		if (in->p >= in->end)
			return fail(in, "unterminated string");
		char e = *in->p++;
		uint32_t cp;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			*w++ = e;
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (!unicode_escape(in, &cp))
				return false;
			if (!cp)
				return fail(in, "\\u0000: an argument cannot hold NUL");
			w = put_utf8(w, cp);
			break;
		default:
			in->p--;
			return fail(in, "unknown escape");
		}
	}
	in->p++; /* the closing quote */
	*w++ = '\0';
	*o = w;
	return true;
}

long
json_strings(const char *text, size_t len, char *out, size_t *at, const char **why)
{
	struct in in = {.p = text, .start = text, .end = text + len};
	long n = 0;

	skip_space(&in);
	if (in.p >= in.end || *in.p != '[') {
		fail(&in, "expected '[' (a JSON array of strings)");
		goto bad;
	}
	in.p++;
	skip_space(&in);
	if (in.p < in.end && *in.p == ']') {
		in.p++;
		goto end;
	}
	for (;;) {
		skip_space(&in);
		if (!string(&in, &out))
			goto bad;
		n++;
		skip_space(&in);
		if (in.p < in.end && *in.p == ',') {
			in.p++;
			continue;
		}
		if (in.p < in.end && *in.p == ']') {
			in.p++;
			break;
		}
		fail(&in, "expected ',' or ']'");
		goto bad;
	}
end:
	skip_space(&in);
	if (in.p != in.end) {
		fail(&in, "text after the array");
		goto bad;
	}
	return n;
bad:
	*at = (size_t)(in.p - in.start);
	*why = in.why;
	return -EINVAL;
}

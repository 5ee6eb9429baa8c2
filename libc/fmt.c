/* printf-style formatting for the kernel (include/lib.h lists what it
 * understands) and number parsing for the command line and sysctl
 * writes. Pure logic:
 * tests/unit/test_fmt.c runs it on the host. */
#include "errno.h"
#include "lib.h"

struct out {
	char *buf;
	size_t size, len;
};

static void
put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* s[0..pre) is a sign or "0x", which zero padding goes after */
static void
put_padded(struct out *o, const char *s, size_t n, size_t pre, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left && pad == '0')
		for (; pre; pre--, n--)
			put(o, *s++);
	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t
utoa(char *tmp, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

int
fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};
	char tmp[32];

	for (; *fmt; fmt++) {
		bool left = false, alt = false;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;
		size_t n;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
			if (width < 0) { /* as C: a negative width means '-' */
				left = true;
				width = width < -__INT_MAX__ ? __INT_MAX__ : -width;
			}
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			n = 0;
			if (v < 0)
				tmp[n++] = '-';
			n += utoa(tmp + n, u, 10, false);
			put_padded(&o, tmp, n, v < 0, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			n = 0;
			if (alt && *fmt != 'u') {
				tmp[n++] = '0';
				tmp[n++] = *fmt; /* 0x or 0X */
			}
			n += utoa(tmp + n, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			put_padded(&o, tmp, n, alt && *fmt != 'u' ? 2 : 0, width, left, pad);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			n = 2 + utoa(tmp + 2, v, 16, false);
			put_padded(&o, tmp, n, 0, width, left, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = prec >= 0 ? strnlen(s, prec) : strlen(s);
			put_padded(&o, s, n, 0, width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, 0, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int
fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int
parse_u64(const char *s, size_t len, uint64_t *out, bool suffix)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	size_t i = 0;

	if (len == 0)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (suffix && base == 10) {
		switch (s[len - 1]) {
		case 'k':
		case 'K':
			shift = 10;
			len--;
			break;
		case 'm':
		case 'M':
			shift = 20;
			len--;
			break;
		case 'g':
		case 'G':
			shift = 30;
			len--;
			break;
		}
	}
	if (i >= len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
digit(char c, unsigned base)
{
	unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
	             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
	             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
	                                    : 99;
	return d < base ? (int)d : -1;
}

/* one of Linux's proc_get_long numbers at *p (left bytes): an optional
 * '-', then C's base prefixes (0x, 0), at most 21 characters, ended by
 * the end or a space, tab or newline */
static int
sysctl_long(const char **p, size_t *left, bool *neg, unsigned long *val)
{
	const char *s = *p, *end = *p + MIN(*left, (size_t)21);
	unsigned base = 10;
	int d;

	*neg = *s == '-' && *left > 1;
	s += *neg;
	if (s >= end || digit(*s, 10) < 0)
		return -EINVAL;
	if (*s == '0' && s + 2 < end && (s[1] | 0x20) == 'x' && digit(s[2], 16) >= 0)
		base = 16, s += 2;
	else if (*s == '0')
		base = 8;
	for (*val = 0; s < end && (d = digit(*s, base)) >= 0; s++) {
		if (*val > (~0ul - (unsigned long)d) / base)
			return -EINVAL; /* Linux: -ERANGE, made -EINVAL */
		*val = *val * base + (unsigned long)d;
	}
	if ((size_t)(s - *p) == 21)
		return -EINVAL;
	if ((size_t)(s - *p) < *left && *s != ' ' && *s != '\t' && *s != '\n')
		return -EINVAL;
	*left -= (size_t)(s - *p);
	*p = s;
	return 0;
}

long
parse_sysctl_ints(const char *buf, size_t len, int *v, int n, int min, int max)
{
	const char *p = buf;
	size_t left = len;
	unsigned long val;
	bool neg;
	int k;

	for (k = 0; k < n && left; k++) {
		while (left && is_space(*p))
			p++, left--;
		if (!left)
			break;
		if (sysctl_long(&p, &left, &neg, &val) || val > (neg ? 0x80000000ul : 0x7ffffffful))
			return -EINVAL;
		long x = neg ? -(long)val : (long)val;
		if (x < min || x > max)
			return -EINVAL;
		v[k] = (int)x;
	}
	if (!k)
		return len ? -EINVAL : 0;
	while (left && is_space(*p))
		p++, left--;
	return (long)(len - left);
}

/* Kernel command line. Subsystems declare the keys they own with
 * CMDLINE_KEY(name, handler); cmdline_parse() walks the tokens
 * ("key=value" or bare "flag", space-separated, double quotes allowed
 * in values) and calls each key's handler. An unknown key or a value its
 * handler rejects is warned about, never fatal; a key registered twice
 * is a panic (one parser per key: the others read its state).
 * Typical use:
 *   static int set_loglevel(const char *v) { ... return 0 or -EINVAL; }
 *   CMDLINE_KEY("loglevel", set_loglevel);
 */
#ifndef UNUM_CMDLINE_H
#define UNUM_CMDLINE_H

#include "types.h"

struct cmdline_key {
	const char *name;
	/* value is NULL for a bare flag; return 0 or -EINVAL */
	int (*handler)(const char *value);
};

#define CMDLINE_KEY(n, h)                                                                          \
	static const struct cmdline_key __cmdkey_##h __used __section("cmdline_keys")              \
	    __aligned(8) = {.name = n, .handler = h}

typedef void (*cmdline_warn_t)(const char *what, const char *token, size_t len);

/* Walk 'line' against keys[0..nkeys) (panics when two have one name).
 * Returns the number of warnings.
 * Values are handed to handlers NUL-terminated (copied, at most 255
 * bytes; longer values are warned about and skipped). */
int cmdline_parse_keys(const char *line, const struct cmdline_key *keys, size_t nkeys,
                       cmdline_warn_t warn);
/* The kernel's own walk over the linker-section keys, warnings to printk */
int cmdline_parse(const char *line);

#endif

/* Kernel command line: tokens "key=value" or "flag", spaces between,
 * double quotes group a value with spaces. Keys register themselves with
 * CMDLINE_KEY (include/cmdline.h). Host-tested by tests/unit/test_cmdline.c. */
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"

#define VALUE_MAX 256

static const struct cmdline_key *
find_key(const struct cmdline_key *keys, size_t nkeys, const char *name, size_t len)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strlen(keys[i].name) == len && !memcmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

/* one token [tok, end): dispatch it, return 1 when it earned a warning */
static int
dispatch(const char *tok, const char *end, const struct cmdline_key *keys, size_t nkeys,
         cmdline_warn_t warn)
{
	const char *eq = tok;
	char value[VALUE_MAX];
	size_t vlen = 0;
	const struct cmdline_key *k;

	while (eq < end && *eq != '=')
		eq++;
	if (eq == tok) {
		warn("malformed argument", tok, end - tok);
		return 1;
	}
	k = find_key(keys, nkeys, tok, eq - tok);
	if (!k) {
		warn("unknown argument", tok, end - tok);
		return 1;
	}
	if (eq == end)
		return k->handler(NULL) ? (warn("bad argument", tok, end - tok), 1) : 0;
	for (const char *p = eq + 1; p < end; p++) {
		if (*p == '"')
			continue;
		if (vlen + 1 >= sizeof(value)) {
			warn("argument too long", tok, end - tok);
			return 1;
		}
		value[vlen++] = *p;
	}
	value[vlen] = '\0';
	if (k->handler(value)) {
		warn("bad value in argument", tok, end - tok);
		return 1;
	}
	return 0;
}

/* one parser per key: a second CMDLINE_KEY of a name would never be
 * called (find_key takes the first), so two are a build mistake. Names
 * go into a small hash table (a boot runs this once, over every key):
 * only names of one hash are compared */
#define UNIQUE_SLOTS 256

static void
dup_panic(const char *name)
{
	panic("cmdline: key '%s' registered twice (CMDLINE_KEY): one parser per key", name);
}

static void
check_unique(const struct cmdline_key *keys, size_t nkeys)
{
	const char *slot[UNIQUE_SLOTS] = {0};

	if (nkeys > UNIQUE_SLOTS / 2) { /* a table this small would fill: pairs */
		for (size_t i = 0; i < nkeys; i++)
			for (size_t j = i + 1; j < nkeys; j++)
				if (!strcmp(keys[i].name, keys[j].name))
					dup_panic(keys[i].name);
		return;
	}
	for (size_t i = 0; i < nkeys; i++) {
		uint32_t h = 2166136261u; /* FNV-1a */
		for (const char *c = keys[i].name; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		for (h &= UNIQUE_SLOTS - 1; slot[h]; h = (h + 1) & (UNIQUE_SLOTS - 1))
			if (!strcmp(slot[h], keys[i].name))
				dup_panic(keys[i].name);
		slot[h] = keys[i].name;
	}
}

int
cmdline_parse_keys(const char *line, const struct cmdline_key *keys, size_t nkeys,
                   cmdline_warn_t warn)
{
	const char *p = line;
	int warnings = 0;

	check_unique(keys, nkeys);

	for (;;) {
		const char *tok;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (quoted) {
			warn("unterminated quote in argument", tok, p - tok);
			warnings++;
			continue;
		}
		warnings += dispatch(tok, p, keys, nkeys, warn);
	}
	return warnings;
}

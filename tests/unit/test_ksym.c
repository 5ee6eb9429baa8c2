/* core/ksym.c on the host: lookups in symbol tables laid out as
 * include/ksym.h says, built here in C, plus tables written by
 * tools/mksyms.py itself from a crafted `nm -n` listing (so the script
 * and the C reader must agree). Run from the top of the tree:
 *   make unit && build/tests/unit/test_ksym */
#include <limits.h>
#include <unistd.h>

#include "ksym.h"
#include "unit.h"

#define BASE 0xffffffff80000000ul

struct sym {
	uint64_t off;
	const char *name;
};

/* a table in an exact-size heap block (ASan sees reads past it); the
 * caller frees it */
static struct ksym_table *
build(const struct sym *s, int n)
{
	size_t names_len = 0, names_off = sizeof(struct ksym_table) + n * sizeof(struct ksym_entry);
	struct ksym_table *t;
	char *names;

	for (int i = 0; i < n; i++)
		names_len += strlen(s[i].name) + 1;
	t = malloc(names_off + names_len);
	t->magic = KSYM_MAGIC;
	t->count = n;
	t->base = BASE;
	t->names_off = names_off;
	t->names_len = names_len;
	names = (char *)t + names_off;
	for (int i = 0; i < n; i++) {
		t->ent[i].off = s[i].off;
		t->ent[i].name = names - ((char *)t + names_off);
		strcpy(names, s[i].name);
		names += strlen(s[i].name) + 1;
	}
	return t;
}

static const struct sym syms[] = {
    {0x1000, "kernel_entry"}, {0x1010, "foo"},     {0x1050, "bar"},
    {0x1050, "bar_alias"},    {0x2000, "last_fn"}, {0x2100, "_text_end"},
};

/* one lookup: the name (NULL: none) and the offset into it */
static void
expect_sym(int line, const struct ksym_table *t, uintptr_t addr, const char *name, uintptr_t off)
{
	uintptr_t got_off = 0xdead;
	const char *got = ksym_lookup_in(t, addr, &got_off);

	if (got != name && (!got || !name || strcmp(got, name)))
		unit_fail(__FILE__, line, "%#lx: expected %s, got %s", (unsigned long)addr,
		          name ? name : "(NULL)", got ? got : "(NULL)");
	else if (name && got_off != off)
		unit_fail(__FILE__, line, "%#lx: expected %s+%#lx, got +%#lx", (unsigned long)addr,
		          name, (unsigned long)off, (unsigned long)got_off);
}
#define EXPECT_SYM(t, addr, name, off) expect_sym(__LINE__, t, addr, name, off)

static void
lookups(void)
{
	struct ksym_table *t = build(syms, ARRAY_SIZE(syms));
	const char *alias;

	EXPECT_SYM(t, BASE + 0x1000, "kernel_entry", 0);
	EXPECT_SYM(t, BASE + 0x1001, "kernel_entry", 1);
	EXPECT_SYM(t, BASE + 0x100f, "kernel_entry", 0xf);
	EXPECT_SYM(t, BASE + 0x1010, "foo", 0);
	EXPECT_SYM(t, BASE + 0x1013, "foo", 3);
	EXPECT_SYM(t, BASE + 0x104f, "foo", 0x3f);
	EXPECT_SYM(t, BASE + 0x2000, "last_fn", 0);
	EXPECT_SYM(t, BASE + 0x20ff, "last_fn", 0xff);
	/* two names at one address: one of them, consistently */
	alias = ksym_lookup_in(t, BASE + 0x1050, NULL);
	EXPECT(alias && (!strcmp(alias, "bar") || !strcmp(alias, "bar_alias")));
	EXPECT_STR(ksym_lookup_in(t, BASE + 0x1fff, NULL), alias);
	/* offset may be NULL */
	EXPECT_STR(ksym_lookup_in(t, BASE + 0x1013, NULL), "foo");
	free(t);
}

static void
outside(void)
{
	struct ksym_table *t = build(syms, ARRAY_SIZE(syms));

	EXPECT_SYM(t, BASE + 0xfff, NULL, 0); /* before the first symbol */
	EXPECT_SYM(t, BASE, NULL, 0);
	EXPECT_SYM(t, BASE - 1, NULL, 0);
	EXPECT_SYM(t, 0, NULL, 0);
	EXPECT_SYM(t, 0x1000, NULL, 0);
	EXPECT_SYM(t, BASE + 0x2100, NULL, 0); /* _text_end is not a function */
	EXPECT_SYM(t, BASE + 0x2101, NULL, 0);
	EXPECT_SYM(t, BASE + 0x7fffffff, NULL, 0);
	EXPECT_SYM(t, BASE + 0x100001000ul, NULL, 0); /* offset past 32 bits */
	EXPECT_SYM(t, UINTPTR_MAX, NULL, 0);
	free(t);
}

static void
bad_tables(void)
{
	static const struct sym only_end[] = {{0x2000, "_text_end"}};
	struct ksym_table *t = build(syms, ARRAY_SIZE(syms));
	struct ksym_table *end = build(only_end, 1);
	/* what mksyms.py writes for an empty nm listing: 24 zero bytes */
	struct ksym_table *zero = calloc(1, sizeof(struct ksym_table));

	EXPECT_SYM(NULL, BASE + 0x1000, NULL, 0);
	EXPECT_EQ(ksym_addr_in(NULL, "foo"), 0);
	EXPECT_SYM(zero, BASE + 0x1000, NULL, 0);
	EXPECT_SYM(zero, 0, NULL, 0);
	EXPECT_EQ(ksym_addr_in(zero, "foo"), 0);
	EXPECT_EQ(ksym_addr_in(zero, ""), 0);
	/* the magic, but no entries */
	zero->magic = KSYM_MAGIC;
	EXPECT_SYM(zero, BASE, NULL, 0);
	EXPECT_SYM(zero, BASE + 0x1000, NULL, 0);
	EXPECT_EQ(ksym_addr_in(zero, "foo"), 0);
	/* only the end marker */
	EXPECT_SYM(end, BASE + 0x1000, NULL, 0);
	EXPECT_SYM(end, BASE + 0x2000, NULL, 0);
	EXPECT_SYM(end, BASE + 0x3000, NULL, 0);
	/* a wrong magic */
	t->magic = KSYM_MAGIC + 1;
	EXPECT_SYM(t, BASE + 0x1010, NULL, 0);
	EXPECT_EQ(ksym_addr_in(t, "foo"), 0);
	free(t);
	free(end);
	free(zero);
}

static void
by_name(void)
{
	struct ksym_table *t = build(syms, ARRAY_SIZE(syms));

	EXPECT_EQ(ksym_addr_in(t, "kernel_entry"), BASE + 0x1000);
	EXPECT_EQ(ksym_addr_in(t, "foo"), BASE + 0x1010);
	EXPECT_EQ(ksym_addr_in(t, "bar_alias"), BASE + 0x1050);
	EXPECT_EQ(ksym_addr_in(t, "last_fn"), BASE + 0x2000);
	EXPECT_EQ(ksym_addr_in(t, "_text_end"), BASE + 0x2100);
	EXPECT_EQ(ksym_addr_in(t, "fo"), 0);   /* a prefix */
	EXPECT_EQ(ksym_addr_in(t, "foo_"), 0); /* longer */
	EXPECT_EQ(ksym_addr_in(t, "nope"), 0);
	EXPECT_EQ(ksym_addr_in(t, ""), 0);
	free(t);
}

/* many symbols at random gaps: binary search against a linear scan */
static void
random_tables(void)
{
	static struct sym s[2001];
	static char names[2001][16];

	for (int round = 0; round < 20 && !unit.case_failed; round++) {
		int n = 1 + (int)unit_rand_below(2000);
		uint64_t off = unit_rand_below(0x100);
		struct ksym_table *t;

		for (int i = 0; i < n; i++) {
			snprintf(names[i], sizeof(names[i]), "f%d", i);
			s[i] = (struct sym){off, names[i]};
			off +=
			    unit_rand_below(3) ? 1 + unit_rand_below(0x400) : 0; /* some aliases */
		}
		s[n] = (struct sym){off + 1 + unit_rand_below(0x100), "_text_end"};
		t = build(s, n + 1);
		for (int k = 0; k < 2000; k++) {
			uint64_t at = unit_rand_below(s[n].off + 0x200);
			int want = -1;
			uintptr_t got_off = 0;
			const char *got = ksym_lookup_in(t, BASE + at, &got_off);

			for (int i = 0; i < n; i++)
				if (s[i].off <= at && at < s[n].off)
					want = i;
			if (want < 0 ? got != NULL
			             : !got || strcmp(got, s[want].name) ||
			                   got_off != at - s[want].off) {
				unit_fail(__FILE__, __LINE__,
				          "round %d, +%#lx: expected %s, got %s+%#lx", round,
				          (unsigned long)at, want < 0 ? "(NULL)" : s[want].name,
				          got ? got : "(NULL)", (unsigned long)got_off);
				break;
			}
		}
		free(t);
	}
}

/* ---- tables from tools/mksyms.py ---- */

static char script[PATH_MAX + 32];

/* tools/mksyms.py from the current directory, else from the tree this
 * binary was built in (BUILD/tests/unit/test_ksym, BUILD inside it) */
static bool
find_script(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (!access("tools/mksyms.py", R_OK)) {
		snprintf(script, sizeof(script), "tools/mksyms.py");
		return true;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = '\0';
			snprintf(script, sizeof(script), "%s/tools/mksyms.py", exe);
			if (!access(script, R_OK))
				return true;
		}
	}
	unit_fail(__FILE__, __LINE__, "tools/mksyms.py not found (run from the top of the tree)");
	return false;
}

/* run mksyms.py over 'nm' and read back the bytes of its .byte lines;
 * NULL (and a failure noted) when that does not work */
static struct ksym_table *
mksyms(const char *nm)
{
	char dir[] = "/tmp/unum-ksym-XXXXXX", in[64], out[64], cmd[sizeof(script) + 3 * 64],
	     line[1024];
	uint8_t *blob = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int st;

	if (!mkdtemp(dir)) {
		unit_fail(__FILE__, __LINE__, "mkdtemp failed");
		return NULL;
	}
	snprintf(in, sizeof(in), "%s/nm", dir);
	snprintf(out, sizeof(out), "%s/ksyms.S", dir);
	f = fopen(in, "w");
	fputs(nm, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s' 2>&1", script, in, out);
	f = popen(cmd, "r");
	while (fgets(line, sizeof(line), f))
		unit_note("mksyms.py: %s", line);
	st = pclose(f);
	if (st) {
		unit_fail(__FILE__, __LINE__, "%s: status %#x", cmd, st);
		goto out;
	}
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, ".byte");
		if (!p)
			continue;
		for (p += 5; *p;) {
			char *end;
			unsigned long v = strtoul(p, &end, 0);
			if (end == p)
				break;
			if (len == cap)
				blob = realloc(blob, cap = cap ? 2 * cap : 256);
			blob[len++] = (uint8_t)v;
			p = end + (*end == ',');
		}
	}
	if (f)
		fclose(f);
	if (len < sizeof(struct ksym_table)) {
		unit_fail(__FILE__, __LINE__, "mksyms.py wrote %zu bytes", len);
		free(blob);
		blob = NULL;
	}
out:
	unlink(in);
	unlink(out);
	rmdir(dir);
	return (struct ksym_table *)blob;
}

static void
from_mksyms(void)
{
	static const char nm[] = "0000000000001000 T low_symbol\n"
	                         "                 U undefined_symbol\n"
	                         "ffffffff80000000 T _text_start\n"
	                         "ffffffff80001000 T kernel_entry\n"
	                         "ffffffff80001010 t foo\n"
	                         "ffffffff80001050 W bar\n"
	                         "ffffffff80001800 r some_rodata\n"
	                         "ffffffff80002000 T last_fn\n"
	                         "ffffffff80002100 T _text_end\n"
	                         "ffffffff80002200 T after_text\n"
	                         "ffffffff80005000 D some_data\n";
	struct ksym_table *t;

	if (!find_script() || !(t = mksyms(nm)))
		return;
	EXPECT_EQ(t->magic, KSYM_MAGIC);
	EXPECT_EQ(t->base, BASE);
	EXPECT_EQ(t->count, 6); /* _text_start kernel_entry foo bar last_fn _text_end */
	EXPECT_EQ(t->names_off, sizeof(struct ksym_table) + t->count * sizeof(struct ksym_entry));
	EXPECT_SYM(t, BASE, "_text_start", 0);
	EXPECT_SYM(t, BASE + 0x1005, "kernel_entry", 5);
	EXPECT_SYM(t, BASE + 0x1010, "foo", 0);
	EXPECT_SYM(t, BASE + 0x1800, "bar", 0x7b0); /* rodata is not a function */
	EXPECT_SYM(t, BASE + 0x1fff, "bar", 0xfaf);
	EXPECT_SYM(t, BASE + 0x20ff, "last_fn", 0xff);
	EXPECT_SYM(t, BASE + 0x2100, NULL, 0);
	EXPECT_SYM(t, BASE + 0x2200, NULL, 0);
	EXPECT_SYM(t, 0x1000, NULL, 0);
	EXPECT_EQ(ksym_addr_in(t, "foo"), BASE + 0x1010);
	EXPECT_EQ(ksym_addr_in(t, "_text_end"), BASE + 0x2100);
	EXPECT_EQ(ksym_addr_in(t, "some_data"), 0);
	EXPECT_EQ(ksym_addr_in(t, "low_symbol"), 0);
	free(t);

	/* an empty listing (the first link's) gives a table that finds nothing */
	if (!(t = mksyms("")))
		return;
	EXPECT_SYM(t, BASE + 0x1000, NULL, 0);
	EXPECT_EQ(ksym_addr_in(t, "foo"), 0);
	free(t);
}

int
main(void)
{
	RUN(lookups);
	RUN(outside);
	RUN(bad_tables);
	RUN(by_name);
	RUN(random_tables);
	RUN(from_mksyms);
	return unit_done();
}

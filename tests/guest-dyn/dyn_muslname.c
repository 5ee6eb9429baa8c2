/* The name of musl's ld.so (tests/e2e/dyn-muslname.sh), in TAP, one
 * check per place that shows it: dladdr's dli_fname of printf and
 * dl_iterate_phdr's dlpi_name of the object at its dli_fbase (each line
 * says the name, for the host's ld-musl's lines to compare), then
 * /proc/self/maps: the line holding printf names the same file (equal
 * after realpath, which the host's symlinked ld-musl needs, or as
 * strings when there is no such file: the kernel's musl) and its offset
 * is that of its segment's page in the file. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n, failed;

static void
ok(int cond, const char *what, const char *name)
{
	printf("%sok %d - %s%s\n", cond ? "" : "not ", ++n, what, name ? name : "(null)");
	failed |= !cond;
}

struct find {
	unsigned long base, addr;
	const char *name;
	unsigned long off; /* the page offset in the file of addr's segment */
};

static int
phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find *f = arg;

	(void)size;
	if (info->dlpi_addr != f->base)
		return 0;
	f->name = info->dlpi_name;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		unsigned long s = info->dlpi_addr + p->p_vaddr;
		if (p->p_type == PT_LOAD && f->addr >= s && f->addr < s + p->p_memsz)
			f->off = p->p_offset & ~4095ul;
	}
	return 1;
}

/* whether two names are of the same file */
static int
same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (realpath(a, ra) && realpath(b, rb))
		return !strcmp(ra, rb);
	return !strcmp(a, b);
}

int
main(void)
{
	struct find f = {0, (unsigned long)printf, NULL, ~0ul};
	char line[1024], name[PATH_MAX];
	unsigned long lo, hi, off;
	int found = 0;
	Dl_info info;
	FILE *m;

	printf("1..4\n");
	if (!dladdr((void *)printf, &info) || !info.dli_fname)
		return 1;
	ok(info.dli_fname[0] == '/', "dladdr's dli_fname of printf: ", info.dli_fname);
	f.base = (unsigned long)info.dli_fbase;
	dl_iterate_phdr(phdr_cb, &f);
	ok(f.name && !strcmp(f.name, info.dli_fname), "dl_iterate_phdr's dlpi_name: ", f.name);
	if (!(m = fopen("/proc/self/maps", "r")))
		return 1;
	while (fgets(line, sizeof(line), m))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %s", &lo, &hi, &off, name) == 4 &&
		    f.addr >= lo && f.addr < hi) {
			found = 1;
			break;
		}
	fclose(m);
	ok(found && same_file(name, info.dli_fname), "/proc/self/maps names the same file", "");
	ok(found && off == f.off, "its offset is its segment's page in the file", "");
	return failed;
}

/* RELRO of a dlopen'ed library with an IFUNC (tests/e2e/dyn-relro.sh), in
 * TAP: libdynrelro.so's const pointer to its IFUNC, relocated by the
 * resolver's result, calls it; the mapping holding the pointer is not
 * writable (/proc/self/maps).
 * Usage: dyn_relro DIR (the folder of libdynrelro.so) */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int n;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
}

/* the permissions of the mapping holding addr, into perms[5] */
static int
perms_of(unsigned long addr, char *perms)
{
	char line[512];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi) {
			fclose(f);
			return 0;
		}
	fclose(f);
	return -1;
}

int
main(int argc, char **argv)
{
	char path[512], perms[5] = "";

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/libdynrelro.so", argv[1]);
	printf("1..2\n");
	void *h = dlopen(path, RTLD_NOW);
	int (*const *fp)(void) = h ? dlsym(h, "dynrelro_fp") : NULL;
	ok(fp && *fp && (*fp)() == 7, "the pointer to the IFUNC calls what its resolver chose");
	ok(fp && !perms_of((unsigned long)fp, perms) && perms[0] == 'r' && perms[1] == '-',
	   "the pointer's page is read-only (RELRO)");
	if (perms[0])
		printf("# %s\n", perms);
	return 0;
}

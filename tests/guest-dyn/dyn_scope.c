/* dlopen's scopes (tests/e2e/dyn-scope.sh), in TAP: RTLD_NOLOAD of an
 * object not loaded fails; one dlopen'ed RTLD_LOCAL is not seen by
 * dlsym(RTLD_DEFAULT) nor by a library loaded after it, but is by
 * dlsym of its handle; dlopen RTLD_NOLOAD|RTLD_GLOBAL gives the same
 * handle and puts it in the global scope, where both then see it. The
 * failed dlopen leaves nothing mapped (/proc/self/maps). dlsym RTLD_NEXT
 * from libdynnext-a.so, dlopen'ed RTLD_LOCAL, finds the libdynnext-b.so
 * it needs (its dlopen tree), which RTLD_DEFAULT does not.
 * Usage: dyn_scope DIR (the folder of libdynlocal.so and libdynuser.so) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int n;

/* the lines of /proc/self/maps naming file, or -1 */
static int
maps_naming(const char *file)
{
	char line[1024];
	int k = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		k += strstr(line, file) != NULL;
	fclose(f);
	return k;
}

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
}

int
main(int argc, char **argv)
{
	char local[512], user[512], next[512];
	void *h, *h2, *u;
	int *v, (*get)(void);

	if (argc < 2)
		return 2;
	snprintf(local, sizeof(local), "%s/libdynlocal.so", argv[1]);
	snprintf(user, sizeof(user), "%s/libdynuser.so", argv[1]);
	snprintf(next, sizeof(next), "%s/libdynnext-a.so", argv[1]);
	printf("1..12\n");
	ok(!dlopen(local, RTLD_NOW | RTLD_NOLOAD), "RTLD_NOLOAD: not loaded, NULL");
	h = dlopen(local, RTLD_NOW | RTLD_LOCAL);
	ok(h != NULL, "dlopen RTLD_LOCAL");
	ok(!dlsym(RTLD_DEFAULT, "dynlocal_value"), "RTLD_LOCAL: not in RTLD_DEFAULT");
	v = h ? dlsym(h, "dynlocal_value") : NULL;
	ok(v && *v == 42, "RTLD_LOCAL: dlsym of its handle");
	u = dlopen(user, RTLD_NOW);
	ok(!u, "RTLD_LOCAL: a later library does not bind to it");
	ok(maps_naming("/libdynuser.so") == 0, "the failed dlopen left nothing mapped");
	h2 = dlopen(local, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
	ok(h2 == h, "RTLD_NOLOAD of a loaded one: its handle");
	ok(dlsym(RTLD_DEFAULT, "dynlocal_value") == v, "RTLD_GLOBAL: in RTLD_DEFAULT now");
	u = dlopen(user, RTLD_NOW);
	ok(u != NULL && maps_naming("/libdynuser.so") > 0,
	   "RTLD_GLOBAL: a later library binds to it");
	get = u ? (int (*)(void))dlsym(u, "dynuser_get") : NULL;
	ok(get && get() == 42, "and reads its variable");
	void *a = dlopen(next, RTLD_NOW | RTLD_LOCAL);
	int (*a_next)(void) = a ? (int (*)(void))dlsym(a, "a_next") : NULL;
	ok(a_next && a_next() == 'b', "RTLD_NEXT from a local library: the one it needs");
	ok(a && !dlsym(RTLD_DEFAULT, "next_who"), "which RTLD_DEFAULT does not see");
	return 0;
}

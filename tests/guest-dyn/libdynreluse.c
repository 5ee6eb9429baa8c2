/* dlopen'ed by dyn_reldeps (tests/e2e/dyn-reldeps.sh) after
 * libdynreldef.so was, RTLD_GLOBAL; it has no DT_NEEDED on it, yet its
 * relocations bind to its function (JUMP_SLOT), its data (GLOB_DAT) and
 * its __thread (DTPMOD64, DTPOFF64), and its dlsym(RTLD_DEFAULT) finds
 * libdynreldef2.so's function: both must stay while it is loaded. */
#define _GNU_SOURCE
#include <dlfcn.h>

void reldeps_log(const char *what); /* the program's (-rdynamic) */
int reldef_add(int x);              /* libdynreldef.so's */
extern int reldef_value;
extern __thread long reldef_tls;

int
reluse_call(int x)
{
	return reldef_add(x);
}

int
reluse_data(void)
{
	return ++reldef_value;
}

long
reluse_tls(long x)
{
	reldef_tls += x;
	return reldef_tls;
}

/* libdynreldef2.so's reldef2_id found in the global scope, called */
long
reluse_lookup(void)
{
	long (*f)(void) = (long (*)(void))dlsym(RTLD_DEFAULT, "reldef2_id");

	return f ? f() : -1;
}

__attribute__((constructor)) static void
init(void)
{
	reldeps_log("init use");
}

__attribute__((destructor)) static void
fini(void)
{
	reldeps_log("fini use");
}

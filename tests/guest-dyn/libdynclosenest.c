/* dlopen'ed by dyn_close (tests/e2e/dyn-close.sh): its constructor
 * dlopens libdynclosedep.so from its own folder and its destructor
 * dlcloses it, a dlclose inside a dlclose; built twice: as
 * libdynclosenest.so, and with -DNEEDS as libdynclosenest2.so, which
 * needs libdynclosedep.so too (DT_NEEDED). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void dynclose_log(const char *what); /* the program's (-rdynamic) */
#ifdef NEEDS
int dynclose_dep(void);
int
dynclose_nest_dep(void)
{
	return dynclose_dep();
}
#endif

static void *dep;

__attribute__((constructor)) static void
init(void)
{
	char path[512];
	Dl_info info;
	const char *slash;

	dynclose_log("init nest");
	if (!dladdr((void *)init, &info) || !info.dli_fname ||
	    !(slash = strrchr(info.dli_fname, '/')))
		return;
	snprintf(path, sizeof(path), "%.*s/libdynclosedep.so", (int)(slash - info.dli_fname),
	         info.dli_fname);
	dep = dlopen(path, RTLD_NOW);
}

__attribute__((destructor)) static void
fini(void)
{
	dynclose_log("fini nest");
	if (dep && dlclose(dep) == 0)
		dynclose_log("fini nest closed it");
}

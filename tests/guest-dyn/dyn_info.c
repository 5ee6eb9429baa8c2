/* dlsym of TLS symbols, RTLD_NEXT and dlinfo (tests/e2e/dyn-info.sh), in
 * TAP. Linked against libdyntls.so (whose dyntls_value is __thread: static
 * TLS) and dlopen()ing libdynplugin.so (plugin_tls: dynamic TLS), from
 * DIR, the folder of both. dlsym of a TLS symbol is the calling thread's
 * copy, in the main thread and in a second one; this program defines
 * dyntls_addr too, so RTLD_DEFAULT finds its own and RTLD_NEXT the
 * library's; dlinfo RTLD_DI_LINKMAP gives the plugin's link_map (its
 * name, base, and the chain back to the program), RTLD_DI_ORIGIN DIR.
 * Usage: dyn_info DIR */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef RTLD_DI_ORIGIN
#define RTLD_DI_ORIGIN 6 /* glibc's; musl's dlfcn.h has none */
#endif

extern __thread int dyntls_value;
int *dyntls_addr(void);

static int n;
static void *plugin;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
}

/* ours: RTLD_DEFAULT finds it, RTLD_NEXT libdyntls.so's */
int *
dyntls_addr(void)
{
	return NULL;
}

/* in a second thread: the thread's own copies */
static void *
second(void *arg)
{
	long *p = dlsym(plugin, "plugin_tls");
	int *v = dlsym(RTLD_DEFAULT, "dyntls_value");
	long (*call)(long) = (long (*)(long))dlsym(plugin, "plugin_call");
	void **main_addrs = arg;

	ok(v == &dyntls_value && v != main_addrs[0] && *v == 40,
	   "thread: dlsym of a static TLS symbol is this thread's");
	ok(p && p != main_addrs[1] && *p == 1000 && call && call(5) == 1005 && *p == 1005,
	   "thread: dlsym of a dynamic TLS symbol is this thread's");
	return NULL;
}

int
main(int argc, char **argv)
{
	char path[512], origin[4096];
	struct link_map *lm = NULL, *l;
	void *addrs[2];
	pthread_t t;
	int seen_tls = 0;

	if (argc < 2)
		return 2;
	printf("1..12\n");
	dyntls_value = 7;
	int *v = dlsym(RTLD_DEFAULT, "dyntls_value");
	ok(v == &dyntls_value && *v == 7, "dlsym of a static TLS symbol: this thread's");
	snprintf(path, sizeof(path), "%s/libdynplugin.so", argv[1]);
	plugin = dlopen(path, RTLD_NOW);
	long *p = plugin ? dlsym(plugin, "plugin_tls") : NULL;
	long (*call)(long) = plugin ? (long (*)(long))dlsym(plugin, "plugin_call") : NULL;
	ok(p && *p == 1000 && call && call(1) == 1001 && *p == 1001,
	   "dlsym of a dynamic TLS symbol: this thread's");
	addrs[0] = v, addrs[1] = p;
	if (pthread_create(&t, NULL, second, addrs) || pthread_join(t, NULL))
		return 3;
	ok(p && *p == 1001 && *v == 7, "the main thread's copies are its own");
	int *(*mine)(void) = (int *(*)(void))dlsym(RTLD_DEFAULT, "dyntls_addr");
	int *(*next)(void) = (int *(*)(void))dlsym(RTLD_NEXT, "dyntls_addr");
	ok(mine == dyntls_addr, "RTLD_DEFAULT: the program's dyntls_addr");
	ok(next && next != dyntls_addr && next() == &dyntls_value,
	   "RTLD_NEXT: libdyntls.so's dyntls_addr");
	ok(plugin && !dlinfo(plugin, RTLD_DI_LINKMAP, &lm) && lm && lm->l_name &&
	       strlen(lm->l_name) > 16 &&
	       !strcmp(lm->l_name + strlen(lm->l_name) - 16, "/libdynplugin.so"),
	   "RTLD_DI_LINKMAP: its l_name");
	Dl_info di;
	ok(lm && call && dladdr((void *)call, &di) && (ElfW(Addr))di.dli_fbase == lm->l_addr &&
	       lm->l_ld,
	   "RTLD_DI_LINKMAP: l_addr is dladdr's base, l_ld set");
	for (l = lm; l; l = l->l_prev)
		if (l->l_name && strstr(l->l_name, "libdyntls.so"))
			seen_tls = 1;
	ok(seen_tls, "RTLD_DI_LINKMAP: l_prev reaches libdyntls.so");
	ok(plugin && !dlinfo(plugin, RTLD_DI_ORIGIN, origin) && !strcmp(origin, argv[1]),
	   "RTLD_DI_ORIGIN: its folder");
	ok(dlinfo(plugin, 12345, origin) == -1 && dlerror(), "an unknown request: -1, dlerror");
	return 0;
}

/* Shared libraries at run time (tests/e2e/dyn-libs.sh), through the
 * program's own ld.so (glibc's or musl's): TLS in a DT_NEEDED library
 * (found by RUNPATH $ORIGIN) seen per thread, and dlopen() of a plugin
 * from the program's folder (/proc/self/exe's) with its own TLS, dlsym,
 * its constructor, dlclose. One line per check: "ok N - what" or "not ok
 * N - what: expected E, got G"; exit 1 when one failed. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern __thread int dyntls_value;
int *dyntls_addr(void);
int dyntls_add(int x);

static int n, failed;

static void
check(const char *what, long expected, long got)
{
	n++;
	if (expected == got) {
		printf("ok %d - %s\n", n, what);
		return;
	}
	printf("not ok %d - %s: expected %ld, got %ld\n", n, what, expected, got);
	failed = 1;
}

static void *
thread(void *arg)
{
	long r = dyntls_add((int)(long)arg); /* its own copy, from 40 */
	return (void *)(r == 40 + (long)arg && dyntls_addr() == &dyntls_value ? 1l : 0l);
}

int
main(void)
{
	pthread_t t[2];
	void *r;

	check("the library's __thread starts at its initial value", 40, dyntls_value);
	check("its address from the library is the program's", 1, dyntls_addr() == &dyntls_value);
	dyntls_add(2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread, (void *)(i + 1));
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &r);
		check("a thread has its own copy of the library's __thread", 1, (long)r);
	}
	check("the main thread's copy is untouched by the threads", 42, dyntls_value);

	char path[4096];
	ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 64);
	check("/proc/self/exe can be read", 1, len > 0);
	path[len > 0 ? len : 0] = 0;
	char *slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "libdynplugin.so");
	void *h = dlopen(path, RTLD_NOW);
	if (!h)
		printf("# dlopen %s: %s\n", path, dlerror());
	check("dlopen of the plugin", 1, h != NULL);
	if (!h)
		return 1;
	long (*call)(long) = (long (*)(long))dlsym(h, "plugin_call");
	int *loaded = dlsym(h, "plugin_loaded");
	check("dlsym finds its function and data", 1, call && loaded);
	if (!call || !loaded)
		return 1;
	check("its constructor ran", 1, *loaded);
	check("its __thread (dynamic TLS) starts at its initial value", 1001, call(1));
	check("and keeps what was added", 1003, call(2));
	check("dlsym of a name it lacks is NULL", 1, dlsym(h, "no_such_symbol") == NULL);
	check("dlclose", 0, dlclose(h));
	printf("1..%d\n", n);
	return failed;
}

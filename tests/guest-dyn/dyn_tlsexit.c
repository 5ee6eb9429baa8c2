/* Threads that exit leave no dynamic TLS behind, in TAP
 * (tests/e2e/dyn-tlsexit.sh): libdyntlsbig.so, dlopen'ed, has a 256 KiB
 * __thread array; THREADS threads, one after another, each touch every
 * page of their copy (made on their first use), set dlerror and exit.
 * VmRSS (/proc/self/status) after them may exceed what it was after a
 * few such threads by less than GROWTH_KB: kept blocks would take
 * THREADS * 256 KiB.
 * Usage: dyn_tlsexit DIR (the plugin's folder) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 100
#define WARM 8
#define GROWTH_KB 4096

static int n, failed;
static void *h;
static int (*touch)(int);

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed |= !cond;
}

/* VmRSS in kB, or -1 */
static long
vm_rss(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *
thread(void *arg)
{
	long fresh = touch((int)(long)arg);

	dlsym(h, "no_such_symbol"); /* a dlerror message of its own */
	return (void *)fresh;
}

/* k threads, one after another: how many found their copy fresh */
static int
threads(int k)
{
	int fresh = 0;

	for (int i = 0; i < k; i++) {
		pthread_t t;
		void *r = 0;
		if (pthread_create(&t, NULL, thread, (void *)(long)(i + 2)) || pthread_join(t, &r))
			return -1;
		fresh += r != 0;
	}
	return fresh;
}

int
main(int argc, char **argv)
{
	char path[512];
	long before, after;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/libdyntlsbig.so", argv[1]);
	h = dlopen(path, RTLD_NOW);
	if (!h)
		printf("# dlopen %s: %s\n", path, dlerror());
	ok(h && (touch = (int (*)(int))dlsym(h, "tlsbig_touch")), "dlopen, dlsym");
	if (!touch)
		return 1;
	ok(touch(1), "the main thread's copy starts as the image");
	ok(threads(WARM) == WARM, "a few threads: each copy starts as the image");
	before = vm_rss();
	ok(before > 0, "VmRSS in /proc/self/status");
	ok(threads(THREADS) == THREADS, "many threads: each copy starts as the image");
	after = vm_rss();
	printf("# VmRSS %ld kB after %d threads, %ld kB after %d more\n", before, WARM, after,
	       THREADS);
	ok(after - before < GROWTH_KB, "VmRSS grew by less than 4 MiB over them");
	ok(dlclose(h) == 0, "dlclose");
	printf("1..%d\n", n);
	return failed;
}

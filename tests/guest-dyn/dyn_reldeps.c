/* Relocation dependencies (tests/e2e/dyn-reldeps.sh), in TAP, as glibc's
 * ld.so keeps them (l_reldeps): libdynreldef.so dlopen'ed RTLD_GLOBAL,
 * then libdynreluse.so, whose relocations bind to its function, data and
 * __thread though it has no DT_NEEDED on it. dlclose of libdynreldef.so
 * leaves it loaded (no destructor, still in /proc/self/maps and
 * dl_iterate_phdr, found by RTLD_NOLOAD), and calling through
 * libdynreluse.so still works, its __thread too, in a thread started
 * after. libdynreldef2.so, which libdynreluse.so's dlsym(RTLD_DEFAULT)
 * found, stays the same way. dlclose of libdynreluse.so unloads all
 * three, its destructor first. The program's own dlsym(RTLD_DEFAULT)
 * keeps what it finds for good (glibc makes it NODELETE).
 * Usage: dyn_reldeps DIR (the folder of the libraries) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int n, failed;
static char log_buf[512];

/* the libraries' constructors and destructors say who they are here */
void
reldeps_log(const char *what)
{
	size_t l = strlen(log_buf);

	snprintf(log_buf + l, sizeof(log_buf) - l, "%s%s", l ? "," : "", what);
}

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed |= !cond;
}

static void
is(const char *got, const char *want, const char *what)
{
	ok(!strcmp(got, want), what);
	if (strcmp(got, want))
		printf("# expected \"%s\", got \"%s\"\n", want, got);
}

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

static int
phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char **name = arg;

	(void)size;
	return info->dlpi_name && strstr(info->dlpi_name, *name) != NULL;
}

/* whether dl_iterate_phdr reports an object whose name has name in it */
static int
in_phdrs(const char *name)
{
	return dl_iterate_phdr(phdr_cb, &name);
}

/* libdynreluse.so's functions */
static int (*use_call)(int), (*use_data)(void);
static long (*use_tls)(long), (*use_lookup)(void);

static void *
thread_tls(void *arg)
{
	return (void *)use_tls((long)arg);
}

/* use_tls(x) in a new thread */
static long
tls_in_thread(long x)
{
	pthread_t t;
	void *r = (void *)-1;

	if (pthread_create(&t, NULL, thread_tls, (void *)x) || pthread_join(t, &r))
		return -1;
	return (long)r;
}

int
main(int argc, char **argv)
{
	char def[512], def2[512], use[512];
	void *hd, *hu, *hd2, *h;

	if (argc < 2)
		return 2;
	snprintf(def, sizeof(def), "%s/libdynreldef.so", argv[1]);
	snprintf(def2, sizeof(def2), "%s/libdynreldef2.so", argv[1]);
	snprintf(use, sizeof(use), "%s/libdynreluse.so", argv[1]);
	printf("1..30\n");

	/* bound without a DT_NEEDED */
	hd = dlopen(def, RTLD_NOW | RTLD_GLOBAL);
	ok(hd != NULL, "dlopen RTLD_GLOBAL of the definer");
	hu = dlopen(use, RTLD_NOW);
	ok(hu != NULL, "dlopen of the user, which does not need it");
	if (!hd || !hu) {
		printf("# %s\n", dlerror());
		return 1;
	}
	use_call = (int (*)(int))dlsym(hu, "reluse_call");
	use_data = (int (*)(void))dlsym(hu, "reluse_data");
	use_tls = (long (*)(long))dlsym(hu, "reluse_tls");
	use_lookup = (long (*)(void))dlsym(hu, "reluse_lookup");
	if (!use_call || !use_data || !use_tls || !use_lookup)
		return 1;
	is(log_buf, "init def,init use", "constructors: the definer's, then the user's");
	ok(use_call(1) == 18, "the user calls the definer's function");
	ok(use_data() == 18, "and changes its data");
	ok(use_tls(1) == 4, "and its __thread");
	ok(tls_in_thread(10) == 13, "and its __thread in another thread");

	/* the definer closed: kept by the user */
	log_buf[0] = 0;
	ok(dlclose(hd) == 0, "dlclose of the definer");
	is(log_buf, "", "no destructor ran");
	ok(maps_naming("/libdynreldef.so") > 0, "it stays in /proc/self/maps");
	ok(in_phdrs("/libdynreldef.so"), "and in dl_iterate_phdr");
	ok(use_call(2) == 20, "the user still calls its function");
	ok(use_data() == 19, "its data kept");
	ok(use_tls(1) == 5, "its __thread kept");
	ok(tls_in_thread(10) == 13, "its __thread in a thread started after the dlclose");
	h = dlopen(def, RTLD_NOW | RTLD_NOLOAD);
	ok(h == hd, "RTLD_NOLOAD finds it, the same handle");
	ok(h && dlclose(h) == 0 && maps_naming("/libdynreldef.so") > 0, "closed again, it stays");

	/* found by the user's dlsym(RTLD_DEFAULT): kept too */
	hd2 = dlopen(def2, RTLD_NOW | RTLD_GLOBAL);
	ok(hd2 && use_lookup() == 2, "the user's dlsym(RTLD_DEFAULT) finds another's function");
	log_buf[0] = 0;
	ok(hd2 && dlclose(hd2) == 0 && maps_naming("/libdynreldef2.so") > 0,
	   "dlclose of that one leaves it loaded");
	ok(use_lookup() == 2, "the user still finds it");
	is(log_buf, "", "no destructor ran");

	/* the user closed: all three go */
	log_buf[0] = 0;
	ok(dlclose(hu) == 0, "dlclose of the user");
	is(log_buf, "fini use,fini def,fini def2", "destructors: the user's first");
	ok(maps_naming("/libdynreluse.so") == 0 && maps_naming("/libdynreldef.so") == 0 &&
	       maps_naming("/libdynreldef2.so") == 0,
	   "none of the three in /proc/self/maps");
	ok(!in_phdrs("/libdynrel"), "nor in dl_iterate_phdr");
	ok(!dlopen(def, RTLD_NOW | RTLD_NOLOAD), "RTLD_NOLOAD: the definer is not loaded");

	/* the program's dlsym(RTLD_DEFAULT) keeps it for good */
	hd2 = dlopen(def2, RTLD_NOW | RTLD_GLOBAL);
	ok(hd2 && dlsym(RTLD_DEFAULT, "reldef2_id") != NULL,
	   "the program's dlsym(RTLD_DEFAULT) finds it");
	log_buf[0] = 0;
	ok(hd2 && dlclose(hd2) == 0 && maps_naming("/libdynreldef2.so") > 0,
	   "dlclose leaves it loaded");
	is(log_buf, "", "no destructor ran");
	/* its handle's dlsym does not keep it */
	hd = dlopen(def, RTLD_NOW | RTLD_GLOBAL);
	ok(hd && dlsym(hd, "reldef_add") && dlclose(hd) == 0 &&
	       maps_naming("/libdynreldef.so") == 0,
	   "dlsym of a handle keeps nothing");
	return failed;
}

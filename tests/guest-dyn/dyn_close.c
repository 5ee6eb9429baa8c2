/* dlclose unloads (tests/e2e/dyn-close.sh), in TAP, as glibc's ld.so
 * does it (musl's does not unload): libdynclose.so, which needs
 * libdynclosedep.so, dlopen'ed; its constructors ran (theirs, the
 * dependency's first), its .data counter and its __thread count from
 * their initial values, in the main thread and in one started before the
 * dlopen; dlclose runs the destructors (the plugin's, then its
 * dependency's, each DT_FINI_ARRAY backwards), and then neither is in
 * /proc/self/maps, dl_iterate_phdr or dladdr, nor found by RTLD_NOLOAD.
 * Opened again: constructors again, the counter and the __thread (of
 * both threads) afresh. Two dlopens need two dlcloses; a dependency
 * dlopen'ed too stays until its own dlclose; RTLD_NODELETE keeps it.
 * Through our linker, dlsym and dlclose of a closed handle fail with
 * dlerror (in glibc's ld.so that is undefined: skipped). A destructor
 * that dlcloses (libdynclosenest.so's: the libdynclosedep.so its
 * constructor dlopened) is deferred, as glibc's: the outer dlclose
 * unloads it after its own object, also when it needs it (DT_NEEDED:
 * libdynclosenest2.so).
 * Usage: dyn_close DIR (the folder of both libraries) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int n, failed;
static char log_buf[1024];

/* the libraries' constructors and destructors say who they are here */
void
dynclose_log(const char *what)
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

__attribute__((unused)) static void
skip(const char *what)
{
	printf("ok %d # skip %s\n", ++n, what);
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

struct phdrs {
	const char *name;
	int found;
	unsigned long long adds, subs;
};

static int
phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct phdrs *p = arg;

	p->found += info->dlpi_name && strstr(info->dlpi_name, p->name) != NULL;
	p->adds = info->dlpi_adds;
	p->subs = info->dlpi_subs;
	return 0;
}

/* the objects dl_iterate_phdr reports whose name has name in it */
static struct phdrs
phdrs_naming(const char *name)
{
	struct phdrs p = {name, 0, 0, 0};

	dl_iterate_phdr(phdr_cb, &p);
	return p;
}

/* a thread started before any dlopen, calling what it is told to */
static long (*worker_fn)(long);
static int cmd[2], res[2];

static void *
worker(void *arg)
{
	char c;
	long r;

	while (read(cmd[0], &c, 1) == 1 && c == 'x') {
		r = worker_fn(100);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			break;
	}
	return arg;
}

static long
in_worker(long (*fn)(long))
{
	long r = -1;

	worker_fn = fn;
	if (write(cmd[1], "x", 1) != 1 || read(res[0], &r, sizeof(r)) != sizeof(r))
		return -1;
	return r;
}

struct plugin {
	void *h;
	int (*bump)(void);
	long (*tls_add)(long);
	int (*from_dep)(void);
};

static int
plugin_open(const char *path, int mode, struct plugin *p)
{
	memset(p, 0, sizeof(*p));
	if (!(p->h = dlopen(path, mode))) {
		printf("# dlopen %s: %s\n", path, dlerror());
		return 0;
	}
	p->bump = (int (*)(void))dlsym(p->h, "dynclose_bump");
	p->tls_add = (long (*)(long))dlsym(p->h, "dynclose_tls_add");
	p->from_dep = (int (*)(void))dlsym(p->h, "dynclose_from_dep");
	return p->bump && p->tls_add && p->from_dep;
}

int
main(int argc, char **argv)
{
	char plugin[512], dep[512], nest[512], nest2[512];
	struct plugin p, q;
	struct phdrs ph;
	unsigned long long subs;
	pthread_t t;
	Dl_info info;
	void *old_fn, *h2, *hd;

	if (argc < 2)
		return 2;
	snprintf(plugin, sizeof(plugin), "%s/libdynclose.so", argv[1]);
	snprintf(dep, sizeof(dep), "%s/libdynclosedep.so", argv[1]);
	snprintf(nest, sizeof(nest), "%s/libdynclosenest.so", argv[1]);
	snprintf(nest2, sizeof(nest2), "%s/libdynclosenest2.so", argv[1]);
	if (pipe(cmd) || pipe(res) || pthread_create(&t, NULL, worker, NULL))
		return 3;
	printf("1..43\n");

	/* loaded */
	ok(plugin_open(plugin, RTLD_NOW, &p), "dlopen, dlsym of its functions");
	if (!p.bump)
		return 1;
	is(log_buf, "init dep,init plugin", "constructors: its dependency's, then its own");
	ok(p.bump() == 42 && p.bump() == 43, "its .data counter starts at 41");
	ok(p.tls_add(1) == 8 && p.tls_add(2) == 10, "its __thread starts at 7");
	ok(in_worker(p.tls_add) == 107, "another thread's __thread starts at 7");
	ok(p.from_dep() == 5, "it calls its dependency");
	ok(maps_naming("/libdynclose.so") > 0 && maps_naming("/libdynclosedep.so") > 0,
	   "both in /proc/self/maps");
	ph = phdrs_naming("/libdynclose");
	ok(ph.found == 2, "both in dl_iterate_phdr");
	subs = ph.subs;
	old_fn = (void *)p.bump;
	ok(dladdr(old_fn, &info) && info.dli_fname && strstr(info.dli_fname, "/libdynclose.so") &&
	       info.dli_sname && !strcmp(info.dli_sname, "dynclose_bump"),
	   "dladdr names it and its function");

	/* unloaded */
	log_buf[0] = 0;
	ok(dlclose(p.h) == 0, "dlclose");
	is(log_buf, "fini plugin 1,fini plugin 2,fini dep 1,fini dep 2",
	   "destructors: its own, then its dependency's, each backwards");
	ok(maps_naming("/libdynclose.so") == 0, "it is gone from /proc/self/maps");
	ok(maps_naming("/libdynclosedep.so") == 0, "its dependency too");
	ph = phdrs_naming("/libdynclose");
	ok(ph.found == 0, "neither is in dl_iterate_phdr");
	ok(ph.subs >= subs + 2, "dl_iterate_phdr's dlpi_subs counted both");
	ok(!dladdr(old_fn, &info), "dladdr of its old function finds nothing");
	ok(!dlopen(plugin, RTLD_NOW | RTLD_NOLOAD), "RTLD_NOLOAD: not loaded");
	ok(!dlopen(dep, RTLD_NOW | RTLD_NOLOAD), "RTLD_NOLOAD: its dependency neither");
#ifdef __GLIBC__
	skip("dlsym of a closed handle (undefined in glibc)");
	skip("dlclose of a closed handle (undefined in glibc)");
#else
	ok(!dlsym(p.h, "dynclose_bump") && dlerror() != NULL,
	   "dlsym of a closed handle: NULL and dlerror");
	ok(dlclose(p.h) != 0 && dlerror() != NULL, "dlclose of a closed handle: an error");
#endif

	/* loaded again, afresh */
	log_buf[0] = 0;
	ok(plugin_open(plugin, RTLD_NOW, &q), "dlopen again");
	if (!q.bump)
		return 1;
	is(log_buf, "init dep,init plugin", "its constructors ran again");
	ok(q.bump() == 42, "its .data counter starts at 41 again");
	ok(q.tls_add(1) == 8, "its __thread starts at 7 again");
	ok(in_worker(q.tls_add) == 107, "and in the other thread too");
	ok(dladdr((void *)q.bump, &info) && info.dli_fname &&
	       strstr(info.dli_fname, "/libdynclose.so"),
	   "dladdr names it again");

	/* two opens, two closes */
	h2 = dlopen(plugin, RTLD_NOW);
	ok(h2 == q.h, "a second dlopen: the same handle");
	log_buf[0] = 0;
	ok(dlclose(h2) == 0 && maps_naming("/libdynclose.so") > 0 && q.bump() == 43,
	   "after one dlclose of two it stays, its data kept");
	ok(log_buf[0] == 0, "no destructor ran");
	/* a dependency dlopen'ed too stays until its own dlclose */
	hd = dlopen(dep, RTLD_NOW);
	ok(hd != NULL, "dlopen of its dependency");
	ok(dlclose(q.h) == 0 && maps_naming("/libdynclose.so") == 0 &&
	       maps_naming("/libdynclosedep.so") > 0,
	   "the last dlclose unloads it, not the dependency opened");
	is(log_buf, "fini plugin 1,fini plugin 2", "only its destructors ran");
	log_buf[0] = 0;
	ok(hd && dlclose(hd) == 0 && maps_naming("/libdynclosedep.so") == 0,
	   "the dependency's dlclose unloads it");
	is(log_buf, "fini dep 1,fini dep 2", "and runs its destructors");

	/* a dlclose in a destructor */
	log_buf[0] = 0;
	h2 = dlopen(nest, RTLD_NOW);
	is(log_buf, "init nest,init dep", "a constructor that dlopens");
	log_buf[0] = 0;
	ok(h2 && dlclose(h2) == 0 && maps_naming("/libdynclosenest.so") == 0 &&
	       maps_naming("/libdynclosedep.so") == 0,
	   "dlclose of it unloads both");
	is(log_buf, "fini nest,fini nest closed it,fini dep 1,fini dep 2",
	   "its destructor's dlclose is deferred to the end of the outer one");
	log_buf[0] = 0;
	h2 = dlopen(nest2, RTLD_NOW);
	is(log_buf, "init dep,init nest", "one that needs what it dlopens");
	log_buf[0] = 0;
	ok(h2 && dlclose(h2) == 0 && maps_naming("/libdynclosenest2.so") == 0 &&
	       maps_naming("/libdynclosedep.so") == 0,
	   "dlclose of it unloads both");
	is(log_buf, "fini nest,fini nest closed it,fini dep 1,fini dep 2",
	   "the dependency's destructors after its own");

	/* RTLD_NODELETE */
	log_buf[0] = 0;
	ok(plugin_open(plugin, RTLD_NOW | RTLD_NODELETE, &p), "dlopen RTLD_NODELETE");
	ok(p.bump && p.bump() == 42 && dlclose(p.h) == 0 && maps_naming("/libdynclose.so") > 0 &&
	       phdrs_naming("/libdynclose.so").found == 1,
	   "dlclose leaves it loaded");
	is(log_buf, "init dep,init plugin", "no destructor ran");
	if (write(cmd[1], "q", 1) == 1)
		pthread_join(t, NULL);
	return failed;
}

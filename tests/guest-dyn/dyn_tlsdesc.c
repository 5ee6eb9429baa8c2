/* TLSDESC (gcc -mtls-dialect=gnu2) in shared objects, in TAP
 * (tests/e2e/dyn-tlsdesc.sh). libdyntlsdesc-needed.so, a DT_NEEDED
 * library: its variable is in the static TLS. libdyntlsdesc.so,
 * dlopen'ed: its variables (initialised, bss, a static one) are reached
 * through the dynamic resolver, each thread's copy made on its first use;
 * the main thread and NT threads each see theirs, at addresses of their
 * own that dlsym agrees with (the plugin's TLSDESC of the DT_NEEDED
 * library's variable too), and the resolver keeps every register but
 * rax (tests/guest-dyn/tlsdesc_regs.S) on its slow path too. dlclose and
 * dlopen again: the variables afresh (as glibc's ld.so and ours unload;
 * musl's does not, so its lines end at the first dlclose).
 * Usage: dyn_tlsdesc DIR (the plugin's folder) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NT 4

extern __thread long tdn_value;
long *tdn_addr(void);
long tdn_regs_kept(long *off);

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed |= !cond;
}

static char *
thread_pointer(void)
{
	char *tp;

	__asm__("mov %%fs:0,%0" : "=r"(tp));
	return tp;
}

struct plugin {
	void *h;
	long *(*init_addr)(void);
	long *(*bss_addr)(void);
	int *(*local_addr)(void);
	long (*regs_kept)(long *off);
	long *(*needed_addr)(void);
};

static struct plugin p;

static int
plugin_open(const char *path)
{
	memset(&p, 0, sizeof(p));
	if (!(p.h = dlopen(path, RTLD_NOW))) {
		printf("# dlopen %s: %s\n", path, dlerror());
		return 0;
	}
	p.init_addr = (long *(*)(void))dlsym(p.h, "tdp_init_addr");
	p.bss_addr = (long *(*)(void))dlsym(p.h, "tdp_bss_addr");
	p.local_addr = (int *(*)(void))dlsym(p.h, "tdp_local_addr");
	p.regs_kept = (long (*)(long *))dlsym(p.h, "tdp_regs_kept");
	p.needed_addr = (long *(*)(void))dlsym(p.h, "tdp_needed_addr");
	return p.init_addr && p.bss_addr && p.local_addr && p.regs_kept && p.needed_addr;
}

/* what a thread (or the main one) finds; its first use of the plugin's
 * TLS is the hand-made TLSDESC call */
struct seen {
	int regs_kept, off_right, fresh, dlsym_same, needed_same, kept;
	long k; /* a thread's number, from 1 */
	long *init, *bss;
	int *local;
};

static int
fresh(long *init, long *bss, int *local)
{
	return *init == 1234 && *bss == 0 && local[0] == 5 && local[1] == 6 && local[2] == 7 &&
	       local[3] == 8;
}

static void
look(struct seen *s)
{
	long off = 0, again = 1;

	/* the first call takes the slow path, the next one the fast path */
	s->regs_kept = p.regs_kept(&off) == 1 && p.regs_kept(&again) == 1 && again == off;
	s->init = p.init_addr();
	s->bss = p.bss_addr();
	s->local = p.local_addr();
	s->off_right = thread_pointer() + off == (char *)s->init;
	s->fresh = fresh(s->init, s->bss, s->local);
	s->dlsym_same = dlsym(p.h, "tdp_init") == s->init && dlsym(p.h, "tdp_bss") == s->bss;
	s->needed_same = p.needed_addr() == &tdn_value;
}

static pthread_barrier_t barrier;

static void *
thread(void *arg)
{
	struct seen *s = arg;
	long k = s->k;

	look(s);
	*s->init += k, *s->bss = k, s->local[0] = (int)k;
	pthread_barrier_wait(&barrier); /* every thread wrote its own */
	s->kept =
	    *s->init == 1234 + k && *s->bss == k && s->local[0] == k && *p.init_addr() == 1234 + k;
	return NULL;
}

/* NT threads at once, each with its own copies */
static void
threads(const struct seen *main_seen)
{
	struct seen s[NT];
	pthread_t t[NT];
	int all = 1, distinct = 1;

	pthread_barrier_init(&barrier, NULL, NT);
	for (int i = 0; i < NT; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].k = i + 1;
		if (pthread_create(&t[i], NULL, thread, &s[i]))
			all = 0;
	}
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < NT; i++)
		all &= s[i].regs_kept;
	ok(all, "in each thread, the resolver keeps every register but rax");
	all = 1;
	for (int i = 0; i < NT; i++)
		all &= s[i].off_right;
	ok(all, "in each thread, thread pointer + the answer is the variable's address");
	all = 1;
	for (int i = 0; i < NT; i++)
		all &= s[i].fresh;
	ok(all, "each thread's copies start at their initial values");
	all = 1;
	for (int i = 0; i < NT; i++)
		all &= s[i].dlsym_same;
	ok(all, "each thread's dlsym answers its own copies");
	all = 1;
	for (int i = 0; i < NT; i++)
		all &= s[i].needed_same;
	ok(all, "each thread's TLSDESC of the DT_NEEDED library's is its own");
	all = 1;
	for (int i = 0; i < NT; i++)
		all &= s[i].kept;
	ok(all, "each thread keeps what it wrote while the others write theirs");
	for (int i = 0; i < NT; i++) {
		distinct &= s[i].init != main_seen->init && s[i].bss != main_seen->bss &&
		            s[i].local != main_seen->local;
		for (int j = 0; j < i; j++)
			distinct &= s[i].init != s[j].init && s[i].bss != s[j].bss &&
			            s[i].local != s[j].local;
	}
	ok(distinct, "every thread's copies are at addresses of their own");
}

/* the main thread after a dlopen of the plugin */
static void
main_thread(struct seen *s)
{
	look(s);
	ok(s->regs_kept, "the resolver keeps every register but rax, first call and next");
	ok(s->off_right, "thread pointer + the answer is the variable's address");
	ok(s->fresh, "the variables start at their initial values (data, bss, static)");
	ok(s->dlsym_same, "dlsym answers the same addresses");
	ok(s->needed_same, "its TLSDESC of the DT_NEEDED library's variable is the program's");
	*s->init = 1, *s->bss = 2, s->local[3] = 3;
}

int
main(int argc, char **argv)
{
	char path[512];
	struct seen m;
	long off = 0;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/libdyntlsdesc.so", argv[1]);

	/* the DT_NEEDED library: static TLS */
	ok(tdn_value == 77 && *tdn_addr() == 77, "the DT_NEEDED library's variable starts at 77");
	ok(tdn_regs_kept(&off) == 1, "its TLSDESC call keeps every register but rax");
	ok(tdn_addr() == &tdn_value && thread_pointer() + off == (char *)&tdn_value,
	   "its answer is the program's address of it, less the thread pointer");
	ok(off < 0 && off > -65536, "that is in the static TLS, just below the thread pointer");

	/* the plugin */
	ok(plugin_open(path), "dlopen of the plugin, dlsym of its functions");
	if (!p.h)
		return 1;
	main_thread(&m);
	threads(&m);
	ok(*m.init == 1 && *m.bss == 2 && m.local[3] == 3 && *p.init_addr() == 1,
	   "the main thread's copies are as it left them");
	ok(dlclose(p.h) == 0, "dlclose");

	/* again: afresh */
	ok(plugin_open(path), "dlopen again");
	if (!p.h)
		return 1;
	main_thread(&m);
	threads(&m);
	ok(dlclose(p.h) == 0, "dlclose again");
	ok(tdn_value == 77 && tdn_regs_kept(&off) == 1,
	   "the DT_NEEDED library's variable is untouched");
	printf("1..%d\n", n);
	return failed;
}

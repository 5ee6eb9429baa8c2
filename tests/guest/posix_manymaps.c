/* In-guest check of an address space with many regions (issue #9): 30,000
 * one-page anonymous mappings, protections alternating so neighbours do
 * not merge (below Linux's default vm.max_map_count, 65530), each
 * writable one holding its own value; /proc/self/maps lists each exactly
 * once, in order; every other one unmapped, then mapped again with
 * MAP_FIXED; mprotect over runs of several; contents and maps checked
 * after each step; all unmapped at the end. The maps check allows Linux's
 * merging of equal neighbours inside an mprotect run. Built three ways
 * like every tests/guest program; run as the app (and natively). */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define N 30000
#define PG 4096ul
#define RUN 8     /* mappings an mprotect run spans */
#define EVERY 200 /* a run starts every EVERY mappings */

static uintptr_t *addr; /* the mappings, ascending once sorted */
static int *prot;       /* each one's protection now, -1: unmapped */
static uint32_t *value; /* what its first word holds (0: never written) */

struct line {
	uintptr_t s, e;
	int prot;
};
static struct line *lines;
static int nlines;
static char why[200]; /* what the last failed check found */

static int
cmp_addr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* /proc/self/maps into lines[]; 0 or -1 */
static int
read_maps(void)
{
	static char *buf;
	static size_t cap;
	size_t len = 0;
	ssize_t k;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return -1;
	for (;;) {
		if (cap - len < 65536) { /* first done before the mappings */
			cap = cap ? cap * 2 : 8 << 20;
			if (!(buf = realloc(buf, cap)))
				return -1;
		}
		if ((k = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (k < 0)
		return -1;
	buf[len] = 0;
	nlines = 0;
	for (char *p = buf; *p;) {
		char perm[5] = {0};
		unsigned long s, e;
		if (sscanf(p, "%lx-%lx %4s", &s, &e, perm) != 3)
			return -1;
		lines[nlines++] = (struct line){s, e,
		                                (perm[0] == 'r' ? PROT_READ : 0) |
		                                    (perm[1] == 'w' ? PROT_WRITE : 0) |
		                                    (perm[2] == 'x' ? PROT_EXEC : 0)};
		char *nl = strchr(p, '\n');
		if (!nl || nlines == 2 * N + 1000)
			break;
		p = nl + 1;
	}
	return 0;
}

/* the first mapping at or above a */
static int
lower_bound(uintptr_t a)
{
	int lo = 0, hi = N;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (addr[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* maps lists every mapped one of ours exactly once with its protection,
 * in ascending non-overlapping lines; a line holding ours holds nothing
 * else and only ours of its protection (runs may merge) */
static int
maps_match(void)
{
	static unsigned char seen[N];
	int i;

	if (read_maps()) {
		snprintf(why, sizeof(why), "reading /proc/self/maps failed");
		return 0;
	}
	memset(seen, 0, sizeof(seen));
	for (int l = 0; l < nlines; l++) {
		struct line *L = &lines[l];
		if (L->s >= L->e || (l && L->s < lines[l - 1].e)) {
			snprintf(why, sizeof(why), "line %d %lx-%lx: empty, or below line %d", l,
			         (unsigned long)L->s, (unsigned long)L->e, l - 1);
			return 0;
		}
		int a = lower_bound(L->s), b = lower_bound(L->e);
		for (i = a; i < b; i++) {
			if (prot[i] < 0) {
				snprintf(why, sizeof(why), "line %lx-%lx holds unmapped %lx",
				         (unsigned long)L->s, (unsigned long)L->e,
				         (unsigned long)addr[i]);
				return 0;
			}
			if (prot[i] != L->prot) {
				snprintf(why, sizeof(why),
				         "%lx: protection %d in maps, expected %d",
				         (unsigned long)addr[i], L->prot, prot[i]);
				return 0;
			}
			seen[i]++;
		}
		if (b > a && L->e - L->s != (uintptr_t)(b - a) * PG) {
			snprintf(why, sizeof(why),
			         "line %lx-%lx (prot %d) holds %d of ours and more",
			         (unsigned long)L->s, (unsigned long)L->e, L->prot, b - a);
			return 0;
		}
	}
	for (i = 0; i < N; i++)
		if (seen[i] != (prot[i] >= 0)) {
			snprintf(why, sizeof(why), "%lx: listed %d times, expected %d",
			         (unsigned long)addr[i], seen[i], prot[i] >= 0);
			return 0;
		}
	return 1;
}

/* every mapped one holds its value; of the never written (zeros), one in
 * 64 is read: a read of an untouched page may cost a frame (ours has no
 * shared zero page), and 30,000 of them would not fit in a small guest */
static int
contents_match(void)
{
	for (int i = 0; i < N; i++)
		if (prot[i] >= 0 && (value[i] || i % 64 == 0) &&
		    *(volatile uint32_t *)addr[i] != value[i]) {
			snprintf(why, sizeof(why), "%lx holds %#x, expected %#x",
			         (unsigned long)addr[i], *(volatile uint32_t *)addr[i], value[i]);
			return 0;
		}
	return 1;
}

static void
fill(int i, uint32_t v)
{
	if (prot[i] >= 0 && (prot[i] & PROT_WRITE)) {
		*(volatile uint32_t *)addr[i] = v;
		value[i] = v;
	}
}

/* mprotect runs of RUN mappings (contiguous ones only) to p; how many */
static int
protect_runs(int first, int p)
{
	int done = 0;

	for (int i = first; i + RUN <= N; i += EVERY) {
		if (addr[i + RUN - 1] - addr[i] != (RUN - 1) * PG)
			continue; /* not side by side: mprotect would say ENOMEM */
		if (mprotect((void *)addr[i], RUN * PG, p))
			return -1;
		for (int j = i; j < i + RUN; j++)
			prot[j] = p;
		done++;
	}
	return done;
}

int
main(void)
{
	int i, bad = 0, ok;
	const int pr[2] = {PROT_READ, PROT_READ | PROT_WRITE};

	addr = calloc(N, sizeof(*addr));
	prot = calloc(N, sizeof(*prot));
	value = calloc(N, sizeof(*value));
	lines = calloc(2 * N + 1000, sizeof(*lines));
	if (!addr || !prot || !value || !lines)
		return 2;
	uintptr_t *byaddr = malloc(N * sizeof(*byaddr));
	if (!byaddr || read_maps())
		return 2;
	printf("# %d mappings\n", N); /* stdio's buffers, before ours too */
	/* PROT_NONE pages around ours, so that none merges with a mapping of
	 * someone else's (malloc's) when the kernel places them side by side */
	mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < N && !bad; i++) {
		void *p = mmap(NULL, PG, pr[i & 1], MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			bad = 1;
		else
			addr[i] = (uintptr_t)p;
	}
	mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(!bad, "30000 one-page anonymous mappings");
	if (bad)
		return tap_done();
	/* sorted by address; the protections alternate along the address
	 * order too when the kernel placed them side by side */
	for (i = 0; i < N; i++) /* remember each one's protection by address */
		byaddr[i] = addr[i] | (uintptr_t)(i & 1);
	qsort(byaddr, N, sizeof(*byaddr), cmp_addr);
	for (i = 0; i < N; i++) {
		addr[i] = byaddr[i] & ~(PG - 1);
		prot[i] = pr[byaddr[i] & 1];
	}
	free(byaddr);
	for (i = 1; i < N && addr[i] != addr[i - 1]; i++)
		;
	CHECK(i == N, "every mapping at its own address");
	for (i = 0; i < N; i++)
		fill(i, 0x1000000u + (uint32_t)i);
	ok = contents_match();
	CHECK(ok, "each writable mapping holds its own value");
	if (!ok)
		printf("# %s\n", why);
	ok = maps_match();
	CHECK(ok, "/proc/self/maps lists each mapping once, in order");
	if (!ok)
		printf("# %s\n", why);

	for (i = 1, bad = 0; i < N; i += 2) {
		bad |= munmap((void *)addr[i], PG) != 0;
		prot[i] = -1;
	}
	CHECK(!bad, "every other mapping unmapped");
	ok = contents_match() && maps_match();
	CHECK(ok, "the rest keep their contents; maps lists only them");
	if (!ok)
		printf("# %s\n", why);

	for (i = 1, bad = 0; i < N; i += 2) {
		int p = prot[i - 1] == pr[0] ? pr[1] : pr[0]; /* unlike its neighbour */
		void *m =
		    mmap((void *)addr[i], PG, p, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		bad |= m != (void *)addr[i];
		prot[i] = p;
		value[i] = 0;
		fill(i, 0x2000000u + (uint32_t)i);
	}
	CHECK(!bad, "MAP_FIXED maps each hole again");
	ok = contents_match() && maps_match();
	CHECK(ok, "the new ones are zero-filled and hold their values; maps lists all");
	if (!ok)
		printf("# %s\n", why);

	int runs = protect_runs(3, PROT_READ);
	CHECK(runs > N / EVERY / 2, "mprotect PROT_READ over runs of 8 mappings");
	ok = contents_match() && maps_match();
	CHECK(ok, "contents survive; maps shows the runs read-only");
	if (!ok)
		printf("# %s\n", why);
	runs = protect_runs(EVERY / 2, PROT_READ | PROT_WRITE);
	CHECK(runs > N / EVERY / 2, "mprotect PROT_READ|PROT_WRITE over other runs");
	for (i = EVERY / 2; i < N; i += EVERY)
		for (int j = i; j < i + RUN && j < N; j++)
			fill(j, 0x3000000u + (uint32_t)j);
	ok = contents_match() && maps_match();
	CHECK(ok, "the runs are writable now; contents and maps agree");
	if (!ok)
		printf("# %s\n", why);

	for (i = 0, bad = 0; i < N; i++) {
		bad |= munmap((void *)addr[i], PG) != 0;
		prot[i] = -1;
	}
	ok = !bad && maps_match();
	CHECK(ok, "all unmapped: maps lists none of them");
	if (!ok)
		printf("# %s\n", why);
	return tap_done();
}

/*
 * icount: TCG plugin that counts guest instructions exactly and records the
 * count when marked addresses first execute (QEMU 7.2 plugin API, v1).
 *   qemu-system-x86_64 -accel tcg,thread=single \
 *     -plugin build/bench/icount.so,mark=0xffffffff80001234:ready,out=FILE ...
 * every=0xADDR:NAME records each execution of the address (up to
 * MAX_HITS), not just the first: the kernel's boot_step, once per
 * start-up step (include/boottime.h).
 * prof=FILE writes each instruction address that ran and how often
 * ("ADDR COUNT" lines; tools/bench/prof.sh sums them by function), only
 * while the count is in [prof.lo, prof.hi) when given: one step's share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_MARKS 64
#define MAX_HITS 256

/*
 * One milestone. Set up from the arguments at install; hit, insns and ns
 * are written once, by the vCPU that first executes addr.
 */
struct mark {
	uint64_t m_addr; /* guest virtual address */
	char *m_name;
	int m_hit;
	uint64_t m_insns; /* instructions executed before this one */
	uint64_t m_ns;    /* host ns since the plugin was loaded */
	unsigned int m_vcpu;
	int m_every;      /* every= : each execution goes into m_hits */
	int m_nhits;      /* executions recorded (at most MAX_HITS) */
	uint64_t m_more;  /* executions past MAX_HITS, not recorded */
	uint64_t *m_hits; /* insns before each recorded execution */
};

/*
 * The count: one inline add per guest instruction, so a TB left early (an
 * exception, an interrupt check) counts exactly what ran. Shared by all
 * vCPUs and added to without atomics: exact with one vCPU, or with several
 * under -accel tcg,thread=single; with MTTCG concurrent adds can be lost.
 */
static uint64_t insns;

/*
 * A REP string instruction runs under TCG as one pass per iteration, plus
 * a last pass that finds the count zero. Hardware retires it once, and so
 * do we: its passes get a callback that counts the first pass and no pass
 * that follows its own previous one with nothing in between (insns still
 * where that pass left it, same vCPU and address). One slot per vCPU.
 */
struct rep_state {
	uint64_t r_addr;  /* address of the last REP pass seen */
	uint64_t r_insns; /* insns just after that pass */
};
static struct rep_state *reps;
static uint64_t rep_starts; /* REP instructions counted */
static uint64_t rep_passes; /* TCG passes of REP instructions */
static struct mark marks[MAX_MARKS];
static int nmarks;
static FILE *out;

/*
 * The profile: one slot per instruction address that was translated,
 * open addressing (PROF_SLOTS, far more than a boot's distinct code).
 * Counts are executions, a REP string instruction's passes each.
 */
#define PROF_SLOTS (1u << 18)
struct prof_slot {
	uint64_t p_addr;
	uint64_t p_count;
	int p_used;
};
static struct prof_slot *prof;
static FILE *prof_out;
static uint64_t prof_lo, prof_hi = UINT64_MAX;
static uint64_t t0_ns;
static int nvcpus;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Runs before the inline add of the marked instruction (7.2 emits udata
 * callbacks ahead of inline ops), so insns excludes it. */
static void
mark_exec(unsigned int vcpu, void *udata)
{
	struct mark *m = udata;

	if (m->m_every && m->m_hit) {
		if (m->m_nhits < MAX_HITS)
			m->m_hits[m->m_nhits++] = insns;
		else
			m->m_more++;
		return;
	}
	if (m->m_hit)
		return;
	if (m->m_every)
		m->m_hits[m->m_nhits++] = insns;
	m->m_insns = insns;
	m->m_ns = now_ns() - t0_ns;
	m->m_vcpu = vcpu;
	m->m_hit = 1;
}

static struct prof_slot *
prof_slot(uint64_t va)
{
	uint32_t i = (uint32_t)((va * 0x9e3779b97f4a7c15ull) >> 46) & (PROF_SLOTS - 1);

	while (prof[i].p_used && prof[i].p_addr != va)
		i = (i + 1) & (PROF_SLOTS - 1);
	if (!prof[i].p_used) {
		prof[i].p_used = 1;
		prof[i].p_addr = va;
	}
	return &prof[i];
}

static void
prof_exec(unsigned int vcpu, void *udata)
{
	struct prof_slot *p = udata;

	(void)vcpu;
	if (insns >= prof_lo && insns < prof_hi)
		p->p_count++;
}

static void
rep_exec(unsigned int vcpu, void *udata)
{
	struct rep_state *r = &reps[vcpu];
	uint64_t va = (uintptr_t)udata;

	rep_passes++;
	if (r->r_addr != va || r->r_insns != insns) {
		insns++;
		rep_starts++;
	}
	r->r_addr = va;
	r->r_insns = insns;
}

/* True for a string instruction (ins, outs, movs, cmps, stos, lods, scas)
 * with a REP/REPNE prefix: prefixes, an optional REX, then the opcode. */
static int
is_rep_string(const uint8_t *p, size_t n)
{
	int rep = 0;
	size_t i = 0;

	for (; i < n; i++) {
		if (p[i] == 0xf2 || p[i] == 0xf3)
			rep = 1;
		else if (p[i] != 0x66 && p[i] != 0x67 && p[i] != 0xf0 && p[i] != 0x2e &&
		         p[i] != 0x36 && p[i] != 0x3e && p[i] != 0x26 && p[i] != 0x64 &&
		         p[i] != 0x65)
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40)
		i++;
	if (!rep || i >= n)
		return 0;
	return (p[i] >= 0x6c && p[i] <= 0x6f) || (p[i] >= 0xa4 && p[i] <= 0xa7) ||
	       (p[i] >= 0xaa && p[i] <= 0xaf);
}

static void
tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		for (int j = 0; j < nmarks; j++)
			if (marks[j].m_addr == va && (!marks[j].m_hit || marks[j].m_every))
				qemu_plugin_register_vcpu_insn_exec_cb(
				    insn, mark_exec, QEMU_PLUGIN_CB_NO_REGS, &marks[j]);
		if (prof)
			qemu_plugin_register_vcpu_insn_exec_cb(
			    insn, prof_exec, QEMU_PLUGIN_CB_NO_REGS, prof_slot(va));
		if (is_rep_string(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn)))
			qemu_plugin_register_vcpu_insn_exec_cb(
			    insn, rep_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)va);
		else
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
			                                           &insns, 1);
	}
}

/*
 * Output, one record per line, fields separated by one space:
 *   icount vcpus N
 *   icount mark NAME ADDR INSNS NS VCPU   (INSNS, NS, VCPU are "-" if never hit)
 *   icount total INSNS NS
 *   icount rep STARTS PASSES   (REP string instructions; TCG passes of them)
 *   icount hit NAME K INSNS    (every= marks: the K-th execution, from 0;
 *                               then "icount hits NAME N MORE": N recorded,
 *                               MORE past the limit)
 * INSNS count a REP string instruction once, as hardware retires it.
 */
static void
report(qemu_plugin_id_t id, void *p)
{
	uint64_t ns = now_ns() - t0_ns;

	(void)id;
	(void)p;
	fprintf(out, "icount vcpus %d%s\n", nvcpus,
	        nvcpus > 1 ? " (exact only with -accel tcg,thread=single)" : "");
	for (int i = 0; i < nmarks; i++) {
		struct mark *m = &marks[i];

		if (m->m_hit)
			fprintf(out, "icount mark %s 0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %u\n",
			        m->m_name, m->m_addr, m->m_insns, m->m_ns, m->m_vcpu);
		else
			fprintf(out, "icount mark %s 0x%" PRIx64 " - - -\n", m->m_name, m->m_addr);
	}
	for (int i = 0; i < nmarks; i++) {
		struct mark *m = &marks[i];

		if (!m->m_every)
			continue;
		for (int k = 0; k < m->m_nhits; k++)
			fprintf(out, "icount hit %s %d %" PRIu64 "\n", m->m_name, k, m->m_hits[k]);
		fprintf(out, "icount hits %s %d %" PRIu64 "\n", m->m_name, m->m_nhits, m->m_more);
	}
	fprintf(out, "icount total %" PRIu64 " %" PRIu64 "\n", insns, ns);
	fprintf(out, "icount rep %" PRIu64 " %" PRIu64 "\n", rep_starts, rep_passes);
	fflush(out);
	if (prof) {
		for (uint32_t i = 0; i < PROF_SLOTS; i++)
			if (prof[i].p_used && prof[i].p_count)
				fprintf(prof_out, "0x%" PRIx64 " %" PRIu64 "\n", prof[i].p_addr,
				        prof[i].p_count);
		fflush(prof_out);
	}
}

/* "0xADDR:NAME" -> marks[nmarks++]; NAME defaults to the address. */
static int
parse_mark(const char *val, int every)
{
	char *end;
	struct mark *m;

	if (nmarks == MAX_MARKS) {
		fprintf(stderr, "icount: more than %d marks\n", MAX_MARKS);
		return -1;
	}
	m = &marks[nmarks];
	errno = 0;
	m->m_addr = strtoull(val, &end, 16);
	if (errno || end == val || (*end && *end != ':')) {
		fprintf(stderr, "icount: bad mark '%s' (want 0xADDR:NAME)\n", val);
		return -1;
	}
	m->m_name = strdup(*end == ':' && end[1] ? end + 1 : val);
	m->m_every = every;
	if (every && !(m->m_hits = calloc(MAX_HITS, sizeof(*m->m_hits))))
		return -1;
	nmarks++;
	return 0;
}

QEMU_PLUGIN_EXPORT int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	t0_ns = now_ns();
	out = stderr;
	nvcpus = info->system_emulation ? info->system.max_vcpus : 1;
	reps = calloc(nvcpus > 0 ? nvcpus : 1, sizeof(*reps));
	if (!reps)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "mark=", 5) == 0) {
			if (parse_mark(argv[i] + 5, 0))
				return -1;
		} else if (strncmp(argv[i], "every=", 6) == 0) {
			if (parse_mark(argv[i] + 6, 1))
				return -1;
		} else if (strncmp(argv[i], "prof=", 5) == 0) {
			prof_out = fopen(argv[i] + 5, "w");
			prof = calloc(PROF_SLOTS, sizeof(*prof));
			if (!prof_out || !prof) {
				fprintf(stderr, "icount: %s: %s\n", argv[i] + 5, strerror(errno));
				return -1;
			}
		} else if (strncmp(argv[i], "prof.lo=", 8) == 0) {
			prof_lo = strtoull(argv[i] + 8, NULL, 0);
		} else if (strncmp(argv[i], "prof.hi=", 8) == 0) {
			prof_hi = strtoull(argv[i] + 8, NULL, 0);
		} else if (strncmp(argv[i], "out=", 4) == 0) {
			out = fopen(argv[i] + 4, "w");
			if (!out) {
				fprintf(stderr, "icount: %s: %s\n", argv[i] + 4, strerror(errno));
				return -1;
			}
		} else {
			fprintf(stderr,
			        "icount: unknown argument '%s' "
			        "(want mark=0xADDR:NAME, every=0xADDR:NAME, out=FILE, prof=FILE, "
			        "prof.lo=N or prof.hi=N)\n",
			        argv[i]);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, report, NULL);
	return 0;
}

/* The app's argv and environment: the NUL-separated strings of the
 * initrd's /.unum/argv and /.unum/env (docs/host-guest.md), read at
 * start-up (core/main.c) before /.unum goes; then the deployment's
 * overrides (docs/apps.md, "One image, many deployments"): the fw_cfg
 * files opt/unum/args and opt/unum/env (JSON arrays of strings), then the
 * kernel arguments unum.arg=WORD and unum.env=K=V. Arguments given there
 * replace argv[1:] (argv[0] stays); variables replace those of their
 * name and add the rest. A malformed override is the app's "cannot run"
 * (126), with one line saying where and why. */
#include "boot.h"
#include "cmdline.h"
#include "errno.h"
#include "fw_cfg.h"
#include "json.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "vfs.h"

#define OVERRIDE_MAX (1u << 20) /* bytes of one fw_cfg file */

static const char **argv, **envp;

/* a list of strings that grows (the overrides) */
struct strv {
	const char **v;
	size_t n, cap;
	bool given;
};

static void __noreturn
refuse(const char *where, const char *why)
{
	printk(KERN_ERR "unum: %s: cannot run: %s: %s", argv[0], where, why);
	kernel_exit(126);
}

static void
strv_add(struct strv *s, const char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		const char **v = kzalloc(cap * sizeof(char *));
		if (!v)
			panic("out of memory: the app's argument overrides");
		if (s->n)
			memcpy(v, s->v, s->n * sizeof(char *));
		kfree(s->v);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	s->given = true;
}

/* NUL-separated strings of a /.unum file, as a NULL-terminated array:
 * all of them (the loader refuses more than Linux's execve takes) */
static const char **
read_list(const char *path, const char *fallback)
{
	struct vnode *v;
	const char **list;
	size_t n = 0, size = 0;
	const char *b = NULL;

	/* the lookup's hold is kept: its bytes outlive its name (initrd_unum_remove) */
	if (!vfs_lookup(NULL, path, true, &v))
		b = vfs_bytes(v, &size);
	for (size_t i = 0; b && i < size; i++)
		n += !b[i]; /* an unterminated tail is not a string: dropped */
	list = kzalloc((n + 2) * sizeof(char *));
	if (!list)
		panic("out of memory: the app's arguments (%lu strings)", (unsigned long)n);
	n = 0;
	for (size_t i = 0; b && i < size;) {
		const char *s = b + i;
		size_t len = strnlen(s, size - i);
		if (i + len >= size)
			break;
		list[n++] = s;
		i += len + 1;
	}
	if (!n)
		list[n++] = fallback;
	return list;
}

static bool
is_var(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s;
}

/* fw_cfg file f, a JSON array of strings, into s */
static void
fw_cfg_list(const struct fw_cfg_file *f, struct strv *s, bool vars)
{
	char *text, *out, why[160];
	const char *what;
	size_t at;
	long n;

	if (f->size > OVERRIDE_MAX) {
		fmt_snprintf(why, sizeof(why), "%u bytes, more than the %u allowed", f->size,
		             OVERRIDE_MAX);
		refuse(f->name, why);
	}
	text = kmalloc(f->size + 1);
	out = kmalloc(f->size + 1);
	if (!text || !out)
		panic("out of memory: fw_cfg %s (%u bytes)", f->name, f->size);
	fw_cfg_read(f->select, text, f->size);
	n = json_strings(text, f->size, out, &at, &what);
	kfree(text);
	if (n < 0) {
		fmt_snprintf(why, sizeof(why), "not a JSON array of strings: byte %lu: %s",
		             (unsigned long)at, what);
		refuse(f->name, why);
	}
	s->given = true;
	for (long i = 0; i < n; i++, out += strlen(out) + 1) {
		if (vars && !is_var(out)) {
			fmt_snprintf(why, sizeof(why), "string %ld, \"%.40s\": not NAME=VALUE",
			             i + 1, out);
			refuse(f->name, why);
		}
		strv_add(s, out);
	}
	printk(KERN_INFO "unum: %ld %s from fw_cfg %s", n, vars ? "variables" : "arguments",
	       f->name);
}

/* --- the kernel arguments unum.arg= and unum.env= --- */

static int
check_arg(const char *v)
{
	return v ? 0 : -EINVAL;
}
CMDLINE_KEY("unum.arg", check_arg);

static int
check_env(const char *v)
{
	return v && is_var(v) ? 0 : -EINVAL;
}
CMDLINE_KEY("unum.env", check_env);

/* the second walk, here, collects them (the first, at start-up, could
 * not: the heap was not up yet) */
static struct strv cmd_args, cmd_env;

static const char *
dup(const char *v)
{
	size_t n = strlen(v) + 1;
	char *c = kmalloc(n);

	if (!c)
		panic("out of memory: the app's argument overrides");
	memcpy(c, v, n);
	return c;
}

static int
take_arg(const char *v)
{
	if (!v)
		return -EINVAL;
	strv_add(&cmd_args, dup(v));
	return 0;
}

static int
take_env(const char *v)
{
	if (!v || !is_var(v))
		return -EINVAL;
	strv_add(&cmd_env, dup(v));
	return 0;
}

static const struct cmdline_key override_keys[] = {{"unum.arg", take_arg}, {"unum.env", take_env}};

/* the other keys are the first walk's; ours, refused, end the boot */
static void
override_warn(const char *what, const char *tok, size_t len)
{
	char where[48];
	bool ours = len >= 8 && (!memcmp(tok, "unum.arg", 8) || !memcmp(tok, "unum.env", 8)) &&
	            (len == 8 || tok[8] == '=');

	if (!ours)
		return;
	fmt_snprintf(where, sizeof(where), "kernel argument '%.*s'", (int)MIN(len, 30), tok);
	refuse(where, !strcmp(what, "argument too long") ? "longer than 255 bytes"
	              : tok[5] == 'a'                    ? "needs a value (unum.arg=WORD)"
	                                                 : "not NAME=VALUE");
}

/* base with the variables of over: each replaces base's of its name */
static const char **
merge_env(const char **base, const struct strv *over)
{
	size_t nb = 0, n = 0;
	const char **out;

	while (base[nb])
		nb++;
	out = kzalloc((nb + over->n + 1) * sizeof(char *));
	if (!out)
		panic("out of memory: the app's environment");
	for (size_t i = 0; i < nb; i++) {
		size_t k = (size_t)(strchr(base[i], '=') ? strchr(base[i], '=') - base[i] : 0);
		bool replaced = false;
		for (size_t j = 0; k && j < over->n && !replaced; j++)
			replaced = !strncmp(over->v[j], base[i], k + 1);
		if (!replaced)
			out[n++] = base[i];
	}
	for (size_t j = 0; j < over->n; j++) {
		size_t k = (size_t)(strchr(over->v[j], '=') - over->v[j]);
		bool later = false;
		for (size_t l = j + 1; l < over->n && !later; l++)
			later = !strncmp(over->v[l], over->v[j], k + 1);
		if (!later) /* the last of a name wins */
			out[n++] = over->v[j];
	}
	return out;
}

static const char **
with_args(const char **old, const struct strv *args)
{
	const char **v = kzalloc((args->n + 2) * sizeof(char *));

	if (!v)
		panic("out of memory: the app's arguments");
	v[0] = old[0];
	for (size_t i = 0; i < args->n; i++)
		v[i + 1] = args->v[i];
	return v;
}

static void
overrides(void)
{
	struct fw_cfg_file f[4];
	struct strv fw_args = {0}, fw_env = {0};
	int n = fw_cfg_files("opt/unum/", f, 4);

	for (int i = 0; i < n && i < 4; i++) {
		if (!strcmp(f[i].name, "opt/unum/args"))
			fw_cfg_list(&f[i], &fw_args, false);
		else if (!strcmp(f[i].name, "opt/unum/env"))
			fw_cfg_list(&f[i], &fw_env, true);
		else
			printk(KERN_WARN "unum: fw_cfg %s: unknown, ignored (opt/unum/args and "
			                 "opt/unum/env are known)",
			       f[i].name);
	}
	cmdline_parse_keys(boot_info.cmdline, override_keys, 2, override_warn);
	if (cmd_args.given)
		argv = with_args(argv, &cmd_args);
	else if (fw_args.given)
		argv = with_args(argv, &fw_args);
	if (fw_env.n)
		envp = merge_env(envp, &fw_env);
	if (cmd_env.n)
		envp = merge_env(envp, &cmd_env);
}

void
app_args_init(void)
{
	argv = read_list("/.unum/argv", "/app/app");
	envp = read_list("/.unum/env", NULL);
	overrides();
}

const char *const *
app_argv(void)
{
	return argv;
}

const char *const *
app_envp(void)
{
	return envp;
}

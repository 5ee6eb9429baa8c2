/* dlopen'ed RTLD_GLOBAL by dyn_reldeps (tests/e2e/dyn-reldeps.sh), for
 * libdynreluse.so to bind to without a DT_NEEDED on it; built twice: as
 * libdynreldef.so, a function, a .data counter and a __thread, which
 * libdynreluse.so's relocations bind to, and with -DOTHER as
 * libdynreldef2.so, a function its dlsym(RTLD_DEFAULT) finds. Each logs
 * its constructor and destructor through the program's reldeps_log. */
void reldeps_log(const char *what); /* the program's (-rdynamic) */

#ifdef OTHER
#define WHO "def2"
long
reldef2_id(void)
{
	return 2;
}
#else
#define WHO "def"
int reldef_value = 17;
__thread long reldef_tls = 3;

int
reldef_add(int x)
{
	return x + reldef_value;
}
#endif

__attribute__((constructor)) static void
init(void)
{
	reldeps_log("init " WHO);
}

__attribute__((destructor)) static void
fini(void)
{
	reldeps_log("fini " WHO);
}

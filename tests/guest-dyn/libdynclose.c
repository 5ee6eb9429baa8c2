/* dlopen'ed and dlclose'd by dyn_close (tests/e2e/dyn-close.sh), built
 * twice: -DDEP as libdynclosedep.so, and as libdynclose.so, which needs
 * it (DT_NEEDED, RUNPATH $ORIGIN). Each logs its constructor and its
 * destructors (two: the DT_FINI_ARRAY's, in reverse order) through the
 * program's dynclose_log; libdynclose.so has a counter in .data and a
 * __thread (dynamic TLS), both to start afresh when it is loaded again. */
void dynclose_log(const char *what); /* the program's (-rdynamic) */

#ifdef DEP
#define WHO "dep"
int
dynclose_dep(void)
{
	return 5;
}
#else
#define WHO "plugin"
int dynclose_dep(void);

int dynclose_counter = 41;
__thread long dynclose_tls = 7;

int
dynclose_bump(void)
{
	return ++dynclose_counter;
}

int
dynclose_from_dep(void)
{
	return dynclose_dep();
}

long
dynclose_tls_add(long x)
{
	dynclose_tls += x;
	return dynclose_tls;
}
#endif

__attribute__((constructor)) static void
init(void)
{
	dynclose_log("init " WHO);
}

__attribute__((destructor(101))) static void
fini_late(void)
{
	dynclose_log("fini " WHO " 2");
}

__attribute__((destructor(102))) static void
fini_early(void)
{
	dynclose_log("fini " WHO " 1");
}

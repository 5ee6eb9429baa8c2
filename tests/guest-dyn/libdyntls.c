/* A shared library with thread-local storage (tests/guest-dyn/dyn_main.c
 * links it, DT_NEEDED with RUNPATH $ORIGIN): each thread sees its own
 * copy of the __thread variable, initialised from the library's TLS
 * image. */
__thread int dyntls_value = 40;

int *
dyntls_addr(void)
{
	return &dyntls_value;
}

int
dyntls_add(int x)
{
	dyntls_value += x;
	return dyntls_value;
}

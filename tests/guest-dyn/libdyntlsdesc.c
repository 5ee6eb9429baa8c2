/* A plugin dlopen'ed by tests/guest-dyn/dyn_tlsdesc.c, built with
 * -mtls-dialect=gnu2 (tests/e2e/dyn-tlsdesc.sh): its __thread variables,
 * initialised and bss, are reached through TLSDESC (general-dynamic for
 * the global ones, local-dynamic for the static one), a dynamic resolver
 * since it was loaded after start-up; tdp_regs_kept
 * (tests/guest-dyn/tlsdesc_regs.S) calls it by hand. The variable of
 * libdyntlsdesc-needed.so, in the static TLS, gets the static one. */
__thread long tdp_init = 1234;
__thread long tdp_bss;
static __thread int tdp_local[4] = {5, 6, 7, 8};
extern __thread long tdn_value;

long *
tdp_init_addr(void)
{
	return &tdp_init;
}

long *
tdp_bss_addr(void)
{
	return &tdp_bss;
}

int *
tdp_local_addr(void)
{
	return tdp_local;
}

long *
tdp_needed_addr(void)
{
	return &tdn_value;
}

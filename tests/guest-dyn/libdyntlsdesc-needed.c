/* A DT_NEEDED library of tests/guest-dyn/dyn_tlsdesc.c, built with
 * -mtls-dialect=gnu2 (tests/e2e/dyn-tlsdesc.sh): loaded at start-up, its
 * __thread is in the static TLS and its TLSDESC resolver the static one;
 * tdn_regs_kept (tests/guest-dyn/tlsdesc_regs.S) calls it by hand. */
__thread long tdn_value = 77;

long *
tdn_addr(void)
{
	return &tdn_value;
}

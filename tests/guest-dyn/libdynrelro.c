/* dlopen'ed by dyn_relro (tests/e2e/dyn-relro.sh): a GNU IFUNC, whose
 * resolver runs in the app after the load, and a const pointer to it,
 * whose relocation waits for that resolver and lands in PT_GNU_RELRO:
 * read-only once it is written. */
static int
seven(void)
{
	return 7;
}

static int (*resolve_f(void))(void)
{
	return seven;
}

int dynrelro_f(void) __attribute__((ifunc("resolve_f")));

int (*const dynrelro_fp)(void) = dynrelro_f;

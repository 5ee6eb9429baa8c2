/* The library tests/guest-dyn/dyn_nosym.c is linked with. */
int
dynsym_value(void)
{
	return 42;
}

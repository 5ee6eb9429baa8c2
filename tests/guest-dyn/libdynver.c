/* A library with symbol versions (tests/e2e/dyn-ver.sh), built three
 * ways from this file with the version script libdynver.map (-DVERS=N):
 * 1: dynver_which@@VER_1 only; 2: dynver_which@VER_1 (the old one,
 * kept for programs linked against 1) and dynver_which@@VER_2; 3: as 2
 * and dynver_new@@VER_3. dynver_which returns the version it is. */
#if VERS >= 2
__asm__(".symver dynver_which_1,dynver_which@VER_1");
__asm__(".symver dynver_which_2,dynver_which@@VER_2");

int dynver_which_1(void);
int dynver_which_2(void);

int
dynver_which_1(void)
{
	return 1;
}

int
dynver_which_2(void)
{
	return 2;
}
#else
int dynver_which(void);

int
dynver_which(void)
{
	return 1;
}
#endif

#if VERS >= 3
int dynver_new(void);

int
dynver_new(void)
{
	return 3;
}
#endif

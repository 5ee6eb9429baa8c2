/* A plugin with a big __thread array (tests/e2e/dyn-tlsexit.sh), reached
 * through __tls_get_addr: dlopen'ed by tests/guest-dyn/dyn_tlsexit.c,
 * whose threads each touch every page of their copy. */
#define BIG (256 * 1024)

__thread char tlsbig[BIG] = {1};

/* 1 when this thread's copy was as the image says; then every page of
 * it written */
int
tlsbig_touch(int v)
{
	int fresh = tlsbig[0] == 1 && tlsbig[BIG - 1] == 0;

	for (int i = 0; i < BIG; i += 4096)
		tlsbig[i] = (char)v;
	return fresh;
}

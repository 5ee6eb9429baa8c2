/* dlopen'ed by dyn_fini (tests/e2e/dyn-fini.sh), built twice (-DWHO=A,
 * -DWHO=B): its destructors say who they are at exit, the
 * DT_FINI_ARRAY's in reverse order. */
#include <string.h>
#include <unistd.h>

#define STR2(x) #x
#define STR(x) STR2(x)

static void
say(const char *s)
{
	write(1, s, strlen(s));
}

__attribute__((destructor(101))) static void
fini_late(void)
{
	say("fini " STR(WHO) " 2\n");
}

__attribute__((destructor(102))) static void
fini_early(void)
{
	say("fini " STR(WHO) " 1\n");
}

int dynfini_here = 1;

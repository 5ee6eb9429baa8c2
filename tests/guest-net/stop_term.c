/* The app of tests/e2e/stop-*.sh: how a server meets its stop. With
 * "handle", SIGTERM's handler says so and the program exits 3; with
 * "ignore", SIGTERM is ignored, so only SIGKILL ends it (137). Prints
 * "ready" once the disposition is set, then waits in pause(); with
 * SECONDS, a SIGTERM that has not come by then ends it with status 4. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void
on_term(int sig)
{
	got = sig;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "handle") && strcmp(argv[1], "ignore"))) {
		fprintf(stderr, "usage: stop_term handle|ignore [SECONDS]\n");
		return 2;
	}
	struct sigaction alrm = {.sa_handler = on_term};
	sigaction(SIGALRM, &alrm, NULL);
	if (!strcmp(argv[1], "ignore")) {
		signal(SIGTERM, SIG_IGN);
	} else {
		struct sigaction sa = {.sa_handler = on_term};
		sigaction(SIGTERM, &sa, NULL);
	}
	printf("ready\n");
	fflush(stdout);
	if (argc == 3)
		alarm((unsigned)atoi(argv[2]));
	while (!got)
		pause();
	if (got == SIGALRM) {
		printf("no SIGTERM in %s s\n", argv[2]);
		return 4;
	}
	printf("got SIGTERM\n");
	return 3;
}

/* One folder of 20,000 files (directories are hashed by name, so this is
 * not a list walk per name): each created, a few looked up by stat, some
 * renamed and hard-linked inside the folder, the listing giving every
 * name exactly once, all removed, the folder empty again. Correctness
 * only: nothing here is timed. Runs on Linux too. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

#define N 20000
#define DIR_PATH "bigdir.test"

static unsigned char seen[N];

/* file i's name: plain, or renamed ("r" prefix) for every 97th */
static void
name_of(char *buf, size_t size, int i, bool renamed)
{
	snprintf(buf, size, "%s/%s%05d", DIR_PATH, renamed ? "r" : "f", i);
}

int
main(void)
{
	char path[64], path2[64];
	struct stat st;
	int fails = 0, fd;

	rmdir(DIR_PATH);
	CHECK(mkdir(DIR_PATH, 0755) == 0, "mkdir the folder");
	for (int i = 0; i < N; i++) {
		name_of(path, sizeof(path), i, false);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, &i, sizeof(i)) != sizeof(i) || close(fd)) {
			if (!fails++)
				printf("# create %s failed (errno %d)\n", path, errno);
		}
	}
	CHECK(fails == 0, "20,000 files created");
	fails = 0;
	for (int i = 0; i < N; i += 1999) {
		name_of(path, sizeof(path), i, false);
		if (stat(path, &st) || st.st_size != sizeof(int) || !S_ISREG(st.st_mode))
			fails++;
	}
	name_of(path, sizeof(path), N, false);
	CHECK(fails == 0 && stat(path, &st) == -1 && errno == ENOENT,
	      "stat finds those there and not one that is not");
	name_of(path, sizeof(path), 5, false);
	CHECK(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST,
	      "O_EXCL on a name there: EEXIST");
	fails = 0;
	for (int i = 0; i < N; i += 97) {
		name_of(path, sizeof(path), i, false);
		name_of(path2, sizeof(path2), i, true);
		if (rename(path, path2))
			fails++;
	}
	name_of(path, sizeof(path), 0, false);
	name_of(path2, sizeof(path2), 0, true);
	CHECK(fails == 0 && stat(path, &st) == -1 && errno == ENOENT && stat(path2, &st) == 0,
	      "every 97th renamed in the folder");
	CHECK(link(DIR_PATH "/f00001", DIR_PATH "/hardlink") == 0 &&
	          stat(DIR_PATH "/hardlink", &st) == 0 && st.st_nlink == 2,
	      "a hard link in the folder");
	/* the listing: every name exactly once */
	DIR *d = opendir(DIR_PATH);
	struct dirent *e;
	int dots = 0, extra = 0, twice = 0, links = 0;
	CHECK(d != NULL, "opendir");
	while (d && (e = readdir(d))) {
		int i;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		if (!strcmp(e->d_name, "hardlink")) {
			links++;
			continue;
		}
		bool r = e->d_name[0] == 'r';
		if ((e->d_name[0] != 'f' && !r) || (i = atoi(e->d_name + 1)) < 0 || i >= N ||
		    (i % 97 == 0) != r) {
			if (!extra++)
				printf("# unexpected name %s\n", e->d_name);
			continue;
		}
		if (seen[i]++)
			twice++;
	}
	if (d)
		closedir(d);
	int missing = 0;
	for (int i = 0; i < N; i++)
		missing += !seen[i];
	printf("# listing: %d missing, %d twice, %d unexpected\n", missing, twice, extra);
	CHECK(dots == 2 && links == 1 && extra == 0 && twice == 0 && missing == 0,
	      "the listing gives each of the 20,002 names once");
	fails = 0;
	for (int i = 0; i < N; i++) {
		name_of(path, sizeof(path), i, i % 97 == 0);
		if (unlink(path))
			fails++;
	}
	CHECK(fails == 0 && unlink(DIR_PATH "/hardlink") == 0, "all removed");
	int left = 0;
	d = opendir(DIR_PATH);
	while (d && (e = readdir(d)))
		left++;
	if (d)
		closedir(d);
	CHECK(left == 2 && stat(DIR_PATH, &st) == 0 && st.st_nlink == 2, "the folder is empty");
	CHECK(rmdir(DIR_PATH) == 0, "rmdir");
	return tap_done();
}

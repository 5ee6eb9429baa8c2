/* In-guest checks of directory permissions once the app has dropped root,
 * as Linux: the path walk needs search (x) on every directory it looks a
 * name up in (access(2) by the real uid), chdir needs x on the target,
 * making a name needs write and search on its directory (after EEXIST),
 * removing and renaming too, a directory moving to another parent must be
 * writable itself, and in a sticky directory (/tmp: 01777) only the owner
 * of a file or of the directory removes or renames it (EPERM). Root sets
 * the tree up, then drops to uid 1000 for good. Passes natively as root
 * too (skipped when not root). */
#define _GNU_SOURCE
#include "tap.h"
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define B "/tmp/posix_dirperm"
#define USER 1000
#define OTHER 2000

/* the errno of a call that should fail (0: it succeeded) */
#define ERR(call) (errno = 0, (call) < 0 ? errno : 0)

static void
expect(int got, int want, const char *name)
{
	if (got != want)
		printf("# %s: expected %s, got %s\n", name, want ? strerror(want) : "success",
		       got ? strerror(got) : "success");
	CHECK(got == want, name);
}

/* remove a tree a run before left (as root) */
static void
rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int
mk_file(const char *path, mode_t mode, uid_t uid)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);

	if (fd < 0)
		return -1;
	close(fd);
	return chmod(path, mode) || chown(path, uid, uid) ? -1 : 0;
}

static int
mk_dir(const char *path, mode_t mode, uid_t uid)
{
	return mkdir(path, mode) || chmod(path, mode) || chown(path, uid, uid) ? -1 : 0;
}

/* as root: the tree the user meets */
static int
setup(void)
{
	rm_tree(B);
	return mk_dir(B, 0755, 0) ||
	       /* rw but no search */
	       mk_dir(B "/nosearch", 0666, 0) || mk_file(B "/nosearch/f", 0644, 0) ||
	       /* search but no write */
	       mk_dir(B "/ro", 0555, 0) || mk_file(B "/ro/f", 0666, 0) ||
	       mk_dir(B "/ro/sub", 0777, USER) ||
	       /* write and search, no read */
	       mk_dir(B "/wx", 0333, 0) ||
	       /* the user's, with a directory of root's in one */
	       mk_dir(B "/mine", 0755, USER) || mk_dir(B "/mine2", 0755, USER) ||
	       mk_dir(B "/mine/rootdir", 0755, 0) ||
	       /* sticky, root's, with another user's file */
	       mk_dir(B "/sticky", 01777, 0) || mk_file(B "/sticky/theirs", 0666, OTHER) ||
	       /* sticky, the user's, with another user's file */
	       mk_dir(B "/sticky2", 01777, USER) || mk_file(B "/sticky2/theirs", 0666, OTHER) ||
	       /* set-group-ID, group 50 */
	       mk_dir(B "/sgid", 0777, 0) || chown(B "/sgid", 0, 50) || chmod(B "/sgid", 02777);
}

/* access(2) walks by the real uid: real 1000, effective root */
static void
check_real_ids(void)
{
	struct stat st;

	CHECK(setresuid(USER, -1, -1) == 0 && getuid() == USER && geteuid() == 0,
	      "real uid 1000, effective 0");
	expect(ERR(access(B "/nosearch/f", F_OK)), EACCES,
	       "access: a directory without x for the real uid is EACCES");
	expect(ERR(stat(B "/nosearch/f", &st)), 0,
	       "stat by the effective (root) ids walks through");
	expect(ERR(faccessat(AT_FDCWD, B "/nosearch/f", F_OK, AT_EACCESS)), 0,
	       "faccessat AT_EACCESS walks by the effective ids");
	CHECK(setresuid(0, -1, -1) == 0 && getuid() == 0, "real uid 0 again");
}

static void
check_search(void)
{
	struct stat st;
	char buf[64];

	expect(ERR(stat(B "/nosearch", &st)), 0, "stat of a directory without x (its parent has)");
	expect(ERR(stat(B "/nosearch/f", &st)), EACCES, "stat through a directory without x");
	expect(ERR(stat(B "/nosearch/nothing", &st)), EACCES,
	       "a missing name under a directory without x: EACCES, not ENOENT");
	expect(ERR(stat(B "/nosearch/.", &st)), EACCES, "\".\" needs x too");
	expect(ERR(stat(B "/nosearch/..", &st)), EACCES, "\"..\" needs x too");
	expect(ERR(open(B "/nosearch/f", O_RDONLY)), EACCES, "open through a directory without x");
	expect(ERR(access(B "/nosearch/f", F_OK)), EACCES, "access through a directory without x");
	expect(ERR(open(B "/nosearch/new", O_CREAT | O_WRONLY, 0644)), EACCES,
	       "creating under a directory without x");
	expect(ERR(mkdir(B "/nosearch/d", 0755)), EACCES, "mkdir under a directory without x");
	expect(ERR(unlink(B "/nosearch/f")), EACCES, "unlink under a directory without x");
	expect(ERR(readlink(B "/nosearch/f", buf, sizeof(buf))), EACCES,
	       "readlink through a directory without x");
	expect(ERR(chdir(B "/nosearch")), EACCES, "chdir to a directory without x");
	int d = open(B "/nosearch", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0, "a directory without x opens to read (r is there)");
	expect(ERR(fstatat(d, "f", &st, 0)), EACCES, "fstatat from its fd: still EACCES");
	expect(ERR(fchdir(d)), EACCES, "fchdir to it");
	close(d);
	expect(ERR(open(B "/wx", O_RDONLY | O_DIRECTORY)), EACCES,
	       "a 0333 directory does not open to read");
	expect(ERR(chdir(B "/wx")), 0, "chdir to a 0333 directory");
	CHECK(chdir("/") == 0, "back to /");
}

static void
check_write(void)
{
	int fd;

	fd = open(B "/ro/f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0, "O_CREAT of a name there needs no write on the directory");
	close(fd);
	expect(ERR(open(B "/ro/new", O_CREAT | O_WRONLY, 0644)), EACCES,
	       "creating in a 0555 directory");
	expect(ERR(mkdir(B "/ro/d", 0755)), EACCES, "mkdir in a 0555 directory");
	expect(ERR(mkdir(B "/ro/f", 0755)), EEXIST,
	       "mkdir of a name there in a 0555 directory: EEXIST first");
	expect(ERR(symlink("f", B "/ro/l")), EACCES, "symlink in a 0555 directory");
	expect(ERR(link(B "/ro/f", B "/ro/h")), EACCES, "link into a 0555 directory");
	expect(ERR(unlink(B "/ro/f")), EACCES, "unlink in a 0555 directory");
	expect(ERR(rmdir(B "/ro/sub")), EACCES,
	       "rmdir of the user's own directory in a 0555 directory");
	expect(ERR(rename(B "/ro/f", B "/ro/g")), EACCES, "rename within a 0555 directory");
	expect(ERR(rename(B "/ro/f", B "/mine/f")), EACCES, "rename out of a 0555 directory");
	CHECK(mk_file(B "/mine/x", 0644, USER) == 0, "a file in the user's directory");
	expect(ERR(rename(B "/mine/x", B "/ro/x")), EACCES, "rename into a 0555 directory");
	expect(ERR(link(B "/ro/f", B "/mine/h")), 0, "link from a 0555 directory into the user's");
	expect(ERR(unlink(B "/mine/h")), 0, "unlink in the user's directory");

	expect(ERR(fd = open(B "/wx/f", O_CREAT | O_WRONLY, 0644)), 0,
	       "creating in a 0333 directory");
	close(fd);
	expect(ERR(rename(B "/wx/f", B "/wx/g")), 0, "rename in a 0333 directory");
	expect(ERR(unlink(B "/wx/g")), 0, "unlink in a 0333 directory");

	/* a directory moving to another parent: its ".." changes */
	expect(ERR(rename(B "/mine/rootdir", B "/mine2/rootdir")), EACCES,
	       "moving root's 0755 directory to another parent");
	expect(ERR(rename(B "/mine/rootdir", B "/mine/rootdir2")), 0,
	       "renaming it within its parent");
	expect(ERR(rmdir(B "/mine/rootdir2")), 0,
	       "rmdir of root's empty directory in the user's directory");
}

static void
check_sticky(void)
{
	struct stat st;
	int fd;

	CHECK(stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777, "/tmp is 01777");
	expect(ERR(unlink(B "/sticky/theirs")), EPERM, "sticky: another user's file stays (EPERM)");
	expect(ERR(rename(B "/sticky/theirs", B "/sticky/taken")), EPERM,
	       "sticky: another user's file is not renamed");
	fd = open(B "/sticky/mine", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "sticky: the user creates a file");
	close(fd);
	expect(ERR(rename(B "/sticky/mine", B "/sticky/theirs")), EPERM,
	       "sticky: not over another user's file");
	expect(ERR(rename(B "/sticky/mine", B "/sticky/mine2")), 0, "sticky: renames its own");
	expect(ERR(unlink(B "/sticky/mine2")), 0, "sticky: removes its own");
	fd = open(B "/sticky/theirs", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "sticky: another's 0666 file is still writable");
	close(fd);
	expect(ERR(unlink(B "/sticky2/theirs")), 0,
	       "sticky: the directory's owner removes another user's file");
}

/* what the user makes is the user's (the file-system ids), with the
 * group of a set-group-ID directory */
static void
check_owner(void)
{
	struct stat st;
	int fd = open(B "/mine/owned", O_CREAT | O_WRONLY, 0644);

	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == USER && st.st_gid == USER,
	      "a file the user creates is uid and gid 1000");
	close(fd);
	CHECK(mkdir(B "/mine/d", 0755) == 0 && stat(B "/mine/d", &st) == 0 && st.st_uid == USER &&
	          st.st_gid == USER,
	      "a directory the user makes is the user's");
	CHECK(symlink("owned", B "/mine/l") == 0 && lstat(B "/mine/l", &st) == 0 &&
	          st.st_uid == USER,
	      "a symlink the user makes is the user's");
	fd = open(B "/sgid/f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == USER && st.st_gid == 50,
	      "set-group-ID directory: a new file takes its group");
	close(fd);
	CHECK(mkdir(B "/sgid/d", 0755) == 0 && stat(B "/sgid/d", &st) == 0 && st.st_gid == 50 &&
	          (st.st_mode & S_ISGID),
	      "set-group-ID directory: a new directory takes its group and the bit");
}

static void
check_proc(void)
{
	char buf[64];
	int d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);

	CHECK(d >= 0 && readlink("/proc/self/fd/0", buf, sizeof(buf)) > 0,
	      "the app still reads its own /proc/self/fd");
	if (d >= 0)
		close(d);
}

int
main(void)
{
	gid_t none[1] = {0};

	if (geteuid() != 0) {
		printf("1..0 # skipped: not root\n");
		return 0;
	}
	mkdir("/tmp", 01777);
	CHECK(setup() == 0, "root sets the tree up");
	check_real_ids();
	CHECK(setgroups(0, none) == 0 && setgid(USER) == 0 && setuid(USER) == 0 &&
	          geteuid() == USER && getegid() == USER,
	      "root drops to uid and gid 1000, no groups");
	check_search();
	check_write();
	check_sticky();
	check_owner();
	check_proc();
	return tap_done();
}

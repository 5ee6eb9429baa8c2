/* drivers/blk_name.c on the host: disk names as Linux gives them (vda..
 * vdz, vdaa.., vdzz, vdaaa..), all distinct over a long run of indexes,
 * and a buffer too small refused. Run: make unit &&
 * build/tests/unit/test_blk_name */
#include "blkdev.h"
#include "errno.h"
#include "unit.h"

static const char *
name(unsigned index)
{
	static char b[BLK_NAME_MAX];

	if (blk_disk_name(b, sizeof(b), "vd", index))
		return "(error)";
	return b;
}

static void
linux_names(void)
{
	EXPECT_STR(name(0), "vda");
	EXPECT_STR(name(1), "vdb");
	EXPECT_STR(name(25), "vdz");
	EXPECT_STR(name(26), "vdaa"); /* the 27th: 'a' + 26 % 26 gave vda again */
	EXPECT_STR(name(27), "vdab");
	EXPECT_STR(name(51), "vdaz");
	EXPECT_STR(name(52), "vdba");
	EXPECT_STR(name(701), "vdzz");
	EXPECT_STR(name(702), "vdaaa");
	EXPECT_STR(name(18277), "vdzzz");
	EXPECT_STR(name(18278), "vdaaaa");
}

/* the names of 0..N-1, each a letter string: distinct and in the order
 * Linux lists them (shorter first, then alphabetical) */
static void
all_distinct(void)
{
	enum { N = 20000 };
	static char prev[BLK_NAME_MAX];

	for (unsigned i = 0; i < N; i++) {
		const char *n = name(i);
		if (i) {
			size_t a = strlen(prev), b = strlen(n);
			if (!(b > a || (b == a && strcmp(n, prev) > 0))) {
				unit_fail(__FILE__, __LINE__, "name(%u) = %s does not follow %s", i,
				          n, prev);
				return;
			}
		}
		strcpy(prev, n);
	}
}

static void
too_small(void)
{
	char b[5];

	EXPECT_EQ(blk_disk_name(b, sizeof(b), "vd", 25), 0); /* "vdz" + NUL */
	EXPECT_STR(b, "vdz");
	EXPECT_EQ(blk_disk_name(b, sizeof(b), "vd", 26), 0); /* "vdaa" + NUL */
	EXPECT_EQ(blk_disk_name(b, 4, "vd", 26), -EINVAL);
	EXPECT_EQ(blk_disk_name(b, sizeof(b), "vd", 702), -EINVAL);
	EXPECT_EQ(blk_disk_name(b, 0, "", 0), -EINVAL);
	char big[BLK_NAME_MAX];
	EXPECT_EQ(blk_disk_name(big, sizeof(big), "vd", 4294967295u), 0);
	EXPECT_STR(big, "vdmwlqkwv"); /* 2^32 - 1 */
}

int
main(void)
{
	RUN(linux_names);
	RUN(all_distinct);
	RUN(too_small);
	return unit_done();
}

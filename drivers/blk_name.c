/* Disk names as Linux gives them (include/blkdev.h): the index written in
 * "bijective base 26" after a prefix, so vdz is followed by vdaa, vdzz by
 * vdaaa, and no two indexes share a name. Pure: host unit test
 * tests/unit/test_blk_name.c. */
#include "blkdev.h"
#include "errno.h"
#include "lib.h"

int
blk_disk_name(char *buf, size_t size, const char *prefix, unsigned index)
{
	char letters[8]; /* 26^7 > 2^32: enough for any unsigned */
	size_t n = 0, plen = strlen(prefix);
	unsigned long i = index;

	for (;;) {
		letters[n++] = (char)('a' + i % 26);
		i /= 26;
		if (!i)
			break;
		i--; /* "a" is the first letter of the next place, not "b" */
	}
	if (plen + n + 1 > size)
		return -EINVAL;
	memcpy(buf, prefix, plen);
	for (size_t k = 0; k < n; k++)
		buf[plen + k] = letters[n - 1 - k];
	buf[plen + n] = '\0';
	return 0;
}

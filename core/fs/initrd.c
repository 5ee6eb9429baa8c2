/* The initrd: a cpio "newc" archive (the format of Linux's initramfs;
 * 110-byte ASCII headers, magic 070701) unpacked into the ramfs. Every
 * header is checked: a truncated or malformed archive is an error naming
 * the entry, never a partial tree taken as good. */
#include "boot.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "vfs.h"

#define HDR 110

/* per byte of x, each below 0x80: 0x80 where the byte is k or more
 * (no carry crosses a byte) */
#define ONES 0x0101010101010101ull
#define HIGH (ONES * 0x80)
#define GE(x, k) (((x) + ONES * (0x80 - (k))) & HIGH)

/* 8 hex digits (either case), all eight at once in one word; false on
 * anything else */
static bool
hex8(const uint8_t *p, uint32_t *out)
{
	uint64_t x, l, digit, alpha, n;

	__builtin_memcpy(&x, p, 8); /* p[0], the first digit, lowest */
	if (x & HIGH)
		return false;
	l = x | ONES * 0x20; /* letters in lower case */
	digit = GE(x, '0') & ~GE(x, '9' + 1);
	alpha = GE(l, 'a') & ~GE(l, 'f' + 1);
	if ((digit | alpha) != HIGH)
		return false;
	n = (x & ONES * 0x0f) + (alpha >> 7) * 9; /* each byte its digit's value */
	/* pairs of digits, then fours, then the eight: first digit highest */
	n = (n & 0x000f000f000f000full) << 4 | (n & 0x0f000f000f000f00ull) >> 8;
	n = (n & 0x000000ff000000ffull) << 8 | (n & 0x00ff000000ff0000ull) >> 16;
	*out = (uint32_t)((n & 0xffff) << 16 | (n >> 32 & 0xffff));
	return true;
}

/* fields after the magic, in order: ino mode uid gid nlink mtime filesize
 * devmajor devminor rdevmajor rdevminor namesize check */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_NAMESIZE = 11, NFIELDS = 13 };

static int
add_entry(const char *name, uint32_t mode, uint32_t mtime, const uint8_t *data, uint32_t size)
{
	struct vnode *v;
	int err;

	while (*name == '/')
		name++;
	if (!*name || !strcmp(name, "."))
		return 0; /* the root itself */
	err = vfs_create(NULL, name, mode, &v);
	if (err == -EEXIST && v && (v->v_mode & S_IFMT) == (mode & S_IFMT) &&
	    (mode & S_IFMT) == S_IFDIR)
		err = 0; /* a directory named twice */
	if (err) {
		if (v)
			vfs_put(v);
		return err;
	}
	v->v_mode = mode;
	v->v_atime_ns = v->v_mtime_ns = (uint64_t)mtime * 1000000000u;
	if ((mode & S_IFMT) == S_IFREG || (mode & S_IFMT) == S_IFLNK) {
		err = vfs_write_data(v, 0, data, size);
		v->v_atime_ns = v->v_mtime_ns = (uint64_t)mtime * 1000000000u;
	}
	vfs_put(v);
	return err;
}

/* a second pass over a good archive: directories get their own mtimes
 * back (adding their entries moved them to now) */
static void
dir_times(const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (off + HDR <= len) {
		uint32_t f[NFIELDS];
		struct vnode *v;
		/* only the fields this pass needs: the first checked them all */
		static const int need[] = {F_MODE, F_MTIME, F_SIZE, F_NAMESIZE};
		for (size_t i = 0; i < ARRAY_SIZE(need); i++)
			hex8(data + off + 6 + 8 * need[i], &f[need[i]]);
		const char *name = (const char *)data + off + HDR;
		if (!strcmp(name, "TRAILER!!!"))
			return;
		if ((f[F_MODE] & S_IFMT) == S_IFDIR && !vfs_lookup(NULL, name, false, &v)) {
			v->v_atime_ns = v->v_mtime_ns = (uint64_t)f[F_MTIME] * 1000000000u;
			vfs_put(v);
		}
		off = ALIGN_UP(ALIGN_UP(off + HDR + f[F_NAMESIZE], 4) + f[F_SIZE], 4);
	}
}

int
initrd_unpack(const uint8_t *data, size_t len, const char **why)
{
	size_t off = 0;
	static char msg[160];

	for (;;) {
		uint32_t f[NFIELDS];
		if (off + HDR > len) {
			fmt_snprintf(msg, sizeof(msg),
			             "truncated: header at byte %lu runs past the end (%lu bytes)",
			             (unsigned long)off, (unsigned long)len);
			goto bad;
		}
		if (memcmp(data + off, "070701", 6) && memcmp(data + off, "070702", 6)) {
			fmt_snprintf(msg, sizeof(msg),
			             "bad header magic at byte %lu (not cpio newc)",
			             (unsigned long)off);
			goto bad;
		}
		for (int i = 0; i < NFIELDS; i++)
			if (!hex8(data + off + 6 + 8 * i, &f[i])) {
				fmt_snprintf(msg, sizeof(msg), "bad header field at byte %lu",
				             (unsigned long)(off + 6 + 8 * i));
				goto bad;
			}
		size_t name_at = off + HDR, data_at = ALIGN_UP(name_at + f[F_NAMESIZE], 4);
		if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > 4096 || data_at > len ||
		    data[name_at + f[F_NAMESIZE] - 1] != '\0') {
			fmt_snprintf(msg, sizeof(msg), "bad or truncated name at byte %lu",
			             (unsigned long)name_at);
			goto bad;
		}
		const char *name = (const char *)data + name_at;
		if (!strcmp(name, "TRAILER!!!")) {
			dir_times(data, len);
			return 0;
		}
		if (data_at + f[F_SIZE] > len) {
			fmt_snprintf(msg, sizeof(msg), "truncated: %s needs %u bytes, %lu left",
			             name, f[F_SIZE], (unsigned long)(len - data_at));
			goto bad;
		}
		int err = add_entry(name, f[F_MODE], f[F_MTIME], data + data_at, f[F_SIZE]);
		if (err) {
			fmt_snprintf(msg, sizeof(msg), "cannot add %s (error %d)", name, -err);
			goto bad;
		}
		off = ALIGN_UP(data_at + f[F_SIZE], 4);
	}
bad:
	*why = msg;
	return -EINVAL;
}

void
initrd_init(void)
{
	const char *why;

	if (initrd_unpack(mm_p2v(boot_info.mods[0].base), boot_info.mods[0].len, &why))
		panic("initrd: %s", why);
}

void
initrd_unum_remove(void)
{
	static const char *const files[] = {"/.unum/argv", "/.unum/env", "/.unum/seed",
	                                    "/.unum/stdin"};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		vfs_remove(NULL, files[i], false);
	vfs_remove(NULL, "/.unum", true);
}

/* The boot-information parsers on the host: PVH hvm_start_info and
 * multiboot2 tag lists crafted in a fake physical memory, and
 * boot_mem_normalize against a byte-level model on fixed and random maps.
 * p2v hands out an exact-size heap copy of what was asked for, so ASan
 * catches any read past the length a parser asked p2v for.
 * Run: make unit && build/tests/unit/test_bootinfo */
#include "boot.h"
#include "errno.h"
#include "unit.h"

/* ---- fake physical memory [PHYS_BASE, PHYS_BASE + sizeof(phys)) ---- */

#define PHYS_BASE 0x100000ul
static uint8_t phys[256 << 10];
static void *copies[1 << 16];
static size_t ncopies;

static const void *
p2v(uint64_t pa, size_t len)
{
	void *c;

	if (pa < PHYS_BASE || len > sizeof(phys) || pa - PHYS_BASE > sizeof(phys) - len)
		return NULL;
	if (ncopies == ARRAY_SIZE(copies)) {
		unit_fail(__FILE__, __LINE__, "more than %zu p2v calls", ncopies);
		return NULL;
	}
	c = malloc(len ? len : 1);
	memcpy(c, phys + (pa - PHYS_BASE), len);
	return copies[ncopies++] = c;
}

static void
phys_reset(void)
{
	while (ncopies)
		free(copies[--ncopies]);
	memset(phys, 0, sizeof(phys));
}

static void
poke(uint64_t pa, const void *src, size_t len)
{
	if (pa < PHYS_BASE || pa - PHYS_BASE + len > sizeof(phys))
		abort(); /* a bug in this test */
	memcpy(phys + (pa - PHYS_BASE), src, len);
}

static struct boot_info bi;

/* ---- PVH (Xen public/arch-x86/hvm/start_info.h), written out here
 * independently of bootinfo_pvh.c ---- */

struct pvh_start {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
} __packed;
_Static_assert(sizeof(struct pvh_start) == 56, "hvm_start_info v1 is 56 bytes");

struct pvh_mod {
	uint64_t paddr, size, cmdline_paddr, reserved;
} __packed;

struct pvh_mem {
	uint64_t addr, size;
	uint32_t type, reserved;
} __packed;

#define PVH_MAGIC 0x336ec578
#define SI_PA (PHYS_BASE + 0x1000)
#define CMD_PA (PHYS_BASE + 0x2000)
#define MEM_PA (PHYS_BASE + 0x4000)
#define MODS_PA (PHYS_BASE + 0x6000)
#define MODCMD_PA (PHYS_BASE + 0x7000)

static const struct pvh_mem pvh_map[] = {
    {0, 0x9fc00, MEM_RAM, 0},
    {0xf0000, 0x10000, MEM_RESERVED, 0},
    {0x100000, 0x7f00000, MEM_RAM, 0},
};

/* a valid start info: cmdline, the map above, two modules, an RSDP */
static struct pvh_start
pvh_build(void)
{
	struct pvh_start si = {
	    .magic = PVH_MAGIC,
	    .version = 1,
	    .nr_modules = 2,
	    .modlist_paddr = MODS_PA,
	    .cmdline_paddr = CMD_PA,
	    .rsdp_paddr = 0xf5a40,
	    .memmap_paddr = MEM_PA,
	    .memmap_entries = ARRAY_SIZE(pvh_map),
	};
	struct pvh_mod mods[2] = {
	    {0x2000000, 0x12345, MODCMD_PA, 0},
	    {0x3000000, 0x1000, 0, 0},
	};
	const char *cmd = "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 \"quoted arg\"";

	phys_reset();
	poke(CMD_PA, cmd, strlen(cmd) + 1);
	poke(MEM_PA, pvh_map, sizeof(pvh_map));
	poke(MODS_PA, mods, sizeof(mods));
	poke(MODCMD_PA, "initrd.cpio", 12);
	poke(SI_PA, &si, sizeof(si));
	return si;
}

static int
pvh_parse(const struct pvh_start *si)
{
	poke(SI_PA, si, sizeof(*si));
	memset(&bi, 0xa5, sizeof(bi)); /* the parser must clear it */
	return boot_parse_pvh(&bi, SI_PA, p2v);
}

static void
pvh_full(void)
{
	struct pvh_start si = pvh_build();

	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_STR(bi.path, "pvh");
	EXPECT_STR(bi.cmdline, "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 \"quoted arg\"");
	EXPECT(!bi.cmdline_truncated);
	EXPECT_EQ(bi.nmem, 3);
	for (int i = 0; i < 3 && i < bi.nmem; i++) {
		EXPECT_EQ(bi.mem[i].base, pvh_map[i].addr);
		EXPECT_EQ(bi.mem[i].len, pvh_map[i].size);
		EXPECT_EQ(bi.mem[i].type, pvh_map[i].type);
	}
	EXPECT(!bi.mem_truncated);
	EXPECT_EQ(bi.nmods, 2);
	EXPECT_EQ(bi.mods[0].base, 0x2000000);
	EXPECT_EQ(bi.mods[0].len, 0x12345);
	EXPECT_STR(bi.mods[0].name, "initrd.cpio");
	EXPECT_EQ(bi.mods[1].base, 0x3000000);
	EXPECT_EQ(bi.mods[1].len, 0x1000);
	EXPECT_STR(bi.mods[1].name, "");
	EXPECT_EQ(bi.rsdp, 0xf5a40);
	EXPECT(!bi.has_rsdp_copy);
}

static void
pvh_minimal(void)
{
	struct pvh_start si = pvh_build();

	/* no command line, no modules, no RSDP: fine */
	si.cmdline_paddr = 0;
	si.nr_modules = 0;
	si.modlist_paddr = 0;
	si.rsdp_paddr = 0;
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_STR(bi.cmdline, "");
	EXPECT_EQ(bi.nmods, 0);
	EXPECT_EQ(bi.rsdp, 0);
	EXPECT_EQ(bi.nmem, 3);

	/* a later version is read as version 1 */
	si = pvh_build();
	si.version = 2;
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_EQ(bi.nmem, 3);
}

static void
pvh_invalid(void)
{
	struct pvh_start si = pvh_build();

	si.magic = 0x336ec579;
	EXPECT_EQ(pvh_parse(&si), -EINVAL);
	EXPECT_STR(bi.path, "pvh");

	si = pvh_build();
	si.version = 0;
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	si = pvh_build();
	si.memmap_entries = 0;
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	si = pvh_build();
	si.memmap_paddr = 0;
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	si = pvh_build();
	si.memmap_paddr = PHYS_BASE + sizeof(phys) - 24; /* the map runs off memory */
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	si = pvh_build();
	si.memmap_entries = 0x80000000u; /* too many to be mapped */
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	si = pvh_build();
	si.modlist_paddr = 0x10; /* modules out of memory */
	EXPECT_EQ(pvh_parse(&si), -EINVAL);

	/* the start info itself out of memory, or straddling its end */
	memset(&bi, 0xa5, sizeof(bi));
	EXPECT_EQ(boot_parse_pvh(&bi, 0x1000, p2v), -EINVAL);
	EXPECT_EQ(boot_parse_pvh(&bi, PHYS_BASE + sizeof(phys) - 8, p2v), -EINVAL);
	EXPECT_EQ(boot_parse_pvh(&bi, UINT64_MAX - 3, p2v), -EINVAL);
}

static void
pvh_cmdline_limits(void)
{
	static char cmd[BOOT_CMDLINE_MAX + 8];
	struct pvh_start si = pvh_build();

	/* 2047 characters fit */
	memset(cmd, 'a', sizeof(cmd));
	cmd[BOOT_CMDLINE_MAX - 1] = '\0';
	poke(CMD_PA, cmd, BOOT_CMDLINE_MAX);
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	EXPECT(!bi.cmdline_truncated);

	/* 2048 do not */
	cmd[BOOT_CMDLINE_MAX - 1] = 'b';
	cmd[BOOT_CMDLINE_MAX] = '\0';
	poke(CMD_PA, cmd, BOOT_CMDLINE_MAX + 1);
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	EXPECT_EQ(bi.cmdline[BOOT_CMDLINE_MAX - 2], 'a');
	EXPECT(bi.cmdline_truncated);

	/* a command line running off the end of memory stops there */
	si = pvh_build();
	memset(phys + sizeof(phys) - 5, 'z', 5);
	si.cmdline_paddr = PHYS_BASE + sizeof(phys) - 5;
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_STR(bi.cmdline, "zzzzz");

	/* a command line address outside memory gives an empty one */
	si = pvh_build();
	si.cmdline_paddr = 0x42;
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_STR(bi.cmdline, "");
}

static void
pvh_many(void)
{
	struct pvh_mem map[BOOT_MAX_MEM + 5];
	struct pvh_mod mods[BOOT_MAX_MODS + 2];
	char longname[100];
	struct pvh_start si = pvh_build();

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct pvh_mem){i * 0x10000ull, 0x8000, MEM_RAM, 0};
	for (unsigned i = 0; i < ARRAY_SIZE(mods); i++)
		mods[i] = (struct pvh_mod){0x1000000 + i * 0x1000, 0x100 + i, MODCMD_PA, 0};
	memset(longname, 'm', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	poke(MEM_PA, map, sizeof(map));
	poke(MODS_PA, mods, sizeof(mods));
	poke(MODCMD_PA, longname, sizeof(longname));
	si.memmap_entries = ARRAY_SIZE(map);
	si.nr_modules = ARRAY_SIZE(mods);
	EXPECT_EQ(pvh_parse(&si), 0);
	EXPECT_EQ(bi.nmem, BOOT_MAX_MEM);
	EXPECT(bi.mem_truncated);
	EXPECT_EQ(bi.mem[BOOT_MAX_MEM - 1].base, (BOOT_MAX_MEM - 1) * 0x10000ull);
	EXPECT_EQ(bi.nmods, BOOT_MAX_MODS);
	EXPECT_EQ(bi.mods[BOOT_MAX_MODS - 1].len, 0x100 + BOOT_MAX_MODS - 1);
	/* module names are cut to fit */
	EXPECT_EQ(strlen(bi.mods[0].name), sizeof(bi.mods[0].name) - 1);
}

/* ---- multiboot2 (spec section 3.6) ---- */

#define MB2_PA (PHYS_BASE + 0x8000)

static uint8_t mb[16384];
static size_t mb_len;

static void
mb_begin(void)
{
	memset(mb, 0, sizeof(mb));
	mb_len = 8;
}

/* append a tag; 'size' is its header size field (normally 8 + len) */
static void
mb_tag_sized(uint32_t type, uint32_t size, const void *data, size_t len)
{
	memcpy(mb + mb_len, &type, 4);
	memcpy(mb + mb_len + 4, &size, 4);
	if (len)
		memcpy(mb + mb_len + 8, data, len);
	mb_len = ALIGN_UP(mb_len + 8 + len, 8);
}

static void
mb_tag(uint32_t type, const void *data, size_t len)
{
	mb_tag_sized(type, 8 + len, data, len);
}

static void
mb_cmdline(const char *s)
{
	mb_tag(1, s, strlen(s) + 1);
}

static void
mb_module(uint32_t start, uint32_t end, const char *name)
{
	uint8_t d[256];

	memcpy(d, &start, 4);
	memcpy(d + 4, &end, 4);
	memcpy(d + 8, name, strlen(name) + 1);
	mb_tag(3, d, 8 + strlen(name) + 1);
}

/* an mmap tag with entries of 'esize' bytes (base, len, type, then zeros) */
static void
mb_mmap(uint32_t esize, const struct boot_mem *m, int n)
{
	uint8_t d[8192] = {0};
	uint32_t ver = 0;

	memcpy(d, &esize, 4);
	memcpy(d + 4, &ver, 4);
	for (int i = 0; i < n; i++) {
		uint8_t *e = d + 8 + i * esize;
		memcpy(e, &m[i].base, 8);
		memcpy(e + 8, &m[i].len, 8);
		memcpy(e + 16, &m[i].type, 4);
	}
	mb_tag(6, d, 8 + n * esize);
}

static void
mb_end_tag(void)
{
	mb_tag(0, NULL, 0);
}

/* write the total size, copy to physical memory, parse */
static int
mb_parse_sized(uint32_t total)
{
	phys_reset();
	memcpy(mb, &total, 4);
	poke(MB2_PA, mb, MAX(mb_len, 8));
	memset(&bi, 0xa5, sizeof(bi));
	return boot_parse_mb2(&bi, MB2_PA, p2v);
}

static int
mb_parse(void)
{
	return mb_parse_sized(mb_len);
}

static const struct boot_mem mb_map[] = {
    {0, 0x9fc00, MEM_RAM},
    {0x9fc00, 0x400, MEM_RESERVED},
    {0xe0000, 0x20000, MEM_RESERVED},
    {0x100000, 0x3ff00000, MEM_RAM},
    {0xfffc0000, 0x40000, MEM_RESERVED},
};

static const uint8_t rsdp_old[20] = "RSD PTR \x11OEMID\x00\x00\x00\x10\x0e\x00";
static const uint8_t rsdp_new[36] = {
    0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
    0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3,
};

static void
mb_full(void)
{
	mb_begin();
	mb_cmdline("console=ttyS0 loglevel=7");
	mb_tag(4, "\x80\x02\x00\x00\x00\xfc\x07\x00", 8); /* basic meminfo: skipped */
	mb_module(0x800000, 0x812345, "initrd");
	mb_module(0x900000, 0x901000, "second module");
	mb_mmap(24, mb_map, ARRAY_SIZE(mb_map));
	mb_tag(14, rsdp_old, sizeof(rsdp_old));
	mb_tag(15, rsdp_new, sizeof(rsdp_new));
	mb_tag(21, "\x00\x00\x10\x00", 4); /* load base address: skipped */
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_STR(bi.path, "multiboot2");
	EXPECT_STR(bi.cmdline, "console=ttyS0 loglevel=7");
	EXPECT(!bi.cmdline_truncated);
	EXPECT_EQ(bi.nmods, 2);
	EXPECT_EQ(bi.mods[0].base, 0x800000);
	EXPECT_EQ(bi.mods[0].len, 0x12345);
	EXPECT_STR(bi.mods[0].name, "initrd");
	EXPECT_EQ(bi.mods[1].base, 0x900000);
	EXPECT_EQ(bi.mods[1].len, 0x1000);
	EXPECT_STR(bi.mods[1].name, "second module");
	EXPECT_EQ(bi.nmem, (int)ARRAY_SIZE(mb_map));
	for (int i = 0; i < bi.nmem && i < (int)ARRAY_SIZE(mb_map); i++) {
		EXPECT_EQ(bi.mem[i].base, mb_map[i].base);
		EXPECT_EQ(bi.mem[i].len, mb_map[i].len);
		EXPECT_EQ(bi.mem[i].type, mb_map[i].type);
	}
	EXPECT(!bi.mem_truncated);
	EXPECT_EQ(bi.rsdp, 0);
	EXPECT(bi.has_rsdp_copy);
	EXPECT(!memcmp(bi.rsdp_copy, rsdp_new, 36));
}

static void
mb_acpi(void)
{
	uint8_t want[36] = {0};

	/* the new copy wins, whichever comes first */
	mb_begin();
	mb_tag(15, rsdp_new, sizeof(rsdp_new));
	mb_tag(14, rsdp_old, sizeof(rsdp_old));
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT(bi.has_rsdp_copy);
	EXPECT(!memcmp(bi.rsdp_copy, rsdp_new, 36));

	/* the old one alone: its 20 bytes, zeros after */
	mb_begin();
	mb_tag(14, rsdp_old, sizeof(rsdp_old));
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	memcpy(want, rsdp_old, 20);
	EXPECT(bi.has_rsdp_copy);
	EXPECT(!memcmp(bi.rsdp_copy, want, 36));

	/* too short to be an RSDP: ignored */
	mb_begin();
	mb_tag(14, rsdp_old, 19);
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT(!bi.has_rsdp_copy);

	/* longer than 36 bytes: the first 36 */
	{
		uint8_t big[48];
		for (int i = 0; i < 48; i++)
			big[i] = (uint8_t)i;
		mb_begin();
		mb_tag(15, big, sizeof(big));
		mb_mmap(24, mb_map, 1);
		mb_end_tag();
		EXPECT_EQ(mb_parse(), 0);
		EXPECT(!memcmp(bi.rsdp_copy, big, 36));
	}
}

static void
mb_mmap_shapes(void)
{
	struct boot_mem many[BOOT_MAX_MEM + 3];

	/* larger entries (a later entry_version): stride by entry_size */
	mb_begin();
	mb_mmap(32, mb_map, ARRAY_SIZE(mb_map));
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(bi.nmem, (int)ARRAY_SIZE(mb_map));
	EXPECT_EQ(bi.mem[4].base, 0xfffc0000);
	EXPECT_EQ(bi.mem[4].type, MEM_RESERVED);

	/* entries smaller than the spec's 24 bytes: the tag is ignored */
	mb_begin();
	mb_mmap(16, mb_map, ARRAY_SIZE(mb_map));
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);

	/* a tag ending in a partial entry: the whole ones only */
	mb_begin();
	{
		uint8_t d[8 + 2 * 24 + 10] = {24};
		memcpy(d + 8, &mb_map[0].base, 8);
		memcpy(d + 16, &mb_map[0].len, 8);
		memcpy(d + 24, &mb_map[0].type, 4);
		memcpy(d + 32, &mb_map[3].base, 8);
		memcpy(d + 40, &mb_map[3].len, 8);
		memcpy(d + 48, &mb_map[3].type, 4);
		mb_tag(6, d, sizeof(d));
	}
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(bi.nmem, 2);
	EXPECT_EQ(bi.mem[1].base, 0x100000);

	/* an mmap tag with no entries is no memory map */
	mb_begin();
	mb_mmap(24, mb_map, 0);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);

	/* more entries than boot_info holds */
	for (int i = 0; i < (int)ARRAY_SIZE(many); i++)
		many[i] = (struct boot_mem){i * 0x100000ull, 0x1000, MEM_RAM};
	mb_begin();
	mb_mmap(24, many, ARRAY_SIZE(many));
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(bi.nmem, BOOT_MAX_MEM);
	EXPECT(bi.mem_truncated);
}

static void
mb_strings_and_modules(void)
{
	static char cmd[BOOT_CMDLINE_MAX + 8];

	/* a 2048-character command line is cut to 2047 and says so */
	memset(cmd, 'c', BOOT_CMDLINE_MAX);
	cmd[BOOT_CMDLINE_MAX] = '\0';
	mb_begin();
	mb_cmdline(cmd);
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	EXPECT(bi.cmdline_truncated);

	/* 2047 fit */
	cmd[BOOT_CMDLINE_MAX - 1] = '\0';
	mb_begin();
	mb_cmdline(cmd);
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	EXPECT(!bi.cmdline_truncated);

	/* a command line without its NUL, last in the list, no end tag:
	 * read up to the tag's size and no further */
	mb_begin();
	mb_mmap(24, mb_map, 1);
	mb_tag(1, "abc", 3);
	EXPECT_EQ(mb_parse_sized(mb_len - 5), 0);
	EXPECT_STR(bi.cmdline, "abc");

	/* modules: end before start gives length 0; a tag too short for
	 * start and end is skipped; at most BOOT_MAX_MODS */
	mb_begin();
	mb_module(0x5000, 0x4000, "backwards");
	mb_tag(3, "\x00\x10\x00\x00", 4);
	for (int i = 0; i < BOOT_MAX_MODS + 1; i++)
		mb_module(0x10000 * (i + 1), 0x10000 * (i + 1) + 0x10, "m");
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(bi.nmods, BOOT_MAX_MODS);
	EXPECT_EQ(bi.mods[0].base, 0x5000);
	EXPECT_EQ(bi.mods[0].len, 0);
	EXPECT_STR(bi.mods[0].name, "backwards");
	EXPECT_EQ(bi.mods[1].base, 0x10000);
	EXPECT_EQ(bi.mods[1].len, 0x10);

	/* a module name longer than 63 characters is cut */
	mb_begin();
	mb_module(0x5000, 0x6000,
	          "0123456789012345678901234567890123456789012345678901234567890123456789");
	mb_mmap(24, mb_map, 1);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_STR(bi.mods[0].name,
	           "012345678901234567890123456789012345678901234567890123456789012");
}

static void
mb_invalid(void)
{
	/* no memory map */
	mb_begin();
	mb_cmdline("x");
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);
	EXPECT_STR(bi.path, "multiboot2");

	/* a tag running past total_size */
	mb_begin();
	mb_mmap(24, mb_map, 2);
	mb_cmdline("this one is cut off");
	EXPECT_EQ(mb_parse_sized(mb_len - 8), -EINVAL);

	/* a tag whose size is below 8, or 0 (which would never advance) */
	mb_begin();
	mb_mmap(24, mb_map, 2);
	mb_tag_sized(1, 4, "ab", 2);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);
	mb_begin();
	mb_mmap(24, mb_map, 2);
	mb_tag_sized(1, 0, NULL, 0);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);

	/* a huge tag size */
	mb_begin();
	mb_mmap(24, mb_map, 2);
	mb_tag_sized(1, 0xfffffff9u, "ab", 2);
	mb_end_tag();
	EXPECT_EQ(mb_parse(), -EINVAL);

	/* total_size below the fixed part plus an end tag, or past memory */
	mb_begin();
	EXPECT_EQ(mb_parse_sized(8), -EINVAL);
	EXPECT_EQ(mb_parse_sized(15), -EINVAL);
	EXPECT_EQ(mb_parse_sized(0), -EINVAL);
	EXPECT_EQ(mb_parse_sized(sizeof(phys)), -EINVAL);
	EXPECT_EQ(mb_parse_sized(0xffffffffu), -EINVAL);

	/* the information itself out of memory */
	memset(&bi, 0xa5, sizeof(bi));
	EXPECT_EQ(boot_parse_mb2(&bi, 0x1000, p2v), -EINVAL);
	EXPECT_EQ(boot_parse_mb2(&bi, PHYS_BASE + sizeof(phys) - 4, p2v), -EINVAL);

	/* a list without an end tag is read to total_size */
	mb_begin();
	mb_mmap(24, mb_map, 2);
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_EQ(bi.nmem, 2);

	/* tags after the end tag are not read */
	mb_begin();
	mb_mmap(24, mb_map, 2);
	mb_end_tag();
	mb_cmdline("after the end");
	EXPECT_EQ(mb_parse(), 0);
	EXPECT_STR(bi.cmdline, "");
}

/* ---- boot_mem_normalize ---- */

static struct boot_info nb;

static void
nb_set(const struct boot_mem *m, int n)
{
	memset(&nb, 0, sizeof(nb));
	if (n)
		memcpy(nb.mem, m, n * sizeof(*m));
	nb.nmem = n;
}

static bool
mem_eq(const struct boot_mem *a, const struct boot_mem *b)
{
	return a->base == b->base && a->len == b->len && a->type == b->type;
}

static bool
is_ram_in(const struct boot_mem *m, int n, uint64_t at, bool by_ram)
{
	for (int i = 0; i < n; i++)
		if ((m[i].type == MEM_RAM) == by_ram && at >= m[i].base &&
		    at - m[i].base < m[i].len)
			return true;
	return false;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Check nb (normalized from in[0..n)) against the contract: sorted,
 * no empty entry, no RAM overlapping anything, the non-RAM entries as
 * given, and a byte is RAM iff some RAM entry had it and no other did.
 * Returns false (with a note) on the first difference. */
static bool
nb_valid(int line, const struct boot_mem *in, int n, uint64_t total)
{
	uint64_t pts[4 * BOOT_MAX_MEM], want_total = 0;
	int np = 0, nres_in = 0, nres_out = 0;

	for (int i = 0; i < nb.nmem; i++) {
		const struct boot_mem *a = &nb.mem[i];
		if (!a->len || (i && a->base < nb.mem[i - 1].base)) {
			unit_fail(__FILE__, line, "entry %d [%#lx +%#lx) empty or out of order", i,
			          (unsigned long)a->base, (unsigned long)a->len);
			return false;
		}
		for (int j = 0; j < nb.nmem; j++) {
			const struct boot_mem *b = &nb.mem[j];
			if (j != i && a->type == MEM_RAM && a->base < b->base + b->len &&
			    b->base < a->base + a->len) {
				unit_fail(__FILE__, line, "RAM [%#lx +%#lx) overlaps [%#lx +%#lx)",
				          (unsigned long)a->base, (unsigned long)a->len,
				          (unsigned long)b->base, (unsigned long)b->len);
				return false;
			}
		}
	}
	/* non-RAM entries are kept as they were (zero-length ones dropped) */
	for (int i = 0; i < n; i++)
		if (in[i].type != MEM_RAM && in[i].len) {
			bool found = false;
			nres_in++;
			for (int j = 0; j < nb.nmem && !found; j++)
				found = mem_eq(&nb.mem[j], &in[i]);
			if (!found) {
				unit_fail(__FILE__, line, "non-RAM [%#lx +%#lx) type %u is missing",
				          (unsigned long)in[i].base, (unsigned long)in[i].len,
				          in[i].type);
				return false;
			}
		}
	for (int j = 0; j < nb.nmem; j++)
		nres_out += nb.mem[j].type != MEM_RAM;
	if (nres_in != nres_out) {
		unit_fail(__FILE__, line, "%d non-RAM entries in, %d out", nres_in, nres_out);
		return false;
	}
	/* RAM-ness is constant between consecutive boundaries */
	for (int i = 0; i < n; i++) {
		pts[np++] = in[i].base;
		pts[np++] = in[i].base + in[i].len;
	}
	for (int i = 0; i < nb.nmem; i++) {
		pts[np++] = nb.mem[i].base;
		pts[np++] = nb.mem[i].base + nb.mem[i].len;
	}
	qsort(pts, np, sizeof(pts[0]), cmp_u64);
	for (int k = 0; k + 1 < np; k++) {
		uint64_t at = pts[k];
		bool want, got;
		if (pts[k + 1] == at)
			continue;
		want = is_ram_in(in, n, at, true) && !is_ram_in(in, n, at, false);
		got = is_ram_in(nb.mem, nb.nmem, at, true);
		if (want != got) {
			unit_fail(__FILE__, line, "[%#lx, %#lx): expected %s, got %s",
			          (unsigned long)at, (unsigned long)pts[k + 1],
			          want ? "RAM" : "not RAM", got ? "RAM" : "not RAM");
			return false;
		}
		if (want)
			want_total += pts[k + 1] - at;
	}
	if (total != want_total) {
		unit_fail(__FILE__, line, "total: expected %#lx, got %#lx",
		          (unsigned long)want_total, (unsigned long)total);
		return false;
	}
	return true;
}

static void
nb_dump(void)
{
	for (int i = 0; i < nb.nmem; i++)
		unit_note("  mem[%d] = [%#lx, %#lx) type %u", i, (unsigned long)nb.mem[i].base,
		          (unsigned long)(nb.mem[i].base + nb.mem[i].len), nb.mem[i].type);
}

/* normalize in[0..n) and compare with out[0..nout) exactly */
static void
norm_case(int line, const char *name, const struct boot_mem *in, int n, const struct boot_mem *out,
          int nout, uint64_t total)
{
	uint64_t got;

	nb_set(in, n);
	got = boot_mem_normalize(&nb);
	unit_begin("normalize: %s", name);
	if (nb_valid(line, in, n, got)) {
		if (got != total)
			unit_fail(__FILE__, line, "total: expected %#lx, got %#lx",
			          (unsigned long)total, (unsigned long)got);
		bool same = nb.nmem == nout;
		for (int i = 0; same && i < nout; i++)
			same = mem_eq(&nb.mem[i], &out[i]);
		if (!same)
			unit_fail(__FILE__, line, "the entries differ from the %d expected", nout);
	}
	if (unit.case_failed)
		nb_dump();
	unit_end();
}
#define NORM(name, in, out, total)                                                                 \
	norm_case(__LINE__, name, in, ARRAY_SIZE(in), out, ARRAY_SIZE(out), total)
#define RAM(b, e)                                                                                  \
	{                                                                                          \
		b, (e) - (b), MEM_RAM                                                              \
	}
#define RES(b, e)                                                                                  \
	{                                                                                          \
		b, (e) - (b), MEM_RESERVED                                                         \
	}
#define ACPI(b, e)                                                                                 \
	{                                                                                          \
		b, (e) - (b), MEM_ACPI                                                             \
	}

static void
normalize_fixed(void)
{
	static const struct boot_mem sorted[] = {RAM(0, 0x9fc00), RES(0xf0000, 0x100000),
	                                         RAM(0x100000, 0x8000000)};
	static const struct boot_mem unsorted[] = {RAM(0x100000, 0x8000000), RES(0xf0000, 0x100000),
	                                           RAM(0, 0x9fc00)};
	static const struct boot_mem empties_in[] = {
	    RAM(0x5000, 0x5000),    RAM(0, 0x9fc00),          RES(0x1000, 0x1000),
	    RES(0xf0000, 0x100000), RAM(0x100000, 0x8000000), RAM(0, 0)};
	static const struct boot_mem merge_in[] = {RAM(0, 0x4000), RAM(0x2000, 0x8000),
	                                           RAM(0x3000, 0x5000)};
	static const struct boot_mem merge_out[] = {RAM(0, 0x8000)};
	static const struct boot_mem adjacent[] = {RAM(0, 0x4000), RAM(0x4000, 0x8000)};
	static const struct boot_mem head_in[] = {RAM(0x1000, 0x5000), RES(0, 0x2000)};
	static const struct boot_mem head_out[] = {RES(0, 0x2000), RAM(0x2000, 0x5000)};
	static const struct boot_mem same_base_in[] = {RAM(0x1000, 0x5000), RES(0x1000, 0x2000)};
	static const struct boot_mem same_base_out[] = {RES(0x1000, 0x2000), RAM(0x2000, 0x5000)};
	static const struct boot_mem tail_in[] = {RAM(0, 0x4000), RES(0x3000, 0x6000)};
	static const struct boot_mem tail_out[] = {RAM(0, 0x3000), RES(0x3000, 0x6000)};
	static const struct boot_mem mid_in[] = {RAM(0, 0x10000), RES(0x4000, 0x5000)};
	static const struct boot_mem mid_out[] = {RAM(0, 0x4000), RES(0x4000, 0x5000),
	                                          RAM(0x5000, 0x10000)};
	static const struct boot_mem covered_in[] = {RAM(0x1000, 0x2000), RES(0, 0x3000)};
	static const struct boot_mem covered_out[] = {RES(0, 0x3000)};
	static const struct boot_mem exact_in[] = {RAM(0x1000, 0x2000), ACPI(0x1000, 0x2000)};
	static const struct boot_mem exact_out[] = {ACPI(0x1000, 0x2000)};
	static const struct boot_mem two_holes_in[] = {RAM(0, 0x10000), RES(0x2000, 0x3000),
	                                               ACPI(0x8000, 0x9000)};
	static const struct boot_mem two_holes_out[] = {RAM(0, 0x2000), RES(0x2000, 0x3000),
	                                                RAM(0x3000, 0x8000), ACPI(0x8000, 0x9000),
	                                                RAM(0x9000, 0x10000)};
	static const struct boot_mem res_overlap_in[] = {RES(0, 0x3000), ACPI(0x2000, 0x5000),
	                                                 RAM(0x6000, 0x7000)};
	static const struct boot_mem res_overlap_out[] = {RES(0, 0x3000), ACPI(0x2000, 0x5000),
	                                                  RAM(0x6000, 0x7000)};
	/* a split whose tail starts after the next entry's base */
	static const struct boot_mem split_order_in[] = {RAM(0, 0x10000), RES(0x1000, 0x3000),
	                                                 RES(0x2000, 0x4000)};
	static const struct boot_mem split_order_out[] = {
	    RAM(0, 0x1000), RES(0x1000, 0x3000), RES(0x2000, 0x4000), RAM(0x4000, 0x10000)};
	/* RAM inside a reserved entry that a shorter reserved one follows */
	static const struct boot_mem nested_in[] = {RES(0, 0x10000), RES(0x1000, 0x2000),
	                                            RAM(0x4000, 0x5000), RAM(0x20000, 0x30000)};
	static const struct boot_mem nested_out[] = {RES(0, 0x10000), RES(0x1000, 0x2000),
	                                             RAM(0x20000, 0x30000)};

	NORM("sorted and disjoint is kept", sorted, sorted, 0x9fc00 + 0x7f00000);
	NORM("unsorted is sorted", unsorted, sorted, 0x9fc00 + 0x7f00000);
	NORM("zero-length entries go", empties_in, sorted, 0x9fc00 + 0x7f00000);
	NORM("overlapping RAM merges", merge_in, merge_out, 0x8000);
	NORM("adjacent RAM stays", adjacent, adjacent, 0x8000);
	NORM("reserved over RAM's head", head_in, head_out, 0x3000);
	NORM("reserved at RAM's base", same_base_in, same_base_out, 0x3000);
	NORM("reserved over RAM's tail", tail_in, tail_out, 0x3000);
	NORM("reserved in RAM's middle splits it", mid_in, mid_out, 0xf000);
	NORM("RAM inside reserved goes", covered_in, covered_out, 0);
	NORM("RAM exactly under ACPI goes", exact_in, exact_out, 0);
	NORM("two holes in one RAM entry", two_holes_in, two_holes_out, 0xe000);
	NORM("overlapping non-RAM entries stay", res_overlap_in, res_overlap_out, 0x1000);
	NORM("split tail after overlapping reserved", split_order_in, split_order_out, 0xd000);
	NORM("RAM inside a reserved entry, past a nested one", nested_in, nested_out, 0x10000);
}

static void
normalize_edges(void)
{
	/* nothing at all */
	nb_set(NULL, 0);
	EXPECT_EQ(boot_mem_normalize(&nb), 0);
	EXPECT_EQ(nb.nmem, 0);

	/* only empty entries */
	{
		static const struct boot_mem in[] = {RAM(0x1000, 0x1000), RES(0, 0)};
		nb_set(in, 2);
		EXPECT_EQ(boot_mem_normalize(&nb), 0);
		EXPECT_EQ(nb.nmem, 0);
	}

	/* a full table whose middle split has no room: RAM is lost, never
	 * invented, and nothing is written past the table */
	{
		struct boot_mem in[BOOT_MAX_MEM];
		uint64_t total;
		in[0] = (struct boot_mem)RAM(0, 0x100000);
		in[1] = (struct boot_mem)RES(0x1000, 0x2000);
		for (int i = 2; i < BOOT_MAX_MEM; i++)
			in[i] = (struct boot_mem)RES(0x200000 + i * 0x1000, 0x200800 + i * 0x1000);
		nb_set(in, BOOT_MAX_MEM);
		total = boot_mem_normalize(&nb);
		EXPECT_EQ(nb.nmem, BOOT_MAX_MEM);
		EXPECT_EQ(nb.mem[0].base, 0);
		EXPECT_EQ(nb.mem[0].len, 0x1000);
		EXPECT_EQ(total, 0x1000);
	}
}

/* random maps, small enough never to fill the table */
static void
normalize_random(void)
{
	static const uint32_t types[] = {MEM_RAM,  MEM_RAM, MEM_RAM, MEM_RESERVED,
	                                 MEM_ACPI, MEM_NVS, MEM_BAD};
	struct boot_mem in[16];

	for (int iter = 0; iter < 20000; iter++) {
		int n = (int)unit_rand_below(ARRAY_SIZE(in)) + 1;
		uint64_t got;

		for (int i = 0; i < n; i++) {
			uint64_t b = unit_rand_below(64) * 0x1000, l = unit_rand_below(24) * 0x1000;
			in[i] = (struct boot_mem){b, l, types[unit_rand_below(ARRAY_SIZE(types))]};
		}
		nb_set(in, n);
		got = boot_mem_normalize(&nb);
		if (!nb_valid(__LINE__, in, n, got)) {
			unit_note("iteration %d, input:", iter);
			for (int i = 0; i < n; i++)
				unit_note("  in[%d] = [%#lx, %#lx) type %u", i,
				          (unsigned long)in[i].base,
				          (unsigned long)(in[i].base + in[i].len), in[i].type);
			unit_note("output:");
			nb_dump();
			return;
		}
	}
}

int
main(void)
{
	RUN(pvh_full);
	RUN(pvh_minimal);
	RUN(pvh_invalid);
	RUN(pvh_cmdline_limits);
	RUN(pvh_many);
	RUN(mb_full);
	RUN(mb_acpi);
	RUN(mb_mmap_shapes);
	RUN(mb_strings_and_modules);
	RUN(mb_invalid);
	normalize_fixed();
	RUN(normalize_edges);
	RUN(normalize_random);
	phys_reset();
	return unit_done();
}

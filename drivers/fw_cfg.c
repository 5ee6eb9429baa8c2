/* fw_cfg by port I/O (include/fw_cfg.h; QEMU's docs/specs/fw_cfg.rst):
 * selecting an item rewinds it, and each read of the data port gives its
 * next byte. Reads use rep insb, one instruction for a whole run of
 * bytes, since every guest instruction of the boot counts (tools/bench).
 * Not the DMA interface: under TCG its transfers took 18 ms of host time
 * for the directory, against 1 ms by rep insb, for about the same count
 * of guest instructions (measured on QEMU 7.2, microvm). */
#include "fw_cfg.h"
#include "arch.h"
#include "errno.h"
#include "lib.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void
read_bytes(void *buf, uint32_t n)
{
	insb(FW_CFG_PORT_DATA, buf, n);
}

void
fw_cfg_read(uint16_t select, void *buf, uint32_t size)
{
	outw(FW_CFG_PORT_SEL, select);
	read_bytes(buf, size);
}

static uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int
fw_cfg_files(const char *prefix, struct fw_cfg_file *out, int max)
{
	uint8_t sig[4], cnt[4];
	uint8_t ent[64]; /* size (BE32), select (BE16), reserved, name[56] */
	size_t plen = strlen(prefix);
	int found = 0;

	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4))
		return -ENODEV; /* no device: the port reads 0xff */
	fw_cfg_read(FW_CFG_FILE_DIR, cnt, sizeof(cnt));
	for (uint32_t i = 0, n = be32(cnt); i < n && i < 4096; i++) {
		read_bytes(ent, sizeof(ent));
		const char *name = (const char *)ent + 8;
		/* the prefix first: most names differ at their first byte */
		if (strncmp(name, prefix, plen) ||
		    strnlen(name, FW_CFG_NAME_MAX) == FW_CFG_NAME_MAX)
			continue;
		if (found < max) {
			out[found].size = be32(ent);
			out[found].select = (uint16_t)(ent[4] << 8 | ent[5]);
			memcpy(out[found].name, name, strlen(name) + 1);
		}
		found++;
	}
	return found;
}

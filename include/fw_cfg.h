/* QEMU's firmware configuration device (fw_cfg), by its I/O ports: the
 * selector at 0x510 (16 bits), the data at 0x511 (bytes), on q35 and
 * microvm alike (Firecracker has none). drivers/fw_cfg.c checks the
 * "QEMU" signature first and reads the file directory (selector 0x19)
 * once, keeping only the files under a prefix the caller names.
 * Typical use:
 *   struct fw_cfg_file f[4];
 *   int n = fw_cfg_files("opt/unum/", f, 4);   // -ENODEV: no fw_cfg
 *   fw_cfg_read(f[0].select, buf, f[0].size);
 */
#ifndef UNUM_FW_CFG_H
#define UNUM_FW_CFG_H

#include "types.h"

#define FW_CFG_NAME_MAX 56

struct fw_cfg_file {
	uint32_t size;
	uint16_t select;
	char name[FW_CFG_NAME_MAX]; /* NUL-terminated */
};

/* the files whose name starts with prefix, at most max of them (more are
 * counted, not kept): their number, or -ENODEV without fw_cfg */
int fw_cfg_files(const char *prefix, struct fw_cfg_file *out, int max);
/* size bytes of the item at select, from its start */
void fw_cfg_read(uint16_t select, void *buf, uint32_t size);

#endif

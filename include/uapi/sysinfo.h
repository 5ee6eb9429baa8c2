/* struct sysinfo as sysinfo(2) fills it on x86-64 (linux/sysinfo.h) */
#ifndef UNUM_UAPI_SYSINFO_H
#define UNUM_UAPI_SYSINFO_H

#include "types.h"

struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char pad2[4];
};

#endif

/* The terminal: struct termios as the kernel's TCGETS/TCSETS carry it and
 * its flags, Linux x86-64 values (asm-generic/termbits.h). */
#ifndef UNUM_UAPI_TERMIOS_H
#define UNUM_UAPI_TERMIOS_H

#include "types.h"

#define NCCS 19
struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS];
};
_Static_assert(sizeof(struct linux_termios) == 36, "termios layout");

/* c_cc[] */
enum {
	VINTR,
	VQUIT,
	VERASE,
	VKILL,
	VEOF,
	VTIME,
	VMIN,
	VSWTC,
	VSTART,
	VSTOP,
	VSUSP,
	VEOL,
	VREPRINT,
	VDISCARD,
	VWERASE,
	VLNEXT,
	VEOL2
};

/* c_iflag */
#define ISTRIP 040
#define INLCR 0100
#define IGNCR 0200
#define ICRNL 0400
#define IXON 02000
#define IUTF8 040000
/* c_oflag */
#define OPOST 01
#define ONLCR 04
#define OCRNL 010
/* c_lflag */
#define ISIG 01
#define ICANON 02
#define ECHO 010
#define ECHOE 020
#define ECHOK 040
#define ECHONL 0100
#define NOFLSH 0200
#define ECHOCTL 01000
#define ECHOKE 04000
#define IEXTEN 0100000

#endif

/* ioctl(2) request numbers: the terminal and file ones (asm-generic/
 * ioctls.h) and the block-device ones (linux/fs.h), Linux x86-64 values. */
#ifndef UNUM_UAPI_IOCTLS_H
#define UNUM_UAPI_IOCTLS_H

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540A
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKBSZGET 0x80081270
#define BLKGETSIZE64 0x80081272
#define BLKPBSZGET 0x127b

#endif

/* The console tty (core/fs/tty.c): what fds 0, 1, 2 do when tools/unum runs
 * in a terminal. Kernel arguments: tty (fd 1 is a terminal), tty.in (fd 0
 * is: keystrokes arrive on COM1), tty.err (fd 2 is), tty.rows=N
 * tty.cols=N (the window size; default 24x80). One terminal: the termios
 * state is shared by every console fd, as on Linux.
 * Typical use (core/fs/file.c's console files):
 *   tty_init();                         // once, before the app runs
 *   if (tty_stdin()) return tty_read(f, buf, n);
 *   tty_write(console_write, bytes, n); // output to a terminal: OPOST
 */
#ifndef UNUM_TTY_H
#define UNUM_TTY_H

#include "types.h"

struct file;
struct poll_table;

/* once, by the console files: with tty.in, unmask COM1's receive interrupt */
void tty_init(void);
bool tty_stdin(void);  /* fd 0 reads the keyboard */
bool tty_stdout(void); /* fd 1 is a terminal */
bool tty_stderr(void); /* fd 2 is a terminal */
/* Read as Linux's n_tty: canonical lines or VMIN/VTIME; -EAGAIN under
 * O_NONBLOCK; -ERESTARTSYS when a signal comes first (include/signal.h) */
long tty_read(struct file *f, void *ubuf, size_t n);
/* POLLIN when a read would not block; pt: the caller waits for input
 * (include/poll.h) */
int tty_poll(struct poll_table *pt);
/* TCGETS, TCSETS/W/F, TIOCG/SWINSZ, TIOCG/SPGRP, TIOCGSID, FIONREAD,
 * TCFLSH...; -ENOTTY for the rest */
int tty_ioctl(unsigned long cmd, void *arg);
/* write to a terminal through the output flags (OPOST, ONLCR, OCRNL) */
void tty_write(void (*out)(const char *, size_t), const char *b, size_t n);

#endif

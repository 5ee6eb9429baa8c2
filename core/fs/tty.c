/* The console tty (include/tty.h): with the kernel argument tty.in
 * (tools/unum's stdin is a terminal) COM1 receive interrupts feed a line
 * discipline after Linux's n_tty (termios, canonical editing, echo, ISIG,
 * VMIN/VTIME) that fd 0 reads; output to a terminal gets OPOST. The
 * console files themselves are core/fs/file.c's.
 * Exercise: tests/e2e/tty.sh (tools/unum under a pseudo-terminal). */
#include "tty.h"
#include "arch.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "spinlock.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "uapi/termios.h"
#include "vfs.h"

#define APP_PGID 1 /* the app is pid 1, its own session and process group */

#define COM1_IRQ 4

#define TTY_BUF 4096 /* input bytes held (Linux's N_TTY_BUF_SIZE) */
#define MARK_EOL 1   /* a byte that ends a canonical line */
#define MARK_EOF 2   /* an EOF character: ends the line, never read */

/* The one terminal. Everything under 'lock' (taken from the COM1
 * interrupt too); positions count bytes ever received: [tail, canon) can
 * be read, [canon, head) is the line being edited (canonical mode). */
static struct {
	struct spinlock lock;
	struct linux_termios t;
	uint16_t ws[4]; /* rows, cols, xpixel, ypixel */
	uint8_t buf[TTY_BUF];
	uint8_t mark[TTY_BUF];
	uint64_t tail, canon, head;
	uint64_t last_rx_ns; /* when the last byte arrived (VTIME) */
	bool lnext;          /* the next byte is literal (^V) */
	/* its wait queue (include/poll.h): blocked reads, poll and epoll;
	 * woken (POLLIN) by input and by a termios change */
	struct poll_head wq;
} tty = {
    .lock = SPINLOCK_INIT,
    /* Linux's defaults: ICRNL | IXON; OPOST | ONLCR; B38400 | CS8 |
     * CREAD | HUPCL; ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
     * ECHOKE | IEXTEN */
    .t = {.c_iflag = 0x500,
          .c_oflag = 0x5,
          .c_cflag = 0xbf,
          .c_lflag = 0x8a3b,
          /* ^C ^\ ^? ^U ^D, VTIME 0, VMIN 1, -, ^Q ^S ^Z, -, ^R ^O ^W ^V, - */
          .c_cc = {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16,
                   0}},
    .ws = {24, 80, 0, 0},
    .wq = POLL_HEAD_INIT(tty.wq),
};

/* which of fds 0, 1, 2 are a terminal (kernel arguments) */
static bool tty_in, tty_out, tty_err;

static int
set_flag(bool *flag, const char *v)
{
	*flag = true;
	return v ? -EINVAL : 0;
}
static int
set_tty(const char *v)
{
	return set_flag(&tty_out, v);
}
static int
set_tty_in(const char *v)
{
	return set_flag(&tty_in, v);
}
static int
set_tty_err(const char *v)
{
	return set_flag(&tty_err, v);
}
CMDLINE_KEY("tty", set_tty);
CMDLINE_KEY("tty.in", set_tty_in);
CMDLINE_KEY("tty.err", set_tty_err);

static int
set_dim(uint16_t *dim, const char *v)
{
	uint64_t n;

	if (!v || parse_u64(v, strlen(v), &n, false) || n == 0 || n > 0xffff)
		return -EINVAL;
	*dim = (uint16_t)n;
	return 0;
}
static int
set_rows(const char *v)
{
	return set_dim(&tty.ws[0], v);
}
static int
set_cols(const char *v)
{
	return set_dim(&tty.ws[1], v);
}
CMDLINE_KEY("tty.rows", set_rows);
CMDLINE_KEY("tty.cols", set_cols);

/* --- output: OPOST processing --- */
static void
opost_write(void (*out)(const char *, size_t), const char *b, size_t n)
{
	uint32_t o = tty.t.c_oflag;
	size_t s = 0;

	if (!(o & OPOST)) {
		out(b, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n' && (o & ONLCR)) {
			out(b + s, i - s);
			out("\r\n", 2);
			s = i + 1;
		} else if (b[i] == '\r' && (o & OCRNL)) {
			out(b + s, i - s);
			out("\n", 1);
			s = i + 1;
		}
	}
	out(b + s, n - s);
}

/* echo goes to the terminal: COM1 when stdout is one, else COM2
 * (XXX: with neither a terminal, echo lands in redirected stderr) */
static void
echo(const char *b, size_t n)
{
	opost_write(tty_out ? console_write : errstream_write, b, n);
}

static bool
is_ctl(uint8_t c)
{
	return (c < 32 && c != '\t' && c != '\n') || c == 0x7f;
}

/* one received byte as ECHO shows it: ^X for control characters */
static void
echo_char(uint8_t c)
{
	char b[2] = {'^', (char)(c ^ 0x40)};

	if ((tty.t.c_lflag & ECHOCTL) && is_ctl(c))
		echo(b, 2);
	else
		echo((char *)&c, 1);
}

/* --- input: the line discipline, called with tty.lock held --- */
static size_t
room(void)
{
	return TTY_BUF - (size_t)(tty.head - tty.tail);
}

static void
put(uint8_t c, uint8_t mark)
{
	tty.buf[tty.head % TTY_BUF] = c;
	tty.mark[tty.head % TTY_BUF] = mark;
	tty.head++;
	if (mark || !(tty.t.c_lflag & ICANON))
		tty.canon = tty.head;
}

static void
flush_input(void)
{
	tty.tail = tty.canon = tty.head;
	tty.lnext = false;
}

/* erase the last byte of the line being edited (a UTF-8 character whole
 * under IUTF8); false when the line is empty */
static bool
erase_one(bool visual)
{
	uint8_t c;

	if (tty.head == tty.canon)
		return false;
	do
		c = tty.buf[--tty.head % TTY_BUF];
	while ((tty.t.c_iflag & IUTF8) && (c & 0xc0) == 0x80 && tty.head > tty.canon);
	if (visual) {
		bool two = (tty.t.c_lflag & ECHOCTL) && is_ctl(c);
		echo(two ? "\b\b  \b\b" : "\b \b", two ? 6 : 3);
	}
	return true;
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* ICANON editing characters: true when c was one */
static bool
canon_edit(uint8_t c)
{
	const uint8_t *cc = tty.t.c_cc;
	uint32_t l = tty.t.c_lflag;
	bool vis = (l & ECHO) && (l & ECHOE);

	/* ^H erases too, whatever VERASE is: terminals send either */
	if ((c == cc[VERASE] && cc[VERASE]) || c == '\b') {
		if (!erase_one(vis) || vis || !(l & ECHO))
			return true;
		echo_char(c); /* ECHO without ECHOE shows the erase character */
		return true;
	}
	if ((l & IEXTEN) && c == cc[VWERASE] && cc[VWERASE]) {
		while (tty.head > tty.canon && is_space(tty.buf[(tty.head - 1) % TTY_BUF]))
			erase_one(vis);
		while (tty.head > tty.canon && !is_space(tty.buf[(tty.head - 1) % TTY_BUF]))
			erase_one(vis);
		return true;
	}
	if (c == cc[VKILL] && cc[VKILL]) {
		bool each = vis && (l & ECHOKE);
		while (erase_one(each))
			;
		if ((l & ECHO) && !each) {
			echo_char(c);
			if (l & ECHOK)
				echo("\n", 1);
		}
		return true;
	}
	return false;
}

/* to the foreground process group: the app */
static void
signal_app(int sig)
{
	signal_send(NULL, sig, NULL);
}

/* one byte from the keyboard, as n_tty_receive_char does */
static void
receive(uint8_t c)
{
	const uint8_t *cc = tty.t.c_cc;
	uint32_t i = tty.t.c_iflag, l = tty.t.c_lflag;

	if (i & ISTRIP)
		c &= 0x7f;
	if (tty.lnext) {
		tty.lnext = false;
		goto literal;
	}
	if (c == '\r' && (i & IGNCR))
		return;
	if (c == '\r' && (i & ICRNL))
		c = '\n';
	else if (c == '\n' && (i & INLCR))
		c = '\r';
	if ((i & IXON) && (c == cc[VSTART] || c == cc[VSTOP]))
		return; /* XXX: flow control characters are taken, output never stops */
	if (l & ISIG) {
		int sig = c == cc[VINTR] ? SIGINT : c == cc[VQUIT] ? SIGQUIT : 0;
		if (sig && c) {
			if (!(l & NOFLSH))
				flush_input();
			if (l & ECHO)
				echo_char(c);
			signal_app(sig);
			return;
		}
		if (c && c == cc[VSUSP])
			return; /* XXX: no job control: ^Z cannot stop the one app */
	}
	if ((l & IEXTEN) && c && c == cc[VLNEXT]) {
		tty.lnext = true;
		return;
	}
	if (l & ICANON) {
		if (canon_edit(c))
			return;
		if (c == cc[VEOF] && c) {
			if (room())
				put(c, MARK_EOF);
			return;
		}
		if (c == '\n' || (c && (c == cc[VEOL] || c == cc[VEOL2]))) {
			if (!room())
				return;
			if ((l & ECHO) || (c == '\n' && (l & ECHONL)))
				echo_char(c);
			put(c, MARK_EOL);
			return;
		}
	}
literal:
	/* in canonical mode the last byte stays free for the line's end */
	if (room() <= ((l & ICANON) ? 1u : 0u))
		return;
	if (l & ECHO)
		echo_char(c);
	put(c, 0);
}

/* COM1 received something: take every byte the UART holds */
static void
com1_irq(struct trapframe *tf, void *arg)
{
	uint64_t f = spin_lock_irqsave(&tty.lock);
	bool got = false;
	int c;

	while ((c = serial_getc(COM1)) >= 0) {
		receive((uint8_t)c);
		got = true;
	}
	if (got)
		tty.last_rx_ns = clock_ns();
	spin_unlock_irqrestore(&tty.lock, f);
	if (got)
		poll_wake(&tty.wq, POLLIN);
}

/* --- reading the terminal --- */
static bool
canonical(void)
{
	return tty.t.c_lflag & ICANON;
}

/* bytes a read can return now (canonical: committed lines) */
static size_t
readable(void)
{
	return (size_t)((canonical() ? tty.canon : tty.head) - tty.tail);
}

/* take up to n bytes into 'out'; canonical: at most one line */
static size_t
take(uint8_t *out, size_t n)
{
	uint64_t end = canonical() ? tty.canon : tty.head;
	size_t done = 0;

	while (done < n && tty.tail < end) {
		uint8_t c = tty.buf[tty.tail % TTY_BUF], m = tty.mark[tty.tail % TTY_BUF];
		tty.tail++;
		if (m == MARK_EOF)
			break;
		out[done++] = c;
		if (m == MARK_EOL && canonical())
			break;
	}
	return done;
}

/* Is this read done? (lock held) Non-canonical reads follow VMIN and
 * VTIME as termios(3) says; *deadline gets the VTIME timer. */
static bool
read_done(size_t n, uint64_t start, uint64_t *deadline)
{
	size_t avail = readable();
	uint64_t vtime = (uint64_t)tty.t.c_cc[VTIME] * 100000000u;
	size_t vmin = tty.t.c_cc[VMIN];

	*deadline = 0;
	if (canonical())
		return tty.tail < tty.canon; /* a line, or an EOF mark */
	if (!vmin) {
		*deadline = start + vtime;
		return avail || !vtime || clock_ns() >= *deadline;
	}
	if (avail >= MIN(vmin, n))
		return true;
	if (avail && vtime) {
		*deadline = tty.last_rx_ns + vtime;
		return clock_ns() >= *deadline;
	}
	return false;
}

long
tty_read(struct file *f, void *ubuf, size_t n)
{
	uint8_t *tmp = kmalloc(MIN(n, (size_t)TTY_BUF) + 1);
	uint64_t start = clock_ns(), deadline;
	struct poll_sleeper s;
	struct poll_waiter w;
	long r;

	if (!tmp)
		return -ENOMEM;
	n = MIN(n, (size_t)TTY_BUF);
	poll_sleeper_init(&s);
	poll_waiter_add(&w, &s, &tty.wq, POLLIN);
	for (;;) {
		bool sig;
		uint64_t fl;
		poll_sleeper_arm(&s); /* before looking: input from now on wakes */
		sig = signal_pending();
		fl = spin_lock_irqsave(&tty.lock);
		if (!n || read_done(n, start, &deadline)) {
			r = (long)take(tmp, n);
			spin_unlock_irqrestore(&tty.lock, fl);
			break;
		}
		if ((f->f_flags & O_NONBLOCK) || sig) {
			/* cut short: a non-canonical read takes what is there */
			if (!canonical() && readable())
				r = (long)take(tmp, n);
			else
				r = sig ? -ERESTARTSYS : -EAGAIN;
			spin_unlock_irqrestore(&tty.lock, fl);
			break;
		}
		spin_unlock_irqrestore(&tty.lock, fl);
		poll_sleep(&s, deadline); /* then look again: input, a signal, VTIME */
	}
	poll_waiter_del(&w);
	if (r > 0 && copy_to_user(ubuf, tmp, (size_t)r))
		r = -EFAULT;
	kfree(tmp);
	return r;
}

int
tty_poll(struct poll_table *pt)
{
	uint64_t fl;
	int r;

	poll_register(pt, &tty.wq);
	fl = spin_lock_irqsave(&tty.lock);
	r = readable() ? POLLIN : 0;
	spin_unlock_irqrestore(&tty.lock, fl);
	return r;
}

void
tty_write(void (*out)(const char *, size_t), const char *b, size_t n)
{
	opost_write(out, b, n);
}

/* --- termios and friends --- */
static int
set_termios(unsigned long cmd, void *arg)
{
	struct linux_termios t;
	uint64_t fl;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	fl = spin_lock_irqsave(&tty.lock);
	if (cmd == TCSETSF)
		flush_input();
	if ((tty.t.c_lflag & ICANON) && !(t.c_lflag & ICANON))
		tty.canon = tty.head; /* the line being edited becomes readable */
	tty.t = t;
	spin_unlock_irqrestore(&tty.lock, fl);
	poll_wake(&tty.wq, POLLIN); /* VMIN, VTIME or ICANON may have changed */
	return 0;
}

static int
put_int(void *arg, int v)
{
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int
window_size(unsigned long cmd, void *arg)
{
	uint16_t ws[4];
	bool changed;

	if (cmd == TIOCGWINSZ)
		return copy_to_user(arg, tty.ws, sizeof(ws)) ? -EFAULT : 0;
	if (copy_from_user(ws, arg, sizeof(ws)))
		return -EFAULT;
	changed = memcmp(ws, tty.ws, sizeof(ws)) != 0;
	memcpy(tty.ws, ws, sizeof(ws));
	if (changed)
		signal_app(SIGWINCH); /* as Linux: to the foreground group */
	return 0;
}

int
tty_ioctl(unsigned long cmd, void *arg)
{
	int pgrp;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(arg, &tty.t, sizeof(tty.t)) ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW: /* output is written synchronously: nothing to drain */
	case TCSETSF:
		return set_termios(cmd, arg);
	case TIOCGWINSZ:
	case TIOCSWINSZ:
		return window_size(cmd, arg);
	case TIOCGPGRP:
	case TIOCGSID:
		return put_int(arg, APP_PGID);
	case TIOCSPGRP:
		if (copy_from_user(&pgrp, arg, sizeof(pgrp)))
			return -EFAULT;
		return pgrp < 0 ? -EINVAL : pgrp == APP_PGID ? 0 : -ESRCH;
	case FIONREAD: {
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		int k = (int)(tty_in ? readable() : 0);
		spin_unlock_irqrestore(&tty.lock, fl);
		return put_int(arg, k);
	}
	case TCFLSH:
		if ((uintptr_t)arg > 2)
			return -EINVAL;
		if ((uintptr_t)arg != 1) { /* TCIFLUSH or TCIOFLUSH */
			uint64_t fl = spin_lock_irqsave(&tty.lock);
			flush_input();
			spin_unlock_irqrestore(&tty.lock, fl);
		}
		return 0;
	case TIOCOUTQ:
		return put_int(arg, 0);
	case TCSBRK:
	case TCXONC:
	case TIOCSCTTY:
		return 0; /* already the controlling terminal; nothing queued */
	case TIOCNOTTY:
		return 0; /* XXX: the one app keeps its terminal; nothing to hang up */
	}
	return -ENOTTY;
}

/* the keyboard on COM1: receive interrupts at one byte (FIFO trigger 1) */
static void
keyboard_init(void)
{
	int v = irq_register_isa(COM1_IRQ, com1_irq, NULL);

	if (v < 0) {
		printk(KERN_ERR "console: COM1 interrupt: error %d; stdin gets end-of-file", v);
		tty_in = false;
		return;
	}
	serial_rx_enable(COM1);
	com1_irq(NULL, NULL); /* bytes that came before */
}

bool
tty_stdin(void)
{
	return tty_in;
}

bool
tty_stdout(void)
{
	return tty_out;
}

bool
tty_stderr(void)
{
	return tty_err;
}

void
tty_init(void)
{
	if (tty_in)
		keyboard_init();
}

/* --- the terminal's session: the app (pid 1) leads it and its one
 * process group, which is always the foreground one (job-control shells
 * check this before they read) --- */
static long
self_or_error(long pid)
{
	return pid == 0 || pid == APP_PGID ? APP_PGID : -ESRCH;
}

SYSCALL(getpgrp)
{
	return APP_PGID;
}
SYSCALL(getpgid)
{
	return self_or_error(a0);
}
SYSCALL(getsid)
{
	return self_or_error(a0);
}
SYSCALL(setpgid)
{
	if (a1 < 0)
		return -EINVAL;
	if (self_or_error(a0) < 0)
		return -ESRCH;
	return -EPERM; /* Linux: a session leader keeps its process group */
}
SYSCALL(setsid)
{
	return -EPERM; /* already a process group leader */
}

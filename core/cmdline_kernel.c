/* The kernel's command line walk: every CMDLINE_KEY in the image, with
 * warnings to the kernel log (cmdline.c is the host-tested parser). */
#include "cmdline.h"
#include "lib.h"
#include "printk.h"
#include "sections.h"

static void
warn_printk(const char *what, const char *tok, size_t len)
{
	printk(KERN_WARN "cmdline: %s '%.*s' ignored", what, (int)MIN(len, 80), tok);
}

int
cmdline_parse(const char *line)
{
	return cmdline_parse_keys(line, __start_cmdline_keys,
	                          __stop_cmdline_keys - __start_cmdline_keys, warn_printk);
}

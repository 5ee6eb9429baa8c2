/* One JSON form, what the boot-time overrides use (docs/apps.md, "One
 * image, many deployments"): an array of strings, RFC 8259, whitespace
 * allowed between tokens. libc/json.c, host-tested by tests/unit/test_json.c.
 * Typical use:
 *   char *out = kmalloc(len + 1);          // decoded is never longer
 *   const char *why; size_t at;
 *   long n = json_strings(text, len, out, &at, &why);  // n strings, each NUL-ended
 */
#ifndef UNUM_JSON_H
#define UNUM_JSON_H

#include "types.h"

/* Decode the array in [text, text + len) into out (room for len + 1
 * bytes: each string NUL-terminated, one after another). Returns the
 * number of strings, or -EINVAL with *at the offending byte's offset and
 * *why what was wrong (a string holding NUL (\u0000) is refused: it
 * could not be an argument). */
long json_strings(const char *text, size_t len, char *out, size_t *at, const char **why);

#endif

/* Host unit tests: include/spinlock.h as it is, but over the shim's
 * arch.h. Needed because include/spinlock.h says #include "arch.h",
 * which GCC looks up first in include/ itself, before any -I directory:
 * without this file the real arch.h (cli, pushfq) would be compiled into
 * the test. Every include/ header that includes arch.h needs a file like
 * this one here. */
#include "arch.h" /* the shim's; its guard then keeps include/arch.h out */
#include_next "spinlock.h"

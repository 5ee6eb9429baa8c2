/* Our dynamic linker (DESIGN.md, Loader: running the app): programs whose
 * PT_INTERP is musl's /lib/ld-musl-x86_64.so.1 bind to the musl the
 * kernel carries (door 2). */
#include "lib.h"
#include "loader.h"

extern const uint8_t kmusl_image[], kmusl_image_end[];

const uint8_t *
kmusl(size_t *size)
{
	*size = (size_t)(kmusl_image_end - kmusl_image);
	return kmusl_image;
}

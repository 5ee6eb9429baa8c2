/* libdynsym.so without the symbol dyn_nosym.c needs (its soname is the
 * same: tests/e2e/dyn-door2.sh puts it in the image in its place). */
int dynsym_other;

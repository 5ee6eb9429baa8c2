/* Needs dynlocal_value without naming its library (no DT_NEEDED): it
 * loads only once libdynlocal.so is in the global scope (dyn_scope.c). */
extern int dynlocal_value;
int dynuser_get(void);

int
dynuser_get(void)
{
	return dynlocal_value;
}

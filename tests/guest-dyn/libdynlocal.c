/* Loaded by dyn_scope (tests/e2e/dyn-scope.sh) with dlopen RTLD_LOCAL,
 * then RTLD_GLOBAL: its symbol is seen by the global scope only then. */
int dynlocal_value = 42;

/* A plugin dlopen()ed at run time by tests/guest-dyn/dyn_main.c, with its
 * own thread-local storage (dynamic TLS: __tls_get_addr) and a
 * constructor that runs when it is loaded. */
__thread long plugin_tls = 1000;
int plugin_loaded;

__attribute__((constructor)) static void
plugin_init(void)
{
	plugin_loaded = 1;
}

long
plugin_call(long x)
{
	plugin_tls += x;
	return plugin_tls;
}

# apps/httpd: the default app of `make run`: our small HTTP server
# (tests/net/httpd.c: epoll, keep-alive, a 1 KB page at /, files under
# -d DIR), static with musl. It starts in well under a second and needs
# no third-party source, so a fresh machine serves it at once.
$(BUILD)/apps/httpd/httpd: tests/net/httpd.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<

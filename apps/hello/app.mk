# apps/hello: static with musl, as `make image APP=hello` bakes it
# (the Makefile includes every apps/*/app.mk; each builds BUILD/apps/NAME/NAME).
$(BUILD)/apps/hello/hello: apps/hello/hello.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

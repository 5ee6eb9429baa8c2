# apps/lua5.4: the lua interpreter from Debian's lua5.4 source package
# (deps.lock; Debian's patches in, its CVE fixes among them), static with
# musl. Compiled directly, every src/*.c but luac.c, rather than through
# the Makefile Debian's 0001-build-system.patch turns to libtool and a
# shared liblua. Flags: LUA_USE_POSIX (LUA_USE_LINUX would add dlopen and
# readline, neither of which a static musl binary has). debian/rules
# writes src/lua5.4-deb-multiarch.h at configure time; the recipe writes
# the same header (x86_64-linux-gnu) beside the binary. Stripped.
LUA_SRC := $(BUILD)/src/lua5.4
$(BUILD)/apps/lua5.4/lua5.4: $(BUILD)/src/lua5.4/.unpacked apps/lua5.4/app.mk
	@mkdir -p $(dir $@)
	$(V)printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n#endif\n' \
		>$(dir $@)lua5.4-deb-multiarch.h
	$(V)musl-gcc -static -O2 -std=gnu99 -DLUA_USE_POSIX -I$(dir $@) -o $@ \
		$(filter-out %/luac.c,$(wildcard $(LUA_SRC)/src/*.c)) -lm
	$(V)strip $@

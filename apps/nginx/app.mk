# apps/nginx: nginx from Debian's nginx source package (deps.lock), static
# with musl, with PCRE2 and zlib from their Debian source packages built
# by nginx's own configure (--with-pcre=, --with-zlib=) with the same CC.
# Build flags only, no patches: --with-ld-opt=-static; no OpenSSL (not
# built for musl: no TLS modules); its paths where the guest has them:
# the config /etc/nginx/nginx.conf (apps/nginx/nginx.conf, baked in by
# the manifest), logs to stderr/stdout, the pid, lock and temporary files
# under /tmp. Debian's musl-dev has no <crypt.h> (musl declares crypt()
# in <unistd.h>) and nginx's ngx_linux_config.h includes it always: the
# recipe writes a crypt.h that includes <unistd.h> into
# BUILD/apps/nginx/include, on the include path (-I, a flag, no patch).
# Its libc.a has no crypt() either: --without-http_auth_basic_module, the
# one user of crypt (NGX_CRYPT). Stripped.
NGINX_SRC := $(BUILD)/src/nginx
NGINX_INC := $(abspath $(BUILD)/apps/nginx/include)
NGINX_CONFIGURE := --with-cc=musl-gcc --with-cc-opt="-O2 -I$(NGINX_INC)" --with-ld-opt=-static \
	--with-pcre=$(abspath $(BUILD)/src/pcre2) --with-pcre-jit \
	--with-zlib=$(abspath $(BUILD)/src/zlib) \
	--prefix=/srv --conf-path=/etc/nginx/nginx.conf \
	--error-log-path=stderr --http-log-path=/dev/stdout \
	--pid-path=/tmp/nginx.pid --lock-path=/tmp/nginx.lock \
	--http-client-body-temp-path=/tmp/client_body \
	--http-proxy-temp-path=/tmp/proxy --http-fastcgi-temp-path=/tmp/fastcgi \
	--http-uwsgi-temp-path=/tmp/uwsgi --http-scgi-temp-path=/tmp/scgi \
	--with-http_stub_status_module --without-http_auth_basic_module
$(BUILD)/apps/nginx/nginx: $(NGINX_SRC)/.unpacked $(BUILD)/src/pcre2/.unpacked \
		$(BUILD)/src/zlib/.unpacked apps/nginx/app.mk
	@mkdir -p $(NGINX_INC)
	$(V)printf '/* written by apps/nginx/app.mk: see there */\n#include <unistd.h>\n' >$(NGINX_INC)/crypt.h
	$(V)cd $(NGINX_SRC) && { ./configure $(NGINX_CONFIGURE) && $(MAKE) -f objs/Makefile; } \
		>build.log 2>&1 || { tail -20 build.log >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(V)strip -o $@ $(NGINX_SRC)/objs/nginx
# a 10 MiB file for the large-transfer checks (e2e/app-nginx), baked in
# at /srv/www/10m.bin: made here, never committed; pseudo-random bytes
# from a fixed seed (the same file on every build, and incompressible)
$(BUILD)/apps/nginx/10m.bin: apps/nginx/app.mk
	@mkdir -p $(dir $@)
	$(V)python3 -c 'import random, sys; random.seed(13); sys.stdout.buffer.write(random.randbytes(10 << 20))' >$@.tmp
	$(V)mv $@.tmp $@
APP_FILES_nginx := apps/nginx/nginx.conf $(wildcard apps/nginx/site/*) $(BUILD)/apps/nginx/10m.bin

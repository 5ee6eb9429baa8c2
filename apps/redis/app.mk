# apps/redis: redis-server from Debian's redis source package (deps.lock),
# static with musl. Build flags only, no patches: MALLOC=libc (jemalloc
# would need its own musl build for no gain in a one-process guest),
# BUILD_TLS=no and USE_SYSTEMD=no (no OpenSSL or libsystemd for musl),
# LDFLAGS=-static; its bundled lua, hiredis and hdr_histogram are built
# with the same CC. GIT_DIR points nowhere so that redis's mkreleasehdr.sh
# does not take this tree's commit for its own. Stripped: the guest has no
# use for the debug info (6.7 MB -> 2 MB).
REDIS_SRC := $(BUILD)/src/redis
$(BUILD)/apps/redis/redis: $(REDIS_SRC)/.unpacked apps/redis/app.mk
	$(V)GIT_DIR=/nonexistent $(MAKE) -s -C $(REDIS_SRC)/src redis-server \
		CC=musl-gcc LDFLAGS=-static MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no \
		OPTIMIZATION=-O2 >$(REDIS_SRC)/build.log 2>&1 || \
		{ tail -20 $(REDIS_SRC)/build.log >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(V)strip -o $@ $(REDIS_SRC)/src/redis-server

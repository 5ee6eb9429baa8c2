# apps/iperf3: iperf3 from Debian's iperf3 source package (deps.lock),
# static with musl: configure with CC=musl-gcc, no shared library, no
# OpenSSL (its authentication needs it; not built for musl) and no SCTP;
# the program linked -all-static (libtool's word for a fully static
# executable; plain -static only means "no shared libtool libraries").
# Build flags only. XXX: not built here yet: the archive answered 404 for
# iperf3_3.12.orig.tar.gz when this was written (e2e/app-iperf3 skips,
# "source cannot be fetched"); the first CI run that can fetch it runs
# this recipe for the first time.
IPERF_SRC := $(BUILD)/src/iperf3
$(BUILD)/apps/iperf3/iperf3: $(IPERF_SRC)/.unpacked apps/iperf3/app.mk
	$(V)cd $(IPERF_SRC) && { ./configure CC=musl-gcc CFLAGS=-O2 --disable-shared \
		--enable-static --without-openssl --without-sctp && \
		$(MAKE) -C src iperf3 iperf3_LDFLAGS=-all-static; } \
		>build.log 2>&1 || { tail -20 build.log >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(V)strip -o $@ $(IPERF_SRC)/src/iperf3

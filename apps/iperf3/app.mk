# apps/iperf3: Debian's own iperf3 binary package (3.12-1+deb12u2, the
# bookworm version), unmodified: nothing is built. It runs through door 1
# (glibc's ld.so) with the library closure tools/unum copies from the host
# (libiperf0, libcrypto, libsctp). Not a static musl build from source, as
# the other servers are: Debian's archive does not serve
# iperf3_3.12.orig.tar.gz (deb.debian.org answers 404 for it, the one orig
# tarball of both versions bookworm lists; checked 2026-12-02), so that
# recipe could never run. tools/deps.sh installs the package; the tests'
# host client is the same program. The rule below only runs when it is
# missing: it says which package to install.
APP_BIN_iperf3 := /usr/bin/iperf3
/usr/bin/iperf3:
	@echo "apps/iperf3: $@ missing: install Debian's iperf3 (tools/deps.sh)" >&2; exit 1

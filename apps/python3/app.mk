# apps/python3: Debian's own python3 (3.11), unmodified: nothing is built.
# The program is the host's /usr/bin/python3 (Debian packages python3.11
# and libpython3.11-stdlib, which tools/deps.sh installs), run through
# door 1 (glibc's own ld.so) with the library closure tools/unum copies
# from the host, the C extensions' libraries (libcrypto for _hashlib,
# libsqlite3 for _sqlite3, ...) among it. The manifest adds the stdlib.
# The rule below only runs when the interpreter or its stdlib is missing:
# it says which package to install.
APP_BIN_python3 := /usr/bin/python3
APP_FILES_python3 := /usr/lib/python3.11/os.py
/usr/bin/python3 /usr/lib/python3.11/os.py:
	@echo "apps/python3: $@ missing: install Debian's python3.11 and libpython3.11-stdlib (tools/deps.sh)" >&2; exit 1

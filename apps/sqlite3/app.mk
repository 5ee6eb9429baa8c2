# apps/sqlite3: the sqlite3 shell from Debian's sqlite3 source package
# (deps.lock), static with musl. Its configure and make run only to write
# the amalgamation (sqlite3.c, shell.c: tclsh from the tcl package, lemon
# and the other generators built with the host's gcc); the two files are
# then compiled with musl-gcc -static, which avoids libtool's linking.
# Flags: SQLITE_OMIT_LOAD_EXTENSION (a static binary cannot dlopen),
# no readline (not built for musl); everything else upstream's defaults.
# No patches beyond Debian's. apps/speedtest1 uses the same amalgamation.
SQLITE_SRC := $(BUILD)/src/sqlite3
SQLITE_OBJ := $(BUILD)/apps/sqlite3/obj
SQLITE_CFLAGS := -O2 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DQS=0
$(SQLITE_OBJ)/sqlite3.c: $(SQLITE_SRC)/.unpacked apps/sqlite3/app.mk
	$(V)rm -rf $(SQLITE_OBJ) && mkdir -p $(SQLITE_OBJ)
	$(V)cd $(SQLITE_OBJ) && { $(abspath $(SQLITE_SRC))/configure --disable-tcl \
		--disable-readline --disable-shared && $(MAKE) sqlite3.c shell.c; } \
		>build.log 2>&1 || { tail -20 build.log >&2; exit 1; }
$(SQLITE_OBJ)/shell.c: $(SQLITE_OBJ)/sqlite3.c ;
# compiled once for both (the amalgamation is 8 MB of C)
$(SQLITE_OBJ)/sqlite3.o: $(SQLITE_OBJ)/sqlite3.c
	$(V)musl-gcc $(SQLITE_CFLAGS) -c -o $@ $<
$(BUILD)/apps/sqlite3/sqlite3: $(SQLITE_OBJ)/sqlite3.o $(SQLITE_OBJ)/shell.c
	$(V)musl-gcc -static $(SQLITE_CFLAGS) -I$(SQLITE_OBJ) -o $@ \
		$(SQLITE_OBJ)/shell.c $(SQLITE_OBJ)/sqlite3.o -lpthread -lm
	$(V)strip $@

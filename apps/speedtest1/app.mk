# apps/speedtest1: sqlite's benchmark (test/speedtest1.c of Debian's sqlite3
# source package) on apps/sqlite3's amalgamation, with its flags, static
# with musl.
# (paths spelled out: this file is read before apps/sqlite3/app.mk)
$(BUILD)/apps/speedtest1/speedtest1: $(BUILD)/apps/sqlite3/obj/sqlite3.o
	@mkdir -p $(dir $@)
	$(V)musl-gcc -static $(SQLITE_CFLAGS) -I$(SQLITE_OBJ) -o $@ \
		$(SQLITE_SRC)/test/speedtest1.c $(SQLITE_OBJ)/sqlite3.o -lpthread -lm
	$(V)strip $@

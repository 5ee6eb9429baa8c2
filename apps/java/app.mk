# apps/java: Debian's OpenJDK 17 unmodified (openjdk-17-jre-headless, and
# openjdk-17-jdk-headless for javac; tools/deps.sh installs both): the
# program is the host's java launcher, run through door 1 (glibc's own
# ld.so) with the JDK's lib/ pieces from the manifest and the library
# closure tools/unum copies (libstdc++ and libgcc_s for libjvm.so, libz).
# The recipe builds only the default class, apps/java/Hello.java, with the
# host's javac into BUILD/apps/java/classes. The rule for the JDK's own
# files runs only when one is missing: it names the package to install.
JDK := /usr/lib/jvm/java-17-openjdk-amd64
APP_BIN_java := /usr/lib/jvm/java-17-openjdk-amd64/bin/java
APP_FILES_java := $(BUILD)/apps/java/classes/Hello.class
$(BUILD)/apps/java/classes/Hello.class: apps/java/Hello.java apps/java/app.mk | $(JDK)/bin/javac
	@mkdir -p $(dir $@)
	$(V)$(JDK)/bin/javac -d $(dir $@) $<
$(JDK)/bin/java $(JDK)/bin/javac:
	@echo "apps/java: $@ missing: install Debian's openjdk-17-jre-headless and openjdk-17-jdk-headless (tools/deps.sh)" >&2; exit 1

# tools/unum as a package: cli (the command line and main), elf (what FILE
# is), initrd (the cpio newc writer and the app's archive), qemu (the
# accelerator and QEMU's command line), relay (the console relay and the
# exit record), image (the GRUB disk image), common (exit statuses, errors,
# Config). The tools/unum launcher imports cli in-process.

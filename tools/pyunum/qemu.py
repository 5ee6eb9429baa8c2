# Which accelerator (hardware KVM or TCG; PVM never counts) and the QEMU
# command line for a run: the machine, COM1 and COM2 as explicit UARTs,
# the debug-exit port, the network, the disks, the kernel and its initrd.
# Tests: tests/unit/test_unum_qemu.py.

import json
import os

from .common import UsageError


def hardware_kvm(sysfs="/sys/module", dev="/dev/kvm"):
    """-> (True, why) when KVM is hardware-assisted and usable, else
    (False, why). PVM (kvm_pvm) is hundreds of times slower than TCG for a
    ring-0 guest (DESIGN.md), so it never counts."""
    mods = [m for m in ("kvm_intel", "kvm_amd")
            if os.path.isdir(os.path.join(sysfs, m))]
    if not mods:
        if os.path.isdir(os.path.join(sysfs, "kvm_pvm")):
            if os.path.exists(dev):
                return False, f"{dev} is kvm_pvm"
            return False, f"kvm_pvm loaded, no {dev}"
        return False, "no kvm_intel or kvm_amd module"
    try:
        os.close(os.open(dev, os.O_RDWR | os.O_CLOEXEC))
    except OSError as e:
        return False, f"{dev}: {e.strerror}"
    return True, f"{mods[0]}, {dev}"


def choose_accel(requested, sysfs="/sys/module", dev="/dev/kvm"):
    """-> (accel, line to print). UsageError for --accel kvm without
    hardware KVM."""
    if requested == "tcg":
        return "tcg", "unum: accel tcg (--accel tcg)"
    ok, why = hardware_kvm(sysfs, dev)
    if ok:
        return "kvm", f"unum: accel kvm ({why})"
    if requested == "kvm":
        raise UsageError(f"--accel kvm: no hardware KVM ({why})")
    return "tcg", f"unum: accel tcg (no hardware KVM: {why})"


def qemu_binary():
    return os.environ.get("UNUM_QEMU", "qemu-system-x86_64")


def kernel_cmdline(cfg):
    words = [cfg.kernel_args.strip()] if cfg.kernel_args else []
    if cfg.tty:
        words.append("tty")
    if cfg.tty_in:
        words.append("tty.in")
    if cfg.tty_err:
        words.append("tty.err")
    if cfg.winsize:
        words += [f"tty.rows={cfg.winsize[0]}", f"tty.cols={cfg.winsize[1]}"]
    return " ".join(w for w in words if w)


def fw_cfg_overrides(cfg):
    """-- args and --env for a disk image's app: the fw_cfg files
    opt/unum/args and opt/unum/env, JSON arrays of strings that the
    kernel reads at boot (loader/args.c) in place of the baked-in
    arguments, and over the baked-in variables of the same names."""
    words = []
    for name, items in (("args", cfg.args), ("env", cfg.envs)):
        if items:
            text = json.dumps(items).replace(",", ",,")
            words += ["-fw_cfg", f"name=opt/unum/{name},string={text}"]
    return words


def net_qemu_args(cfg, machine):
    """The -netdev and -device words for --net (none: no words). User
    networking is reached from the host only through the --port forwards,
    each listening on 127.0.0.1; a tap device is used as it is (no scripts)."""
    if cfg.net == "none":
        return []
    if cfg.net == "user":
        backend = "user,id=n0" + "".join(
            f",hostfwd={proto}:127.0.0.1:{h}-:{g}" for h, g, proto in cfg.ports)
    else:
        backend = f"tap,id=n0,ifname={cfg.net[len('tap='):]},script=no,downscript=no"
    device = "virtio-net-device" if machine == "microvm" else "virtio-net-pci"
    return ["-netdev", backend, "-device", f"{device},netdev=n0"]


def disk_qemu_args(cfg, machine):
    """The -drive and -device words for the --disk files, in order: raw
    format, virtio-blk on the machine's transport (MMIO on microvm, PCI on
    q35); ",ro" gives QEMU readonly=on, which the device reports (RO)."""
    dev = "virtio-blk-device" if machine == "microvm" else "virtio-blk-pci"
    words = []
    for i, (path, ro) in enumerate(cfg.disks):
        # a comma in an option value is written doubled
        drive = f"file={path.replace(',', ',,')},format=raw,if=none,id=disk{i}"
        words += ["-drive", drive + (",readonly=on" if ro else ""),
                  "-device", f"{dev},drive=disk{i}"]
    return words


def build_qemu_command(cfg, accel, com1_path, com2_path, com1_fd=None,
                       qmp_fd=None):
    """The whole QEMU argv for cfg. COM1 and COM2 are explicit isa-serial
    devices on both machines: microvm creates only one port from -serial,
    and explicit devices pin the addresses the kernel probes. The file
    backend writes into our pipes; an interactive COM1 (keystrokes in too)
    is one end of a socket pair, `com1_fd` (QEMU 7.2's file backend has
    no input-path=). `qmp_fd`, one end of a socket pair, is a QMP
    monitor: at --timeout the relay asks it for an NMI (the kernel's hang
    dump) before it kills QEMU."""
    machine = cfg.machine or ("q35" if cfg.kind == "image" else "microvm")
    cmd = [qemu_binary(),
           "-M", "microvm,acpi=off" if machine == "microvm" else "q35",
           "-accel", accel,
           "-cpu", cfg.cpu_model or ("host" if accel == "kvm" else "max"),
           "-m", f"{cfg.mem_mib}M",
           "-smp", str(cfg.cpus),
           "-nodefaults", "-no-user-config", "-display", "none",
           "-no-reboot",
           "-chardev", (f"socket,id=com1,fd={com1_fd}" if com1_fd is not None
                        else f"file,id=com1,path={com1_path}"),
           "-device", "isa-serial,chardev=com1,iobase=0x3f8,irq=4",
           "-chardev", f"file,id=com2,path={com2_path}",
           "-device", "isa-serial,chardev=com2,iobase=0x2f8,irq=3",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if qmp_fd is not None:
        cmd += ["-chardev", f"socket,id=qmp,fd={qmp_fd}",
                "-mon", "chardev=qmp,mode=control"]
    if cfg.qmp:
        cmd += ["-qmp", f"unix:{cfg.qmp.replace(',', ',,')},server=on,wait=off"]
    cmd += net_qemu_args(cfg, machine)
    if cfg.balloon:
        # stats on (QEMU offers them always), free page reporting asked for
        cmd += ["-device", ("virtio-balloon-device" if machine == "microvm"
                            else "virtio-balloon-pci") +
                    ",id=balloon0,free-page-reporting=on"]
    if cfg.kind == "image":
        # a comma in an option value is written doubled
        cmd += ["-drive", f"file={cfg.file.replace(',', ',,')},format=raw"]
        cmd += fw_cfg_overrides(cfg)
        return cmd + disk_qemu_args(cfg, machine) + cfg.qemu_extra
    cmd += ["-kernel", cfg.kernel]
    if cfg.initrd:
        cmd += ["-initrd", cfg.initrd]
    append = kernel_cmdline(cfg)
    if append:
        cmd += ["-append", append]
    return cmd + disk_qemu_args(cfg, machine) + cfg.qemu_extra

# tools/unum image --format qcow2|libvirt|firecracker (docs/apps.md): the
# raw image converted by qemu-img, or a VM definition for someone else's
# VMM with the kernel and initrd it boots beside it. Command line:
# cli.py; the raw image: image.py. Tests: tests/unit/test_unum_formats.py,
# tests/e2e/image-formats.sh.

import json
import os
import shutil
import subprocess
from xml.sax.saxutils import escape

from .common import RunError

EXIT_IMAGE = 1
# QEMU's first MAC on user networking (tests/run's NET_MAC too)
GUEST_MAC = "52:54:00:12:34:56"
FIRECRACKER_TAP = "tap0"  # Firecracker has no port forwards: a tap device


def companions(out):
    """The files written beside out (a .xml or .json config): its name
    without the last extension, plus .kernel and .initrd."""
    base = os.path.splitext(out)[0]
    return base + ".kernel", base + ".initrd"


def qcow2(raw, tmp):
    """Convert the raw image `raw` into the qcow2 file `tmp`."""
    if not shutil.which("qemu-img"):
        raise RunError(EXIT_IMAGE, "qemu-img not found (Debian package "
                       "qemu-utils; tools/deps.sh installs it)")
    r = subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O",
                        "qcow2", raw, tmp], capture_output=True, text=True)
    if r.returncode:
        raise RunError(EXIT_IMAGE, "qemu-img convert failed: "
                       f"{r.stderr.strip() or r.returncode}")


def cmdline(cfg):
    """The kernel command line of a direct boot: the baked-in kernel args
    (argv and env are in the initrd, as in the raw image)."""
    return " ".join((cfg.kernel_args or "").split())


def libvirt_xml(cfg, name, kernel, initrd, emulator):
    """A libvirt domain (virsh define; docs: libvirt.org/formatdomain.html)
    booting kernel and initrd directly on q35 under QEMU (type kvm when
    the host has it, else qemu: TCG), COM1 a pty console, the manifest's
    ports forwarded by a passt user-mode interface. on_poweroff destroy:
    the app's exit powers the VM off."""
    kvm = os.path.exists("/dev/kvm") and (
        os.path.isdir("/sys/module/kvm_intel") or
        os.path.isdir("/sys/module/kvm_amd"))
    net = ""
    if cfg.manifest_ports:
        fwd = "".join(
            f"      <portForward proto='{proto}' address='127.0.0.1'>\n"
            f"        <range start='{h}' to='{g}'/>\n"
            "      </portForward>\n" for h, g, proto in cfg.manifest_ports)
        net = ("    <interface type='user'>\n"
               f"      <mac address='{GUEST_MAC}'/>\n"
               "      <backend type='passt'/>\n" + fwd +
               "      <model type='virtio'/>\n"
               "    </interface>\n")
    args = cmdline(cfg)
    return (
        f"<domain type='{'kvm' if kvm else 'qemu'}'>\n"
        f"  <name>{escape(name)}</name>\n"
        f"  <memory unit='MiB'>{cfg.mem_mib}</memory>\n"
        f"  <vcpu>{cfg.cpus}</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='q35'>hvm</type>\n"
        f"    <kernel>{escape(kernel)}</kernel>\n"
        f"    <initrd>{escape(initrd)}</initrd>\n"
        + (f"    <cmdline>{escape(args)}</cmdline>\n" if args else "") +
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "  </features>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>destroy</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        f"    <emulator>{escape(emulator)}</emulator>\n"
        + net +
        "    <serial type='pty'>\n"
        "      <target port='0'/>\n"
        "    </serial>\n"
        "    <console type='pty'>\n"
        "      <target type='serial' port='0'/>\n"
        "    </console>\n"
        "  </devices>\n"
        "</domain>\n")


def firecracker_config(cfg, kernel, initrd):
    """A Firecracker VM config (firecracker --config-file; the fields of
    its API's swagger: boot-source, drives, machine-config,
    network-interfaces). The app's files are in the initrd: no drives. A
    served app gets one virtio-net on the tap device FIRECRACKER_TAP,
    which the operator creates (Firecracker forwards no ports)."""
    nets = []
    if cfg.manifest_ports:
        nets.append({"iface_id": "eth0", "guest_mac": GUEST_MAC,
                     "host_dev_name": FIRECRACKER_TAP})
    return {
        "boot-source": {"kernel_image_path": kernel, "initrd_path": initrd,
                        "boot_args": cmdline(cfg)},
        "drives": [],
        "machine-config": {"vcpu_count": cfg.cpus,
                           "mem_size_mib": cfg.mem_mib, "smt": False},
        "network-interfaces": nets,
    }


def write_config(cfg, out, tmp, kernel_src, cpio_src):
    """libvirt or firecracker: the config into tmp (renamed to out by the
    caller), the stripped kernel and the initrd beside out, each written
    beside its place and renamed into it."""
    kernel, initrd = (os.path.abspath(p) for p in companions(out))
    for src, dst in ((kernel_src, kernel), (cpio_src, initrd)):
        shutil.copyfile(src, dst + ".tmp")
        os.rename(dst + ".tmp", dst)
    name = os.path.basename(os.path.splitext(out)[0]).split(".")[0]
    if cfg.image_format == "libvirt":
        emulator = shutil.which(os.environ.get("UNUM_QEMU") or
                                "qemu-system-x86_64") or \
            "/usr/bin/qemu-system-x86_64"
        text = libvirt_xml(cfg, name, kernel, initrd, emulator)
    else:
        text = json.dumps(firecracker_config(cfg, kernel, initrd),
                          indent=2) + "\n"
    with open(tmp, "w") as f:
        f.write(text)


#!/usr/bin/env python3
# tools/unum image --format libvirt|firecracker, the configs alone: the
# Firecracker VM config checked against the fields of Firecracker's
# documented API schema (its swagger: BootSource, Drive,
# MachineConfiguration, NetworkInterface, and the config file's top-level
# keys), the libvirt domain's parts (parsed as XML). A served app (ports
# in its manifest) gets a network interface, an unserved one none.
# Whole images are validated and booted by tests/e2e/image-formats.sh.
# Run: python3 tests/unit/test_unum_formats.py (silent on success).

import json
import sys
import unittest
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import common, formats  # noqa: E402

# Firecracker's schema, the parts a config file may hold: field -> type,
# and the required fields of each object (swagger firecracker.yaml).
FC_TOP = {"boot-source", "drives", "machine-config", "network-interfaces",
          "balloon", "cpu-config", "entropy", "logger", "metrics",
          "mmds-config", "vsock"}
FC_OBJECTS = {
    "boot-source": ({"kernel_image_path": str, "initrd_path": str,
                     "boot_args": str}, {"kernel_image_path"}),
    "machine-config": ({"vcpu_count": int, "mem_size_mib": int, "smt": bool,
                        "track_dirty_pages": bool, "cpu_template": str,
                        "huge_pages": str}, {"vcpu_count", "mem_size_mib"}),
    "network-interfaces": ({"iface_id": str, "host_dev_name": str,
                            "guest_mac": str, "rx_rate_limiter": dict,
                            "tx_rate_limiter": dict},
                           {"iface_id", "host_dev_name"}),
    "drives": ({"drive_id": str, "path_on_host": str, "is_root_device": bool,
                "is_read_only": bool, "partuuid": str, "cache_type": str,
                "io_engine": str, "rate_limiter": dict, "socket": str},
               {"drive_id", "is_root_device"}),
}


def check_object(test, key, obj):
    fields, required = FC_OBJECTS[key]
    test.assertIsInstance(obj, dict, key)
    test.assertLessEqual(required, set(obj), f"{key}: required fields")
    for k, v in obj.items():
        test.assertIn(k, fields, f"{key}.{k}: not in the schema")
        test.assertIsInstance(v, fields[k], f"{key}.{k}")


def config(**kw):
    cfg = common.Config(file="/x/app", **kw)
    return cfg


class Firecracker(unittest.TestCase):
    def check(self, cfg):
        text = json.dumps(formats.firecracker_config(cfg, "/i/k", "/i/r"))
        doc = json.loads(text)
        self.assertLessEqual(set(doc), FC_TOP)
        self.assertIn("boot-source", doc)  # the one a config file needs
        check_object(self, "boot-source", doc["boot-source"])
        check_object(self, "machine-config", doc["machine-config"])
        for key in ("drives", "network-interfaces"):
            self.assertIsInstance(doc[key], list, key)
            for obj in doc[key]:
                check_object(self, key, obj)
        mc = doc["machine-config"]
        # "1 or an even number", at most 32
        self.assertTrue(mc["vcpu_count"] == 1 or
                        (mc["vcpu_count"] % 2 == 0 and
                         mc["vcpu_count"] <= 32))
        self.assertGreater(mc["mem_size_mib"], 0)
        return doc

    def test_unserved_app(self):
        doc = self.check(config(mem_mib=48, kernel_args="quiet  loglevel=3"))
        self.assertEqual(doc["boot-source"], {
            "kernel_image_path": "/i/k", "initrd_path": "/i/r",
            "boot_args": "quiet loglevel=3"})
        self.assertEqual(doc["machine-config"]["mem_size_mib"], 48)
        self.assertEqual(doc["network-interfaces"], [])

    def test_served_app_gets_a_tap(self):
        doc = self.check(config(manifest_ports=[(8080, 80, "tcp")]))
        (nic,) = doc["network-interfaces"]
        self.assertEqual(nic["host_dev_name"], formats.FIRECRACKER_TAP)
        self.assertRegex(nic["guest_mac"], r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")

    def test_companions(self):
        self.assertEqual(formats.companions("b/nginx.firecracker.json"),
                         ("b/nginx.firecracker.kernel",
                          "b/nginx.firecracker.initrd"))
        self.assertEqual(formats.companions("b/nginx.xml"),
                         ("b/nginx.kernel", "b/nginx.initrd"))


class Libvirt(unittest.TestCase):
    def test_domain(self):
        cfg = config(mem_mib=64, kernel_args="quiet",
                     manifest_ports=[(8080, 80, "tcp"), (53, 53, "udp")])
        root = ET.fromstring(formats.libvirt_xml(cfg, "a<b", "/k", "/r",
                                                 "/usr/bin/qemu"))
        self.assertEqual(root.tag, "domain")
        self.assertIn(root.get("type"), ("qemu", "kvm"))
        self.assertEqual(root.findtext("name"), "a<b")
        self.assertEqual(root.find("memory").get("unit"), "MiB")
        self.assertEqual(root.findtext("memory"), "64")
        self.assertEqual(root.findtext("os/kernel"), "/k")
        self.assertEqual(root.findtext("os/initrd"), "/r")
        self.assertEqual(root.findtext("os/cmdline"), "quiet")
        self.assertEqual(root.find("os/type").get("machine"), "q35")
        self.assertEqual(root.findtext("on_poweroff"), "destroy")
        fwd = [(f.get("proto"), f.find("range").get("start"),
                f.find("range").get("to"))
               for f in root.findall("devices/interface/portForward")]
        self.assertEqual(fwd, [("tcp", "8080", "80"), ("udp", "53", "53")])

    def test_no_ports_no_interface_no_cmdline(self):
        root = ET.fromstring(formats.libvirt_xml(config(), "n", "/k", "/r",
                                                 "/q"))
        self.assertIsNone(root.find("devices/interface"))
        self.assertIsNone(root.find("os/cmdline"))


if __name__ == "__main__":
    unittest.main(verbosity=0, buffer=True)

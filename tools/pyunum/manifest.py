# An app's manifest (docs/apps.md): apps/NAME/manifest, TOML, giving the
# program, its arguments and environment, the files baked in beside it, the
# ports to forward, its memory and notes. tools/unum run/image --manifest
# FILE read it with load() and fold it into the command line's Config with
# apply(): what the command line says wins. Every mistake in it is one
# UsageError line (status 2) before anything starts. Tests:
# tests/unit/test_unum_manifest.py, tests/e2e/app-*.sh.

import os
import re
import tomllib
from dataclasses import dataclass, field

from .common import ROOT, UsageError

# key -> (type the TOML value must have, what the error calls it)
KEYS = {
    "program": (str, "a string"),
    "args": (list, "a list of strings"),
    "env": (dict, "a table of strings"),
    "files": (list, "a list of \"HOST:GUEST\" strings"),
    "ports": (list, "a list of \"HOST:GUEST[/udp]\" strings"),
    "mem": (str, "a size string such as \"64M\""),
    "min_mem": (str, "a size string such as \"8M\""),
    "kernel_args": (str, "a string"),
    "stop_grace": (str, "a duration string such as \"10s\" or \"500ms\""),
    "notes": (str, "a string"),
}
PORT_RE = re.compile(r"(\d+):(\d+)(?:/(tcp|udp))?")
# stop_grace: what the kernel's stop_grace= takes (drivers/acpi_button.c),
# up to an hour
GRACE_RE = re.compile(r"(\d{1,7})(s|ms)")
GRACE_MAX_MS = 3600 * 1000


@dataclass
class Manifest:
    path: str
    program: str = None  # host path, $BUILD expanded, relative to ROOT
    args: list = None  # None: not given (an empty list is "no arguments")
    envs: list = field(default_factory=list)  # "K=V"
    adds: list = field(default_factory=list)  # (host, guest)
    ports: list = field(default_factory=list)  # (host, guest, proto)
    mem_mib: int = None
    min_mem_mib: int = None
    kernel_args: str = None
    stop_grace: str = None  # "10s": SIGTERM to SIGKILL after the power button
    notes: str = None


def build_dir():
    """The build folder, as make's BUILD (default build/ in the tree)."""
    return os.path.join(ROOT, os.environ.get("BUILD") or "build")


def host_path(text, folder):
    """A manifest's host path: $BUILD/... is in the build folder (files the
    recipe makes), anything else relative to the manifest's folder."""
    if text == "$BUILD" or text.startswith("$BUILD/"):
        return build_dir() + text[len("$BUILD"):]
    return os.path.normpath(os.path.join(folder, text))


def parse_port(text, what):
    """'HOST:GUEST[/tcp|/udp]' -> (host, guest, proto)"""
    m = PORT_RE.fullmatch(text)
    ok = m and all(1 <= int(m.group(i)) <= 65535 for i in (1, 2))
    if not ok:
        raise UsageError(f"{what} {text}: expected HOST:GUEST[/udp] port "
                         "numbers (then /tcp or /udp or nothing)")
    return int(m.group(1)), int(m.group(2)), m.group(3) or "tcp"


def load(path):
    """Read the manifest at path -> Manifest, or UsageError naming the file
    and the key."""
    from .cli import _add, parse_mem  # the command line's own converters
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"--manifest {path}: no such file")
    except OSError as e:
        raise UsageError(f"--manifest {path}: {e.strerror}")
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not TOML: {e}")
    folder = os.path.dirname(os.path.abspath(path))
    m = Manifest(path)
    for key, value in data.items():
        if key not in KEYS:
            raise UsageError(f"{path}: {key}: unknown key (known: "
                             f"{', '.join(KEYS)})")
        want, words = KEYS[key]
        items = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list) else ()
        if not isinstance(value, want) or \
                not all(isinstance(v, str) for v in items):
            raise UsageError(f"{path}: {key}: must be {words}")
    what = lambda key: f"{path}: {key}:"  # noqa: E731
    if "program" in data:
        m.program = host_path(data["program"], folder)
    if "args" in data:
        m.args = list(data["args"])
    for k, v in data.get("env", {}).items():
        if not k or "=" in k:
            raise UsageError(f"{what('env')} {k!r}: not a variable name")
        m.envs.append(f"{k}={v}")
    for spec in data.get("files", []):
        host, sep, guest = spec.partition(":")
        if not sep or not guest.startswith("/"):
            raise UsageError(f"{what('files')} {spec}: expected "
                             "HOST:GUEST with GUEST absolute")
        host = host_path(host, folder)
        if not os.path.exists(host):
            raise UsageError(f"{what('files')} {spec}: {host}: no such file "
                             "or folder")
        m.adds.append(_add(f"{host}:{guest}"))
    for spec in data.get("ports", []):
        m.ports.append(parse_port(spec, what("ports")))
    check_port_clash(m.ports, what("ports"))
    for key in ("mem", "min_mem"):
        if key in data:
            try:
                mib = parse_mem(data[key])
            except UsageError as e:
                raise UsageError(f"{what(key)} {str(e).split(': ', 1)[1]}")
            setattr(m, "mem_mib" if key == "mem" else "min_mem_mib", mib)
    if m.mem_mib and m.min_mem_mib and m.mem_mib < m.min_mem_mib:
        raise UsageError(f"{what('mem')} {m.mem_mib}M is below min_mem "
                         f"{m.min_mem_mib}M")
    m.kernel_args = data.get("kernel_args")
    if "stop_grace" in data:
        g = GRACE_RE.fullmatch(data["stop_grace"])
        ms = g and int(g.group(1)) * (1000 if g.group(2) == "s" else 1)
        if not g or ms > GRACE_MAX_MS:
            raise UsageError(f"{what('stop_grace')} {data['stop_grace']!r}: "
                             "expected a whole number of s or ms such as "
                             "\"10s\", at most an hour")
        m.stop_grace = data["stop_grace"]
    m.notes = data.get("notes")
    return m


def check_port_clash(ports, what):
    """Two forwards from one host port (and protocol): UsageError."""
    seen = {}
    for h, g, proto in ports:
        if (h, proto) in seen:
            raise UsageError(f"{what} host port {h}/{proto} forwarded twice "
                             f"(to {seen[h, proto]} and {g})")
        seen[h, proto] = g


def apply(m, cfg, mem_given, run):
    """Fold manifest m into cfg, the command line's Config: FILE, -- args,
    --mem and --kernel-args given there replace the manifest's; --env and
    --add come after its own (the last K wins); --port adds forwards (one
    host port twice is an error), and forwards turn on --net user when no
    --net was given (--net none or tap drops them). For run, the memory
    must reach min_mem."""
    if not cfg.args and m.args is not None:
        cfg.args = list(m.args)
    cfg.envs = m.envs + cfg.envs
    cfg.adds = m.adds + cfg.adds
    # the manifest's first: a later word of --kernel-args wins in the kernel
    words = [f"stop_grace={m.stop_grace}" if m.stop_grace else None,
             m.kernel_args]
    if any(words):
        cfg.kernel_args = " ".join(
            w for w in (*words, cfg.kernel_args) if w)
    cfg.min_mem_mib = m.min_mem_mib
    if not mem_given and m.mem_mib:
        cfg.mem_mib = m.mem_mib
    if cfg.host_port is not None:
        if not m.ports:
            raise UsageError(f"--host-port: {m.path} forwards no port")
        m.ports[0] = (cfg.host_port, *m.ports[0][1:])
    cfg.manifest_ports = list(m.ports)
    # --net none or tap: no forwards from the manifest (QEMU makes them on
    # user networking only); an explicit --port still needs --net user
    if run and (cfg.net == "user" or not cfg.net_given):
        cfg.ports = m.ports + cfg.ports
        check_port_clash(cfg.ports, "--port:")
        if m.ports and not cfg.net_given:
            cfg.net = "user"
    if run:
        if m.min_mem_mib and cfg.mem_mib < m.min_mem_mib:
            raise UsageError(f"--mem {cfg.mem_mib}M: below {m.path}'s "
                             f"min_mem {m.min_mem_mib}M")
    if cfg.file is None:
        if m.program is None:
            raise UsageError(f"{m.path}: no program, and no FILE given")
        cfg.file = m.program
    return cfg

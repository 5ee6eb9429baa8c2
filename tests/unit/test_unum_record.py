#!/usr/bin/env python3
# tools/unum's COM2 side (docs/host-guest.md): record framing, 0x1e escapes,
# reads split anywhere, the final exit/panic record and what reaches stderr.
# Run: python3 tests/unit/test_unum_record.py (silent on success).

import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import common, relay  # noqa: E402
RS = b"\x1e"


def parse(*chunks):
    """Feed chunks, then EOF; coalesce adjacent stderr events so the result
    does not depend on where reads were split."""
    p = relay.Com2Parser()
    events = []
    for c in chunks:
        events += p.feed(c)
    events += p.close()
    out = []
    for kind, data in events:
        if out and kind == "stderr" and out[-1][0] == "stderr":
            out[-1] = ("stderr", out[-1][1] + data)
        else:
            out.append((kind, data))
    return out


class Framing(unittest.TestCase):
    def test_plain_bytes_are_app_stderr(self):
        self.assertEqual(parse(b"oops\n\x00\xff"), [("stderr", b"oops\n\x00\xff")])

    def test_record(self):
        self.assertEqual(parse(RS + b"unum: hello\n"), [("record", b"unum: hello")])

    def test_records_and_stderr_keep_order(self):
        got = parse(b"a" + RS + b"r1\nb" + RS + b"r2\n" + RS + b"r3\nc")
        self.assertEqual(got, [("stderr", b"a"), ("record", b"r1"),
                               ("stderr", b"b"), ("record", b"r2"),
                               ("record", b"r3"), ("stderr", b"c")])

    def test_doubled_rs_is_one_literal_byte(self):
        self.assertEqual(parse(b"a" + RS + RS + b"b"), [("stderr", b"a\x1eb")])
        self.assertEqual(parse(RS * 4), [("stderr", RS * 2)])

    def test_escape_then_record(self):
        got = parse(RS + RS + RS + b"rec\n")
        self.assertEqual(got, [("stderr", RS), ("record", b"rec")])

    def test_rs_inside_record_is_text(self):
        self.assertEqual(parse(RS + b"a" + RS + b"b\n"), [("record", b"a\x1eb")])

    def test_crlf_and_empty_record(self):
        self.assertEqual(parse(RS + b"x\r\n" + RS + b"\n"),
                         [("record", b"x"), ("record", b"")])

    def test_every_split_point_gives_the_same_events(self):
        stream = (b"err1" + RS + RS + b"!" + RS + b"unum: boot\n" + b"e\n" +
                  RS + b"unum: exit 3\n")
        whole = parse(stream)
        for i in range(len(stream) + 1):
            self.assertEqual(parse(stream[:i], stream[i:]), whole, f"split at {i}")
        self.assertEqual(parse(*[stream[i:i + 1] for i in range(len(stream))]), whole)

    def test_record_cut_at_eof_still_counts(self):
        self.assertEqual(parse(RS + b"unum: half"), [("record", b"unum: half")])

    def test_lone_rs_at_eof_is_dropped(self):
        self.assertEqual(parse(b"x" + RS), [("stderr", b"x")])


class FinalRecord(unittest.TestCase):
    def test_exit(self):
        self.assertEqual(relay.final_record(b"unum: exit 0"), ("exit", 0))
        self.assertEqual(relay.final_record(b"unum: exit 255"), ("exit", 255))

    def test_panic(self):
        self.assertEqual(relay.final_record(b"unum: panic: out of memory: 2M"),
                         ("panic", "out of memory: 2M"))

    def test_not_final(self):
        for t in (b"unum: exit 256", b"unum: exit", b"unum: exit 1 x",
                  b"unum: exiting", b"xunum: exit 1", b"unum: boot=pvh"):
            self.assertIsNone(relay.final_record(t), t)


class Relay(unittest.TestCase):
    """What a whole COM2 stream turns into: status, stderr."""

    def run_relay(self, com2, returncode=1, verbose=False, timed_out=False,
                  com1=b"", qemu=b""):
        cfg = common.Config(verbose=verbose, timeout=3)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            r = relay.Relay(cfg, out.fileno(), err.fileno())
            r.com1(com1)
            r.qemu(qemu)
            r.com2(r.parser.feed(com2))
            r.com2(r.parser.close())
            st = r.status(returncode, timed_out)
            out.seek(0)
            err.seek(0)
            return st, out.read(), err.read()

    def test_exit_record_is_stripped_and_is_the_status(self):
        st, out, err = self.run_relay(b"app err\n" + RS + b"unum: log\n" +
                                      RS + b"unum: exit 7\n", com1=b"hi\n")
        self.assertEqual((st, out, err), (7, b"hi\n", b"app err\n"))

    def test_verbose_streams_records_but_not_the_exit_record(self):
        st, _, err = self.run_relay(RS + b"unum: log\n" + RS + b"unum: exit 0\n",
                                    verbose=True)
        self.assertEqual((st, err), (0, b"unum: log\n"))

    def test_panic_shows_log_then_panic_line(self):
        st, _, err = self.run_relay(RS + b"unum: log\n" + RS +
                                    b"unum: panic: no memory\n" + RS + b"RIP 0x1\n")
        self.assertEqual(st, 125)
        self.assertEqual(err, b"unum: log\nRIP 0x1\nunum: panic: no memory\n")

    def test_missing_record(self):
        st, _, err = self.run_relay(RS + b"unum: log\n", returncode=3, qemu=b"q\n")
        self.assertEqual(st, 125)
        self.assertEqual(err, b"unum: log\nq\nunum: panic: qemu exited "
                         b"(status 3) without an exit record\n")

    def test_first_final_record_wins(self):
        st, _, err = self.run_relay(RS + b"unum: panic: first\n" + RS +
                                    b"unum: exit 0\n")
        self.assertEqual(st, 125)
        self.assertTrue(err.endswith(b"unum: exit 0\nunum: panic: first\n"), err)

    def test_timeout(self):
        st, _, err = self.run_relay(RS + b"unum: log\n", timed_out=True)
        self.assertEqual((st, err), (124, b"unum: log\nunum: timeout after 3s\n"))

    def test_high_status_shows_log(self):
        st, _, err = self.run_relay(RS + b"unum: log\n" + RS + b"unum: exit 139\n")
        self.assertEqual((st, err), (139, b"unum: log\n"))


if __name__ == "__main__":
    unittest.main()

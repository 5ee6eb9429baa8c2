#!/usr/bin/env python3
# tests/run's TAP reading: plan, ok/not ok, SKIP reasons (only from the
# fixed list), and the checks against the plan and the exit status.
# Run: python3 tests/unit/test_run_tap.py (silent on success).

import importlib.machinery
import importlib.util
import os
import sys
import unittest

sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader(
    "tests_run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "run"))
run = importlib.util.module_from_spec(importlib.util.spec_from_loader(_loader.name, _loader))
_loader.exec_module(run)


class Tap(unittest.TestCase):
    def test_parse(self):
        plan, cases = run.parse_tap(
            "unum: boot=pvh mem=128M cpus=1\n1..4\r\nok 1 - frame alloc\r\n"
            "not ok 2 - heap # wrong size\nok 3 - kvmclock # SKIP no hardware KVM\n"
            "ok 4\nnot a tap line\n  ok 5 - indented\n")
        self.assertEqual(plan, 4)
        self.assertEqual(cases, [(True, 1, "frame alloc", None),
                                 (False, 2, "heap", None),
                                 (True, 3, "kvmclock", "no hardware KVM"),
                                 (True, 4, "4", None),
                                 (True, 5, "indented", None)])

    def test_results_and_skip_reasons(self):
        rs = run.tap_results("guest/x", 3, [(True, 1, "a", None),
                                            (False, 2, "b", None),
                                            (True, 3, "c", "no hardware KVM"),
                                            (True, 4, "d", "feeling lazy")], "log")
        self.assertEqual([(r.name, r.status) for r in rs],
                         [("guest/x: a", "PASS"), ("guest/x: b", "FAIL"),
                          ("guest/x: c", "SKIP"), ("guest/x: d", "FAIL")])
        self.assertEqual(rs[2].reason, "no hardware KVM")

    def test_plan_and_status_checks(self):
        sh = lambda script: run.tap_job("t", ["sh", "-c", script], "guest")
        self.assertEqual([r.status for r in sh("echo 1..1; echo ok 1 - a")], ["PASS"])
        rs = sh("echo 1..2; echo ok 1 - a")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "plan 1..2 but 1 results"))
        rs = sh("echo 1..1; echo ok 1 - a; exit 3")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "exit status 3"))
        rs = sh("echo hello")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "no TAP plan or results"))
        self.assertEqual([r.status for r in sh("echo 1..0")], ["PASS"])
        rs = run.tap_job("t", ["sh", "-c", "exit 0"], "unit")
        self.assertEqual([r.status for r in rs], ["PASS"])


if __name__ == "__main__":
    unittest.main()

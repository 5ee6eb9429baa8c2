#!/usr/bin/env python3
# tests/run's TAP reading: plan, ok/not ok, SKIP reasons (only from the
# fixed list), and the checks against the plan and the exit status (a unit
# binary with no plan fails as a boot does); and its throttle, the Gate:
# which jobs it lets run at once.
# Run: python3 tests/unit/test_run_tap.py (silent on success).

import importlib.machinery
import importlib.util
import os
import sys
import threading
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
        sh = lambda script: run.tap_job("t", ["sh", "-c", script])
        self.assertEqual([r.status for r in sh("echo 1..1; echo ok 1 - a")], ["PASS"])
        rs = sh("echo 1..2; echo ok 1 - a")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "plan 1..2 but 1 results"))
        rs = sh("echo 1..1; echo ok 1 - a; exit 3")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "exit status 3"))
        rs = sh("echo hello")
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "no TAP plan or results"))
        self.assertEqual([r.status for r in sh("echo 1..0")], ["PASS"])
        rs = sh("exit 0")  # a unit binary that says nothing is no pass
        self.assertEqual((rs[-1].status, rs[-1].reason), ("FAIL", "no TAP plan or results"))


class Gate(unittest.TestCase):
    def together(self, *weights, width=2):
        """Jobs of these weights started at once -> True when they all ran
        at the same time (they meet at a barrier), False when the gate kept
        them apart (the barrier times out)."""
        gate = run.Gate(width)
        barrier = threading.Barrier(len(weights))
        met = []

        def body():
            try:
                barrier.wait(timeout=0.5)
                met.append(True)
            except threading.BrokenBarrierError:
                met.append(False)
            return []

        threads = [threading.Thread(target=gate.run, args=(run.Job("j", body, w),))
                   for w in weights]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return all(met)

    def test_who_shares(self):
        L, V, A = run.Gate.LIGHT, run.Gate.VM, run.Gate.ALONE
        for weights, width, want in [((L, L), 2, True), ((V, L), 2, True),
                                     ((V, V), 2, False), ((A, L), 2, False),
                                     ((A, V), 2, False), ((V, L, L, L), 4, True),
                                     ((V, V), 4, False), ((A, L), 4, False),
                                     ((L, L, L, L), 4, True)]:
            self.assertEqual(self.together(*weights, width=width), want, (weights, width))

    def test_alone_goes_before_later_sharers(self):
        gate = run.Gate(2)
        order, light_in = [], threading.Event()
        release = threading.Event()

        def first():
            light_in.set()
            release.wait(5)
            order.append("light1")
            return []

        def job(name):
            return lambda: order.append(name) or []

        t1 = threading.Thread(target=gate.run, args=(run.Job("l1", first),))
        t1.start()
        light_in.wait(5)  # a light job runs; an alone job then waits for it
        ta = threading.Thread(target=gate.run, args=(run.Job("a", job("alone"), run.Gate.ALONE),))
        ta.start()
        while not gate.waiting_alone:
            threading.Event().wait(0.01)
        tl = threading.Thread(target=gate.run, args=(run.Job("l2", job("light2")),))
        tl.start()  # fits beside light1, but the alone job waits first
        threading.Event().wait(0.1)
        release.set()
        for th in (t1, ta, tl):
            th.join(5)
        self.assertEqual(order, ["light1", "alone", "light2"])


if __name__ == "__main__":
    unittest.main()

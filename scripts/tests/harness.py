"""scripts/tests/harness.py - run a test module's unittest cases as KTAP.

Each scripts/tests/test_*.py ends with

    if __name__ == "__main__":
        harness.main()

and, run as a program, prints one KTAP version 1 document (the way
tests/host/harness.h does for the C host tests): a plan, one `ok`/`not ok`
line per test method (`# SKIP reason` for a skipped one), the traceback of
a failure as `# ` lines before its result.  It exits 1 if any failed.
`make host-tests` nests the documents under its own (tests/host/host.mk).
The modules are plain unittest too: `python3 -m unittest discover -s
scripts/tests` runs them without KTAP.

Also on sys.path for the tests: scripts/ (the modules under test).  FIXTURES
is the directory of real serial logs (fixtures/README.md says how each was
made).
"""

from __future__ import annotations

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
ROOT = os.path.dirname(SCRIPTS)
FIXTURES = os.path.join(HERE, "fixtures")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

import ktap  # noqa: E402


def fixture(name: str) -> str:
    with open(os.path.join(FIXTURES, name), errors="replace") as f:
        return f.read()


class _KtapResult(unittest.TestResult):
    """Prints each test's result line as soon as the test ends."""

    def __init__(self, names: dict[str, str]):
        super().__init__()
        self.names = names          # test id -> name printed
        self.num = 0
        self.tally = {"pass": 0, "fail": 0, "skip": 0}
        self.status, self.note, self.diag = "pass", "", []

    def startTest(self, test):
        super().startTest(test)
        self.status, self.note, self.diag = "pass", "", []

    def _failed(self, test, err):
        self.status = "fail"
        self.diag += self._exc_info_to_string(err, test).rstrip() \
            .splitlines()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._failed(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.TestCase):
            self._failed(test, err)
        else:   # setUpClass/setUpModule: its tests will be missing
            print("\n".join(ktap.diagnostic(
                f"{test}: " + self._exc_info_to_string(err, test))),
                flush=True)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed(subtest, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.status, self.note = "skip", reason

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.status = "fail"
        self.diag.append("unexpected success")

    def stopTest(self, test):
        super().stopTest(test)
        self.num += 1
        self.tally[self.status] += 1
        out = ktap.diagnostic("\n".join(self.diag)) if self.diag else []
        out.append(ktap.result(self.num, self.status,
                               self.names[test.id()], note=self.note))
        print("\n".join(out), flush=True)


def _tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _tests(t)
        else:
            yield t


def main(module: str = "__main__") -> None:
    """Run the module's tests, print KTAP, exit 0 iff all passed."""
    mod = sys.modules[module]
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    tests = list(_tests(suite))
    short = [t.id().rsplit(".", 1)[-1] for t in tests]
    names = {t.id(): (s if short.count(s) == 1 else
                      ".".join(t.id().split(".")[-2:]))
             for t, s in zip(tests, short)}
    stem = os.path.splitext(os.path.basename(mod.__file__))[0]
    name = "scripts." + stem.removeprefix("test_")
    print("\n".join(ktap.version(name=name)), flush=True)
    print(ktap.plan(len(tests)), flush=True)
    result = _KtapResult(names)
    suite.run(result)
    print(ktap.diagnostic(f"{name}: " + ktap.summary_line(
        *result.tally.values()))[0], flush=True)
    sys.exit(0 if result.wasSuccessful() else 1)

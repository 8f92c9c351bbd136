"""Run unittest cases and report them as the rest of the suite does.

usage: python3 tests/pyrunner.py DIR_OR_FILE...

Prints "PASS name" or "FAIL name" (with the traceback) for every test case,
then "N passed, N failed".  Exits 1 when a case failed or when no case ran,
so a suite that silently found nothing cannot turn the run green.
"""
import os
import signal
import sys
import unittest

# A bound on each case, never on speed (a busy machine is slow): a case that
# hangs fails by name when its time is up, and the cases after it still run.
CASE_SECONDS = int(os.environ.get("HITC_PY_CASE_TIMEOUT", "600"))


class CaseTimeout(Exception):
    pass


def _timed_out(signum, frame):
    raise CaseTimeout(f"the case ran past {CASE_SECONDS} s (HITC_PY_CASE_TIMEOUT): it hung or waits too long")


class Result(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0
        self.failed_count = 0

    def startTest(self, test):
        signal.alarm(CASE_SECONDS)
        super().startTest(test)

    def stopTest(self, test):
        signal.alarm(0)
        super().stopTest(test)

    def addSuccess(self, test):
        self.passed += 1
        print(f"PASS {test.id()}", flush=True)

    def _fail(self, test, err, what):
        self.failed_count += 1
        print(f"FAIL {test.id()} ({what})", flush=True)
        print(self._exc_info_to_string(err, test), flush=True)

    def addFailure(self, test, err):
        self._fail(test, err, "failure")

    def addError(self, test, err):
        self._fail(test, err, "error")

    def addSubTest(self, test, subtest, err):
        # A failing subTest ends its test with neither addSuccess nor addFailure:
        # count it here, or it would vanish from the totals.
        if err is not None:
            self._fail(subtest, err, "failure" if issubclass(err[0], test.failureException) else "error")

    def addSkip(self, test, reason):
        # A skipped case is a failure here: the standards forbid quiet skips.
        self.failed_count += 1
        print(f"FAIL {test.id()} (skipped: {reason})", flush=True)

    def addUnexpectedSuccess(self, test):
        self._fail(test, (AssertionError, AssertionError("unexpected success"), None), "unexpected success")


def main(argv):
    if len(argv) < 2:
        print("usage: pyrunner.py DIR_OR_FILE...", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, _timed_out)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for arg in argv[1:]:
        if os.path.isdir(arg):
            suite.addTests(loader.discover(arg, pattern="test_*.py", top_level_dir=arg))
        else:
            directory, name = os.path.split(os.path.abspath(arg))
            sys.path.insert(0, directory)
            suite.addTests(loader.loadTestsFromName(name[:-3] if name.endswith(".py") else name))
    runner = unittest.TextTestRunner(stream=open(os.devnull, "w"), resultclass=Result, verbosity=0)
    result = runner.run(suite)
    print(f"{result.passed} passed, {result.failed_count} failed", flush=True)
    return 1 if result.failed_count or result.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

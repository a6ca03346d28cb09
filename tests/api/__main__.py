"""Runs the API test modules (test_*.py, in name order, so test_zz_database.py runs last).

    python3 -m tests.api                 every test
    python3 -m tests.api auth matrix     only tests whose id contains "auth" or "matrix"

ZSZ_TEST_EXCLUDE: comma-separated substrings of test ids left out (scripts/cluster.sh: the
checks that count one instance's metrics cannot pass through a balancer over two); each is
named in the output.

The last line printed is `API: N passed, N failed` (failed = failures + errors); the exit
status is 1 when anything failed or no test matched.
"""

import importlib
import os
import sys
import unittest

from . import client, contract

PACKAGE = __package__ or "tests.api"


def _modules():
    here = os.path.dirname(os.path.abspath(__file__))
    names = sorted(f[:-3] for f in os.listdir(here) if f.startswith("test_") and f.endswith(".py"))
    return [importlib.import_module(f"{PACKAGE}.{n}") for n in names]


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


class _Result(unittest.TextTestResult):
    """Counts each test once, whatever number of sub-tests failed in it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failed_ids = set()
        self.skipped_ids = set()

    @staticmethod
    def _id(test):
        return getattr(test, "test_case", test).id()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failed_ids.add(self._id(test))

    def addError(self, test, err):
        super().addError(test, err)
        self.failed_ids.add(self._id(test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed_ids.add(self._id(test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_ids.add(self._id(test))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed_ids.add(self._id(test))


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    filters = [a for a in argv if a]
    excluded = [e for e in os.environ.get("ZSZ_TEST_EXCLUDE", "").split(",") if e]
    loader = unittest.TestLoader()
    tests = []
    for module in _modules():
        for test in _flatten(loader.loadTestsFromModule(module)):
            if excluded and any(e in test.id() for e in excluded):
                print(f"excluded (ZSZ_TEST_EXCLUDE): {test.id()}", flush=True)
                continue
            if not filters or any(f in test.id() for f in filters):
                tests.append(test)
    suite = unittest.TestSuite(tests)

    print(f"zsz-api tests against {client.BASE_URL} ({len(tests)} tests)", flush=True)
    ok, why = client.server_reachable()
    if not ok:
        print(f"warning: the server does not answer: {why}", flush=True)
    if not client.JWT_SECRET:
        print("warning: ZSZ_JWT_SECRET is not set; every token will be refused", flush=True)

    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=_Result)
    result = runner.run(suite)
    # Errors outside a test (setUpClass, module fixtures) count as failures too.
    failed = len(result.failed_ids)
    passed = result.testsRun - len(result.failed_ids | result.skipped_ids)
    passed = max(passed, 0)
    for line in contract.summary():
        print(line)
    if result.skipped_ids:
        print(f"API: {len(result.skipped_ids)} skipped")
    sys.stdout.flush()
    print(f"API: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

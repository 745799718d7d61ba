"""labcheck: the mechanical checks of the labs, run by grade-tests.py --mutants.

For every lab declared under labs/ (tools/labs.py), one test, labs/NAME:
  - its tests are grade-tests.py's tests, so the full tree's run of the
    suites (make test) gives it full marks;
  - its starter tree builds (with -Werror, as every build does), boots
    and passes the base checks (BASE_CHECK), and scores at most the
    lab's THRESHOLD of its points on the lab's own tests: a handout
    never ships solved;
  - the starter tree with the lab's solution put back builds and scores
    full marks: the solution never drifts from the handout.
Starter trees with the same solutions kept (the syscall, pgtbl, cow and
lazy handouts are all the tree with every lab cut) are generated, built
and checked once, and a tree's build starts from the full tree's build
products, so that make only rebuilds what the cut changed.
"""

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading

import labs
from gradelib import BUILD_DIR, OPTIONAL_SUITES, ROOT, TESTS, TestFailure, test
from selfcheck import SUMMARY, copy2_sparse, run_grader

# What every starter tree must pass: the base suites (gradelib's
# BASE_SUITES: boot, syscalls, fs), less fs/maxfile, which takes minutes
# to write a 64 MiB file that no lab changes the handling of.
BASE_CHECK = ["boot", "syscalls", "fs/systest", "fs/persist", "fs/crash",
              "fs/diskfull", "fs/bigcrash"]
BUILD_PRODUCTS = (BUILD_DIR, "kernel/kernel", "fs.img", "swap.img", "mkfs/mkfs")
SCORE = re.compile(r"^Score: ([\d.]+)/([\d.]+) ", re.MULTILINE)
TIMEOUT = 1200             # seconds for one nested grader run


class Trees:
    """Built trees, one per set of solutions kept, made on first use and
    shared by the labs' tests (which run in parallel threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.top = None
        self.made = {}      # frozenset(kept) -> (lock, [path or TestFailure])
        self.base = {}      # frozenset(kept) -> None or the failure

    def get(self, lab, solution):
        """The built tree of lab's handout (with solution: put back)."""
        kept = frozenset(labs.kept_labs(lab, solution))
        with self.lock:
            if self.top is None:
                self.top = tempfile.mkdtemp(prefix="atlas-labs-")
            slot = self.made.setdefault(kept, (threading.Lock(), []))
        with slot[0]:
            if not slot[1]:
                slot[1].append(self._make(lab, solution, kept))
        if isinstance(slot[1][0], TestFailure):
            raise slot[1][0]
        return slot[1][0]

    def _make(self, lab, solution, kept):
        name = "+".join(sorted(kept)) or "base"
        dest = os.path.join(self.top, name)
        try:
            labs.write_tree(lab, dest, solution, commit=False, keep_times=True,
                            all_labs=True)
        except SystemExit as e:
            return TestFailure("the tree keeping %s: %s" % (name, e))
        for product in BUILD_PRODUCTS:
            src = os.path.join(ROOT, product)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, product), symlinks=True,
                                copy_function=copy2_sparse)
            elif os.path.exists(src):
                copy2_sparse(src, os.path.join(dest, product))
        r = subprocess.run(["make", "-s"], cwd=dest, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        if r.returncode != 0:
            errors = [l for l in r.stdout.split("\n") if "error" in l]
            return TestFailure("the tree keeping %s does not build: %s"
                               % (name, (errors or ["?"])[0]))
        return dest

    def base_check(self, tree, logpath):
        """None if tree passes BASE_CHECK (checked once per tree), else why not."""
        with self.lock:
            slot = self.base.setdefault(tree, (threading.Lock(), []))
        with slot[0]:
            if not slot[1]:
                status, out = run_grader(tree, ["-j", "2"] + BASE_CHECK, logpath, TIMEOUT)
                fails = re.findall(r"^(\S+): FAIL", out, re.MULTILINE)
                ok = status == 0 and SUMMARY.search(out)
                slot[1].append(None if ok else "fails %s" % ", ".join(fails or ["(no summary)"]))
        return slot[1][0]

    def remove(self):
        if self.top:
            shutil.rmtree(self.top, ignore_errors=True)


TREES = Trees()
atexit.register(TREES.remove)


def lab_score(tree, lab, logpath):
    """(score, out of) of `grade-tests.py --lab lab` in tree."""
    _, out = run_grader(tree, ["--lab", lab], logpath, TIMEOUT)
    m = SCORE.findall(out)
    if not m:
        raise TestFailure("the grader in %s printed no score" % tree)
    return float(m[-1][0]), float(m[-1][1])


def lab_check(name):
    """The test of lab name (see the module's docstring)."""
    def fn(host):
        lab = labs.load(name)
        for spec in list(lab.tests) + list(lab.hidden):
            if not is_test(spec.split("@")[0]):
                raise TestFailure("%s names %r, which is not a test" % (name, spec))
        handout = TREES.get(name, False)
        why = TREES.base_check(handout, host.logpath + ".base")
        if why:
            raise TestFailure("the starter tree %s" % why)
        got, total = lab_score(handout, name, host.logpath + ".handout")
        if got > lab.threshold * total:
            raise TestFailure("the starter tree scores %g/%g, more than the threshold %g"
                              % (got, total, lab.threshold * total))
        solved = TREES.get(name, True)
        full, total = lab_score(solved, name, host.logpath + ".solution")
        if full != total:
            raise TestFailure("the starter tree with the solution put back scores %g/%g"
                              % (full, total))
        return "starter %g/%g, with the solution %g/%g" % (got, total, full, total)
    return fn


def is_test(full_name):
    """Is full_name (suite/test) one of grade-tests.py's tests?"""
    return any(t.full_name == full_name for t in TESTS)


def register_lab_checks():
    """One test in suite "labs" for every lab."""
    OPTIONAL_SUITES.add("labs")
    for name in labs.lab_names():
        test("labs", name, points=1, timeout=2 * TIMEOUT, qemu=False)(lab_check(name))

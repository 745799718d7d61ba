"""selfcheck: tests of the grader itself, run by grade-tests.py --mutants.

A grader that always passes is worse than none. Each tests/mutants/*.patch
is a deliberately broken kernel; for each, a test copies the tree to a
temporary directory, applies the patch (git apply), builds, runs the
grader there on the suites the patch names, and passes only if that
grader reports at least one failure. A patch starts with a header that
git apply ignores:

    Mutant: COW fork forgets to take a reference on the shared page
    Suites: cow
    Expect: kernel panic          (optional: a regex the failure must match)

    diff --git a/kernel/mm/fork.c b/kernel/mm/fork.c
    ...

private_tree(), nested_grade(), run_grader() and path_without() also
serve grade-tests.py's checks of the grader: that the README's example
grader works, that failures are reported as such, that a build failure
or a missing QEMU is.
"""

import contextlib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from gradelib import OPTIONAL_SUITES, ROOT, TestFailure, copy_sparse, test

MUTANTS = os.path.join(ROOT, "tests", "mutants")
NOT_COPIED = (".git", "grade-logs", "bench", "__pycache__")
FAIL_LINE = re.compile(r"^(\S+): FAIL \((.*)\)$", re.MULTILINE)
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)


@contextlib.contextmanager
def private_tree():
    """A private copy of the tree, build products included so that make
    only rebuilds what a patch touches; removed afterwards."""
    top = tempfile.mkdtemp(prefix="atlas-self-")
    try:
        dst = os.path.join(top, "atlas")
        shutil.copytree(ROOT, dst, symlinks=True, copy_function=copy2_sparse,
                        ignore=shutil.ignore_patterns(*NOT_COPIED))
        yield dst
    finally:
        shutil.rmtree(top, ignore_errors=True)


def copy2_sparse(src, dst):
    """shutil.copy2 (contents, times, permissions) keeping the holes of a
    sparse file such as fs.img."""
    copy_sparse(src, dst)
    shutil.copystat(src, dst)
    return dst


def run_grader(tree, args, logpath, timeout, env=None):
    """Run grade-tests.py in tree with args (and environment env); log its
    output to logpath. Return (exit status, output)."""
    cmd = [sys.executable, "grade-tests.py", "-j", "1"] + args
    try:
        r = subprocess.run(cmd, cwd=tree, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        if isinstance(out, bytes):
            out = out.decode("utf-8", "replace")
        _save(logpath, cmd, out)
        raise TestFailure("the grader in %s took more than %ds" % (tree, timeout))
    _save(logpath, cmd, r.stdout)
    return r.returncode, r.stdout


def nested_grade(tree, args, logpath, timeout):
    """Run grade-tests.py in tree with args; log its output to logpath.
    Return (passed, failed, output)."""
    _, out = run_grader(tree, args, logpath, timeout)
    m = SUMMARY.findall(out)
    if not m:
        last = out.strip().split("\n")[-1] if out.strip() else "(no output)"
        raise TestFailure("the grader printed no summary line; last: %s" % last)
    return int(m[-1][0]), int(m[-1][1]), out


@contextlib.contextmanager
def path_without(program):
    """A PATH value that finds every program the current PATH does but
    `program`: a temporary directory of links to them; removed afterwards."""
    top = tempfile.mkdtemp(prefix="atlas-path-")
    try:
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            if not os.path.isdir(directory):
                continue
            for name in os.listdir(directory):
                link = os.path.join(top, name)
                if name != program and not os.path.lexists(link):
                    os.symlink(os.path.join(directory, name), link)
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _save(logpath, cmd, out):
    with open(logpath, "w") as f:
        f.write("# " + " ".join(cmd) + "\n" + out)


def read_header(path):
    """The Mutant:, Suites: and Expect: fields of a patch's header."""
    fields = {}
    with open(path) as f:
        for line in f:
            if line.startswith("diff "):
                break
            key, sep, value = line.partition(":")
            if sep and key.strip() in ("Mutant", "Suites", "Expect"):
                fields[key.strip()] = value.strip()
    if "Mutant" not in fields:
        raise ValueError("%s: no 'Mutant:' line before the diff" % path)
    return fields


def mutant_test(path, fields):
    """The test for one mutant patch."""
    def fn(host):
        with private_tree() as tree:
            r = subprocess.run(["git", "apply", path], cwd=tree,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
            if r.returncode != 0:
                raise TestFailure("the patch does not apply: %s"
                                  % r.stdout.strip().split("\n")[0])
            r = subprocess.run(["make", "-s"], cwd=tree, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
            if r.returncode != 0:
                raise TestFailure("the mutant does not build")
            suites = fields.get("Suites", "").split()
            passed, failed, out = nested_grade(
                tree, ["--cpus", "3", "--fail-fast"] + suites, host.logpath, 900)
        fails = FAIL_LINE.findall(out)
        if failed == 0 or not fails:
            raise TestFailure("survived: %d tests passed, none failed (%s)"
                              % (passed, fields["Mutant"]))
        expect = fields.get("Expect")
        if expect and not re.search(expect, fails[0][1]):
            raise TestFailure("caught by %s, but as %r, not %r"
                              % (fails[0][0], fails[0][1], expect))
        return "caught by " + fails[0][0]
    return fn


def register_mutants():
    """One test in suite "mutants" for every tests/mutants/*.patch."""
    OPTIONAL_SUITES.add("mutants")
    for path in sorted(glob.glob(os.path.join(MUTANTS, "*.patch"))):
        name = os.path.basename(path)[:-len(".patch")]
        test("mutants", name, points=1, timeout=900, qemu=False)(
            mutant_test(path, read_header(path)))

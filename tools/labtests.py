#!/usr/bin/env python3
"""labtests: run xv6's public lab test programs (usertests, cowtest, ...) on Atlas.

MIT's lab programs may not be shipped with Atlas, so they are not part of
`make test`. An instructor keeps them in directories of their own, one per
lab version, and runs

    tools/labtests.py --cpus 1,3,8 ~/labs/2024 ~/labs/2020

Each DIR is built onto the disk (`make UEXTRA=DIR`); then every DIR/NAME.c
is run as a shell command in a fresh boot of Atlas, once per hart count.
The command is NAME's entry in PROGRAMS below (`usertests -q`, ...), the
program's name for others, or what --run gives. A run passes when the
program prints its own success line and no line with FAIL. For each run
the output is OK or FAIL with the time the command took, and for a failure
the lines that say what failed. Console logs go to grade-logs/, as for
grade-tests.py, whose boot machinery (tools/gradelib.py) this reuses.
"""

import argparse
import glob
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gradelib import LIVE, LIVE_LOCK, Build, Machine, TestFailure, add_machine_options  # noqa: E402

# The command that runs each known program, and the line it prints when
# all of its tests passed (read from the programs' own sources).
PROGRAMS = {
    "usertests": ("usertests -q", r"^ALL TESTS PASSED$"),
    "lazytests": ("lazytests", r"^ALL TESTS PASSED$"),
    "cowtest": ("cowtest", r"^ALL COW TESTS PASSED$"),
    "sysinfotest": ("sysinfotest", r"^sysinfotest: OK$"),
    "pgtbltest": ("pgtbltest", r"^pgtbltest: all tests succeeded$"),
    "mmaptest": ("mmaptest", r"^mmaptest: all tests succeeded$"),
}
# Any other program passes with a line like these.
GENERIC_PASS = r"^(ALL .*PASSED|\w+: all tests succeeded)$"

FAILED = re.compile(r"FAIL")                        # the programs' failure words
TROUBLE = re.compile(r"fail|panic|error", re.I)     # lines worth showing
TEST_START = re.compile(r"^(test |running test |\w+: start|\w+ starting)")
CONTEXT = 3            # lines shown before a failure line, within its test
TAIL = 10              # lines shown when a run failed without saying why


class Run:
    """The result of one program (or one test of it) on one hart count."""

    def __init__(self, label, ok, seconds, reason="", lines=()):
        self.label = label
        self.ok = ok
        self.seconds = seconds
        self.reason = reason
        self.lines = list(lines)

    def report(self):
        if self.ok:
            return "%s: OK (%.1fs)" % (self.label, self.seconds)
        why = "; " + self.reason if self.reason else ""
        text = "%s: FAIL (%.1fs%s)" % (self.label, self.seconds, why)
        return "\n".join([text] + ["    | " + line for line in self.lines])


def failing_lines(out):
    """The lines of out that say what failed: each line with fail, panic or
    error, after up to CONTEXT lines of the same test before it."""
    lines = out.split("\n")
    picked = []
    start = 0
    for i, line in enumerate(lines):
        if TEST_START.match(line):
            start = i
        if TROUBLE.search(line):
            for j in range(max(start, i - CONTEXT), i + 1):
                if j not in picked:
                    picked.append(j)
    return [lines[j] for j in picked]


def judge(label, out, seconds, passline):
    """A Run for a command that printed out: passed if passline matches a
    line and no line says FAIL."""
    if re.search(passline, out, re.MULTILINE) and not FAILED.search(out):
        return Run(label, True, seconds)
    lines = failing_lines(out) or out.rstrip("\n").split("\n")[-TAIL:]
    reason = "" if FAILED.search(out) else "no line %r" % passline.strip("^$")
    return Run(label, False, seconds, reason, lines)


def table_tests(path, table="quicktests"):
    """The test names in a usertests-style table `struct test TABLE[]`
    of the program's source, [] if it has none."""
    with open(path, errors="replace") as f:
        src = f.read()
    m = re.search(r"\b%s\[\]\s*=\s*\{(.*?)\n\};" % table, src, re.S)
    if not m:
        return []
    return re.findall(r'^\s*\{\s*\w+\s*,\s*"([^"\s]+)"\s*\}', m.group(1), re.M)


def commands(path, args):
    """The (label suffix, command, pass line) list for one program: one
    command, or with --each one per test of its quicktests table."""
    name = os.path.splitext(os.path.basename(path))[0]
    command, passline = PROGRAMS.get(name, (name, GENERIC_PASS))
    command = args.run.get(name, command)
    tests = table_tests(path) if args.each else []
    if tests:
        return [("/" + t, "%s %s" % (name, t), passline) for t in tests]
    return [("", command, passline)]


def run_program(label, cmds, qemu_cmd, image, cpus, args):
    """Boot once and run cmds one after another; a command that panics,
    hangs or kills QEMU fails, and the next one gets a fresh boot."""
    results = []
    m = None
    try:
        for suffix, command, passline in cmds:
            name = label + suffix
            t0 = time.monotonic()
            try:
                if m is None:
                    m = Machine("labs/" + label, qemu_cmd, image, cpus, args.mem,
                                args.verbose, append=bool(results))
                    m.wait_boot()
                m.begin_test(args.timeout)
                t0 = time.monotonic()
                out = m.run(command)
                results.append(judge(name, out, time.monotonic() - t0, passline))
            except TestFailure as e:
                tail = m.tail() if m else []
                results.append(Run(name, False, time.monotonic() - t0, str(e), tail))
                if m:
                    m.close()
                m = None
            print(results[-1].report())
            sys.stdout.flush()
    finally:
        if m:
            m.close()
    return results


def run_dir(directory, args):
    """Build DIR's programs onto the disk and run each on every hart count."""
    progs = sorted(glob.glob(os.path.join(directory, "*.c")))
    if args.only:
        progs = [p for p in progs
                 if os.path.splitext(os.path.basename(p))[0] in args.only]
    tag = os.path.basename(os.path.normpath(directory))
    try:
        build = Build(directory)
    except SystemExit as e:
        print("%s: FAIL (%s)" % (tag, e))
        return [Run(tag, False, 0, "build failed")]
    results = []
    try:
        for cpus in args.cpus:
            qemu_cmd = build.qemu_cmd(cpus, args.mem)
            if args.bootargs is not None:
                qemu_cmd += ["-append", args.bootargs]
            for path in progs:
                name = os.path.splitext(os.path.basename(path))[0]
                label = "%s/%s@%scpu" % (tag, name, cpus)
                results += run_program(label, commands(path, args), qemu_cmd,
                                       build.image, int(cpus), args)
    finally:
        build.remove()
    return results


def parse_run(items):
    """--run NAME=COMMAND options as a dict."""
    run = {}
    for item in items:
        name, sep, command = item.partition("=")
        if not sep or not name or not command.strip():
            raise SystemExit("labtests: --run wants NAME=COMMAND, not %r" % item)
        run[name] = command.strip()
    return run


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Build directories of xv6 lab test programs onto Atlas's "
                    "disk and run each program on the given hart counts.")
    ap.add_argument("dirs", nargs="+", metavar="DIR",
                    help="a directory of lab programs (DIR/*.c)")
    add_machine_options(ap)
    ap.add_argument("--bootargs", metavar="ARGS",
                    help="kernel command line, passed to QEMU's -append")
    ap.add_argument("--run", action="append", default=[], metavar="NAME=COMMAND",
                    help="run program NAME as COMMAND (e.g. usertests='usertests mem')")
    ap.add_argument("--only", metavar="NAMES",
                    help="comma-separated programs to run (default: all in DIR)")
    ap.add_argument("--each", action="store_true",
                    help="run each quick test of a usertests-style program on "
                         "its own (usertests -q stops at the first failure)")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="seconds one command may take (default 1800)")
    args = ap.parse_args(argv)
    args.cpus = [c.strip() for c in args.cpus.split(",") if c.strip()]
    if not args.cpus or not all(c.isdigit() and int(c) > 0 for c in args.cpus):
        raise SystemExit("labtests: --cpus wants positive numbers")
    args.run = parse_run(args.run)
    args.only = set(args.only.split(",")) if args.only else None
    dirs = [os.path.abspath(d) for d in args.dirs]
    for d in dirs:
        if not glob.glob(os.path.join(d, "*.c")):
            raise SystemExit("labtests: %s has no .c files" % d)

    # A kill ends the run like an exit, so that the finally clauses stop
    # the QEMUs and remove the build copies.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    t0 = time.monotonic()
    results = []
    try:
        for d in dirs:
            results += run_dir(d, args)
    except KeyboardInterrupt:
        with LIVE_LOCK:
            for proc in LIVE:
                proc.kill()
        print("\ninterrupted")
        return 130
    passed = sum(r.ok for r in results)
    print("labtests: %.1fs; logs in grade-logs" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

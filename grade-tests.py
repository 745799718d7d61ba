#!/usr/bin/env python3
"""Atlas's test suite: boot the kernel in QEMU and check what it prints.

    ./grade-tests.py                 build, then run every test
    ./grade-tests.py boot stress     run the named suites (or suite/test)
    ./grade-tests.py --list          list the tests
    ./grade-tests.py -v -j 1         stream the consoles, one QEMU at a time
    ./grade-tests.py --cpus 1,3      run everything with 1 and with 3 harts

Each test boots a fresh QEMU on its own copy of fs.img. The last line of
output is "N passed, N failed"; the exit status is non-zero if any test
failed. Console logs are kept in grade-logs/.

To add a test, register a function taking the booted machine:

    @test("boot", "name")
    def _(m):
        m.run("command", expect=r"regex")
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))

from gradelib import TestFailure, Timeout, main, test  # noqa: E402


# ---- boot: the kernel comes up and the shell works --------------------------

@test("boot", "banner")
def _(m):
    banner = re.search(r"Atlas\b.*?\b(\d+) harts?\b", m.boot_output)
    if not banner:
        raise TestFailure("no banner naming the number of harts before the prompt")
    if int(banner.group(1)) != m.cpus:
        raise TestFailure("banner says %s harts, QEMU has %d"
                          % (banner.group(1), m.cpus))


@test("boot", "echo")
def _(m):
    m.run("echo hi", expect=r"^hi$")


@test("boot", "ls")
def _(m):
    out = m.run("ls")
    for name in ("README", "cat", "sh", "echo", "ls", "systest"):
        if not re.search(r"^%s\s" % re.escape(name), out, re.MULTILINE):
            raise TestFailure("ls does not list %s" % name)


@test("boot", "pipe")
def _(m):
    m.run("echo hi | wc", expect=r"^\s*1\s+1\s+3\b")


@test("boot", "grep")
def _(m):
    m.run("cat README | grep Atlas", expect=r"Atlas")


@test("boot", "redirect")
def _(m):
    m.run("echo hello > f")
    m.run("cat f", expect=r"^hello$")
    m.run("cat < f | wc", expect=r"^\s*1\s+1\s+6\b")


@test("boot", "sequence")
def _(m):
    m.run("echo one ; echo two", expect=r"^one\ntwo$")


@test("boot", "background")
def _(m):
    mark = m.mark()
    m.run("echo bg &")
    # The job prints whenever it runs: wait for it before typing again, or
    # its output lands in the middle of the echo of the next command.
    m.expect(r"^(\$ )?bg$", timeout=10, start=mark,
             what="the background command's output")
    m.run("echo fg", expect=r"^fg$")


@test("boot", "parens")
def _(m):
    m.run("(echo a ; echo b) | wc", expect=r"^\s*2\s+2\s+4\b")


@test("boot", "mkdir")
def _(m):
    # The shell has no search path: in d, programs are /echo, /cat, /ls.
    m.run("mkdir d")
    m.run("cd d")
    m.run("/echo inside > f")
    m.run("/cat f", expect=r"^inside$")
    m.run("cd ..")
    m.run("cat d/f", expect=r"^inside$")
    m.run("ls d", expect=r"^f\s")


@test("boot", "halt")
def _(m):
    m.send("halt\n")
    status = m.wait_exit(30)
    if status != 0:
        raise TestFailure("QEMU exited with status %d after halt" % status)


@test("boot", "sbi-timer", qemu_args=["-cpu", "rv64,sstc=off"])
def _(m):
    """Without Sstc the kernel must fall back to the SBI timer."""
    if not re.search(r"Atlas\b.*\btimer sbi\b", m.boot_output):
        raise TestFailure("banner does not say the SBI timer is in use")
    m.run("systest sleep uptime", expect=r"^ALL TESTS PASSED$")


# ---- systest: every system call, good and bad arguments ---------------------

FAILED = r"^test (\S+): FAILED \((.*)\)$"


def test_program(m, program, args, timeout, console=()):
    """Run a test program (systest, vmtest) with args; fail unless every
    test passed with no leak. console: regexes that its output (which
    includes the kernel's messages) must also match."""
    mark = m.mark()
    try:
        out = m.run(("%s %s" % (program, args)).strip(), timeout=timeout)
    except Timeout as e:
        failed = re.findall(FAILED, m.since(mark), re.MULTILINE)
        if not failed:
            raise
        raise TestFailure("%s; then %s"
                          % ("; ".join("%s: %s" % f for f in failed), e))
    failed = re.findall(FAILED, out, re.MULTILINE)
    if failed:
        raise TestFailure("; ".join("%s: %s" % f for f in failed))
    pages = re.search(r"^free pages: (\d+) -> (\d+)$", out, re.MULTILINE)
    if not pages:
        raise TestFailure("%s printed no free-page line" % program)
    if pages.group(1) != pages.group(2):
        raise TestFailure("free pages %s before, %s after"
                          % (pages.group(1), pages.group(2)))
    if not re.search(r"^ALL TESTS PASSED$", out, re.MULTILINE):
        raise TestFailure("%s did not print ALL TESTS PASSED" % program)
    for pattern in console:
        if not re.search(pattern, out, re.MULTILINE):
            raise TestFailure("the console shows no line matching %r" % pattern)


@test("syscalls", "systest", timeout=600)
def _(m):
    test_program(m, "systest", "", 600)


@test("stress", "systest", timeout=400)
def _(m):
    test_program(m, "systest", "stress", 400)


# ---- vmtest: the memory system ---------------------------------------------
# One QEMU per group of vmtest's tests (vmtest -l lists them). The kernel
# must also have said why it killed the processes the tests meant it to.

KILLED = r"^pid \d+ vmtest: page fault \(%s\) at 0x[0-9a-f]+ pc 0x[0-9a-f]+$"
OOM_KILLED = r"^pid \d+ vmtest: out of memory: page fault \(store\) at 0x[0-9a-f]+"


@test("cow", "vmtest", timeout=120)
def _(m):
    test_program(m, "vmtest", "cow", 120)


@test("lazy", "vmtest", timeout=180)
def _(m):
    test_program(m, "vmtest", "lazy", 180,
                 console=[KILLED % "load", KILLED % "store", KILLED % "exec"])


@test("oom", "vmtest", timeout=180)
def _(m):
    test_program(m, "vmtest", "oom", 180, console=[OOM_KILLED])


@test("inject", "vmtest", timeout=180)
def _(m):
    test_program(m, "vmtest", "inject", 180, console=[OOM_KILLED])


@test("acct", "vmtest", timeout=120)
def _(m):
    test_program(m, "vmtest", "acct", 120)


# ---- memstat: the counters as a table ---------------------------------------

MEMSTAT_ROWS = ["system", "  free", "  total", "  shared", "  page tables",
                "events since boot", "  lazy faults", "  cow faults",
                "  cow copies", r"process \d+ \(memstat\)", "  size",
                "  resident", "  page tables", "  lazy faults", "  cow faults",
                "  cow copies"]


@test("acct", "memstat")
def _(m):
    out = m.run("memstat")
    lines = [l for l in out.split("\n") if l.strip()]
    if len(lines) != len(MEMSTAT_ROWS):
        raise TestFailure("memstat printed %d lines, not %d"
                          % (len(lines), len(MEMSTAT_ROWS)))
    for label, line in zip(MEMSTAT_ROWS, lines):
        if not re.match(r"^%s\s+(\d+|pages|count)\b" % label, line):
            raise TestFailure("memstat line %r is not the %r row" % (line, label))
    if len(set(len(l.rstrip()) for l in lines if l.startswith("  "))) > 2:
        raise TestFailure("memstat's columns are not aligned")
    free = int(re.search(r"^  free\s+(\d+)", out, re.MULTILINE).group(1))
    total = int(re.search(r"^  total\s+(\d+)", out, re.MULTILINE).group(1))
    if not 0 < free <= total:
        raise TestFailure("memstat says %d pages free of %d" % (free, total))
    out = m.run("memstat echo hi", expect=[r"^hi$", r"^echo: exit status 0$"])
    if not re.search(r"^  cow faults\s+\d+\s+\d+\s+\+\d+$", out, re.MULTILINE):
        raise TestFailure("memstat echo hi shows no change of cow faults")


if __name__ == "__main__":
    sys.exit(main())

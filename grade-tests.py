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

from gradelib import TestFailure, main, test  # noqa: E402


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
    m.run("echo fg", expect=r"^fg$")
    if not re.search(r"^(\$ )?bg$", m.since(mark), re.MULTILINE):
        raise TestFailure("the background command printed nothing")


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

def systest(m, args, timeout):
    """Run systest with args; fail unless every test passed with no leak."""
    out = m.run(("systest " + args).strip(), timeout=timeout)
    failed = re.findall(r"^test (\S+): FAILED \((.*)\)$", out, re.MULTILINE)
    if failed:
        raise TestFailure("; ".join("%s: %s" % f for f in failed))
    pages = re.search(r"^free pages: (\d+) -> (\d+)$", out, re.MULTILINE)
    if not pages:
        raise TestFailure("systest printed no free-page line")
    if pages.group(1) != pages.group(2):
        raise TestFailure("free pages %s before, %s after"
                          % (pages.group(1), pages.group(2)))
    if not re.search(r"^ALL TESTS PASSED$", out, re.MULTILINE):
        raise TestFailure("systest did not print ALL TESTS PASSED")


@test("syscalls", "systest", timeout=600)
def _(m):
    systest(m, "", 600)


@test("stress", "systest", timeout=400)
def _(m):
    systest(m, "stress", 400)


if __name__ == "__main__":
    sys.exit(main())

"""Tests that must fail, each in its own way: the grader's self-check
grader/failures in grade-tests.py runs them (./grade-tests.py --extra
tests/grader-checks failures) and compares every reason with the one it
expects."""

from gradelib import check, test, test_program

check("failures", "mismatch", "echo hello", expect=r"^goodbye$")
check("failures", "order", "echo a ; echo b", expect=[r"^b$", r"^a$"])
check("failures", "counts", "echo a ; echo a", counts={r"^a$": 1})
check("failures", "reject", "echo hello", reject=r"ell")


@test("failures", "hang", timeout=3, shared=True)
def _(m):
    m.run("cat")          # reads the console forever


# The hang broke the shared machine: this test must get a fresh boot.
check("failures", "after-hang", "echo alive", expect=r"^alive$")


@test("failures", "qemu-gone")
def _(m):
    m.crash()
    m.run("echo too late")


# A test program that runs past its time limit: the reason names the test
# it was in (the cow and lazy groups take far longer than 2 seconds).
@test("failures", "program-hang", timeout=2)
def _(m):
    test_program(m, "vmtest", "cow lazy oom", 2)

"""Copy-on-write fork: fork shares the parent's pages with the child,
read-only, and a page is copied only when one of them stores to it."""

TITLE = "Copy-on-write fork"
BUILDS_ON = []

# grade-tests.py's tests and this lab's points for each. A test program's
# points are shared out among its subtests; NAME@Ncpu runs with N harts.
TESTS = {
    "cow/vmtest": 50,
}

# Shown on Gradescope after the due date only: the same tests on one hart
# and on eight.
HIDDEN = {
    "cow/vmtest@1cpu": 25,
    "cow/vmtest@8cpu": 25,
}

# The share of the points the starter tree may score: none, since it
# refuses FORK_COW and vmtest -m cow then runs nothing.
THRESHOLD = 0.0

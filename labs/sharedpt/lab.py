"""Shared page tables on fork (McCracken 2003, On-demand-fork 2021): the
child's root entries point at the parent's level-1 tables instead of
copies, and a table is copied only when one of its sharers changes
something under it."""

TITLE = "Page tables shared on fork"
BUILDS_ON = ["cow"]

# grade-tests.py's tests and this lab's points for each (a test program's
# are shared out among its subtests; NAME@Ncpu runs with N harts).
TESTS = {
    "sharedpt/vmtest": 60,
}

# Shown on Gradescope after the due date only.
HIDDEN = {
    "sharedpt/vmtest@1cpu": 20,
    "sharedpt/vmtest@8cpu": 20,
}

# The starter tree refuses FORK_SHAREDPT, so vmtest -m sharedpt runs
# nothing.
THRESHOLD = 0.0

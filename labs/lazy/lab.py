"""Lazy page allocation: sbrklazy() (and sbrk with overcommit=on) only
reserves heap; a page fault on a reserved page maps a zeroed page there,
for the program's own accesses and for the kernel's copies alike."""

TITLE = "Lazy page allocation"
BUILDS_ON = []

# grade-tests.py's tests and this lab's points for each. A test program's
# points are shared out among its subtests; NAME@Ncpu runs with N harts.
# overcommit/vmtest boots with overcommit=on (the 2020 lab's sbrk).
TESTS = {
    "lazy/vmtest": 40,
    "overcommit/vmtest": 10,
}

# Shown on Gradescope after the due date only: the lazy tests on one
# hart and on eight.
HIDDEN = {
    "lazy/vmtest@1cpu": 25,
    "lazy/vmtest@8cpu": 25,
}

# The share of the points the starter tree may score: none, as every
# test first checks that sbrklazy reserved without allocating.
THRESHOLD = 0.0

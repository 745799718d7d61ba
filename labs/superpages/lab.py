"""Superpages: a heap grown by 2 MiB or more is mapped with 2 MiB
megapages; a lazily filled heap gets them by reserving a 2 MiB block at
its first fault and promoting the region once it is used densely; a
shrink or a store to a shared megapage splits it."""

TITLE = "Superpages"
# Lazy faults fill reservations; fork shares megapages copy-on-write.
BUILDS_ON = ["lazy", "cow"]

# grade-tests.py's tests and this lab's points for each. A test program's
# points are shared out among its subtests; NAME@Ncpu runs with N harts.
TESTS = {
    "super/vmtest": 50,
}

# Shown on Gradescope after the due date only: the same tests on one hart
# and on eight.
HIDDEN = {
    "super/vmtest@1cpu": 25,
    "super/vmtest@8cpu": 25,
}

# The share of the points the starter tree may score: none, as every
# test first checks that megapages are made at all.
THRESHOLD = 0.0

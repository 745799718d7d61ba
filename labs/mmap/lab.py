"""mmap over a page cache: mapped files' pages are the cache's pages,
faulted in on first touch (read, copy-on-write and shared faults), and
what shared mappings store is written back to the file."""

TITLE = "mmap: mapped files"
# Private mappings are copy-on-write, anonymous ones fill lazily, and one
# test maps megapages of anonymous memory.
BUILDS_ON = ["cow", "lazy", "superpages"]

# grade-tests.py's tests and this lab's points for each (a test program's
# are shared out among its subtests; NAME@Ncpu runs with N harts).
TESTS = {
    "mmap/vmtest": 70,
    "mmap/crash": 10,
}

# Shown on Gradescope after the due date only.
HIDDEN = {
    "mmap/vmtest@1cpu": 10,
    "mmap/vmtest@8cpu": 10,
}

# The starter tree's mmap makes regions and checks its arguments, so the
# tests of bad calls pass there; every test that touches a mapping fails.
THRESHOLD = 0.2

"""Page tables: a read-only USYSCALL page that gives ugetpid() the pid
without a system call, kpgtbl() printing a page table, and pgaccess()
reporting which pages were touched."""

TITLE = "Page tables"
# It needs nothing of the memory labs: its tests run with fork copying
# every page, the heap allocated by sbrk at once and 4 KiB pages only.
BUILDS_ON = []

# grade-tests.py's tests and this lab's points for each (see labs/cow/lab.py).
# pgtbl/usyscall is vmtest's pgtbl group with usyscall=on: ugetpid() (which
# first checks that a page is mapped at USYSCALL), pgpte of every kind of
# page, USYSCALL's too, and pgaccess; pgtbl/kpgtbl checks kpgtbl's printout
# on the console, pgtbl/pgaccess systest's pgtbl group. The pgtbl suite's
# other tests are not the lab's: pgtbl/top and pgpte-lazy need the lazy
# heap, pgtbl/pgaccessshared page tables shared on fork.
TESTS = {
    "pgtbl/usyscall": 30,
    "pgtbl/kpgtbl": 20,
    "pgtbl/pgaccess": 10,
}

# Shown on Gradescope after the due date only: the same on one hart and on
# eight, and the default layout, in which the USYSCALL page must not be
# there (current xv6's tests grow the heap over its address).
HIDDEN = {
    "pgtbl/usyscall@1cpu": 5,
    "pgtbl/usyscall@8cpu": 5,
    "pgtbl/vmtest": 10,
}

# The starter tree maps no USYSCALL page, kpgtbl prints nothing and
# pgaccess returns -1: no test passes.
THRESHOLD = 0.0

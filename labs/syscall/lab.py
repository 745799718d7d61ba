"""System calls: trace(mask) prints the calls of a mask as they return,
in the calling process and the children it forks; sysinfo() reports free
memory and the number of processes."""

TITLE = "System calls"
BUILDS_ON = []

# grade-tests.py's tests and this lab's points for each (see labs/cow/lab.py).
# The trace tests read the kernel's "PID: syscall NAME -> RESULT" lines from
# the console; each first needs a line that only a working trace() prints,
# so the starter tree's stubs score nothing.
TESTS = {
    "trace/read": 4,
    "trace/all": 4,
    "trace/calls": 4,
    "trace/fork": 4,
    "trace/bad": 4,
    "sysinfo/systest": 10,
}

# Shown on Gradescope after the due date only: inheritance at fork and a
# full process table on one hart and on eight.
HIDDEN = {
    "trace/fork@1cpu": 3,
    "trace/fork@8cpu": 3,
    "sysinfo/systest@8cpu": 4,
}

# The starter tree's trace() and sysinfo() return -1: no test passes.
THRESHOLD = 0.0

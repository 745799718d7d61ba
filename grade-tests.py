#!/usr/bin/env python3
"""Atlas's grader: boot the kernel in QEMU and check what it prints.

    ./grade-tests.py                 build, then run every suite
    ./grade-tests.py boot stress     run the named suites (or suite/test)
    ./grade-tests.py --list          list the tests with their points
    ./grade-tests.py -v -j 1         stream the consoles, one QEMU at a time
    ./grade-tests.py --cpus 1,3      run everything with 1 and with 3 harts
    ./grade-tests.py --json r.json   also write Gradescope's results.json
    ./grade-tests.py --extra DIR     add DIR's programs and DIR/grade*.py tests
    ./grade-tests.py --mutants       also check that every broken kernel in
                                     tests/mutants/ fails the grader

Each test boots a fresh QEMU on its own copy of fs.img. The output is one
line per test, the score, and last "N passed, N failed"; the exit status
is non-zero if any test failed. Console logs are kept in grade-logs/.

To add a test, register a function taking the booted machine (see
tools/gradelib.py for check(), shared boots and the rest):

    @test("boot", "name", points=1)
    def _(m):
        m.run("command", expect=r"regex")
"""

import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools")
sys.path[:0] = [TOOLS, os.path.join(TOOLS, "gdb")]   # gradelib; sv39 (no GDB in it)

from gradelib import (OPTIONAL_SUITES, QEMU, ROOT, Result, TestFailure, check, main,  # noqa: E402
                     match, size_bytes, subtest_credit, test, test_program)
from selfcheck import (FAIL_LINE, nested_grade, path_without, private_tree,  # noqa: E402
                       register_mutants, run_grader)
from labcheck import register_lab_checks  # noqa: E402
import bench  # noqa: E402
from sv39 import (PGSIZE, PTE_A, PTE_COW, PTE_D, PTE_RWX, PTE_U, ROOT_LEVEL,  # noqa: E402
                  level_size, pte_pa)


# ---- boot: the kernel comes up and the shell works --------------------------

def kernel_constant(header, name):
    """The value of `#define NAME EXPR` in kernel/HEADER, EXPR being an
    integer expression such as (1L << 30)."""
    with open(os.path.join(ROOT, "kernel", header)) as f:
        found = re.search(r"^#define\s+%s\s+([^/\n]+)" % name, f.read(), re.MULTILINE)
    expr = re.sub(r"(?<=\d)[uUlL]+\b", "", found.group(1)) if found else ""
    if not re.fullmatch(r"[0-9a-fA-Fx()<*+ -]+", expr.strip()):
        raise SystemExit("grade-tests: no integer #define %s in kernel/%s" % (name, header))
    return eval(expr, {"__builtins__": {}})


NCPU = kernel_constant("param.h", "NCPU")
MAXPHYSMEM_MIB = kernel_constant("memlayout.h", "MAXPHYSMEM") >> 20
BANNER = re.compile(r"^Atlas\b.*\busing (\d+) of (\d+) harts and (\d+) of (\d+) MiB RAM, "
                    r"boot hart (\d+)\b", re.MULTILINE)


def check_banner(m):
    """The banner of this boot says how many harts and MiB of RAM QEMU
    has, and that the kernel uses them, up to NCPU harts and MAXPHYSMEM of
    RAM. Returns the boot hart's id."""
    banner = BANNER.search(m.boot_output)
    if not banner:
        raise TestFailure("no banner 'using N of N harts and N of N MiB RAM, "
                          "boot hart N' before the prompt")
    said = tuple(int(n) for n in banner.groups()[:4])
    mib = size_bytes(m.mem) >> 20
    want = (min(m.cpus, NCPU), m.cpus, min(mib, MAXPHYSMEM_MIB), mib)
    if said != want:
        raise TestFailure("banner: using %d of %d harts and %d of %d MiB; "
                          "it should say %d of %d and %d of %d" % (said + want))
    return int(banner.group(5))


def check_shell(m):
    """The shell runs a pipeline (programs read from the disk, console
    input: the disk's and the UART's interrupts both work)."""
    m.run("echo hi | wc", expect=r"^\s*1\s+1\s+3\b")


@test("boot", "banner")
def _(m):
    check_banner(m)


@test("boot", "cpus9", cpus=9)
def _(m):
    """One hart more than the kernel has room for: it uses NCPU of them."""
    check_banner(m)
    check_shell(m)


@test("boot", "mem2g", cpus=3, mem="2G")
def _(m):
    """More RAM than the kernel manages: it uses MAXPHYSMEM of it."""
    check_banner(m)
    check_shell(m)


BOOTS_16 = 3


@test("boot", "cpus16", cpus=16, timeout=300)
def _(m):
    """Sixteen harts, several boots: OpenSBI picks the boot hart by a
    lottery among all sixteen, so it may well have an id above NCPU."""
    harts = []
    for n in range(BOOTS_16):
        if n:
            m.send("halt\n")
            m.wait_exit(30)
            m.boot()
        harts.append(check_banner(m))
        check_shell(m)
    return "boot harts " + ", ".join(str(h) for h in harts)


def gdb_batch(m, script, timeout):
    """Run GDB on script (commands) against m, whose QEMU was started with
    -gdb tcp::{port}; keep its output next to the console log, return it."""
    path = os.path.join(m.tmpdir, "gdb.cmds")
    with open(path, "w") as f:
        f.write(script)
    try:
        r = subprocess.run(["gdb-multiarch", "-q", "-nx", "-batch", "-x", path],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TestFailure("GDB took more than %ds" % timeout)
    with open(m.logpath[:-len(".log")] + ".gdb.log", "w") as f:
        f.write(r.stdout)
    return r.stdout


BOOT_HART = 15
BOOT_HART_SCRIPT = """
set pagination off
set confirm off
set architecture riscv:rv64
source tools/gdb/atlas.py
target remote localhost:%(port)d
boothart %(hart)d
detach
"""


@test("boot", "hart15", cpus=16, timeout=120, boot=False,
      qemu_args=["-S", "-gdb", "tcp::{port}"])
def _(m):
    """The boot hart is hart 15, far above NCPU (GDB's boothart makes it
    so): the kernel uses it and seven others, on every one of them."""
    out = gdb_batch(m, BOOT_HART_SCRIPT % {"port": m.port, "hart": BOOT_HART}, 60)
    if not re.search(r"^hart %d is at the kernel's entry" % BOOT_HART, out, re.MULTILINE):
        raise TestFailure("GDB's boothart failed: %s" % out.strip().split("\n")[-1])
    m.wait_boot()
    hart = check_banner(m)
    if hart != BOOT_HART:
        raise TestFailure("the banner says boot hart %d, not %d" % (hart, BOOT_HART))
    check_shell(m)
    test_program(m, "systest", "forkstress", 60)


check("boot", "echo", "echo hi", expect=r"^hi$", shared=False)


@test("boot", "bootargs", qemu_args=["-append", "megapages=off bogus forkmode=fast"])
def _(m):
    """The kernel command line is shown; an unknown option and a bad value
    each get one warning and change nothing; the system runs."""
    for pattern in [r"^Atlas: command line: megapages=off bogus forkmode=fast$",
                    r"^bootargs: ignoring unknown option bogus$",
                    r"^bootargs: ignoring forkmode=fast: forkmode takes sharedpt\|cow\|eager$"]:
        match(m.boot_output, expect=pattern, what="the boot messages")
    m.run("systest sbrk malloc", expect=r"^ALL TESTS PASSED$")


@test("boot", "ls")
def _(m):
    out = m.run("ls")
    for name in ("README", "cat", "sh", "echo", "ls", "systest"):
        if not re.search(r"^%s\s" % re.escape(name), out, re.MULTILINE):
            raise TestFailure("ls does not list %s" % name)


check("boot", "pipe", "echo hi | wc", expect=r"^\s*1\s+1\s+3\b", shared=False)


check("boot", "grep", "cat README | grep Atlas", expect=r"Atlas", shared=False)


@test("boot", "redirect")
def _(m):
    m.run("echo hello > f")
    m.run("cat f", expect=r"^hello$")
    m.run("cat < f | wc", expect=r"^\s*1\s+1\s+6\b")


check("boot", "sequence", "echo one ; echo two", expect=r"^one\ntwo$", shared=False)


@test("boot", "background")
def _(m):
    mark = m.mark()
    m.run("echo bg &")
    # The job prints whenever it runs: wait for it before typing again, or
    # its output lands in the middle of the echo of the next command.
    m.expect(r"^(\$ )?bg$", timeout=10, start=mark,
             what="the background command's output")
    m.run("echo fg", expect=r"^fg$")


check("boot", "parens", "(echo a ; echo b) | wc", expect=r"^\s*2\s+2\s+4\b",
      shared=False)


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


SWAP_MENTION = re.compile(r"^.*swap.*$", re.MULTILINE | re.IGNORECASE)


def check_swap(m):
    """The boot messages announce the swap disk this machine has, with
    the pages it holds (its size rounded down to whole pages); with none
    they say nothing of swap. The shell works either way."""
    said = SWAP_MENTION.findall(m.boot_output)
    want = []
    if m.swap:
        size = os.path.getsize(m.swap)
        want = ["swap: virtio disk 1, %d pages (%d MiB)" % (size // PGSIZE, size >> 20)]
    if said != want:
        raise TestFailure("the boot messages say %r about swap, not %r" % (said, want))
    check_shell(m)


@test("boot", "swap")
def _(m):
    """make's swap disk (SWAP=256M unless make is told otherwise)."""
    if not m.swap:
        raise TestFailure("QEMU was given no swap disk (make SWAP=0?)")
    check_swap(m)


@test("boot", "swap-size", swap="4098K")
def _(m):
    """A swap disk of 1024.5 pages: 1024 of them are usable."""
    check_swap(m)


@test("boot", "noswap", swap=False)
def _(m):
    """No swap disk (make SWAP=0): the kernel boots without one."""
    check_swap(m)


@test("boot", "sbi-timer", qemu_args=["-cpu", "rv64,sstc=off"])
def _(m):
    """Without Sstc the kernel must fall back to the SBI timer."""
    if not re.search(r"Atlas\b.*\btimer sbi\b", m.boot_output):
        raise TestFailure("banner does not say the SBI timer is in use")
    m.run("systest sleep uptime", expect=r"^ALL TESTS PASSED$")


# ---- systest: every system call, good and bad arguments ---------------------

CRASH_AFTER = 1.5          # seconds of fsstress before the power goes
SMALL_DISK = 3000          # blocks of the disk the full-disk tests fill
BIGCRASH_AFTER = 1.0       # seconds of writing into the doubly-indirect
                           # blocks before the power goes


@test("syscalls", "systest", points=10, timeout=600)
def _(m):
    test_program(m, "systest", "syscalls", 600)


# ---- trace and sysinfo: the system-call lab's calls -------------------------
# trace(mask) makes the kernel print "PID: syscall NAME -> RESULT" as each
# call of the mask returns, in the xv6 lab's format.

TRACE_LINE = re.compile(r"^(\d+): syscall (\w+) -> (-?\d+)$", re.MULTILINE)


def traced(out):
    """The trace lines in out, in order: [(pid, call, result)]."""
    return [(int(p), c, int(r)) for p, c, r in TRACE_LINE.findall(out)]


def readme_bytes(m):
    """The size of the disk's README, as wc (untraced) counts it."""
    out = m.output("wc README")
    if traced(out):
        raise TestFailure("wc README, run with no trace, printed trace lines")
    found = re.search(r"^\d+ \d+ (\d+) README$", out, re.MULTILINE)
    if not found:
        raise TestFailure("wc README printed no count")
    return int(found.group(1))


def no_trace_lines(what):
    return "%s printed no 'PID: syscall NAME -> RESULT' line" % what


@test("trace", "read", points=3, shared=True)
def _(m):
    """trace 32 grep xyzzy README: only read (SYS_read is 5) is traced, in
    grep's process; the reads add up to the file and the last returns 0.
    The shell and the next command are not traced. (grep finds nothing: a
    line of README with a "$ " in it would look like the next prompt.)"""
    size = readme_bytes(m)
    out = m.run("trace 32 grep xyzzy README")
    lines = traced(out)
    if not lines:
        raise TestFailure(no_trace_lines("trace 32 grep xyzzy README"))
    if {c for _, c, _ in lines} != {"read"} or len({p for p, _, _ in lines}) != 1:
        raise TestFailure("trace 32 printed other calls or processes than grep's read: %s" % lines)
    if lines[-1][2] != 0 or sum(r for _, _, r in lines) != size:
        raise TestFailure("grep's reads returned %s; they should add up to the "
                          "file's %d bytes and end with 0" % ([r for _, _, r in lines], size))
    later = m.run("grep xyzzy README")
    if traced(later):
        raise TestFailure("the command after trace's is traced too: %s" % traced(later)[0])


@test("trace", "all", points=3, shared=True)
def _(m):
    """trace 2147483647 wc README traces every call below 31: trace, exec
    (argc), open (the descriptor), the reads, the write of wc's line (its
    length), close; exit never returns, so it prints nothing."""
    size = readme_bytes(m)
    out = m.run("trace 2147483647 wc README")
    lines = traced(out)
    if not lines:
        raise TestFailure(no_trace_lines("trace 2147483647 wc README"))
    calls = " ".join(c for _, c, _ in lines)
    if len({p for p, _, _ in lines}) != 1 or not re.fullmatch(r"trace exec open (read )+write close", calls):
        raise TestFailure("wc's calls were traced as %r, not trace, exec, open, "
                          "the reads, write, close, all in one process" % calls)
    said = re.search(r"^\d+ \d+ \d+ README$", out, re.MULTILINE)
    results = [r for _, _, r in lines]
    reads = results[3:-2]
    want = [0, 2, 3] + reads + [len(said.group(0)) + 1 if said else -1, 0]
    if results != want or reads[-1] != 0 or sum(reads) != size:
        raise TestFailure("the results %s are not trace 0, exec 2, open 3, reads adding up "
                          "to %d bytes then 0, write the line's length, close 0" % (results, size))


def check_traced(out, want, what):
    """The trace lines of out must be want's and no others: want lists
    (process, call, result) in each process's order, a process being a
    name for a pid ("p", "child"; distinct names, distinct pids), a result
    a number, a process's name (its pid) or None (any number >= 0)."""
    lines = traced(out)
    got = {}
    for pid, call, result in lines:
        got.setdefault(pid, []).append((call, result))
    names = sorted({name for name, _, _ in want})
    if len(got) == len(names):
        for pids in itertools.permutations(got):
            pid_of = dict(zip(names, pids))
            if all(traces_match(got[pid_of[name]], [(c, r) for n, c, r in want if n == name], pid_of)
                   for name in names):
                return
    if not lines:
        raise TestFailure(no_trace_lines(what))
    raise TestFailure("%s printed the trace lines %s; want, per process, %s"
                      % (what, ["%d: %s -> %d" % line for line in lines],
                         ["%s: %s -> %s" % (n, c, "N" if r is None else r) for n, c, r in want]))


def traces_match(got, want, pid_of):
    """One process's trace lines got, [(call, result)], are want's, whose
    results are as check_traced's (pid_of gives the names' pids)."""
    if len(got) != len(want):
        return False
    for (call, result), (want_call, want_result) in zip(got, want):
        if want_result is None:
            good = result >= 0
        else:
            good = result == pid_of.get(want_result, want_result)
        if call != want_call or not good:
            return False
    return True


@test("trace", "calls", points=3, shared=True)
def _(m):
    """systest trace-calls: a mask of getpid, dup and close prints each of
    them with its result, failures too (-1), and nothing else; a new mask
    replaces the old, and trace() itself prints only if the mask it sets
    has its bit."""
    out = test_program(m, "systest", "trace-calls", 60)
    check_traced(out, [("p", "getpid", "p"), ("p", "dup", None), ("p", "close", 0),
                       ("p", "close", -1), ("p", "uptime", None)], "systest trace-calls")


@test("trace", "fork", points=3, shared=True)
def _(m):
    """systest trace-fork: a child and a grandchild inherit the mask at
    fork; the grandchild's trace() changes its own mask, not its parent's."""
    out = test_program(m, "systest", "trace-fork", 60)
    check_traced(out, [("p", "fork", "child"), ("p", "getpid", "p"),
                       ("child", "getpid", "child"), ("child", "fork", "grandchild"),
                       ("child", "getpid", "child"), ("grandchild", "uptime", None)],
                 "systest trace-fork")


@test("trace", "bad", points=3, shared=True)
def _(m):
    """systest trace-bad: trace(-1) and trace(INT_MIN) return -1 and
    change nothing; with every bit below 31 set (trace's own call prints),
    unknown call numbers and the calls from 31 up print no trace line (nor
    break the kernel). The
    trace program refuses a mask that is not a number, and says so when
    the kernel refuses one."""
    out = test_program(m, "systest", "trace-bad", 60)
    check_traced(out, [("p", "getpid", "p"), ("p", "trace", 0)], "systest trace-bad")
    m.run("trace -1 echo hi", expect=r"^trace: trace\(-1\) failed$", reject=[r"^hi$", TRACE_LINE.pattern])
    m.run("trace 2x echo hi", expect=r"^usage: trace mask command", reject=r"^hi$")


@test("sysinfo", "systest", points=5, timeout=120)
def _(m):
    """systest sysinfo: free memory and the process count, a full process
    table, bad buffers."""
    test_program(m, "systest", "sysinfo", 120)


@test("stress", "systest", points=10, timeout=400)
def _(m):
    test_program(m, "systest", "stress", 400)


# ---- robust: what one process must not be able to do to others ------------

@test("robust", "systest", points=10, timeout=300)
def _(m):
    test_program(m, "systest", "robust", 300)


@test("robust", "init-fork", points=3, timeout=120)
def _(m):
    """init lives through a fork that fails while the process table is
    full: systest --starve-init fills the table, kills the shell and takes
    the slot the shell leaves; init says its fork failed, tries again, and
    a new shell comes up once the table has room."""
    m.send("\x10")                      # Ctrl-P lists the processes
    shell = m.expect(r"^(\d+) \w+ sh: ", timeout=10,
                     what="the shell in Ctrl-P's list").group(1)
    m.send("systest --starve-init %s\n" % shell)
    m.expect(r"^starve-init: \d+ slot holders", timeout=30,
             what="systest filling the process table")
    m.expect(r"^init: starting sh\ninit: fork failed", timeout=30,
             what="init's fork of a new shell failing")
    m.expect(r"\$ ", timeout=60, what="the new shell's prompt")
    m.run("echo alive", expect=r"^alive$")


# The functions of kernel/trap/fpu.c that save and load the f registers.
FPU_SWITCH = {"fp_save", "fp_load", "fpu_usertrap", "fpu_usertrapret"}
ASM_FUNC = re.compile(r"^[0-9a-f]+ <([\w.]+)>:$")
ASM_FP = re.compile(r"^\s*[0-9a-f]+:\t[0-9a-f]+\s*\t((?:c\.)?f(?!ence)\w*)")


@test("robust", "kernel-no-fp", points=1, qemu=False)
def _(host):
    """The kernel uses no floating-point instruction (it runs with the
    unit off) except where trap/fpu.c saves and loads a process's
    registers: build/kernel.asm, the kernel's disassembly, says so."""
    users = {}
    func = None
    with open(os.path.join(ROOT, "build", "kernel.asm")) as f:
        for line in f:
            m2 = ASM_FUNC.match(line)
            if m2:
                func = m2.group(1)
            elif ASM_FP.match(line):
                users.setdefault(func, ASM_FP.match(line).group(1))
    if not FPU_SWITCH & set(users):
        raise TestFailure("no function of trap/fpu.c touches the f registers")
    others = sorted(set(users) - FPU_SWITCH)
    if others:
        raise TestFailure("floating point in the kernel: " +
                          ", ".join("%s (%s)" % (f, users[f]) for f in others))
    return "only %s" % ", ".join(sorted(users))


# ---- fs: the file system ----------------------------------------------------

@test("fs", "systest", points=10, timeout=300)
def _(m):
    test_program(m, "systest", "fs", 300)


@test("fs", "persist", points=3, timeout=120)
def _(m):
    """What a finished command wrote survives a halt and a reboot."""
    m.run("mkdir keep")
    m.run("echo kept across boots > keep/f")
    m.send("halt\n")
    if m.wait_exit(30) != 0:
        raise TestFailure("halt did not power off with status 0")
    m.boot()
    m.run("cat keep/f", expect=r"^kept across boots$")


@test("fs", "crash", points=5, timeout=300)
def _(m):
    """Power lost in the middle of file system work: after the reboot the
    log's recovery leaves a file system in which every finished command's
    writes are intact and every file system test passes."""
    m.run("echo written before the crash > kept")
    m.send("systest fsstress\n")
    time.sleep(CRASH_AFTER)
    m.crash()
    m.boot()
    m.run("cat kept", expect=r"^written before the crash$")
    test_program(m, "systest", "fs fsstress", 300)


@test("fs", "maxfile", points=3, timeout=900, cpus=1)
def _(m):
    """A file of MAXFILE blocks (64 MiB) on the default disk reads back
    block by block, a write past it fails, and it can be removed. On one
    hart only: writing 64 MiB through the log and reading it back takes
    two to three minutes."""
    test_program(m, "systest", "maxfile", 900)


@test("fs", "diskfull", points=3, timeout=300, disk=SMALL_DISK)
def _(m):
    """Filling a small disk twice with a file that reaches into the
    doubly-indirect blocks: what needs a block fails with -1, also when
    only an index block could be had, and every block comes back."""
    test_program(m, "systest", "diskfull", 300)


def disk_blocks(out):
    """The blocks that systest diskfull's files took, from its output."""
    found = re.search(r"^diskfull: the files took (\d+) blocks$", out, re.MULTILINE)
    if not found:
        raise TestFailure("systest diskfull did not say how many blocks it took")
    return int(found.group(1))


@test("fs", "bigcrash", points=5, timeout=300, disk=SMALL_DISK)
def _(m):
    """Power lost while a file grows into its doubly-indirect blocks and
    is removed, again and again: after the reboot the file is gone or a
    prefix of whole blocks, files written before are intact, a new big
    file can be written, and the disk holds as many blocks as before (no
    block leaked or lost)."""
    m.run("echo written before the crash > kept")
    before = disk_blocks(test_program(m, "systest", "diskfull", 300))
    m.send("systest --crash-writer\n")
    m.expect(r"^crash-writer: in the doubly-indirect blocks$", timeout=60,
             what="the writer reaching the doubly-indirect blocks")
    time.sleep(BIGCRASH_AFTER)
    m.crash()
    m.boot()
    m.run("cat kept", expect=r"^written before the crash$")
    out = test_program(m, "systest", "crashcheck diskfull", 300)
    after = disk_blocks(out)
    if after != before:
        raise TestFailure("the disk held %d blocks before the power cut, %d "
                          "after" % (before, after))
    return re.search(r"^crashcheck: (.*)$", out, re.MULTILINE).group(1)


# ---- gdb: the Sv39 commands of tools/gdb/ against the kernel's own view -----
# GDB stops the kernel in sys_kpgtbl, called by pgdemo (user/pgdemo.c) with
# a COW page, a private page and an unmapped page in its heap, runs the
# commands, and lets it go on to print the same page table itself.

GDB_AT_KPGTBL = """
set pagination off
set confirm off
set architecture riscv:rv64
file kernel/kernel
source tools/gdb/atlas.py
target remote localhost:%%(port)d
break sys_kpgtbl
shell touch %%(ready)s
continue
set $p = cpus[$tp].proc
%s
echo ==end\\n
delete
detach
"""
GDB_SCRIPT = GDB_AT_KPGTBL % """
printf "==trampoline 0x%%016lx\\n", (unsigned long)&trampoline
printf "==trapframe 0x%%016lx\\n", (unsigned long)$p->trapframe
echo ==procs\\n
procs
echo ==cow\\n
pgwalk $p->mm->heap->start $p->pid
echo ==private\\n
pgwalk $p->mm->heap->start+%(pgsize)d $p->pid
echo ==unmapped\\n
pgwalk $p->mm->heap->start+3*%(pgsize)d $p->pid
echo ==trampoline\\n
pgwalk 0x3ffffff000 $p->pid
echo ==trapframe\\n
pgwalk 0x3fffffe000 $p->pid
echo ==pgtable\\n
pgtable $p->pid
echo ==kernelram\\n
pgwalk end+0x400000 kernel
echo ==dot\\n
pgtable $p->pid --dot %(dot)s
"""
KPGTBL_INDENT = " .."       # kpgtbl's indent: one for the root's entries, one more a level down
KPGTBL = re.compile(r"^((?:%s)+)0x([0-9a-f]{16}) pte 0x([0-9a-f]{16}) pa 0x([0-9a-f]{16})$"
                    % re.escape(KPGTBL_INDENT), re.MULTILINE)
PTE_AD = PTE_A | PTE_D      # the hardware may set them at any time


def gdb_sections(out):
    """GDB's output cut at the "==NAME" marker lines: {name: text}."""
    parts = re.split(r"^==(\w+)\n", out, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def kpgtbl_level(dots):
    """The level of the table holding the entry a kpgtbl line shows, from
    the line's indent."""
    return ROOT_LEVEL + 1 - len(dots) // len(KPGTBL_INDENT)


def kernel_entries(out):
    """The kernel's kpgtbl printout: {(va, level): (pte, pa)} of every entry."""
    entries = {}
    for dots, va, pte, pa in KPGTBL.findall(out):
        level = kpgtbl_level(dots)
        entries[(int(va, 16), level)] = (int(pte, 16), int(pa, 16))
    return entries


def kernel_leaf(entries, va):
    """The kernel's leaf entry for va: (pte, pa), or None."""
    for (start, level), (pte, pa) in entries.items():
        if pte & PTE_RWX and start <= va < start + level_size(level):
            return pte, pa + (va - start)
    return None


def walk_pa(sections, name):
    """The physical address GDB's pgwalk section name ends with."""
    m = re.search(r"^pa 0x([0-9a-f]+)$", sections.get(name, ""), re.MULTILINE)
    if not m:
        raise TestFailure("pgwalk (%s) gave no physical address: %r"
                          % (name, sections.get(name, "")[-200:]))
    return int(m.group(1), 16)


def check_walk(sections, entries, name, va, must=()):
    """GDB's walk of va agrees with the kernel: same leaf PTE (but for A
    and D), same physical address; and its output matches must."""
    want = kernel_leaf(entries, va)
    if want is None:
        raise TestFailure("the kernel's page table has no leaf for %#x" % va)
    got = walk_pa(sections, name)
    if got != want[1]:
        raise TestFailure("pgwalk %s: pa %#x, the kernel says %#x" % (name, got, want[1]))
    ptes = [int(x, 16) for x in re.findall(r"pte 0x([0-9a-f]+)", sections[name])]
    if not ptes or (ptes[-1] | PTE_AD) != (want[0] | PTE_AD):
        raise TestFailure("pgwalk %s: leaf pte %s, the kernel's is %#x"
                          % (name, ptes and hex(ptes[-1]), want[0]))
    match(sections[name], expect=list(must), what="pgwalk %s" % name)
    return got


def gdb_at_kpgtbl(m, script, program="pgdemo", **values):
    """Run program (pgdemo, with its arguments) under GDB, which runs
    script (made from GDB_AT_KPGTBL, filled in with values) where it calls
    kpgtbl(). Returns its console output, GDB's output and its sections
    (gdb_sections)."""
    path = os.path.join(m.tmpdir, "gdb.cmds")
    ready = os.path.join(m.tmpdir, "gdb.ready")
    with open(path, "w") as f:
        f.write(script % dict(values, port=m.port, ready=ready))
    gdb = subprocess.Popen(["gdb-multiarch", "-q", "-nx", "-batch", "-x", path],
                           cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
    try:
        deadline = time.monotonic() + 30   # GDB touches ready as it lets go
        while not os.path.exists(ready):
            if gdb.poll() is not None or time.monotonic() > deadline:
                raise TestFailure("GDB did not set its breakpoint: %s"
                                  % gdb.communicate()[0].strip()[-300:])
            time.sleep(0.1)
        out = m.run(program, timeout=60)
        text = gdb.communicate(timeout=60)[0]
    finally:
        if gdb.poll() is None:
            gdb.kill()
    with open(m.logpath[:-len(".log")] + ".gdb.log", "w") as f:
        f.write(text)
    sections = gdb_sections(text)
    if "end" not in sections:
        raise TestFailure("GDB stopped early: %s" % text.strip().split("\n")[-1])
    return out, text, sections


def pgdemo_printout(out):
    """pgdemo's page table as the kernel printed it (kernel_entries), its
    pid, and where its heap starts and its mapped part ends."""
    entries = kernel_entries(out)
    demo = re.search(r"^pgdemo: pid (\d+), heap 0x([0-9a-f]+):.* unmapped from 0x([0-9a-f]+)$",
                     out, re.MULTILINE)
    if not entries or not demo:
        raise TestFailure("pgdemo printed no page table")
    return entries, demo.group(1), int(demo.group(2), 16), int(demo.group(3), 16)


@test("gdb", "pgwalk", points=10, timeout=120, qemu_args=["-gdb", "tcp::{port}"])
def _(m):
    dot = os.path.join(m.tmpdir, "pgtable.dot")
    out, text, sections = gdb_at_kpgtbl(m, GDB_SCRIPT, dot=dot, pgsize=PGSIZE)
    entries, pid, heap, _ = pgdemo_printout(out)
    match(sections["procs"], expect=r"\b%s\b.*\bpgdemo\b" % pid, what="procs")
    check_walk(sections, entries, "cow", heap, must=[r"\bCOW\b", r"store fault.*COW"])
    check_walk(sections, entries, "private", heap + PGSIZE, must=[r"store ok"])
    tramp = check_walk(sections, entries, "trampoline", 0x3ffffff000,
                       must=[r"load fault.*\bU\b"])
    if tramp != int(re.search(r"^==trampoline (0x[0-9a-f]+)$", text, re.MULTILINE).group(1), 16):
        raise TestFailure("pgwalk TRAMPOLINE does not end at the trampoline code")
    frame = check_walk(sections, entries, "trapframe", 0x3fffffe000)
    if frame != int(re.search(r"^==trapframe (0x[0-9a-f]+)$", text, re.MULTILINE).group(1), 16):
        raise TestFailure("pgwalk TRAPFRAME does not end at p->trapframe")
    if kernel_leaf(entries, heap + 3 * PGSIZE) is not None:
        raise TestFailure("the kernel maps the page pgdemo calls unmapped")
    match(sections["unmapped"], expect=r"^no mapping: invalid", reject=r"^pa ",
          what="pgwalk of an unmapped address")
    gdb_tree = {(int(va, 16), int(pte, 16) | PTE_AD) for va, pte in
                re.findall(r"va 0x([0-9a-f]+) +pte 0x([0-9a-f]+)", sections["pgtable"])}
    kernel_tree = {(va, pte | PTE_AD) for (va, _), (pte, _) in entries.items()}
    if gdb_tree != kernel_tree:
        raise TestFailure("pgtable and the kernel's printout differ: %d entries "
                          "only in GDB's, %d only in the kernel's"
                          % (len(gdb_tree - kernel_tree), len(kernel_tree - gdb_tree)))
    leaves = sum(1 for (va, level), (pte, _) in entries.items() if pte & PTE_RWX)
    match(sections["kernelram"], expect=[r"^L1 .*-> 2 MiB megapage", r"^pa 0x"],
          what="pgwalk of kernel RAM (the direct map uses megapages)")
    tables = sum(1 for (va, level), (pte, _) in entries.items() if not pte & PTE_RWX)
    match(sections["dot"], expect=r"^wrote .*: %d tables, %d leaves$" % (tables + 1, leaves),
          what="pgtable --dot")
    r = subprocess.run(["dot", "-Tpng", "-o", os.devnull, dot], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode != 0:
        raise TestFailure("Graphviz cannot read pgtable --dot's file: %s" % r.stdout.strip())


# vmmap on pgdemo stopped in kpgtbl(), and on the kernel's page table;
# then its child's p->mm is set to 0 for a moment, as in a slot being torn
# down, and restored (if no child is found, nothing is changed).
VMMAP_SCRIPT = GDB_AT_KPGTBL % """
echo ==vmmap\\n
vmmap $p->pid
echo ==kernel\\n
vmmap kernel
echo ==nomm\\n
set $c = proc
while $c->parent != $p && $c + 1 < proc + sizeof(proc) / sizeof(proc[0])
  set $c = $c + 1
end
if $c->parent == $p
  printf "child pid %%d\\n", $c->pid
  set $mm = $c->mm
  set var $c->mm = 0
  python
for command in ("procs", "vmmap $c->pid", "pgwalk 0 $c->pid"):
    try:
        gdb.execute(command)
    except gdb.error as e:
        print(e)
  end
  set var $c->mm = $mm
  echo ==restored\\n
  procs
end
"""
VMMAP_REGION = re.compile(r"^0x([0-9a-f]{16})-0x([0-9a-f]{16}) ([r-][w-][x-][ps-]) +\S+ \S+  "
                          r"(\(no region\)|\S+) +(\S+) +(\S+) +(\d+) resident(.*)$", re.MULTILINE)
ELF_HEADER = struct.Struct("<I12sHHIQQQIHHHHHH")   # struct elfhdr (kernel/elf.h)
ELF_PROGHDR = struct.Struct("<IIQQQQQQ")           # struct proghdr
ELF_PROG_LOAD = kernel_constant("elf.h", "ELF_PROG_LOAD")
ELF_PERMISSIONS = tuple((letter, kernel_constant("elf.h", "ELF_PROG_FLAG_" + flag))
                        for letter, flag in (("r", "READ"), ("w", "WRITE"), ("x", "EXEC")))
USERSTACK = kernel_constant("param.h", "USERSTACK")


def elf_segments(path):
    """The loadable segments of the ELF file at path, in file order:
    (vaddr, memsz, 'rwx' permissions from the segment's flags)."""
    with open(path, "rb") as f:
        data = f.read()
    header = ELF_HEADER.unpack_from(data)
    phoff, phnum = header[6], header[12]
    segments = []
    for i in range(phnum):
        kind, flags, _, vaddr, _, _, memsz, _ = ELF_PROGHDR.unpack_from(
            data, phoff + i * ELF_PROGHDR.size)
        if kind == ELF_PROG_LOAD:
            perm = "".join(letter if flags & bit else "-" for letter, bit in ELF_PERMISSIONS)
            segments.append((vaddr, memsz, perm))
    return segments


def vmmap_regions(text):
    """vmmap's region lines: [{start, end, perm, name, flags, counts}],
    counts being (4 KiB pages, pages, megapages, cow, kernel-only)."""
    found = []
    for start, end, perm, name, _, flags, pages, rest in VMMAP_REGION.findall(text):
        leaves = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (page|megapage)s?\b", rest))
        extra = dict((kind, int(n)) for n, kind in re.findall(r", (\d+) (cow|kernel-only)", rest))
        found.append(dict(start=int(start, 16), end=int(end, 16), perm=perm, name=name,
                          flags=flags, counts=(int(pages), leaves.get("page", 0),
                                               leaves.get("megapage", 0), extra.get("cow", 0),
                                               extra.get("kernel-only", 0))))
    return found


def within(leaf, region):
    """Does the kernel's leaf (va, level, pte) lie wholly in the region?"""
    return region["start"] <= leaf[0] and leaf[0] + level_size(leaf[1]) <= region["end"]


def kernel_counts(leaves):
    """What vmmap should count for these kernel leaves ((va, level, pte)):
    (4 KiB pages, pages, megapages, cow, kernel-only)."""
    pages = [level_size(level) // PGSIZE for _, level, _ in leaves]
    return (sum(pages), sum(1 for _, level, _ in leaves if level == 0),
            sum(1 for _, level, _ in leaves if level == 1),
            sum(n for n, (_, _, pte) in zip(pages, leaves) if pte & PTE_COW),
            sum(n for n, (_, _, pte) in zip(pages, leaves) if not pte & PTE_U))


def expected_layout(heap, brk, mapped):
    """pgdemo's regions as exec and sbrk lay them out, from facts outside
    the kernel: the ELF file's segments, then a guard page, USERSTACK
    pages of stack, the heap pgdemo printed, and the page of README it
    mapped where it said. [(name, start, end, perm, flags)]."""
    layout = []
    for vaddr, memsz, perm in elf_segments(os.path.join(ROOT, "build", "user", "_pgdemo")):
        end = (vaddr + memsz + PGSIZE - 1) // PGSIZE * PGSIZE
        layout.append(("text" if "x" in perm else "data", vaddr, end, perm + "p", "-"))
    guard = layout[-1][2]
    stack = guard + PGSIZE
    return layout + [("guard", guard, stack, "---p", "guard"),
                     ("stack", stack, stack + USERSTACK * PGSIZE, "rw-p", "stack"),
                     ("heap", heap, brk, "rw-p", "growsup"),
                     ("README+0x1000", mapped, mapped + PGSIZE, "r--p", "mmap")]


@test("gdb", "vmmap", points=5, timeout=120, qemu_args=["-gdb", "tcp::{port}"])
def _(m):
    """vmmap shows pgdemo's regions where its ELF file, the stack size
    and its own printout put them, with the pages the kernel's printout
    of its page table has there; a process whose mm is 0 is refused."""
    out, text, sections = gdb_at_kpgtbl(m, VMMAP_SCRIPT)
    entries, pid, heap, brk = pgdemo_printout(out)
    shown = vmmap_regions(sections["vmmap"])
    match(sections["vmmap"], reject=[r"^warning:.*", r"!!.*"], what="vmmap")
    regions = [r for r in shown if r["name"] != "(no region)"]
    mapped = re.search(r"^pgdemo: README\+0x1000 mapped at 0x([0-9a-f]+): ", out, re.MULTILINE)
    if not mapped:
        raise TestFailure("pgdemo did not say where it mapped README")
    want = expected_layout(heap, brk, int(mapped.group(1), 16))
    got = [(r["name"], r["start"], r["end"], r["perm"], r["flags"]) for r in regions]
    if got[:len(want)] != want or any(r["flags"] != "special" for r in regions[len(want):]):
        raise TestFailure("vmmap's regions %s, want %s (and the kernel's special ones)"
                          % (got, want))
    leaves = [(va, level, pte) for (va, level), (pte, _) in entries.items() if pte & PTE_RWX]
    for r in regions:
        inside = [e for e in leaves if within(e, r)]
        if r["counts"] != kernel_counts(inside):
            raise TestFailure("vmmap: region %s has (pages, 4 KiB, 2 MiB, cow, kernel-only) "
                              "%s, the kernel's page table %s"
                              % (r["name"], r["counts"], kernel_counts(inside)))
    outside = [e for e in leaves if not any(within(e, r) for r in regions)]
    total = re.search(r"^total: \d+ regions, .* (\d+) in no region$", sections["vmmap"],
                      re.MULTILINE)
    if not total or int(total.group(1)) != kernel_counts(outside)[0]:
        raise TestFailure("vmmap's total of pages in no region is not the kernel's %d"
                          % kernel_counts(outside)[0])
    if any(e[2] & PTE_U for e in outside):
        raise TestFailure("the kernel maps user pages outside pgdemo's regions")
    match(sections["kernel"], expect=r"^0x0*80[0-9a-f]{6}-0x[0-9a-f]+  rw. -g? .* megapages?$",
          what="vmmap kernel (the range view: RAM mapped by megapages)")
    child = re.search(r"^child pid (\d+)$", sections["nomm"], re.MULTILINE)
    if not child:
        raise TestFailure("GDB found no child of pgdemo in proc[]")
    match(sections["nomm"], expect=[r"^ *\d+ +%s +\w+ +pgdemo +- +-$" % child.group(1)]
          + [r"^error: pid %s has no address space" % child.group(1)] * 2,
          what="procs, vmmap and pgwalk of a process whose mm is 0")
    match(sections["restored"], expect=r"^ *\d+ +%s +\w+ +pgdemo +0x" % child.group(1),
          what="procs after the child's mm was put back")


# pgwalk and vmmap on `pgdemo swap` stopped in kpgtbl(): its heap page is
# out on swap, its leaf a swap entry.
SWAPPED_SCRIPT = GDB_AT_KPGTBL % """
echo ==swapped\\n
pgwalk $p->mm->heap->start $p->pid
echo ==vmmap\\n
vmmap $p->pid
"""
SWAP_DEMO = re.compile(r"^pgdemo: pid \d+, heap page 0x([0-9a-f]+) holding 0x([0-9a-f]+): "
                       r"swapped out$", re.MULTILINE)


def swap_disk_word(m, slot):
    """The first 64-bit word of swap slot `slot` on m's swap disk."""
    with open(m.swap, "rb") as f:
        f.seek(slot * PGSIZE)
        return struct.unpack("<Q", f.read(8).ljust(8, b"\0"))[0]


@test("gdb", "swapped", points=3, timeout=120, qemu_args=["-gdb", "tcp::{port}"])
def _(m):
    """pgwalk of the page `pgdemo swap` sent out to swap says "swapped:
    slot N", and slot N of the machine's swap disk holds that page (its
    mark); vmmap counts it in the heap as swapped, not resident."""
    if m.swap is None:
        raise TestFailure("the machine has no swap disk")
    out, text, sections = gdb_at_kpgtbl(m, SWAPPED_SCRIPT, program="pgdemo swap")
    demo = SWAP_DEMO.search(out)
    if not demo:
        raise TestFailure("pgdemo swap did not send its page out: %s" % out.strip()[-200:])
    page, mark = int(demo.group(1), 16), int(demo.group(2), 16)
    match(out, expect=r"^pgdemo: page 0x0*%x read back from swap$" % page, what="pgdemo swap")
    walk = sections["swapped"]
    match(walk, expect=[r"^va 0x0*%x:" % page, r"^note: the page is out on swap"],
          reject=[r"^pa ", r"^no mapping"], what="pgwalk of a page out on swap")
    slot = re.search(r"^swapped: slot (\d+) at L0 \[", walk, re.MULTILINE)
    if not slot:
        raise TestFailure("pgwalk of a page out on swap: no 'swapped: slot N at L0': %r"
                          % walk.strip().split("\n")[-3:])
    found = swap_disk_word(m, int(slot.group(1)))
    if found != mark:
        raise TestFailure("pgwalk says slot %s, whose page on the swap disk starts with "
                          "%#x, not pgdemo's %#x" % (slot.group(1), found, mark))
    match(sections["vmmap"], expect=r"^0x0*%x-0x[0-9a-f]+ rw-p .* heap .* 0 resident, "
          r"1 swapped$" % page, what="vmmap of pgdemo swap's heap")
    return "slot " + slot.group(1)


@test("gdb", "make-gdb", points=1, timeout=60, boot=False, cpus=1,
      qemu_args=["-S", "-gdb", "tcp::{port}"])
def _(m):
    """`make qemu-gdb GDBPORT=N` has QEMU wait on port N, and `make gdb
    GDBPORT=N` connects there: to this QEMU, stopped at the reset vector,
    which then boots when GDB lets it go."""
    r = subprocess.run(["make", "-n", "qemu-gdb", "GDBPORT=%d" % m.port], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if not re.search(r"-gdb tcp::%d$" % m.port, r.stdout, re.MULTILINE):
        raise TestFailure("make -n qemu-gdb GDBPORT=%d starts no QEMU on that port"
                          % m.port)
    try:
        r = subprocess.run(["make", "-s", "gdb", "GDBPORT=%d" % m.port], cwd=ROOT,
                           input="print $pc\ndetach\n", stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=30)
    except subprocess.TimeoutExpired:
        raise TestFailure("make gdb took more than 30s")
    if not re.search(r"= .*\b0x1000$", r.stdout, re.MULTILINE):
        said = [l for l in r.stdout.split("\n") if l.strip() and l.strip() != "(gdb)"]
        raise TestFailure("make gdb GDBPORT=%d did not connect: %s"
                          % (m.port, said[-1] if said else "no output"))
    m.wait_boot()


@test("gdb", "sv39", points=2, qemu=False)
def _(host):
    """The GDB commands' Sv39 decoding on a made-up tree (no QEMU)."""
    r = subprocess.run([sys.executable, "tools/gdb/test_sv39.py"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    last = r.stdout.strip().split("\n")[-1]
    if r.returncode != 0 or not re.match(r"^\d+ passed, 0 failed$", last):
        raise TestFailure("tools/gdb/test_sv39.py: %s" % last)
    return last


# ---- vmtest: the memory system ---------------------------------------------
# One QEMU per group of vmtest's tests (vmtest -l lists them). The kernel
# must also have said why it killed the processes the tests meant it to.

KILLED = r"^pid \d+ vmtest: page fault \(%s\) at 0x[0-9a-f]+ pc 0x[0-9a-f]+$"
OOM_KILLED = r"^pid \d+ vmtest: out of memory: page fault \(store\) at 0x[0-9a-f]+"
OOM_VICTIM = r"^oom: killed pid \d+ vmtest \(resident \d+ pages, swapped \d+ pages\)$"
SWAP_READ_FAILED = r"^pid \d+ vmtest: swap read error: page fault \(load\) at 0x[0-9a-f]+"


@test("cow", "vmtest", points=10, timeout=120)
def _(m):
    test_program(m, "vmtest", "-m cow cow", 120)


@test("lazy", "vmtest", points=10, timeout=180)
def _(m):
    """The lazy group in the kernel's default fork mode (the lazy lab's:
    it needs no other lab's mode)."""
    test_program(m, "vmtest", "lazy", 180,
                 console=[KILLED % "load", KILLED % "store", KILLED % "exec"])


@test("cow", "lazy", points=3, timeout=180)
def _(m):
    """The lazy group with fork copy-on-write: lazily filled pages shared."""
    test_program(m, "vmtest", "-m cow lazy", 180,
                 console=[KILLED % "load", KILLED % "store", KILLED % "exec"])


@test("oom", "vmtest", points=5, timeout=180, swap=False)
def _(m):
    """Out of memory with no swap disk: the OOM killer ends the process
    whose allocation failed when it is the largest (it is, in these tests)."""
    test_program(m, "vmtest", "-m cow oom", 180, console=[OOM_KILLED])


@test("inject", "vmtest", points=5, timeout=180)
def _(m):
    test_program(m, "vmtest", "-m cow inject", 180, console=[OOM_KILLED])


@test("acct", "vmtest", points=5, timeout=120)
def _(m):
    test_program(m, "vmtest", "-m cow acct", 120)


# ---- overcommit: the 2020 lazy lab's sbrk, a boot option -------------------

@test("overcommit", "vmtest", points=5, timeout=240, swap=False,
      qemu_args=["-append", "overcommit=on"])
def _(m):
    """With overcommit=on, sbrk reserves what memory cannot back and the
    process that runs out is killed at its fault (with no swap disk, so
    that it runs out soon); the lazy group and the oom tests of the heap
    still pass (the lazy lab's, needing no other)."""
    if "command line: overcommit=on" not in m.boot_output:
        raise TestFailure("the banner does not show the command line")
    test_program(m, "vmtest", "overcommit lazy oom-lazy oom-sbrkfail", 240, console=[OOM_KILLED])


# ---- pgtbl: the features of xv6's page-table lab ----------------------------
# The lab's tests are vmtest's pgtbl group with usyscall=on, its kpgtbl
# test and systest's pgtbl group; pgtbl/top and pgtbl/pgaccessshared need
# the lazy heap and shared page tables too.

@test("pgtbl", "vmtest", points=3, timeout=120)
def _(m):
    """The default layout: no USYSCALL page; pgpte, pgaccess."""
    test_program(m, "vmtest", "pgtbl", 120)


@test("pgtbl", "usyscall", points=3, timeout=120, qemu_args=["-append", "usyscall=on"])
def _(m):
    """usyscall=on maps the page-table lab's USYSCALL page: ugetpid() in
    every child, read-only; pgpte, pgaccess."""
    test_program(m, "vmtest", "pgtbl", 120)


@test("pgtbl", "top", points=2, timeout=120, qemu_args=["-append", "usyscall=on"])
def _(m):
    """With usyscall=on the lazy heap ends below the USYSCALL page; pgpte
    of a lazy page before and after its first touch."""
    test_program(m, "vmtest", "lazy-top pgpte-lazy", 120)


@test("pgtbl", "kpgtbl", points=3)
def _(m):
    """kpgtbl() prints the lab's format: the root, then one line per valid
    entry, " .." per level, the first address it maps, the PTE and the
    physical address; the leaves of the heap, text, stack, trapframe and
    trampoline agree with pgpte()."""
    out = test_program(m, "vmtest", "pgtbl-kpgtbl", 60)
    start = re.search(r"^page table 0x[0-9a-f]{16}$", out, re.MULTILINE)
    end = re.search(r"^test pgtbl-kpgtbl: ", out[start.end():] if start else "", re.MULTILINE)
    if not start or not end:
        raise TestFailure("kpgtbl printed no 'page table 0x...' line")
    table = out[start.end():start.end() + end.start()]
    previous = ROOT_LEVEL + 1   # the level of the line before; the root's is one up
    for line in table.strip("\n").split("\n"):
        m2 = KPGTBL.match(line)
        if not m2:
            raise TestFailure("kpgtbl line %r is not in the lab's format" % line)
        level = kpgtbl_level(m2.group(1))
        if level < previous - 1 or level < 0:
            raise TestFailure("kpgtbl line %r skips a level" % line)
        previous = level
        pte, pa = int(m2.group(3), 16), int(m2.group(4), 16)
        if pte_pa(pte) != pa:
            raise TestFailure("kpgtbl line %r: pa is not the PTE's" % line)
    entries = kernel_entries(table)
    pages = re.findall(r"^pgtbl-kpgtbl: pgpte\(([\w+]+)\) 0x([0-9a-f]+) = 0x([0-9a-f]+)$",
                       out, re.MULTILINE)
    if len(pages) < 6:
        raise TestFailure("vmtest printed %d pgpte lines, not 6" % len(pages))
    for name, va, pte in pages:
        leaf = kernel_leaf(entries, int(va, 16))
        if not leaf or leaf[0] | PTE_AD != int(pte, 16) | PTE_AD:
            raise TestFailure("pgpte(%s) 0x%s, kpgtbl says %s" % (name, pte, leaf and hex(leaf[0])))


# The lines of the top 1 GiB that MIT's 2024 page-table lab grader
# expects from its pgtbltest's print_kpgtbl: the root entry, the level-1
# entry above it and the trampoline, written as its reference vmprint
# writes them (the low 32 bits sign-extended).
XV6_TOP_LINES = [r"^ \.\.0xffffffffc0000000 pte ", r"^ \.\. \.\.0xffffffffffe00000 pte ",
                 r"^ \.\. \.\. \.\.0xfffffffffffff000 pte "]


@test("pgtbl", "vmprint-xv6", points=1, qemu_args=["-append", "vmprint=xv6"])
def _(m):
    """vmprint=xv6: kpgtbl writes addresses as MIT's pgtbl grader expects
    them, the top 1 GiB sign-extended, and the rest as they are."""
    out = test_program(m, "vmtest", "pgtbl-kpgtbl", 60)
    match(out, expect=[r"^ \.\.0x0000000000000000 pte "] + XV6_TOP_LINES,
          reject=[r"^[ .]+0x0000003f"], what="kpgtbl's lines with vmprint=xv6")


@test("pgtbl", "pgaccess", points=2)
def _(m):
    """systest pgtbl: pgaccess of a page just touched; ranges past MAXVA or
    2^64 refused at once."""
    test_program(m, "systest", "pgtbl", 60)


@test("pgtbl", "pgaccessshared", points=1)
def _(m):
    """A child sharing its parent's page tables clears only its own A bits."""
    test_program(m, "systest", "pgaccessshared", 60)


# ---- sharedpt and eager: the sharing suites in the other fork modes --------

@test("sharedpt", "vmtest", points=7, timeout=300)
def _(m):
    test_program(m, "vmtest", "-m sharedpt cow sharedpt", 300, console=[OOM_KILLED])


@test("sharedpt", "lazy", points=3, timeout=300)
def _(m):
    """Lazy faults and allocation failures in tables fork shares."""
    test_program(m, "vmtest", "-m sharedpt lazy inject", 300,
                 console=[KILLED % "load", OOM_KILLED])


@test("eager", "vmtest", points=5, timeout=300, swap=False)
def _(m):
    """The eager fork mode (no swap disk: mmap-reclaim runs memory out)."""
    test_program(m, "vmtest", "-m eager cow lazy mmap", 300,
                 console=[KILLED % "load", KILLED % "store", KILLED % "exec"])


# ---- super: 2 MiB megapages in the heap --------------------------------------

@test("super", "vmtest", points=10, timeout=180, swap=False)
def _(m):
    """Megapages (no swap disk: super-forkbig's fork must not copy
    megapages while memory is short, and swap would make it long)."""
    test_program(m, "vmtest", "super", 180)


# ---- regions: the address space as regions -----------------------------------

@test("regions", "vmtest", points=5, timeout=120)
def _(m):
    test_program(m, "vmtest", "regions", 120)


# ---- mmap: files and shared memory mapped ------------------------------------

@test("mmap", "vmtest", points=10, timeout=180, swap=False)
def _(m):
    """mmap (no swap disk: mmap-reclaim runs memory out, and expects the
    process that touches too much to be killed)."""
    test_program(m, "vmtest", "mmap", 180,
                 console=[KILLED % "load", KILLED % "store", KILLED % "exec"])


# ---- shpt: page tables that the mappings of shared memory share ---------------

@test("shpt", "vmtest", points=10, timeout=180)
def _(m):
    """McCracken's shared page tables for shared mappings: linking another
    process's level-0 table, unsharing on mprotect and munmap, the builder's
    exit, faults from several harts, allocation failures, msync's TLB
    shootdown, and no read-only mapping linking a writable one's table."""
    test_program(m, "vmtest", "shpt", 180,
                 console=[OOM_KILLED.replace("store", "load"), KILLED % "store"])


# ---- mshare: regions whose page tables unrelated processes attach ------------

@test("mshare", "vmtest", points=10, timeout=240)
def _(m):
    """mshare regions: attaching one without faults or tables of one's
    own, read-only attachments, bad calls, the region's life (unlink, fork,
    exec, detach), faults from several harts while the owner maps, the TLB
    shootdown when the owner unmaps, a file in a region, and allocation
    failures."""
    test_program(m, "vmtest", "mshare", 240,
                 console=[KILLED % "store", OOM_KILLED])


@test("swap", "vmtest", points=10, timeout=400, mem="64M")
def _(m):
    """Swapping, on a 64 MiB machine with make's swap disk: three processes
    filling three times its memory, fork and the swap cache, the clock
    against FIFO, a megapage split to go out, failed swap I/O, and kills
    while pages move; no page or slot leaks."""
    test_program(m, "vmtest", "swap", 400, console=[SWAP_READ_FAILED])


@test("swap", "overcommit", points=3, timeout=300, mem="64M", swap="64M",
      qemu_args=["-append", "overcommit=swap"])
def _(m):
    """overcommit=swap: sbrk's eager mode reclaims to make room, counting
    swap as memory; more than memory and swap fails cleanly."""
    test_program(m, "vmtest", "swapsbrk", 300)


@test("swap", "oom", points=5, timeout=300, mem="64M", swap="16M")
def _(m):
    """Swap full (16 MiB of it): a small process's fault makes the OOM
    killer end the largest process, with one line naming it and its size;
    the small one goes on, and the machine is usable."""
    test_program(m, "vmtest", "swapfull", 300, console=[OOM_VICTIM])


@test("swap", "belady", points=2, timeout=120, mem="64M")
def _(m):
    """Belady's anomaly under the kernel's FIFO (membench belady, read
    with tools/bench.py's parser): the textbook string faults on 9 pages
    with 3 frames and on 10 with 4, and 64 times that with groups of 64
    pages; the clock's replays are there too, and membench puts the
    policy back (clock) when done."""
    out = m.run("membench belady", timeout=100, expect=r"^membench: done$")
    res = bench.parse(out)["belady"]
    for group in (1, 64):
        for frames, textbook in ((3, 9), (4, 10)):
            fifo = res.get(("fifo", frames, group))
            if fifo is None or ("clock", frames, group) not in res:
                raise TestFailure("membench belady printed no line for %d frames of "
                                  "%d pages" % (frames, group))
            if fifo.textbook != textbook * group or fifo.faults != fifo.textbook:
                raise TestFailure("FIFO with %d frames of %d pages: %d faults, textbook "
                                  "%d" % (frames, group, fifo.faults, textbook * group))
    m.run("memstat", expect=r"^  replacement\s+clock$")


@test("mmap", "crash", points=5, timeout=120)
def _(m):
    """Stores to a shared file mapping that msync returned from survive a
    power cut: after the reboot the file holds them."""
    m.send("vmtest --map-sync synced\n")
    m.expect(r"^synced$", timeout=60)
    m.crash()
    m.boot()
    m.run("vmtest --map-check synced", expect=r"^map-check: OK$")


MAPS_LINE = re.compile(r"^([0-9a-f]{10})-([0-9a-f]{10}) ([r-][w-][x-][ps]) (\w+)\s+(\w+)\s+"
                       r"(\d+) pages  (4K|2M|-)$", re.MULTILINE)


@test("regions", "maps", points=2)
def _(m):
    out = m.run("maps")
    regions = MAPS_LINE.findall(out)
    names = [r[4] for r in regions]
    if names[-3:] != ["guard", "stack", "heap"] and names[-2:] != ["guard", "stack"]:
        raise TestFailure("maps printed regions %s, not ending guard, stack (heap)" % names)
    if names[0] != "text" or regions[0][2] != "r-xp":
        raise TestFailure("maps's first region is %s %s, not text r-xp"
                          % (names[0], regions[0][2]))
    ends = [(int(a, 16), int(b, 16)) for a, b, *_ in regions]
    if any(a >= b for a, b in ends) or any(b > c for (_, b), (c, _) in zip(ends, ends[1:])):
        raise TestFailure("maps's regions are not in address order: %s" % ends)
    guard = regions[names.index("guard")]
    if guard[2] != "---p" or ends[names.index("guard")][1] != ends[names.index("stack")][0]:
        raise TestFailure("the guard region %s is not an inaccessible page below the stack"
                          % (guard,))
    m.run("maps 1", expect=r"^[0-9a-f]{10}-[0-9a-f]{10} r-xp anon\s+text\s+\d+ pages  4K$")
    m.run("maps 999", expect=r"^maps: no process 999$")


# ---- memstat: the counters as a table ---------------------------------------

MEMSTAT_ROWS = ["system", "  free", "    kernel's share", r"    reserved \(2 MiB\)",
                "  total", "  shared", "  page tables", "  page cache", "    mapped",
                "    dirty", "  reclaim list", "  swap used", "    in swap cache",
                "  swap total", "  replacement", "events since boot", "  lazy faults",
                "  cow faults", "  cow copies", "  promotions", "  file faults",
                "  swap-ins", "  swap cache hits", "  swap-outs", "  reclaimed",
                "  OOM kills", r"process \d+ \(memstat\)", "  size", "  resident",
                "  page tables", "  lazy faults", "  cow faults", "  cow copies",
                "  file faults", "  swapped out", "  swap-ins"]


def memstat_count(out, label):
    """The number in memstat's first row labelled label (in output out)."""
    return int(re.search(r"^  %s\s+(\d+)" % label, out, re.MULTILINE).group(1))


@test("acct", "memstat", points=2)
def _(m):
    out = m.run("memstat")
    lines = [l for l in out.split("\n") if l.strip()]
    if len(lines) != len(MEMSTAT_ROWS):
        raise TestFailure("memstat printed %d lines, not %d"
                          % (len(lines), len(MEMSTAT_ROWS)))
    for label, line in zip(MEMSTAT_ROWS, lines):
        if not re.match(r"^%s\s+(\d+|pages|count|clock|fifo)\b" % label, line):
            raise TestFailure("memstat line %r is not the %r row" % (line, label))
    if len(set(len(l.rstrip()) for l in lines if l.startswith("  "))) > 2:
        raise TestFailure("memstat's columns are not aligned")
    free, total = memstat_count(out, "free"), memstat_count(out, "total")
    if not 0 < free <= total:
        raise TestFailure("memstat says %d pages free of %d" % (free, total))
    swap = memstat_count(out, "swap total")
    if swap != os.path.getsize(m.swap) // PGSIZE:
        raise TestFailure("memstat says swap holds %d pages, not the disk's %d"
                          % (swap, os.path.getsize(m.swap) // PGSIZE))
    if not re.search(r"^  replacement\s+clock$", out, re.MULTILINE):
        raise TestFailure("memstat does not show the default policy, clock")
    out = m.run("memstat echo hi", expect=[r"^hi$", r"^echo: exit status 0$"])
    if not re.search(r"^  cow faults\s+\d+\s+\d+\s+\+\d+$", out, re.MULTILINE):
        raise TestFailure("memstat echo hi shows no change of cow faults")


# ---- vmstat: the counters as they move --------------------------------------

VMSTAT_HEADER = r"^ +free +swpd +si +so +recl +flt +oom$"
VMSTAT_LINE = re.compile(r"^ +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$",
                         re.MULTILINE)
VMSTAT_LINES = 50            # vmstat 2 50: ten seconds, long past swap-fork's end


def vmstat_file(m, least, timeout=20):
    """The lines of /vmstat.out (a background vmstat's output: the console
    would mix its characters with the shell's) as lists of numbers, once it
    has at least least of them, checked again every half second."""
    deadline = time.monotonic() + timeout
    while True:
        out = m.run("cat /vmstat.out", expect=VMSTAT_HEADER)
        lines = [[int(x) for x in l] for l in VMSTAT_LINE.findall(out)]
        if len(lines) >= least:
            return lines
        if time.monotonic() > deadline:
            raise TestFailure("vmstat printed %d lines in %ds, not %d"
                              % (len(lines), timeout, least))
        time.sleep(0.5)


@test("acct", "vmstat", points=2, timeout=120)
def _(m):
    """vmstat runs in the background while vmtest swap-fork swaps: a line
    per interval, the swap-outs showing up after the first line (since
    boot), and each column of events adding up to the counter's total as
    memstat shows it afterwards (what a wrong interval delta breaks). Bad
    arguments get the usage message."""
    for bad in ("x", "0", "-1", "1 2 3", "5 0", "99999999999"):
        m.run("vmstat " + bad, expect=r"^usage: vmstat \[interval_ticks \[count\]\]$")
    m.run("vmstat 2 %d > /vmstat.out &" % VMSTAT_LINES)
    vmstat_file(m, 1)
    m.run("vmtest swap-fork", expect=r"^ALL TESTS PASSED$", timeout=60)
    if len(vmstat_file(m, 1)) == VMSTAT_LINES:
        raise TestFailure("vmstat had printed its last line before swap-fork ended")
    lines = vmstat_file(m, VMSTAT_LINES)
    if len(lines) != VMSTAT_LINES:
        raise TestFailure("vmstat 2 %d printed %d lines" % (VMSTAT_LINES, len(lines)))
    out = m.run("memstat")
    total = memstat_count(out, "total")
    if any(not 0 < l[0] <= total for l in lines):
        raise TestFailure("vmstat shows free pages outside 1..%d: %s"
                          % (total, [l[0] for l in lines]))
    swapped = sum(l[3] for l in lines[1:])
    if swapped < 1024:
        raise TestFailure("vmstat's so column shows %d swap-outs while swap-fork "
                          "swapped out at least 1024 pages" % swapped)
    for col, label in ((3, "swap-outs"), (4, "reclaimed")):
        if sum(l[col] for l in lines) != memstat_count(out, label):
            raise TestFailure("vmstat's %s add up to %d, memstat's total is %d"
                              % (label, sum(l[col] for l in lines),
                                 memstat_count(out, label)))


# ---- grader: checks of the grader itself (run with --mutants) ----------------

register_mutants()
register_lab_checks()
OPTIONAL_SUITES.add("grader")
EXAMPLE_LAB = "tests/example-lab"


@test("grader", "example-lab", points=1, timeout=600, qemu=False)
def _(host):
    """The README's example grader gives a correct solution full marks,
    sharing one boot, and writes Gradescope's results.json."""
    with open(os.path.join(ROOT, EXAMPLE_LAB, "grade-util.py")) as f:
        grader = f.read()
    with open(os.path.join(ROOT, "README.md")) as f:
        if "```python\n" + grader + "```" not in f.read():
            raise TestFailure("the README does not show %s/grade-util.py as it is"
                              % EXAMPLE_LAB)
    with private_tree() as tree:
        results = os.path.join(tree, "results.json")
        passed, failed, out = nested_grade(
            tree, ["--extra", EXAMPLE_LAB, "--json", results, "util"],
            host.logpath, 600)
        if failed or not passed:
            raise TestFailure("the example grader: %d passed, %d failed"
                              % (passed, failed))
        with open(results) as f:
            doc = json.load(f)
    tests = doc.get("tests", [])
    if len(tests) != passed:
        raise TestFailure("results.json has %d tests, not %d" % (len(tests), passed))
    for t in tests:
        if not {"name", "score", "max_score", "output"} <= set(t):
            raise TestFailure("results.json test lacks a field: %r" % t)
    total = sum(t["max_score"] for t in tests)
    if doc.get("score") != total:
        raise TestFailure("results.json score %r, not the full %r"
                          % (doc.get("score"), total))
    match(out, expect=r"^Score: %d/%d " % (total, total),
          what="the example grader's output")
    return "%d tests, %d points" % (passed, total)


# Each test of tests/grader-checks/grade-failures.py, and a regex its FAIL
# reason must match (None: it must pass).
FAILURES = {
    "failures/mismatch": r"^the output of 'echo hello' has no match for '\^goodbye\$'$",
    "failures/order": r"has no match for '\^a\$' after the match of '\^b\$'$",
    "failures/counts": r"matches '\^a\$' 2 times, not 1$",
    "failures/reject": r"^the output of 'echo hello' matches 'ell': 'ell'$",
    "failures/hang": r"^time limit of 3s reached waiting for the prompt after 'cat'$",
    "failures/after-hang": None,
    "failures/qemu-gone": r"^QEMU crashed \(signal 9\)",
    "failures/program-hang": r"^time limit of 2s reached waiting for the prompt after "
                             r"'vmtest cow lazy oom' \(during test (cow|lazy|oom)-[\w-]+\)$",
}


@test("grader", "failures", points=1, timeout=300, qemu=False)
def _(host):
    """Every way a test can fail is reported as such: a mismatch, a hang, a
    crashed QEMU, a test program's hang with the test it hung in; a shared
    test after a hang gets a fresh boot; the exit status says that
    something failed."""
    with private_tree() as tree:
        passed, failed, out = nested_grade(
            tree, ["--extra", "tests/grader-checks", "failures"], host.logpath, 300)
    for name, reason in FAILURES.items():
        line = re.search(r"^%s: (OK|FAIL \((.*)\))" % re.escape(name), out,
                         re.MULTILINE)
        if not line:
            raise TestFailure("no result line for %s" % name)
        if reason is None and line.group(1) != "OK":
            raise TestFailure("%s should pass: %s" % (name, line.group(1)))
        if reason and not (line.group(2) and re.search(reason, line.group(2))):
            raise TestFailure("%s: %r, not %r" % (name, line.group(1), reason))
    if (passed, failed) != (1, len(FAILURES) - 1):
        raise TestFailure("%d passed, %d failed" % (passed, failed))
    return "%d ways to fail" % failed


PROGRAM_RUNS = {
    # a test program's output: the share of its subtests that passed
    "vmtest: running 4 tests\ntest a: start\ntest a: OK\ntest b: start\n"
    "test b: FAILED (why)\ntest c: start\ntest c: OK\ntest d: start\ntest d: OK\n": 0.75,
    # a hang in the second of three: the third never ran
    "systest: running 3 tests\ntest a: start\ntest a: OK\ntest b: start\n": 1 / 3,
    # no count: nothing to share out
    "test a: start\ntest a: OK\n": 0.0,
}


@test("grader", "partial-credit", points=1, qemu=False)
def _(host):
    """A test program's failing run earns the share of the test's points
    that its passing subtests stand for: the subtests it ran and the ones
    a hang kept from running count, and the score is rounded to
    hundredths."""
    for text, want in PROGRAM_RUNS.items():
        got = subtest_credit(text)
        if abs(got - want) > 1e-9:
            raise TestFailure("subtest_credit gave %.3f, not %.3f, for %r" % (got, want, text))
    case = type("Case", (), {"points": 10})()
    if Result(case, "x", False, 0.0, credit=16 / 17).score != 9.41:
        raise TestFailure("16 of 17 subtests of a 10-point test scored %r, not 9.41"
                          % Result(case, "x", False, 0.0, credit=16 / 17).score)
    return "%d program runs" % len(PROGRAM_RUNS)


def zip_names(tree, git):
    """The files `make submission` packs in a private copy of the tree
    (made a git checkout first if git), with a student's new file."""
    if git:
        for cmd in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.name=s", "-c", "user.email=s@x", "commit", "-qm", "start"]):
            subprocess.run(["git", "-C", tree] + cmd, check=True, capture_output=True)
    with open(os.path.join(tree, "kernel", "mine.c"), "w") as f:
        f.write("// a student's new file, not committed\n")
    out = subprocess.run(["make", "-s", "-C", tree, "submission"], capture_output=True, text=True)
    if out.returncode != 0:
        raise TestFailure("make submission failed: %s" % out.stderr.strip())
    with zipfile.ZipFile(os.path.join(tree, "submission.zip")) as z:
        return set(z.namelist())


@test("grader", "submission", points=1, timeout=120, qemu=False)
def _(host):
    """make submission packs the source, the student's new files included,
    and no build product, log or git data, in a git checkout or not."""
    for git in (True, False):
        with private_tree() as tree:
            names = zip_names(tree, git)
        for must in ("kernel/mine.c", "kernel/mm/mmap.c", "Makefile", "user/user.h"):
            if must not in names:
                raise TestFailure("submission.zip%s lacks %s" % (" (git)" * git, must))
        bad = sorted(n for n in names if n.split("/")[0] in ("build", "grade-logs", ".git")
                     or n in ("fs.img", "swap.img", "kernel/kernel", "mkfs/mkfs",
                              "submission.zip"))
        if bad:
            raise TestFailure("submission.zip%s holds %s" % (" (git)" * git, bad[:3]))
    return "%d files" % len(names)


BROKEN_LAB = "tests/grader-checks/broken-build"


@test("grader", "build-fails", points=1, timeout=300, qemu=False)
def _(host):
    """A lab program that does not compile: the grader still writes
    results.json, with no points, every test failed and the compiler's
    error in the output."""
    with private_tree() as tree:
        results = os.path.join(tree, "results.json")
        status, out = run_grader(tree, ["--extra", BROKEN_LAB, "--json", results,
                                        "broken", "boot/echo"], host.logpath, 300)
        if not os.path.exists(results):
            raise TestFailure("no results.json after the failed build (exit status %d)"
                              % status)
        with open(results) as f:
            doc = json.load(f)
    if status == 0:
        raise TestFailure("the grader exited with status 0")
    tests = doc.get("tests", [])
    if doc.get("score") != 0 or len(tests) != 2 or \
            any(t.get("status") != "failed" or t.get("score") != 0 for t in tests):
        raise TestFailure("results.json: score %r, tests %r"
                          % (doc.get("score"), [(t.get("name"), t.get("status")) for t in tests]))
    error = r"broken\.c:\d+:\d+: error: .*undeclared_status"
    for text in [doc.get("output", "")] + [t.get("output", "") for t in tests]:
        match(text, expect=error, what="results.json's output")
    match(out, expect=r"^0 passed, 2 failed$", what="the grader's output")


@test("grader", "no-qemu", points=1, timeout=300, qemu=False)
def _(host):
    """Without QEMU the grader says so once and exits non-zero, instead of
    failing every test."""
    with private_tree() as tree, path_without(QEMU) as path:
        status, out = run_grader(tree, ["boot/echo", "boot/pipe"], host.logpath, 300,
                                 env=dict(os.environ, PATH=path))
    if status == 0:
        raise TestFailure("the grader exited with status 0")
    if FAIL_LINE.search(out) or out.count(QEMU) != 1:
        raise TestFailure("not one message naming %s: %r" % (QEMU, out.strip()[-300:]))


# A lab made up for grader/gradescope: one quick test, and the same test
# hidden on one hart.
GS_LAB = "gradescope-check"
GS_LAB_PY = """TESTS = {"boot/echo": 3}
HIDDEN = {"boot/echo@1cpu": 2}
"""
GS_POINTS = {"boot/echo": (3, None), "boot/echo@1cpu": (2, "after_due_date")}
GS_BROKEN = "int broken = not_declared_by_atlas;\n"
# A student's edits of grading files, which the autograder must undo:
# left in place, either would cost every point.
GS_TAMPERED = {"grade-tests.py": "raise SystemExit('a student\\'s grader')\n",
               "user/vmtest.c": "not a test program\n"}


def unzip(path, dest):
    """Unpack zip path into dest, keeping the files' permissions."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            out = z.extract(info, dest)
            mode = info.external_attr >> 16 & 0o777
            if mode:
                os.chmod(out, mode)


def autograde(root, submission, logpath, inside="", edits=None, command=None):
    """Gradescope's run of the autograder unpacked in root/source on the
    tree packed in zip submission, unpacked into folder inside and then
    edited ({path: text}), with AUTOGRADER_ROOT=root; return results.json's
    contents. command: instead of run_autograder."""
    for d in ("submission", "results"):
        shutil.rmtree(os.path.join(root, d), ignore_errors=True)
    top = os.path.join(root, "submission", inside)
    unzip(submission, top)
    for path, text in (edits or {}).items():
        with open(os.path.join(top, path), "w") as f:
            f.write(text)
    cmd = command or ["sh", os.path.join(root, "run_autograder")]
    r = subprocess.run(cmd, cwd=root, env=dict(os.environ, AUTOGRADER_ROOT=root),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=600)
    with open(logpath, "a") as f:
        f.write("# %s\n%s" % (" ".join(cmd), r.stdout))
    try:
        with open(os.path.join(root, "results", "results.json")) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise TestFailure("no results.json after %s: %s" % (" ".join(cmd), e))


def check_gradescope_tests(doc, passed):
    """results.json holds GS_LAB's tests with their points, visibility and
    fields; each passed (with its points) or failed (with none)."""
    tests = {t.get("name"): t for t in doc.get("tests", [])}
    if set(tests) != set(GS_POINTS):
        raise TestFailure("results.json's tests are %s, not %s: %s"
                          % (sorted(tests), sorted(GS_POINTS), doc.get("output", "")[-300:]))
    for name, (points, visibility) in GS_POINTS.items():
        t = tests[name]
        want = (points if passed else 0, points, "passed" if passed else "failed", visibility)
        got = (t.get("score"), t.get("max_score"), t.get("status"), t.get("visibility"))
        if got != want or "output" not in t:
            raise TestFailure("results.json's %s: score, max, status, visibility %r, not %r"
                              % (name, got, want))
    total = sum(p for p, _ in GS_POINTS.values()) if passed else 0
    if doc.get("score") != total or doc.get("visibility") != "visible":
        raise TestFailure("results.json's score %r and visibility %r, not %r and 'visible'"
                          % (doc.get("score"), doc.get("visibility"), total))


@test("grader", "gradescope", points=1, timeout=900, qemu=False)
def _(host):
    """make gradescope's zip, unpacked as Gradescope does (ROOT/source,
    ROOT/submission, ROOT/results, AUTOGRADER_ROOT=ROOT), grades what
    make submission packs: the lab's tests with their points, the hidden
    one after the due date, the grader and a test program that the
    student edited put back;
    the same inside a folder, with a program that does not compile, scores
    0 with the compiler's error; a grader past the limit, or a hand-in
    that is no tree, still leaves a results.json of score 0 saying why."""
    open(host.logpath, "w").close()
    with private_tree() as tree:
        os.makedirs(os.path.join(tree, "labs", GS_LAB))
        with open(os.path.join(tree, "labs", GS_LAB, "lab.py"), "w") as f:
            f.write(GS_LAB_PY)
        zips = {}
        for target, edit in (("good", None), ("broken", GS_BROKEN)):
            if edit:
                with open(os.path.join(tree, "user", "echo.c"), "a") as f:
                    f.write(edit)
            r = subprocess.run(["make", "-s", "submission", "gradescope", "LAB=" + GS_LAB],
                               cwd=tree, capture_output=True, text=True)
            if r.returncode != 0:
                raise TestFailure("make submission gradescope failed: %s" % r.stderr.strip())
            zips[target] = os.path.join(tree, target + ".zip")
            os.rename(os.path.join(tree, "submission.zip"), zips[target])
        root = os.path.join(os.path.dirname(tree), "autograder")
        unzip(os.path.join(tree, "gradescope-%s.zip" % GS_LAB), os.path.join(root, "source"))
        shutil.copy2(os.path.join(root, "source", "run_autograder"), root)

        check_gradescope_tests(autograde(root, zips["good"], host.logpath,
                                         edits=GS_TAMPERED), True)
        doc = autograde(root, zips["broken"], host.logpath, inside="atlas-main")
        check_gradescope_tests(doc, False)
        error = r"echo\.c:\d+:\d+: error: .*not_declared_by_atlas"
        for text in [doc.get("output", "")] + [t.get("output", "") for t in doc["tests"]]:
            match(text, expect=error, what="results.json's output")
        runner = [sys.executable, os.path.join(root, "source", "grading", "tools",
                                               "gradescope.py"), "run", GS_LAB, "--limit", "1"]
        late = autograde(root, zips["good"], host.logpath, command=runner)
        with zipfile.ZipFile(os.path.join(tree, "stray.zip"), "w") as z:
            z.writestr("notes.txt", "not a tree\n")
        stray = autograde(root, os.path.join(tree, "stray.zip"), host.logpath)
    for doc, why in ((late, r"^the grader ran past the autograder's limit of 1s"),
                     (stray, r"^the submission has no Makefile at its top \(it holds notes\.txt\)")):
        if doc.get("score") != 0 or doc.get("tests") != []:
            raise TestFailure("score %r, tests %r, not 0 and none: %s"
                              % (doc.get("score"), doc.get("tests"), doc.get("output")))
        match(doc.get("output", ""), expect=why, what="results.json's output")
    return "%d points, a build failure, a limit, no tree" % sum(p for p, _ in GS_POINTS.values())


NOBOOT_TESTS = 4           # in tests/grader-checks/grade-noboot.py
NOBOOT_CPUS = (1, 2)


@test("grader", "never-boots", points=1, timeout=300, qemu=False)
def _(host):
    """A kernel that never reaches the prompt fails the first test to boot
    it, and the others at once, unbooted, shared or not, on each hart
    count of a --cpus list."""
    with private_tree() as tree:
        passed, failed, out = nested_grade(
            tree, ["--extra", "tests/grader-checks", "--cpus",
                   ",".join(str(c) for c in NOBOOT_CPUS), "noboot"], host.logpath, 300)
    fails = FAIL_LINE.findall(out)
    if passed or len(fails) != NOBOOT_TESTS * len(NOBOOT_CPUS):
        raise TestFailure("%d passed, %d failed" % (passed, failed))
    for cpus in NOBOOT_CPUS:
        mine = [f for f in fails if f[0].endswith("@%dcpu" % cpus)]
        first, reason = mine[0]
        if not reason.startswith("kernel panic: "):
            raise TestFailure("%s: %r, not the kernel's panic" % (first, reason))
        not_run = "not run: the kernel never reached the prompt here (%s: %s)" % (first, reason)
        for name, why in mine[1:]:
            if why != not_run:
                raise TestFailure("%s: %r, not %r" % (name, why, not_run))
    return "%d tests, %d boots" % (len(fails), len(NOBOOT_CPUS))


if __name__ == "__main__":
    sys.exit(main())

"""gradelib: boot Atlas in QEMU, type commands at its shell, check the output.

The library behind grade-tests.py, for instructors writing graders of their
own. Python 3 standard library only.

A test is declared with points and registered in a suite. The simplest
kind types one command and checks its output with regular expressions
(multi-line mode: ^ and $ match at every line):

    check("util", "pingpong", "pingpong", points=10,
          expect=[r"^\\d+: received ping$", r"^\\d+: received pong$"])

The expect patterns must match in the order given, each after the previous
one; reject patterns must not match anywhere; counts={regex: n} demands
exactly n matches. A test that needs more is a function of the machine:

    @test("util", "sleep waits", points=5, shared=True)
    def _(m):
        m.run("echo before", expect=r"^before$")
        m.run("sleep 10")

Every test boots a fresh QEMU on a private copy of fs.img, with a swap
disk of its own (a fresh sparse file, as large as make's swap.img), unless
it is declared shared (check() is shared by default): the shared tests of one
suite run one after another in a single boot, and a command that several
of them check runs once. If a shared test leaves the machine broken (panic,
hang, QEMU gone), the next one gets a fresh boot. A kernel that has never
reached the prompt on a machine (hart count, memory, QEMU arguments) and
fails to once is not booted again there: the tests left fail at once.

A kernel panic, a time limit reached or QEMU exiting early fails the test
with the last console lines. Every console log is saved under grade-logs/.
main() is the command line; see grade-tests.py --help.
"""

import argparse
import concurrent.futures
import copy
import errno
import glob
import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGDIR = os.path.join(ROOT, "grade-logs")
BUILD_DIR = "build"        # the Makefile's $(B), relative to ROOT
QEMU = "qemu-system-riscv64"
PROMPT = r"\$ "
BOOT_TIMEOUT = 90          # seconds from QEMU start to the first prompt
TAIL_LINES = 15            # console lines shown when a test fails
BUILD_ERROR_LINES = 40     # lines of the compiler's errors in results.json
PANIC_RE = re.compile(r"panic: ?([^\n]*)")


class TestFailure(Exception):
    """The test failed; str() is the one-line reason. credit is the share
    of the test's points earned anyway (0 to 1): a test program's subtests
    that passed (test_program)."""

    def __init__(self, reason="", credit=0.0):
        super().__init__(reason)
        self.credit = credit


class Panic(TestFailure):
    """The kernel panicked."""


class Timeout(TestFailure):
    """The test's time limit ran out: the kernel or the program hangs."""


class QemuExited(TestFailure):
    """QEMU exited (or crashed) while the test still needed it."""


class BuildFailed(Exception):
    """make failed; .output is what it printed."""

    def __init__(self, command, output):
        super().__init__("%s failed" % command)
        self.output = output


# ---- Declaring tests ------------------------------------------------------------

class TestCase:
    """One registered test; see test()."""

    def __init__(self, suite, name, fn, points, timeout, boot, qemu_args,
                 shared, qemu, cpus, mem, disk, swap):
        self.suite = suite
        self.name = name
        self.fn = fn
        self.points = points
        self.timeout = timeout
        self.boot = boot
        self.qemu_args = qemu_args
        self.shared = shared
        self.qemu = qemu
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.swap = swap
        self.visibility = None    # Gradescope's, for a lab's hidden tests

    @property
    def full_name(self):
        return "%s/%s" % (self.suite, self.name)


TESTS = []

# Suites run only when named (or with --mutants): checks of the grader itself.
OPTIONAL_SUITES = set()


def test(suite, name, points=1, timeout=60, boot=True, qemu_args=(),
         shared=False, qemu=True, cpus=None, mem=None, disk=None, swap=None):
    """Register fn(machine) as test NAME of SUITE, worth points.

    timeout: the test's time limit in seconds, not counting the boot.
    boot=False: the machine is started but not yet waited on, for tests
    of the boot itself. qemu_args: added to QEMU's command line; "{port}"
    in them becomes a free TCP port, m.port (e.g. -gdb tcp::{port}).
    shared=True: run in one boot with the suite's other shared tests.
    qemu=False: a test of the host side that needs no machine; fn gets a
    Host. cpus=N: boot with N harts, once, whatever --cpus says; mem="2G":
    with that much RAM, whatever --mem says. disk=N: boot on a disk of N
    blocks holding the programs of user/ (make build/fs-N.img) instead of
    fs.img. swap="64M": with a swap disk of that size (written as make's
    SWAP is), instead of make's swap.img's; swap=False: with none (make
    SWAP=0). A test may return a short note, shown after OK.
    """
    def register(fn):
        if any(t.suite == suite and t.name == name for t in TESTS):
            raise ValueError("duplicate test %s/%s" % (suite, name))
        if shared and not boot:
            raise ValueError("%s/%s: a shared test needs boot=True"
                             % (suite, name))
        TESTS.append(TestCase(suite, name, fn, points, timeout, boot,
                              list(qemu_args), shared and qemu, qemu, cpus, mem,
                              disk, swap))
        return fn
    return register


def check(suite, name, command, expect=(), reject=(), counts=None, points=1,
          timeout=60, shared=True):
    """Register a test that types command and checks what it printed (see
    match()). Shared tests that check the same command run it once."""
    def fn(m):
        match(m.output(command, timeout=timeout), expect, reject, counts,
              what="the output of %r" % command)
    test(suite, name, points=points, timeout=timeout, shared=shared)(fn)


def match(text, expect=(), reject=(), counts=None, what="the output"):
    """Check text: the expect regexes match in order, each after the end of
    the previous match; no reject regex matches; each regex in counts
    matches exactly that many times. Raise TestFailure naming the first
    broken rule."""
    pos = 0
    for i, pat in enumerate(_as_list(expect)):
        m = re.compile(pat, re.MULTILINE).search(text, pos)
        if not m:
            where = " after the match of %r" % _as_list(expect)[i - 1] if i else ""
            raise TestFailure("%s has no match for %r%s" % (what, pat, where))
        pos = m.end()
    for pat in _as_list(reject):
        m = re.search(pat, text, re.MULTILINE)
        if m:
            raise TestFailure("%s matches %r: %r" % (what, pat, m.group(0)))
    for pat, n in (counts or {}).items():
        found = len(re.findall(pat, text, re.MULTILINE))
        if found != n:
            raise TestFailure("%s matches %r %d times, not %d"
                              % (what, pat, found, n))


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


# ---- Disk images ----------------------------------------------------------

COPY_CHUNK = 1 << 20       # bytes copied per read when copying an image
SWAP_DRIVE = "swap"        # the swap disk's drive id in the Makefile's QEMUOPTS
SIZE_SHIFT = {"K": 10, "M": 20, "G": 30}


def size_bytes(size):
    """Bytes in a size written as make's MEM and SWAP are: 512K, 256M, 1G;
    a bare number is in MiB."""
    m = re.fullmatch(r"(\d+)([KMG]?)", size)
    if not m:
        raise ValueError("%r is not a size such as 256M" % size)
    return int(m.group(1)) << SIZE_SHIFT[m.group(2) or "M"]


def is_swap_drive(arg):
    """Is QEMU's argument arg the -drive option of the swap disk?"""
    return re.search(r"(^|,)id=%s(,|$)" % SWAP_DRIVE, arg) is not None


def sparse_file(path, size):
    """Make path a file of size bytes, all hole: a blank disk."""
    with open(path, "wb") as f:
        f.truncate(size)


def copy_sparse(src, dst):
    """Copy file src to dst keeping its holes: mkfs writes only the blocks
    in use, and a copy that filled the rest of a 200 MB disk with zeros
    would cost every test. Where the system cannot find holes (no
    SEEK_DATA), copy everything."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        size = os.fstat(fin.fileno()).st_size
        fout.truncate(size)
        for start, end in _data_extents(fin.fileno(), size):
            fin.seek(start)
            fout.seek(start)
            while start < end:
                chunk = fin.read(min(COPY_CHUNK, end - start))
                if not chunk:
                    break
                fout.write(chunk)
                start += len(chunk)


def _data_extents(fd, size):
    """The (start, end) byte ranges of file fd that hold data, not holes."""
    if not hasattr(os, "SEEK_DATA"):
        return [(0, size)]
    extents = []
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as e:
            if e.errno == errno.ENXIO:       # nothing but a hole after pos
                break
            return [(0, size)]               # holes not supported here
        end = os.lseek(fd, start, os.SEEK_HOLE)
        extents.append((start, end))
        pos = end
    return extents


# ---- One QEMU instance -----------------------------------------------------

LIVE = set()               # running QEMU processes, killed on Ctrl-C
LIVE_LOCK = threading.Lock()


class Machine:
    """A QEMU running Atlas on a private copy of the disk image (and a
    swap disk of its own, if the command line has one), its console
    captured and logged. It can be halted or crashed and booted again on
    the same disks."""

    def __init__(self, label, qemu_cmd, image, cpus, mem, verbose,
                 append=False, record=None):
        self.label = label
        self.cpus = cpus
        self.mem = mem
        self.record = record or BootRecord()
        self.verbose = verbose
        self.text = ""            # everything the console printed, all boots
        self.pos = 0              # how far expect() has consumed text
        self.boot_output = ""     # console output of this boot up to the prompt
        self.limit = None         # monotonic deadline of the current test
        self.test_timeout = BOOT_TIMEOUT
        self.test_mark = 0        # where the current test's output begins
        self.outputs = {}         # command -> output, for output()
        self.cond = threading.Condition()
        self.proc = None
        self.tmpdir = tempfile.mkdtemp(prefix="atlas-grade-")
        self.image = os.path.join(self.tmpdir, "fs.img")
        copy_sparse(image, self.image)
        self.swap = None          # the swap disk's file, if QEMU has one
        self.port = free_port() if any("{port}" in a for a in qemu_cmd) else None
        self.cmd = [self._own(a) for a in qemu_cmd]
        os.makedirs(LOGDIR, exist_ok=True)
        self.logpath = os.path.join(LOGDIR, label.replace("/", ".") + ".log")
        self.log = open(self.logpath, "a" if append else "w",
                        encoding="utf-8", errors="replace")
        self.start()

    def _own(self, arg):
        """QEMU's argument arg made this machine's: a drive's file= names its
        own disk (the file system's a copy of image; the swap disk's a blank
        one as large as the file named, so that no two machines share one),
        {port} its port."""
        m = re.match(r"file=([^,]*)", arg)
        if not m:
            return arg.replace("{port}", str(self.port))
        path = self.image
        if is_swap_drive(arg):
            path = self.swap = os.path.join(self.tmpdir, "swap.img")
            sparse_file(path, os.path.getsize(os.path.join(ROOT, m.group(1))))
        return "file=" + path + arg[m.end():]

    def start(self):
        """Start QEMU on this machine's disk (after a halt or crash: again)."""
        self.log.write("# " + " ".join(shlex.quote(a) for a in self.cmd) + "\n")
        self.log.flush()
        try:
            proc = subprocess.Popen(self.cmd, cwd=ROOT, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
        except OSError as e:
            raise QemuExited("cannot start QEMU: %s" % e)
        with LIVE_LOCK:
            LIVE.add(proc)
        with self.cond:
            self.proc = proc
            self.eof = False
            self.pos = len(self.text)
            self.outputs = {}
        self.reader = threading.Thread(target=self._read_console, args=(proc,),
                                       daemon=True)
        self.reader.start()

    def _read_console(self, proc):
        fd = proc.stdout.fileno()
        partial = ""
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            chunk = data.decode("latin-1").replace("\r", "")
            self.log.write(chunk)
            self.log.flush()
            if self.verbose:
                partial += chunk
                *lines, partial = partial.split("\n")
                for line in lines:
                    sys.stdout.write("[%s] %s\n" % (self.label, line))
                sys.stdout.flush()
            with self.cond:
                self.text += chunk
                self.cond.notify_all()
        if self.verbose and partial:
            sys.stdout.write("[%s] %s\n" % (self.label, partial))
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n=TAIL_LINES):
        """The last n console lines of the current test (of the boot, if
        no test has begun)."""
        with self.cond:
            lines = self.text[self.test_mark:].rstrip("\n").split("\n")
        return lines[-n:]

    def _check_panic(self):
        """Raise Panic if the kernel has panicked. Caller holds self.cond."""
        m = PANIC_RE.search(self.text)
        if not m:
            return
        # Let the kernel finish the message (a panic powers QEMU off).
        deadline = time.monotonic() + 2
        while not self.eof and "\n" not in self.text[m.end():]:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.cond.wait(left)
        m = PANIC_RE.search(self.text)
        raise Panic("kernel panic: " + m.group(1).strip())

    def _exited(self, what):
        """The QemuExited for QEMU having gone while waiting for what."""
        status = self.proc.wait()
        if status < 0:
            return QemuExited("QEMU crashed (signal %d) while waiting for %s"
                              % (-status, what))
        return QemuExited("QEMU exited (status %d) while waiting for %s"
                          % (status, what))

    def expect(self, pattern, timeout=None, what=None, start=None):
        """Wait until regex pattern matches console output not yet consumed
        (or, given start, output since that mark()); consume up to the end
        of the match and return the match. Waits at most timeout seconds,
        and never past the test's time limit."""
        regex = re.compile(pattern, re.MULTILINE)
        what = what or repr(pattern)
        now = time.monotonic()
        deadline = now + timeout if timeout is not None else None
        by_limit = self.limit is not None and (deadline is None or
                                               self.limit < deadline)
        if by_limit:
            deadline = self.limit
        with self.cond:
            if start is not None:
                self.pos = start
            while True:
                self._check_panic()
                m = regex.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                if self.eof:
                    raise self._exited(what)
                left = deadline - time.monotonic() if deadline else None
                if left is not None and left <= 0:
                    if by_limit:
                        raise Timeout("time limit of %gs reached waiting for %s"
                                      % (self.test_timeout, what))
                    raise Timeout("timeout after %gs waiting for %s"
                                  % (timeout, what))
                self.cond.wait(left)

    def send(self, text):
        """Type text at the console."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._exited("the console to take %r" % text)

    def wait_boot(self):
        """Wait for the first shell prompt of this boot."""
        begin = self.pos
        limit, self.limit = self.limit, None
        try:
            self.expect(PROMPT, timeout=BOOT_TIMEOUT, what="the first shell prompt")
        finally:
            self.limit = limit
        self.boot_output = self.text[begin:self.pos]
        self.record.reached_prompt()

    def boot(self):
        """Start QEMU again on the same disk (after halt or crash) and wait
        for the prompt."""
        if self.alive():
            raise TestFailure("boot(): QEMU is still running; halt or crash it")
        self.reader.join(5)
        self.start()
        self.wait_boot()

    def crash(self):
        """Pull the plug: kill QEMU at once, whatever the disk was doing."""
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)

    def mark(self):
        """A position in the console output, for since() and expect(start=)."""
        with self.cond:
            return len(self.text)

    def since(self, mark):
        """Everything the console printed after mark()."""
        with self.cond:
            return self.text[mark:]

    def run(self, command, expect=None, reject=None, counts=None, timeout=None):
        """Type command, wait for the next prompt and return what the
        command printed (without the echoed command line); check it with
        match()."""
        with self.cond:
            start = len(self.text)
            self.pos = start
        self.send(command + "\n")
        m = self.expect(PROMPT, timeout=timeout,
                        what="the prompt after %r" % command)
        out = self.text[start:m.start()]
        first, sep, rest = out.partition("\n")
        if sep and first.strip() == command.strip():
            out = rest
        match(out, expect, reject, counts, what="the output of %r" % command)
        return out

    def output(self, command, timeout=None):
        """What command printed: run it on the first call in this boot,
        then remember it."""
        if command not in self.outputs:
            self.outputs[command] = self.run(command, timeout=timeout)
        return self.outputs[command]

    def wait_exit(self, timeout=None):
        """Wait for QEMU to exit by itself; return its exit status."""
        timeout = self.test_timeout if timeout is None else timeout
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("timeout after %gs waiting for QEMU to exit" % timeout)
        self.reader.join(5)
        with self.cond:
            self._check_panic()
        return self.proc.returncode

    def begin_test(self, timeout):
        """Start the clock of a test with this time limit."""
        self.test_timeout = timeout
        self.test_mark = self.mark()
        self.limit = time.monotonic() + timeout

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            with LIVE_LOCK:
                LIVE.discard(self.proc)
            self.reader.join(5)
        self.log.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


# ---- Test programs built on user/lib/testlib.c (systest, vmtest) ------------

STARTED = r"^test (\S+): start$"
FAILED = r"^test (\S+): FAILED \((.*)\)$"
PASSED = r"^test (\S+): OK$"
RUNNING = r"^\S+: running (\d+) tests$"


def subtest_credit(text):
    """The share of a test program's subtests that passed, from its output
    text: OK lines over the tests it said it would run (a hang or a panic
    part-way leaves the rest unpassed). 0 if it never said how many."""
    running = re.search(RUNNING, text, re.MULTILINE)
    total = int(running.group(1)) if running else 0
    passed = len(set(re.findall(PASSED, text, re.MULTILINE)))
    return min(passed, total) / total if total else 0.0


def running_test(text):
    """The test that a test program's output text shows started but not
    finished (no OK or FAILED line after its start), or None."""
    started = list(re.finditer(STARTED, text, re.MULTILINE))
    if not started:
        return None
    last = started[-1]
    verdict = r"^test %s: (OK|FAILED)" % re.escape(last.group(1))
    if re.compile(verdict, re.MULTILINE).search(text, last.end()):
        return None
    return last.group(1)


def test_program(m, program, args, timeout, console=()):
    """Run a test program (systest, vmtest) with args; fail unless every
    test passed with no leak. console: regexes that its output (which
    includes the kernel's messages) must also match. A hang, a panic or
    QEMU gone names the test that was running, after the tests that had
    failed before it. Returns the output. Scored subtest by subtest: a
    failure earns the share of the points that the subtests which passed
    stand for (one bug costs the points of the subtests it breaks), except
    a leak or a missing console line, which cost them all."""
    mark = m.mark()
    try:
        out = m.run(("%s %s" % (program, args)).strip(), timeout=timeout)
    except (Panic, Timeout, QemuExited) as e:
        text = m.since(mark)
        reason = str(e)
        running = running_test(text)
        if running:
            reason += " (during test %s)" % running
        failed = re.findall(FAILED, text, re.MULTILINE)
        if failed:
            reason = "%s; then %s" % ("; ".join("%s: %s" % f for f in failed), reason)
        raise type(e)(reason, credit=subtest_credit(text)) from None
    failed = re.findall(FAILED, out, re.MULTILINE)
    if failed:
        raise TestFailure("; ".join("%s: %s" % f for f in failed), credit=subtest_credit(out))
    pages = re.search(r"^free pages: (\d+) -> (\d+)$", out, re.MULTILINE)
    if not pages:
        raise TestFailure("%s printed no free-page line" % program)
    if pages.group(1) != pages.group(2):
        raise TestFailure("free pages %s before, %s after"
                          % (pages.group(1), pages.group(2)))
    if not re.search(r"^ALL TESTS PASSED$", out, re.MULTILINE):
        raise TestFailure("%s did not print ALL TESTS PASSED" % program)
    for pattern in console:
        match(out, expect=pattern, what="the console")
    return out


def free_port():
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BootRecord:
    """Whether the kernel has reached the shell prompt on one machine (hart
    count, memory, QEMU arguments), shared by the tests run there. A boot
    that fails there before any has reached the prompt shows a kernel that
    does not boot: the tests still to run there fail at once instead of
    each waiting out the boot's time limit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.booted = False
        self.failure = None     # "label: reason" of the boot that failed

    def reached_prompt(self):
        with self.lock:
            self.booted = True

    def boot_failed(self, label, reason):
        with self.lock:
            if not self.booted and self.failure is None:
                self.failure = "%s: %s" % (label, reason)

    def never_booted(self):
        """The reason to give a test not run here, or None to run it."""
        with self.lock:
            if self.failure is None:
                return None
            return "not run: the kernel never reached the prompt here (%s)" % self.failure


BOOT_RECORDS = {}
BOOT_RECORDS_LOCK = threading.Lock()


def boot_record(cpus, mem, swap, qemu_args):
    """The BootRecord of the machine with these harts, memory, swap disk
    and arguments."""
    with BOOT_RECORDS_LOCK:
        return BOOT_RECORDS.setdefault((cpus, mem, swap, tuple(qemu_args)),
                                       BootRecord())


class Host:
    """What a qemu=False test gets: its label and a log file of its own."""

    def __init__(self, label):
        self.label = label
        os.makedirs(LOGDIR, exist_ok=True)
        self.logpath = os.path.join(LOGDIR, label.replace("/", ".") + ".log")


# ---- Running tests ------------------------------------------------------------

class Result:
    def __init__(self, case, label, ok, seconds, reason="", tail=(), note="",
                 tail_title="Last console lines", credit=0.0):
        self.case = case
        self.label = label
        self.ok = ok
        self.credit = 1.0 if ok else credit
        self.seconds = seconds
        self.reason = reason
        self.tail = list(tail)
        self.note = note
        self.tail_title = tail_title

    @property
    def score(self):
        """The points earned: all of them, or the share its subtests earned."""
        return round(self.case.points * self.credit, 2)

    def line(self):
        """The one-line report: name: OK (1.2s) or name: FAIL (reason)."""
        if self.ok:
            note = "; " + self.note if self.note else ""
            return "%s: OK (%.1fs%s)" % (self.label, self.seconds, note)
        return "%s: FAIL (%s)" % (self.label, self.reason)


class Build:
    """A built kernel and disk, copied aside so that a rebuild in the tree
    cannot change them under a running test; with disks, also a disk of
    each of those sizes (in blocks), images[N]. images[None] is image.
    swaps[SIZE] is a blank disk of that size, swaps[None] one as large as
    make's swap.img: the machines make their own swap disks alike."""

    def __init__(self, extra, disks=()):
        sized = ["%s/fs-%d.img" % (BUILD_DIR, n) for n in sorted(set(disks))]
        _make((["UEXTRA=%s" % extra] if extra else []) +
              (["all"] + sized if sized else []))
        self.dir = tempfile.mkdtemp(prefix="atlas-build-")
        self.kernel = os.path.join(self.dir, "kernel")
        self.image = os.path.join(self.dir, "fs.img")
        shutil.copyfile(os.path.join(ROOT, "kernel", "kernel"), self.kernel)
        copy_sparse(os.path.join(ROOT, "fs.img"), self.image)
        self.images = {None: self.image}
        for n, path in zip(sorted(set(disks)), sized):
            self.images[n] = os.path.join(self.dir, os.path.basename(path))
            copy_sparse(os.path.join(ROOT, path), self.images[n])
        self.swaps = {}
        swap = os.path.join(ROOT, "swap.img")
        if os.path.exists(swap):
            self.swaps[None] = os.path.join(self.dir, "swap.img")
            sparse_file(self.swaps[None], os.path.getsize(swap))

    def qemu_cmd(self, cpus, mem, swap=None):
        """QEMU's command line from `make print-qemu-opts`, on this build;
        swap as test()'s."""
        args = ["-s", "print-qemu-opts", "CPUS=%s" % cpus, "MEM=%s" % mem]
        if swap is not None:
            args.append("SWAP=%s" % (swap or 0))
        opts = shlex.split(_make(args).strip().split("\n")[-1])
        if not any(o.startswith("file=") for o in opts) or "-kernel" not in opts:
            raise SystemExit("grade-tests: no -kernel or file= drive in the "
                             "QEMU options")
        opts[opts.index("-kernel") + 1] = self.kernel
        return [QEMU] + [re.sub(r"^file=[^,]*", "file=" + self.swap_disk(swap), o)
                         if is_swap_drive(o) else o for o in opts]

    def swap_disk(self, swap):
        """The blank disk of swap's size (None: make's swap.img's)."""
        if swap not in self.swaps:
            self.swaps[swap] = os.path.join(self.dir, "swap-%s.img" % swap)
            sparse_file(self.swaps[swap], size_bytes(swap))
        return self.swaps[swap]

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _make(args):
    """Run make in the tree with args; return its output, or raise
    BuildFailed."""
    r = subprocess.run(["make"] + args, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode != 0:
        raise BuildFailed(" ".join(["make"] + args), r.stdout)
    return r.stdout


def run_case(case, label, m):
    """Run one test; return (credit, reason, note, broken): credit is the
    share of its points earned (1: passed), broken says the machine cannot
    go on (panic, hang, QEMU gone). m is the booted machine, or None for a
    host test."""
    try:
        if not case.qemu:
            note = case.fn(Host(label))
        else:
            m.label = label
            m.begin_test(case.timeout)
            note = case.fn(m)
        return 1.0, "", note or "", False
    except (Panic, Timeout, QemuExited) as e:
        return e.credit, str(e), "", True
    except TestFailure as e:
        return e.credit, str(e), "", m is not None and not m.alive()
    except Exception as e:   # a bug in the test itself: report, go on
        return 0.0, "test error: %s: %s" % (type(e).__name__, e), "", False


class Job:
    """Tests that share one machine (most jobs have one test), with their
    labels and the machine: harts, memory, QEMU's command line."""

    def __init__(self, unit, cpus_value, suffix, default_mem):
        first = unit[0]
        self.unit = unit
        self.cpus = first.cpus or int(cpus_value)
        self.mem = first.mem or default_mem
        self.disk = first.disk
        self.swap = first.swap
        if not first.qemu or first.cpus:
            suffix = ""       # run once, whatever --cpus says
        self.labels = [t.full_name + suffix for t in unit]
        self.logname = first.suite + suffix if first.shared else self.labels[0]
        self.record = boot_record(self.cpus, self.mem, self.swap, first.qemu_args)
        self.cmd = None


def run_unit(job, image, verbose, stop):
    """Run the tests of a job on one machine. A machine left broken by a
    test is replaced for the next; a kernel that has never reached the
    prompt on this machine and fails to boot is not booted again (see
    BootRecord)."""
    results = []
    m = None
    boots = 0
    try:
        for case, label in zip(job.unit, job.labels):
            if stop.is_set():
                break
            t0 = time.monotonic()
            tail = ()
            never = job.record.never_booted() if case.qemu else None
            credit = 0.0
            if never:
                ok, reason, note, broken = False, never, "", False
            else:
                try:
                    if case.qemu and m is None:
                        m = Machine(job.logname, job.cmd + case.qemu_args, image,
                                    job.cpus, job.mem, verbose,
                                    append=boots > 0, record=job.record)
                        boots += 1
                        if case.boot:
                            m.wait_boot()
                    credit, reason, note, broken = run_case(case, label, m)
                    ok = credit == 1.0
                except TestFailure as e:
                    ok, reason, note, broken = False, str(e), "", True
                    job.record.boot_failed(label, reason)
                if not ok and m:
                    tail = m.tail()
                if broken and m:
                    m.close()
                    m = None
            results.append(Result(case, label, ok, time.monotonic() - t0,
                                  reason, tail, note, credit=credit))
            if not ok:
                stop.failed()
    finally:
        if m:
            m.close()
    return results


class Stopper:
    """Tells the workers to start nothing new: on Ctrl-C, or with
    --fail-fast after the first failure."""

    def __init__(self, fail_fast):
        self.fail_fast = fail_fast
        self.event = threading.Event()

    def failed(self):
        if self.fail_fast:
            self.event.set()

    def is_set(self):
        return self.event.is_set()


def units_of(cases):
    """Group the tests into units that share a machine: each suite's shared
    tests with the same QEMU arguments, harts, memory and disks form one unit,
    placed where the first of them is; every other test is a unit of its
    own."""
    units = []
    shared = {}
    for t in cases:
        if not t.shared:
            units.append([t])
            continue
        key = (t.suite, tuple(t.qemu_args), t.cpus, t.mem, t.disk, t.swap)
        if key not in shared:
            shared[key] = []
            units.append(shared[key])
        shared[key].append(t)
    return units


def select(names, optional):
    """The tests named (by suite or suite/test) in names, else every test
    of a suite that runs by default, plus the optional suites given."""
    if not names:
        return [t for t in TESTS
                if t.suite not in OPTIONAL_SUITES or t.suite in optional]
    chosen = []
    for name in list(names) + sorted(optional):
        found = [t for t in TESTS if name in (t.suite, t.full_name)]
        if not found:
            raise SystemExit("grade-tests: no suite or test named %r (see --list)"
                             % name)
        chosen += [t for t in found if t not in chosen]
    return chosen


BASE_SUITES = ("boot", "syscalls", "fs")   # what every lab's tree must pass


def lab_cases(name, hidden=False, base=False):
    """The tests of lab NAME (labs/NAME/lab.py): each of its TESTS, and
    with hidden its HIDDEN ones too, as a copy with the lab's points; a
    name ending in @Ncpu runs with N harts. Hidden tests are shown on
    Gradescope after the due date. With base (or if the lab says BASE),
    the base suites' tests follow with their own points."""
    import labs                # tools/labs.py, beside this file
    lab = labs.load(name)
    cases = []
    specs = [(spec, points, None) for spec, points in lab.tests.items()]
    if hidden:
        specs += [(spec, points, "after_due_date") for spec, points in lab.hidden.items()]
    for spec, points, visibility in specs:
        full, _, harts = spec.partition("@")
        found = [t for t in TESTS if t.full_name == full]
        if not found or (harts and not re.fullmatch(r"\d+cpu", harts)):
            raise SystemExit("grade-tests: lab %s names %r, which is not a test "
                             "(see --list)" % (name, spec))
        case = copy.copy(found[0])
        case.points = points
        case.visibility = visibility
        if harts:
            case.cpus = int(harts[:-3])
            case.name += "@" + harts
        cases.append(case)
    if base or lab.base:
        cases += [t for t in TESTS if t.suite in BASE_SUITES and t not in cases]
    return lab, cases


def load_graders(directory):
    """Import every DIR/grade*.py: an instructor's tests for the programs
    in DIR (which `make UEXTRA=DIR` puts on the disk)."""
    files = sorted(glob.glob(os.path.join(directory, "grade*.py")))
    for i, path in enumerate(files):
        spec = importlib.util.spec_from_file_location("extra_grader_%d" % i, path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def write_json(path, results, seconds, message=""):
    """Write the results in Gradescope's results.json format; message
    (e.g. the compiler's errors) goes first in the overall output. The
    top-level visibility is the default of the tests that set none (a
    lab's visible tests and the output are shown at once); a lab's hidden
    tests say after_due_date."""
    tests = []
    for r in results:
        output = r.line()
        if r.tail:
            output += "\n%s:\n%s" % (r.tail_title, "\n".join(r.tail))
        entry = {"name": r.label, "score": r.score,
                 "max_score": r.case.points,
                 "status": "passed" if r.ok else "failed",
                 "output": output}
        if r.case.visibility:
            entry["visibility"] = r.case.visibility
        tests.append(entry)
    passed = sum(r.ok for r in results)
    doc = {"score": sum(r.score for r in results),
           "execution_time": round(seconds, 1),
           "visibility": "visible",
           "output": message + "%d passed, %d failed" % (passed, len(results) - passed),
           "tests": tests}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def list_tests(cases):
    for t in cases:
        how = "shared boot" if t.shared else ("no QEMU" if not t.qemu else "own boot")
        machine = ", ".join(filter(None, (t.cpus and "%d harts" % t.cpus,
                                          t.mem and t.mem + " RAM",
                                          t.disk and "%d-block disk" % t.disk,
                                          t.swap is False and "no swap disk",
                                          t.swap and t.swap + " swap disk")))
        print("%-32s %3s pt  %4ds  %s%s%s" % (
            t.full_name, _num(t.points), t.timeout, how,
            " (%s)" % machine if machine else "",
            "  (optional)" if t.suite in OPTIONAL_SUITES else ""))
    print("%d tests, %s points" % (len(cases), _num(sum(t.points for t in cases))))


def _num(x):
    return ("%d" % x) if x == int(x) else ("%g" % x)


def add_machine_options(ap):
    """The options every tool that boots Atlas takes: harts, memory, and
    whether to stream the console (grade-tests.py, labtests.py)."""
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="stream the console output")
    ap.add_argument("--cpus", default="3",
                    help="harts per QEMU; a comma-separated list runs each "
                         "test once per value (default 3)")
    ap.add_argument("--mem", default="128M", help="QEMU memory (default 128M)")


def main(argv=None, description=None):
    ap = argparse.ArgumentParser(description=description or
                                 "Boot Atlas in QEMU and check what its shell "
                                 "and test programs print.")
    ap.add_argument("names", nargs="*", metavar="SUITE|SUITE/TEST",
                    help="suites or tests to run (default: all)")
    ap.add_argument("--list", action="store_true",
                    help="list the tests with their points and limits")
    add_machine_options(ap)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                    help="QEMU instances at once (default: number of cores)")
    ap.add_argument("--extra", metavar="DIR",
                    help="also build DIR/*.c onto the disk (make UEXTRA=DIR) "
                         "and load the tests in DIR/grade*.py")
    ap.add_argument("--json", metavar="FILE",
                    help="write the results in Gradescope's results.json format")
    ap.add_argument("--lab", metavar="NAME",
                    help="grade lab NAME's tests (labs/NAME/lab.py) with its "
                         "points and hart count")
    ap.add_argument("--hidden", action="store_true",
                    help="with --lab: also its hidden tests (the autograder's)")
    ap.add_argument("--base", action="store_true",
                    help="with --lab: also the base suites (%s)" % ", ".join(BASE_SUITES))
    ap.add_argument("--fail-fast", action="store_true",
                    help="start no new test after the first failure")
    ap.add_argument("--mutants", action="store_true",
                    help="also run the checks of the grader itself: every "
                         "tests/mutants/*.patch must be caught")
    args = ap.parse_args(argv)

    if args.extra:
        if not os.path.isdir(os.path.join(ROOT, args.extra)):
            raise SystemExit("grade-tests: --extra %s: no such directory" % args.extra)
        load_graders(os.path.join(ROOT, args.extra))
    if args.lab:
        if args.names or args.mutants:
            raise SystemExit("grade-tests: --lab grades the lab's tests; name no others")
        lab, chosen = lab_cases(args.lab, args.hidden, args.base)
        if not any(a == "--cpus" or a.startswith("--cpus=") for a in (argv or sys.argv[1:])):
            args.cpus = lab.cpus
    else:
        chosen = select(args.names, OPTIONAL_SUITES if args.mutants else set())
    if args.list:
        list_tests(chosen)
        return 0
    cpus_list = [c.strip() for c in args.cpus.split(",") if c.strip()]
    if not cpus_list or not all(c.isdigit() and int(c) > 0 for c in cpus_list):
        raise SystemExit("grade-tests: --cpus wants positive numbers")

    jobs = plan(chosen, cpus_list, args.mem)
    if any(t.qemu for t in chosen) and shutil.which(QEMU) is None:
        print("grade-tests: %s is not installed (not on PATH); "
              "tools/install-deps.sh installs it" % QEMU)
        return 2
    t0 = time.monotonic()
    build = None
    try:
        build = Build(args.extra, [t.disk for t in chosen if t.disk])
        commands = {}
        for job in jobs:
            machine = (job.cpus, job.mem, job.swap)
            if machine not in commands:
                commands[machine] = build.qemu_cmd(*machine)
            job.cmd = commands[machine]
    except BuildFailed as e:
        if build:
            build.remove()
        return build_failed(e, jobs, args.json, time.monotonic() - t0)
    stop = Stopper(args.fail_fast)
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = [pool.submit(run_unit, job, build.images[job.disk],
                                   args.verbose, stop)
                       for job in jobs]
            for f in futures:   # report in order, as soon as each is known
                for r in f.result():
                    results.append(r)
                    print(r.line())
                    for line in r.tail:
                        print("    | " + line)
                    sys.stdout.flush()
    except KeyboardInterrupt:
        stop.event.set()
        with LIVE_LOCK:
            for proc in LIVE:
                proc.kill()
        print("\ninterrupted")
        return 130
    finally:
        build.remove()

    if len(results) < sum(len(job.unit) for job in jobs):
        print("(stopped after the first failure)")
    return summarize(results, time.monotonic() - t0, args.json)


def plan(chosen, cpus_list, mem):
    """The jobs that run the chosen tests once per hart count in cpus_list
    (tests of the host, and tests with a hart count of their own, once)."""
    jobs = []
    for n, cpus in enumerate(cpus_list):
        cases = [t for t in chosen if n == 0 or (t.qemu and not t.cpus)]
        suffix = "" if len(cpus_list) == 1 else "@%scpu" % cpus
        jobs += [Job(unit, cpus, suffix, mem) for unit in units_of(cases)]
    return jobs


def summarize(results, seconds, json_path, message=""):
    """Print the score and the summary line, write results.json if asked
    (message first in its output); return the exit status."""
    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    if json_path:
        write_json(json_path, results, seconds, message)
    print("Score: %s/%s (%.1fs; logs in %s)" % (
        _num(sum(r.score for r in results)),
        _num(sum(r.case.points for r in results)), seconds,
        os.path.relpath(LOGDIR)))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def build_failed(error, jobs, json_path, seconds):
    """make failed (a program that does not compile, say): print what it
    said once, fail every test with the compiler's errors, and still
    write results.json. Returns the exit status."""
    sys.stdout.write(error.output)
    print("grade-tests: %s" % error)
    lines = error.output.rstrip("\n").split("\n")
    first = next((i for i, line in enumerate(lines)
                  if re.search(r"\berror\b", line, re.IGNORECASE)), len(lines))
    if 0 < first < len(lines) and ": In function " in lines[first - 1]:
        first -= 1
    excerpt = lines[first:first + BUILD_ERROR_LINES] if first < len(lines) \
        else lines[-TAIL_LINES:]
    results = [Result(case, label, False, 0.0, "not run: %s" % error, excerpt,
                      tail_title="The build's errors")
               for job in jobs for case, label in zip(job.unit, job.labels)]
    for r in results:
        print(r.line())
    return summarize(results, seconds, json_path,
                     "%s:\n%s\n\n" % (error, "\n".join(excerpt)))

"""gradelib: boot Atlas in QEMU, type commands at its shell, check the output.

Used by grade-tests.py; Python 3 standard library only.

A test is a function registered with @test(suite, name). The runner boots a
fresh QEMU for every test, on a private copy of fs.img, waits for the
shell's "$ " prompt and hands the test a Machine:

    @test("boot", "echo")
    def _(m):
        m.run("echo hi", expect=r"^hi$")

Machine.run() types a command, waits for the next prompt and returns what
the command printed; expect/reject are regular expressions (multi-line
mode) that must / must not match it. A kernel panic, a timeout or QEMU
exiting early fails the test with the last console lines. Every console
log is saved under grade-logs/.
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGDIR = os.path.join(ROOT, "grade-logs")
PROMPT = r"\$ "
BOOT_TIMEOUT = 90          # seconds from QEMU start to the first prompt
TAIL_LINES = 15            # console lines shown when a test fails
PANIC_RE = re.compile(r"panic: ?([^\n]*)")


class TestFailure(Exception):
    """The test failed; str() is the one-line reason."""


class Panic(TestFailure):
    pass


class Timeout(TestFailure):
    pass


class QemuExited(TestFailure):
    pass


# ---- Test registry -----------------------------------------------------------

class TestCase:
    def __init__(self, suite, name, fn, timeout, boot, qemu_args):
        self.suite = suite
        self.name = name
        self.fn = fn
        self.timeout = timeout
        self.boot = boot
        self.qemu_args = qemu_args

    @property
    def full_name(self):
        return "%s/%s" % (self.suite, self.name)


TESTS = []


def test(suite, name, timeout=60, boot=True, qemu_args=()):
    """Register fn(machine) as test NAME of SUITE.

    timeout is the default number of seconds each wait inside the test may
    take. With boot=False the test gets a machine that has been started but
    not yet waited on, for tests that look at the boot itself. qemu_args
    are added to QEMU's command line (e.g. a different -cpu).
    """
    def register(fn):
        if any(t.suite == suite and t.name == name for t in TESTS):
            raise ValueError("duplicate test %s/%s" % (suite, name))
        TESTS.append(TestCase(suite, name, fn, timeout, boot, list(qemu_args)))
        return fn
    return register


# ---- One QEMU instance -----------------------------------------------------

class Machine:
    """A QEMU running Atlas, its console captured and logged."""

    def __init__(self, label, qemu_cmd, cpus, timeout, verbose):
        self.label = label
        self.cpus = cpus
        self.timeout = timeout
        self.verbose = verbose
        self.text = ""            # everything the console printed
        self.pos = 0              # how far expect() has consumed text
        self.boot_output = ""     # console output up to the first prompt
        self.cond = threading.Condition()
        self.eof = False
        self.tmpdir = tempfile.mkdtemp(prefix="atlas-grade-")
        image = os.path.join(self.tmpdir, "fs.img")
        shutil.copyfile(os.path.join(ROOT, "fs.img"), image)
        self.cmd = [a.replace("file=fs.img", "file=" + image) for a in qemu_cmd]
        os.makedirs(LOGDIR, exist_ok=True)
        self.logpath = os.path.join(LOGDIR, label.replace("/", ".") + ".log")
        self.log = open(self.logpath, "w", encoding="utf-8", errors="replace")
        self.log.write("# " + " ".join(shlex.quote(a) for a in self.cmd) + "\n")
        self.log.flush()
        try:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT,
                                         stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
        except OSError as e:
            self.log.close()
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            raise TestFailure("cannot start QEMU: %s" % e)
        self.reader = threading.Thread(target=self._read_console, daemon=True)
        self.reader.start()

    def _read_console(self):
        fd = self.proc.stdout.fileno()
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

    def tail(self, n=TAIL_LINES):
        """The last n lines of console output."""
        with self.cond:
            lines = self.text.rstrip("\n").split("\n")
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

    def expect(self, pattern, timeout=None, what=None, start=None):
        """Wait until regex pattern matches console output not yet consumed
        (or, given start, output since that mark()); consume up to the end
        of the match and return the match."""
        regex = re.compile(pattern, re.MULTILINE)
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
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
                    self.proc.wait()
                    raise QemuExited("QEMU exited (status %d) while waiting for %s"
                                     % (self.proc.returncode, what or repr(pattern)))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout("timeout after %gs waiting for %s"
                                  % (timeout, what or repr(pattern)))
                self.cond.wait(left)

    def send(self, text):
        """Type text at the console."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise QemuExited("QEMU exited before input could be typed")

    def wait_boot(self):
        """Wait for the first shell prompt."""
        self.expect(PROMPT, timeout=BOOT_TIMEOUT, what="the first shell prompt")
        self.boot_output = self.text[:self.pos]

    def mark(self):
        """A position in the console output, for since()."""
        with self.cond:
            return len(self.text)

    def since(self, mark):
        """Everything the console printed after mark()."""
        with self.cond:
            return self.text[mark:]

    def run(self, command, expect=None, reject=None, timeout=None):
        """Type command and wait for the next prompt; return what it printed.

        expect: a regex (or list of them) that must match the output.
        reject: a regex (or list of them) that must not match it.
        """
        with self.cond:
            start = len(self.text)
            self.pos = start
        self.send(command + "\n")
        m = self.expect(PROMPT, timeout=timeout,
                        what="the prompt after %r" % command)
        out = self.text[start:m.start()]
        # Drop the echo of the command line itself.
        first, sep, rest = out.partition("\n")
        if sep and first.strip() == command.strip():
            out = rest
        for pat in _as_list(expect):
            if not re.search(pat, out, re.MULTILINE):
                raise TestFailure("%r: output does not match %r" % (command, pat))
        for pat in _as_list(reject):
            if re.search(pat, out, re.MULTILINE):
                raise TestFailure("%r: output matches %r" % (command, pat))
        return out

    def wait_exit(self, timeout=None):
        """Wait for QEMU to exit by itself; return its exit status."""
        timeout = self.timeout if timeout is None else timeout
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("timeout after %gs waiting for QEMU to exit" % timeout)
        self.reader.join(5)
        with self.cond:
            self._check_panic()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(5)
        self.log.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


# ---- Running tests ------------------------------------------------------------

class Result:
    def __init__(self, label, ok, seconds, reason="", tail=()):
        self.label = label
        self.ok = ok
        self.seconds = seconds
        self.reason = reason
        self.tail = list(tail)


def run_one(case, label, qemu_cmd, cpus, verbose):
    t0 = time.monotonic()
    m = None
    try:
        m = Machine(label, qemu_cmd + case.qemu_args, cpus, case.timeout, verbose)
        if case.boot:
            m.wait_boot()
        case.fn(m)
        return Result(label, True, time.monotonic() - t0)
    except TestFailure as e:
        return Result(label, False, time.monotonic() - t0, str(e),
                      m.tail() if m else ())
    except Exception as e:   # a bug in the test itself: report, go on
        return Result(label, False, time.monotonic() - t0,
                      "test error: %s: %s" % (type(e).__name__, e),
                      m.tail() if m else ())
    finally:
        if m:
            m.close()


def build(cpus, mem):
    """Run make; return the QEMU command line from `make print-qemu-opts`."""
    r = subprocess.run(["make", "CPUS=%s" % cpus, "MEM=%s" % mem], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        raise SystemExit("grade-tests: make failed")
    r = subprocess.run(["make", "-s", "print-qemu-opts", "CPUS=%s" % cpus,
                        "MEM=%s" % mem], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        raise SystemExit("grade-tests: make print-qemu-opts failed")
    opts = shlex.split(r.stdout.strip().split("\n")[-1])
    if not any("file=fs.img" in o for o in opts):
        raise SystemExit("grade-tests: no file=fs.img drive in the QEMU options")
    return ["qemu-system-riscv64"] + opts


def select(names):
    """The tests named (by suite or suite/test) in names; all if empty."""
    if not names:
        return list(TESTS)
    chosen = []
    for name in names:
        found = [t for t in TESTS if name in (t.suite, t.full_name)]
        if not found:
            raise SystemExit("grade-tests: no suite or test named %r (see --list)"
                             % name)
        chosen += [t for t in found if t not in chosen]
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Boot Atlas in QEMU and check what its shell and "
                    "test programs print.")
    ap.add_argument("names", nargs="*", metavar="SUITE|SUITE/TEST",
                    help="suites or tests to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the tests")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="stream the console output")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                    help="QEMU instances at once (default: number of cores)")
    ap.add_argument("--cpus", default="3",
                    help="harts per QEMU; a comma-separated list runs every "
                         "test once per value (default 3)")
    ap.add_argument("--mem", default="128M", help="QEMU memory (default 128M)")
    args = ap.parse_args(argv)

    chosen = select(args.names)
    if args.list:
        for t in chosen:
            print("%-24s (timeout %ds)" % (t.full_name, t.timeout))
        return 0
    cpus_list = [c.strip() for c in args.cpus.split(",") if c.strip()]
    if not cpus_list or not all(c.isdigit() and int(c) > 0 for c in cpus_list):
        raise SystemExit("grade-tests: --cpus wants positive numbers")

    jobs = []
    for cpus in cpus_list:
        qemu_cmd = build(cpus, args.mem)
        for t in chosen:
            label = t.full_name if len(cpus_list) == 1 else \
                "%s@%scpu" % (t.full_name, cpus)
            jobs.append((t, label, qemu_cmd, int(cpus)))

    t0 = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, t, label, cmd, cpus, args.verbose)
                   for (t, label, cmd, cpus) in jobs]
        for f in futures:   # report in order, as soon as each is known
            r = f.result()
            results.append(r)
            if r.ok:
                print("%s: OK (%.1fs)" % (r.label, r.seconds))
            else:
                print("%s: FAIL (%s)" % (r.label, r.reason))
                for line in r.tail:
                    print("    | " + line)
            sys.stdout.flush()

    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    print("Score: %d/%d (%.1fs; logs in %s)" % (passed, len(results),
                                              time.monotonic() - t0,
                                              os.path.relpath(LOGDIR)))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1

#!/usr/bin/env python3
"""gradescope.py: a lab's autograder for Gradescope (`make gradescope LAB=cow`).

    tools/gradescope.py zip LAB [--out FILE] [--limit S]
                        writes gradescope-LAB.zip at the top: upload it as
                        the assignment's autograder
    tools/gradescope.py run LAB [--limit S]
                        what the zip's run_autograder does for a submission

Gradescope unpacks the zip into /autograder/source and runs setup.sh
there once, as root, when it builds the autograder's image; setup.sh
installs the Debian packages Atlas needs with tools/install-deps.sh
(Gradescope's images are Ubuntu) and downloads nothing else. For each
submission it unpacks the student's files into /autograder/submission
and runs run_autograder, which must leave /autograder/results/results.json.
AUTOGRADER_ROOT in the environment stands for /autograder, so that the
zip can be tried out anywhere, as it is by grade-tests.py grader/gradescope.

The zip's grading/ folder holds the instructor's grading files, taken from
LAB's starter tree with LAB's solution put back (tools/labs.py), so that
they match what the student was given: grade-tests.py, tools/, labs/ and
the test programs the lab's tests run. run_autograder copies the
submission (the tree as `make submission` packs it, or the same inside one
extra top-level folder) into a work directory, removes the build products
a hand-in may carry, puts the grading files back over it, so that an
edited test changes nothing, and runs

    ./grade-tests.py --lab LAB --hidden --json /autograder/results/results.json

A submission that does not build scores 0 with the compiler's errors;
a hang names the test it came in. If the grader itself fails, or runs past
the limit (default 1200 s; Gradescope's own limit for the assignment must
be longer), run_autograder still writes a results.json: a score of 0 and
what went wrong.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import labs  # noqa: E402

# What run_autograder puts back over a submission, from the instructor's
# tree: files (glob patterns) and directories (ending in /, replaced as a
# whole).
GRADING = ("grade-tests.py", "tools/", "labs/", "user/systest.c", "user/vmtest.c",
           "user/testlib.h", "user/lib/testlib*.c")
GRADING_DIR = "grading"       # in the zip, beside setup.sh and run_autograder
DEFAULT_LIMIT = 1200          # seconds for one submission's grading
OUTPUT_LINES = 40             # lines of a failed grader's output in results.json
SKIPPED_TOPS = ("__MACOSX",)  # what an archiver adds beside a zipped folder

SETUP_SH = """#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's
# image: install the packages Atlas needs (tools/install-deps.sh, apt-get).
set -eu
sh "$(dirname "$0")/%(grading)s/tools/install-deps.sh"
"""

RUN_AUTOGRADER = """#!/bin/sh
# Gradescope runs this for each submission: grade lab %(lab)s
# (tools/gradescope.py run). If Python itself cannot run, still leave a
# results.json that says so.
root="${AUTOGRADER_ROOT:-/autograder}"
results="$root/results/results.json"
mkdir -p "$root/results"
python3 "$root/source/%(grading)s/tools/gradescope.py" run %(lab)s --limit %(limit)d
status=$?
if [ ! -s "$results" ]; then
    printf '{"score": 0, "output": "the autograder failed (status %%s) before grading", "tests": []}\\n' \\
        "$status" > "$results"
fi
"""


def autograder_root():
    """/autograder, or what AUTOGRADER_ROOT says."""
    return os.environ.get("AUTOGRADER_ROOT", "/autograder")


# ---- The zip ---------------------------------------------------------------

def grading_paths(tree):
    """What GRADING names in tree: existing files and directories."""
    return [p for entry in GRADING
            for p in glob.glob(os.path.join(tree, entry.rstrip("/")))]


def grading_files(tree):
    """The files of GRADING found in tree, relative paths, sorted."""
    found = []
    for path in grading_paths(tree):
        if os.path.isdir(path):
            for top, _, files in os.walk(path):
                found += [os.path.join(top, f) for f in files if "__pycache__" not in top]
        elif os.path.isfile(path):
            found.append(path)
    return sorted(os.path.relpath(f, tree) for f in found)


def add_text(z, name, text):
    """Put an executable text file into zip z."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, text)


def write_zip(lab, out, limit):
    """Write lab's autograder zip to out; return the number of grading files."""
    with tempfile.TemporaryDirectory(prefix="atlas-gradescope-") as tmp:
        tree = os.path.join(tmp, "tree")
        labs.write_tree(lab, tree, solution=True, commit=False)
        files = grading_files(tree)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            fill = {"lab": lab, "grading": GRADING_DIR, "limit": limit}
            add_text(z, "setup.sh", SETUP_SH % fill)
            add_text(z, "run_autograder", RUN_AUTOGRADER % fill)
            for f in files:
                z.write(os.path.join(tree, f), GRADING_DIR + "/" + f)
    return len(files)


# ---- Grading one submission ---------------------------------------------------

class Unusable(Exception):
    """The submission cannot be graded at all; str() says why."""


def submission_top(directory):
    """The top of the student's tree in directory: directory itself, or the
    one folder a zip of the tree's folder unpacks into."""
    if os.path.isfile(os.path.join(directory, "Makefile")):
        return directory
    entries = [e for e in os.listdir(directory)
               if not e.startswith(".") and e not in SKIPPED_TOPS]
    if len(entries) == 1 and os.path.isfile(os.path.join(directory, entries[0], "Makefile")):
        return os.path.join(directory, entries[0])
    raise Unusable("the submission has no Makefile at its top (it holds %s): hand in "
                   "the submission.zip that `make submission` writes"
                   % (", ".join(sorted(entries)[:8]) or "nothing"))


def prepare(submission, grading, work):
    """Copy the submission into work, without build products, and put the
    grading files back over it."""
    shutil.copytree(submission_top(submission), work, symlinks=True)
    subprocess.run(["make", "-s", "clean"], cwd=work, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for target in grading_paths(work):
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        else:
            os.remove(target)
    for f in grading_files(grading):
        os.makedirs(os.path.dirname(os.path.join(work, f)), exist_ok=True)
        shutil.copy2(os.path.join(grading, f), os.path.join(work, f))


def run_grader(work, lab, results, limit):
    """Run the lab's grader in work, its output echoed; return (exit
    status, output), status None if it ran past limit seconds (then it
    and its QEMUs are killed)."""
    cmd = [sys.executable, "grade-tests.py", "--lab", lab, "--hidden", "--json", results]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        sys.stdout.write(out)
        return None, out
    sys.stdout.write(out)
    return proc.returncode, out


def valid_results(path):
    """results.json's contents if the grader wrote a whole one, else None."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and "tests" in doc else None


def write_failure(path, why, seconds, output=""):
    """A results.json of score 0 saying why the submission was not graded."""
    lines = output.rstrip("\n").split("\n")[-OUTPUT_LINES:] if output.strip() else []
    text = why + ("\n\nThe grader's last lines:\n" + "\n".join(lines) if lines else "")
    with open(path, "w") as f:
        json.dump({"score": 0, "execution_time": round(seconds, 1), "output": text,
                   "tests": []}, f, indent=2)
        f.write("\n")


def grade(lab, limit):
    """Grade /autograder/submission for lab; always leave results.json."""
    root = autograder_root()
    results = os.path.join(root, "results", "results.json")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    if os.path.exists(results):
        os.remove(results)
    grading = os.path.join(root, "source", GRADING_DIR)
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="atlas-autograder-")
    try:
        work = os.path.join(tmp, "atlas")
        prepare(os.path.join(root, "submission"), grading, work)
        status, out = run_grader(work, lab, results, limit)
        if status is None:
            write_failure(results, "the grader ran past the autograder's limit of %ds"
                          % limit, time.monotonic() - t0, out)
        elif valid_results(results) is None:
            write_failure(results, "the grader failed (exit status %d) without results"
                          % status, time.monotonic() - t0, out)
    except Unusable as e:
        write_failure(results, str(e), time.monotonic() - t0)
    except Exception as e:   # the autograder's own bug: still a results.json
        write_failure(results, "the autograder failed: %s: %s" % (type(e).__name__, e),
                      time.monotonic() - t0)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="A lab's Gradescope autograder.")
    sub = ap.add_subparsers(dest="command", required=True)
    z = sub.add_parser("zip", help="write the autograder zip for a lab")
    z.add_argument("lab")
    z.add_argument("--out", help="the zip to write (default gradescope-LAB.zip at the top)")
    r = sub.add_parser("run", help="grade the submission (run_autograder)")
    r.add_argument("lab")
    for p in (z, r):
        p.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                       help="seconds the grading of one submission may take "
                            "(default %d)" % DEFAULT_LIMIT)
    args = ap.parse_args(argv)
    if args.command == "run":
        return grade(args.lab, args.limit)
    labs.load(args.lab)
    out = os.path.abspath(args.out or os.path.join(ROOT, "gradescope-%s.zip" % args.lab))
    n = write_zip(args.lab, out, args.limit)
    print("wrote %s: the %s lab's autograder, %d grading files"
          % (os.path.relpath(out), args.lab, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())

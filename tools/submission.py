#!/usr/bin/env python3
"""submission.py: pack the tree into a zip for hand-in (`make submission`).

    tools/submission.py                 writes submission.zip at the top
    tools/submission.py --out FILE

The zip holds the tree's source as the student has it: in a git checkout,
every file git tracks and every new file it does not ignore (so work not
yet committed is handed in too); elsewhere, every file that .gitignore's
patterns do not name. Build products, logs and the zip itself stay out.
Paths in the zip are relative to the top of the tree, as the autograder
expects them (Gradescope unpacks a submission into
/autograder/submission).
"""

import argparse
import fnmatch
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
def ignored(path, patterns):
    """Does one of .gitignore's patterns name path (relative, with /), or a
    directory it is in? (The forms Atlas's .gitignore uses: /anchored,
    dir/, and globs.)"""
    parts = path.split("/")
    for p in patterns:
        anchored, p = p.startswith("/"), p.strip("/")
        for i in range(1, len(parts) + 1):
            head = "/".join(parts[:i])
            if fnmatch.fnmatch(head if anchored else parts[i - 1], p):
                return True
    return False


def tree_files(root):
    """The files to hand in, relative to root, sorted."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        names = [n.decode() for n in out.split(b"\0") if n]
    except (OSError, subprocess.CalledProcessError):
        with open(os.path.join(root, ".gitignore")) as f:
            patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        patterns.append("/.git/")
        names = []
        for top, _, files in os.walk(root):
            names += [os.path.relpath(os.path.join(top, f), root).replace(os.sep, "/")
                      for f in files]
        names = [n for n in names if not ignored(n, patterns)]
    return sorted(n for n in names if os.path.isfile(os.path.join(root, n)))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Pack the tree's source into a zip to hand in.")
    ap.add_argument("--out", default=os.path.join(ROOT, "submission.zip"),
                    help="the zip to write (default: submission.zip at the top)")
    args = ap.parse_args(argv)
    out = os.path.abspath(args.out)
    names = [n for n in tree_files(ROOT) if os.path.join(ROOT, n) != out]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.write(os.path.join(ROOT, n), n)
    print("submission: %d files in %s" % (len(names), os.path.relpath(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

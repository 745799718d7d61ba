#!/usr/bin/env python3
"""labs.py: the course's labs, and the starter trees cut from this one.

    tools/labs.py list                     the labs, what each builds on
    tools/labs.py handout LAB DEST         a student's starter tree for LAB
    tools/labs.py handout LAB DEST --solution
                                           the same tree with LAB's solution
                                           put back (for the checks)
    tools/labs.py markers                  check every marker in the tree

A lab is declared in labs/NAME/lab.py (what it is, which labs it builds
on, its tests and their points) and explained to students in
labs/NAME/README.md. Its solution lives in the source, where it belongs,
between markers written as comments, so that the full tree builds and
reads as if they were not there:

    // lab cow: begin
    ...the solution...
    // lab cow: handout
    // ...what the handout has instead, commented out...
    // lab cow: end

The handout part is optional (without it the region is simply cut). The
comment leader is the file's own, and only it marks: // in C, headers,
assembly and linker scripts, <!-- in Markdown (<!-- lab cow: begin -->
and <!-- lab cow: end -->, with no handout part), # in everything else
(Python, Makefiles, shell scripts). So this text's examples, and the
README's, are not markers. Regions of different labs may
nest. A line "lab NAME: file" in a comment among a file's first lines
marks the whole file as NAME's solution.

The starter tree for LAB keeps the solutions of the labs LAB builds on
(and those they build on), and cuts LAB's and every other lab's, as a
course hands out one lab at a time: the cow handout holds no later lab's
answer. It is a new git repository with one commit, holding the files
this tree tracks, with each marked region replaced by its handout part
(or kept, markers removed), no marker left, the labs directories of LAB
and what it builds on only, and none of the grader's mutants (broken
copies of the solutions) or the project's CI.
"""

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS_DIR = os.path.join(ROOT, "labs")

# What a handout leaves out besides the cut solutions: the broken kernels
# of the grader's self-checks are solutions with one bug each, and CI
# runs the project's full test suite, which a starter tree fails.
NOT_HANDED_OUT = ("tests/mutants/", ".ci/")

MARKER = re.compile(r"^(\s*)(//|#|<!--)\s*lab ([a-z][a-z0-9-]*): "
                    r"(begin|handout|end|file)\b(.*)$")
FILE_MARKER_LINES = 5          # a "file" marker must be among the first lines
C_LIKE = (".c", ".h", ".S", ".ld")


def leader_of(path):
    """The comment leader that marks regions in file path."""
    if path.endswith(C_LIKE):
        return "//"
    return "<!--" if path.endswith(".md") else "#"


def marker(line, leader):
    """The match of MARKER for line if it is a marker written with leader
    (the comment leader of its file), else None."""
    m = MARKER.match(line)
    return m if m and m.group(2) == leader else None


class MarkerError(Exception):
    """A marker out of place: 'path:line: what'."""


# ---- Labs -----------------------------------------------------------------

class Lab:
    """One labs/NAME/lab.py: its fields, with defaults."""

    def __init__(self, name, module):
        self.name = name
        self.title = getattr(module, "TITLE", name)
        self.description = (module.__doc__ or "").strip()
        self.builds_on = list(getattr(module, "BUILDS_ON", []))
        self.tests = dict(getattr(module, "TESTS", {}))
        self.hidden = dict(getattr(module, "HIDDEN", {}))
        self.base = bool(getattr(module, "BASE", False))
        self.threshold = float(getattr(module, "THRESHOLD", 0.1))
        self.cpus = str(getattr(module, "CPUS", "3"))
        self.module = module


def lab_names():
    """The names of the labs declared under labs/, sorted."""
    if not os.path.isdir(LABS_DIR):
        return []
    return sorted(d for d in os.listdir(LABS_DIR)
                  if os.path.isfile(os.path.join(LABS_DIR, d, "lab.py")))


_LOADED = {}


def load(name):
    """The Lab declared in labs/NAME/lab.py (loaded once). Its tests may
    register tests of their own with gradelib's @test."""
    if name not in _LOADED:
        path = os.path.join(LABS_DIR, name, "lab.py")
        if not os.path.isfile(path):
            raise SystemExit("labs: no lab %r (labs/%s/lab.py); the labs are: %s"
                             % (name, name, ", ".join(lab_names()) or "none"))
        spec = importlib.util.spec_from_file_location("lab_" + name.replace("-", "_"), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[name] = Lab(name, module)
        for dep in _LOADED[name].builds_on:
            if dep not in lab_names():
                raise SystemExit("labs: %s builds on %r, which is not a lab" % (name, dep))
    return _LOADED[name]


def ancestors(name):
    """The labs NAME builds on, directly or through others."""
    seen = []
    todo = list(load(name).builds_on)
    while todo:
        dep = todo.pop()
        if dep == name:
            raise SystemExit("labs: %s builds on itself" % name)
        if dep not in seen:
            seen.append(dep)
            todo += load(dep).builds_on
    return sorted(seen)


def kept_labs(name, solution=False):
    """The labs whose solutions LAB's starter tree keeps (with solution:
    LAB's own too)."""
    return set(ancestors(name)) | ({name} if solution else set())


# ---- Markers --------------------------------------------------------------

def cut_text(text, kept, path="<text>"):
    """text with every marked region of a lab in kept reduced to its
    solution, and every other region to its handout part; raises
    MarkerError for a marker out of place. Returns (text, cut) where cut
    is False if the file as a whole belongs to a lab not kept."""
    lines = text.split("\n")
    leader = leader_of(path)
    out = []
    squeeze = False
    stack = []     # open regions: [lab, leader, indent, solution, handout, phase, line]
    for n, line in enumerate(lines, 1):
        m = marker(line, leader)
        where = "%s:%d" % (path, n)
        if not m and squeeze and line.strip() == "":
            continue           # a cut region between blank lines leaves one
        squeeze = False
        if not m:
            if stack and stack[-1][5] == "handout":
                stack[-1][4].append(_uncomment(line, stack[-1][1], where))
            elif stack:
                stack[-1][3].append(line)
            else:
                out.append(line)
            continue
        indent, _, lab, word, _ = m.groups()
        if word == "file":
            if n > FILE_MARKER_LINES:
                raise MarkerError("%s: 'lab %s: file' below line %d" % (where, lab, FILE_MARKER_LINES))
            if lab not in kept:
                return "", True
            continue
        if word == "begin":
            if stack and stack[-1][5] == "handout":
                raise MarkerError("%s: a region inside a handout part" % where)
            stack.append([lab, leader, indent, [], [], "solution", n])
            continue
        if not stack or stack[-1][0] != lab:
            raise MarkerError("%s: 'lab %s: %s' outside a region of %s" % (where, lab, word, lab))
        top = stack[-1]
        if word == "handout":
            if top[5] == "handout" or leader == "<!--":
                raise MarkerError("%s: a second or misplaced 'handout'" % where)
            top[5] = "handout"
            continue
        stack.pop()
        body = top[3] if lab in kept else top[4]
        into = stack[-1][3] if stack else out
        into.extend(body)
        squeeze = not body and (not into or into[-1].strip() == "")
    if stack:
        raise MarkerError("%s:%d: 'lab %s: begin' never ends" % (path, stack[-1][6], stack[-1][0]))
    return "\n".join(out), False


def _uncomment(line, leader, where):
    """A line of a handout part: the comment leader and one space after
    it removed, the indentation before it kept."""
    m = re.match(r"^(\s*)%s ?(.*)$" % re.escape(leader), line)
    if not m:
        raise MarkerError("%s: a handout line that is not a %s comment" % (where, leader))
    return m.group(1) + m.group(2) if m.group(2) else ""


def tracked_files():
    """The files of this tree that git tracks (what a fresh clone has),
    relative paths; the tree's own files where it is not a checkout."""
    r = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if r.returncode == 0:
        return [p for p in r.stdout.decode().split("\0") if p and os.path.isfile(os.path.join(ROOT, p))]
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    from submission import tree_files
    return tree_files(ROOT)


def read_text(path):
    """The file's text, or None if it is not text (an image)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_markers():
    """Parse every tracked file's markers with every lab kept and with
    none; return [(path, labs named)] and raise MarkerError if any is
    out of place or names an unknown lab."""
    names = set(lab_names())
    found = []
    for path in tracked_files():
        text = read_text(os.path.join(ROOT, path))
        if text is None or "lab " not in text:
            continue
        leader = leader_of(path)
        labs = {m.group(3) for m in (marker(l, leader) for l in text.split("\n")) if m}
        if not labs:
            continue
        unknown = labs - names
        if unknown:
            raise MarkerError("%s: markers of %s, which is not a lab" % (path, ", ".join(sorted(unknown))))
        cut_text(text, names, path)
        cut_text(text, set(), path)
        found.append((path, sorted(labs)))
    return found


# ---- Handouts -------------------------------------------------------------

def handed_out(path, name, kept, all_labs=False):
    """Does the starter tree of lab name (keeping kept) hold tracked file
    path? (With all_labs, every lab's folder: a tree for checking.)"""
    if any(path.startswith(p) for p in NOT_HANDED_OUT):
        return False
    parts = path.split("/")
    if parts[0] == "labs" and len(parts) > 2 and not all_labs:
        return parts[1] == name or parts[1] in kept
    return True


def handout_banner(lab):
    """The lines put at the top of a starter tree's README."""
    return ("> **This is the starter tree of the %s lab** (%s). Read\n"
            "> [labs/%s/README.md](labs/%s/README.md) first; `make grade LAB=%s`\n"
            "> grades your work as the autograder will.\n\n"
            % (lab.name, lab.title, lab.name, lab.name, lab.name))


def write_tree(name, dest, solution=False, commit=True, keep_times=False, all_labs=False):
    """Write lab name's starter tree (with solution: its solution put
    back) into dest, which must not exist or be empty; make it a git
    repository with one commit. With keep_times, a file the cut leaves
    as it was keeps its time stamp (so that make, given this tree's
    build products, rebuilds only what the cut changed). With all_labs,
    every lab's folder is kept, so that the tree serves to check every
    lab with the same solutions kept. Returns the number of files."""
    lab = load(name)
    kept = kept_labs(name, solution)
    if os.path.exists(dest) and os.listdir(dest):
        raise SystemExit("labs: %s exists and is not empty" % dest)
    os.makedirs(dest, exist_ok=True)
    count = 0
    for path in tracked_files():
        if not handed_out(path, name, kept, all_labs):
            continue
        src = os.path.join(ROOT, path)
        text = read_text(src)
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if text is None:
            shutil.copyfile(src, target)
            same = True
        else:
            cut, whole = cut_text(text, kept, path)
            if whole:
                continue
            if path == "README.md":
                cut = handout_banner(lab) + cut
            with open(target, "w") as f:
                f.write(cut)
            same = cut == text
        if keep_times and same:
            shutil.copystat(src, target)
        else:
            shutil.copymode(src, target)
        count += 1
    left = leftover_markers(dest)
    if left:
        raise SystemExit("labs: a marker is left in the handout: %s" % left)
    if commit:
        git = ["git", "-C", dest, "-c", "user.name=Atlas", "-c", "user.email=atlas@localhost"]
        for args in (["init", "-q"], ["add", "-A"],
                     ["commit", "-q", "-m", "The %s lab: starter tree" % name]):
            subprocess.run(git + args, check=True, capture_output=True)
    return count


def leftover_markers(tree):
    """The first 'path:line' in tree that still holds a marker, or None."""
    for top, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in files:
            path = os.path.join(top, f)
            text = read_text(path)
            if text is None:
                continue
            for n, line in enumerate(text.split("\n"), 1):
                if marker(line, leader_of(path)):
                    return "%s:%d" % (os.path.relpath(path, tree), n)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="The labs and their starter trees.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the labs and what each builds on")
    h = sub.add_parser("handout", help="write a lab's starter tree")
    h.add_argument("lab")
    h.add_argument("dest")
    h.add_argument("--solution", action="store_true",
                   help="put the lab's own solution back (for checking)")
    sub.add_parser("markers", help="check every marker in the tree")
    args = ap.parse_args(argv)
    try:
        if args.command == "list":
            for name in lab_names():
                lab = load(name)
                deps = ", ".join(lab.builds_on) or "-"
                print("%-11s %-45s builds on: %s" % (name, lab.title, deps))
        elif args.command == "handout":
            n = write_tree(args.lab, args.dest, args.solution)
            print("wrote %s: the %s lab's starter tree%s, %d files, one commit"
                  % (args.dest, args.lab, " with its solution" * args.solution, n))
        else:
            for path, labs in check_markers():
                print("%-32s %s" % (path, " ".join(labs)))
    except MarkerError as e:
        raise SystemExit("labs: %s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench.py: run Atlas's memory benchmark (user/membench.c) and report it.

    tools/bench.py                      3 harts, 256 MiB, plot to bench/fork.png
    tools/bench.py --cpus 1 --mem 512M
    tools/bench.py --png /tmp/fork.png -v

    tools/bench.py --runs 3             medians of three boots (a noisy host)
    tools/bench.py --part files --mem 512M   only read() against mmap of a file
    tools/bench.py --part shm           only N processes mapping one shared region
    tools/bench.py --part shm --mem 1G  the same, with a 512 MiB region too
    tools/bench.py --part swap          thrashing and Belady's anomaly (32 MiB)
    tools/bench.py --part thrash --mem 64M --swap 512M
    tools/bench.py --part belady        only Belady's anomaly

Builds the kernel (make), boots it in QEMU on a private copy of fs.img
(tools/gradelib.py's machinery, as the test suite does), runs membench at
the shell, halts the machine, and prints, per heap size and fork mode,
the fork() call's latency, the part of it that copies or shares memory,
and fork + exit + wait, with the ratios between the modes; fork followed
by the child writing part of the heap; the page-table pages of 16
children; the cost of one lazy and one copy-on-write fault, and of a
lazy fault with 1, 100 and 10,000 regions; the
megapage comparison; and, per number of processes N, the page-table
pages, faults and time of N processes mapping one shared region, with
plain mappings, McCracken's shared level-0 tables and mshare. The
swapping parts (only when named: --part thrash, belady, or swap for both;
on 32 MiB of RAM unless --mem says otherwise, and make's 256 MiB swap disk
unless --swap does) print markdown tables: the time and swap-ins of a
pass over working sets of 50% to 300% of RAM, sequential and random,
under the clock and FIFO; and the faults of Belady's reference string
with 3 and 4 frames. The plots (the three parts of fork against heap
size, log scale, to --png; the page-table pages and time of the shared
region against N to tools/bench-shm.png, or to --png with --part shm;
the thrashing curve to tools/bench-swap.png, or to --png with a swapping
part) need matplotlib; without it the tables are still printed. The exit status is 0 only when
membench ran to its end.
"""

import argparse
import collections
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gradelib  # noqa: E402

ROOT = gradelib.ROOT
RUN_TIMEOUT = 600           # seconds membench may take
HALT_TIMEOUT = 30           # seconds QEMU may take to power off
SYSTEM_PYTHON = "/usr/bin/python3"   # the one Debian's python3-matplotlib serves
SHM_PNG = os.path.join(ROOT, "tools", "bench-shm.png")   # the README's shared-region plot
SWAP_PNG = os.path.join(ROOT, "tools", "bench-swap.png")  # the README's thrashing plot
SWAP_PARTS = ("thrash", "belady", "swap")
SWAP_MEM = "32M"            # the swapping parts' default RAM: a few minutes
PGSIZE = 4096
MIB = 1024 * 1024

MODES = ("eager", "cow", "sharedpt")
FORK_RE = re.compile(r"^fork heap=(\d+)MiB mode=(\w+) call_first_us=(\d+) "
                     r"call_median_us=(\d+) copy_first_us=(\d+\.\d) "
                     r"copy_median_us=(\d+\.\d) cycle_first_us=(\d+) "
                     r"cycle_median_us=(\d+) reps=(\d+)$", re.MULTILINE)
SKIP_RE = re.compile(r"^fork heap=(\d+)MiB mode=(\w+) skipped "
                     r"free_pages=(\d+) need_pages=(\d+)$", re.MULTILINE)
WRITE_RE = re.compile(r"^write heap=(\d+)MiB mode=(\w+) pct=(\d+) median_us=(\d+)$",
                      re.MULTILINE)
PTPAGES_RE = re.compile(r"^ptpages heap=(\d+)MiB children=(\d+) mode=(\w+) "
                        r"(?:pages=(\d+)|skipped)$", re.MULTILINE)
FAULT_RE = re.compile(r"^fault kind=(lazy|cow) us=(\d+\.\d) "
                      r"pages=(\d+) reps=(\d+)$", re.MULTILINE)
REGIONS_RE = re.compile(r"^regions n=(\d+) fault_us=(\d+\.\d) over_one=(\d+\.\d)$",
                        re.MULTILINE)
SUPER_RE = re.compile(r"^super what=(touch|random) mib=(\d+) off_us=(\d+) "
                      r"on_us=(\d+) off_over_on=(\d+\.\d)$", re.MULTILINE)
SUPER_PT_RE = re.compile(r"^super what=pt_pages mib=(\d+) off=(\d+) on=(\d+)$",
                         re.MULTILINE)
FILES_RE = re.compile(r"^files what=(read|map) mib=(\d+) cold_us=(\d+) warm_us=(\d+)$",
                      re.MULTILINE)
FILE_PROCS_RE = re.compile(r"^files what=procs n=(\d+) how=(map|read) "
                           r"(?:us=(\d+) pages=(\d+)|skipped free_pages=\d+)$", re.MULTILINE)
SHM_MODES = ("plain", "mccracken", "mshare")
SHM_RE = re.compile(r"^shm mode=(\w+) n=(\d+) mib=(\d+) pt_pages=(\d+) faults=(\d+) "
                    r"us=(\d+)$", re.MULTILINE)
SHM_BASE_RE = re.compile(r"^shm what=base n=(\d+) mib=(\d+) pt_pages=(\d+) us=(\d+)$",
                         re.MULTILINE)
SHM_SIZE_SKIP_RE = re.compile(r"^shm (?:mib=(\d+) )?skipped free_pages=(\d+)", re.MULTILINE)
SHM_PROCS_RE = re.compile(r"^shm what=procs n=(\d+)$", re.MULTILINE)
Shm = collections.namedtuple("Shm", "pt_pages faults us")
THRASH_RE = re.compile(r"^thrash policy=(clock|fifo) access=(seq|random) pct=(\d+) "
                       r"pages=(\d+) passes=(\d+) pass_us=(\d+) swap_ins=(\d+) "
                       r"swap_outs=(\d+) over_50=(\d+\.\d)$", re.MULTILINE)
THRASH_SKIP_RE = re.compile(r"^thrash policy=(clock|fifo) access=(seq|random) pct=(\d+) "
                            r"skipped", re.MULTILINE)
THRASH_MACHINE_RE = re.compile(r"^thrash what=machine total_pages=(\d+) swap_pages=(\d+)$",
                               re.MULTILINE)
BELADY_RE = re.compile(r"^belady policy=(clock|fifo) frames=(\d+) group=(\d+) refs=(\d+) "
                       r"faults=(\d+) swap_ins=(\d+) textbook_fifo=(\d+)$", re.MULTILINE)
Thrash = collections.namedtuple("Thrash", "pages passes pass_us swap_ins swap_outs over_50")
Belady = collections.namedtuple("Belady", "refs faults swap_ins textbook")
Fork = collections.namedtuple("Fork", "call_first call copy_first copy cycle_first "
                                      "cycle reps")
DONE_RE = re.compile(r"^membench: done$", re.MULTILINE)
ERROR_RE = re.compile(r"^membench: error: (.*)$", re.MULTILINE)


# Parse membench's output into a dict: forks[(mib, mode)] = Fork (first
# and median fork call, of its memory copy, and of the cycle of fork +
# exit + wait, in us, and reps), writes[(mib, mode, pct)] = us,
# ptpages[mode] = (heap MiB, children, pages or None), skipped[(mib,
# mode)] = (free, need), faults[kind] = us, regions[n] = us per lazy
# fault with n regions, files[how] = (mib, cold us, warm us) for read()
# against mmap of a file, file_procs[how] = (n, us, pages) or None when
# skipped, supers[what] = (mib, off, on,
# ratio) and super_pt = (mib, off, on) for the 4 KiB-pages-only vs
# megapage heap; shm[(mib, mode, n)] = Shm (page-table pages, faults, us)
# of n processes mapping a shared region of mib MiB, shm_base[(mib, n)] =
# Shm of n processes mapping nothing (no faults), shm_skipped[region MiB,
# 0 for all of them] = 1, and shm_procs = the largest n; thrash[(policy,
# access, pct)] = Thrash (the working set's pages, measured passes, us
# per pass, swap-ins and swap-outs per pass, time per page against the 50%
# point's), thrash_skipped[(policy, access, pct)] = 1, thrash_machine =
# (RAM pages, swap pages); belady[(policy, frames, group)] = Belady (the
# references, faults in pages, the process's swap-ins, FIFO's textbook
# count).
def parse(out):
    return {
        "forks": {(int(m[0]), m[1]): Fork(*[float(x) if "." in x else int(x)
                                            for x in m[2:]])
                  for m in FORK_RE.findall(out)},
        "writes": {(int(m[0]), m[1], int(m[2])): int(m[3])
                   for m in WRITE_RE.findall(out)},
        "ptpages": {m[2]: (int(m[0]), int(m[1]), int(m[3]) if m[3] else None)
                    for m in PTPAGES_RE.findall(out)},
        "skipped": {(int(m[0]), m[1]): (int(m[2]), int(m[3]))
                    for m in SKIP_RE.findall(out)},
        "faults": {m[0]: float(m[1]) for m in FAULT_RE.findall(out)},
        "regions": {int(m[0]): float(m[1]) for m in REGIONS_RE.findall(out)},
        "files": {m[0]: (int(m[1]), int(m[2]), int(m[3])) for m in FILES_RE.findall(out)},
        "file_procs": {m[1]: (int(m[0]), int(m[2]), int(m[3])) if m[2] else None
                       for m in FILE_PROCS_RE.findall(out)},
        "supers": {m[0]: (int(m[1]), int(m[2]), int(m[3]), float(m[4]))
                   for m in SUPER_RE.findall(out)},
        "super_pt": next(((int(m[0]), int(m[1]), int(m[2]))
                          for m in SUPER_PT_RE.findall(out)), None),
        "shm": {(int(m[2]), m[0], int(m[1])): Shm(int(m[3]), int(m[4]), int(m[5]))
                for m in SHM_RE.findall(out)},
        "shm_base": {(int(m[1]), int(m[0])): Shm(int(m[2]), 0, int(m[3]))
                     for m in SHM_BASE_RE.findall(out)},
        "shm_skipped": dict((int(m[0] or 0), 1) for m in SHM_SIZE_SKIP_RE.findall(out)),
        "shm_procs": next((int(m) for m in SHM_PROCS_RE.findall(out)), None),
        "thrash": {(m[0], m[1], int(m[2])): Thrash(*[float(x) if "." in x else int(x)
                                                     for x in m[3:]])
                   for m in THRASH_RE.findall(out)},
        "thrash_skipped": {(m[0], m[1], int(m[2])): 1 for m in THRASH_SKIP_RE.findall(out)},
        "thrash_machine": next(((int(m[0]), int(m[1]))
                                for m in THRASH_MACHINE_RE.findall(out)), None),
        "belady": {(m[0], int(m[1]), int(m[2])): Belady(*[int(x) for x in m[3:]])
                   for m in BELADY_RE.findall(out)},
    }


# The median of values (numbers, or equal-length tuples element by
# element, giving the first one's type back); None if there are none.
def median_of(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    if isinstance(values[0], tuple):
        parts = [median_of([v[i] for v in values]) for i in range(len(values[0]))]
        return type(values[0])(*parts) if hasattr(values[0], "_fields") else tuple(parts)
    return statistics.median(values)


# Combine the parse() results of several runs: every measurement is the
# median of the runs that have it; skips are kept from any run.
def combine(runs):
    res = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            keys = set().union(*(r[key] for r in runs))
            res[key] = {k: median_of([r[key].get(k) for r in runs]) for k in keys}
        else:
            res[key] = median_of([r[key] for r in runs])
    return res


# Build, boot QEMU, run membench, halt; return its output and how many
# seconds it ran. Raises gradelib.TestFailure (having printed the
# console's last lines) on trouble.
def run_membench(args):
    build = gradelib.Build(None)
    m = gradelib.Machine("bench", build.qemu_cmd(args.cpus, args.mem, args.swap), build.image,
                         args.cpus, args.mem, args.verbose)
    try:
        m.wait_boot()
        t0 = time.monotonic()
        out = m.run(("membench " + args.part).strip(), timeout=args.timeout)
        seconds = time.monotonic() - t0
        m.send("halt\n")
        m.wait_exit(HALT_TIMEOUT)
        return out, seconds
    except gradelib.TestFailure:
        for line in m.tail():
            print("    | " + line)
        raise
    finally:
        m.close()
        build.remove()


# The sizes membench reported on, smallest first.
def heap_sizes(res):
    keys = list(res["forks"]) + list(res["skipped"])
    return sorted({mib for mib, _ in keys})


FORK_PARTS = (
    ("call", "the fork() call in the parent (what a program sees)", "%d / %d"),
    ("copy", "of it, fork_copy: copying or sharing the memory (what the fork "
             "mode decides)", "%.1f / %.1f"),
    ("cycle", "fork + exit + wait (the child exits at once)", "%d / %d"),
)


# One cell of a fork table: "first / repeated" microseconds of part
# ("call", "copy" or "cycle"), or why it is missing.
def fork_cell(res, mib, mode, part, fmt):
    f = res["forks"].get((mib, mode))
    if f:
        return fmt % (getattr(f, part + "_first"), getattr(f, part))
    if (mib, mode) in res["skipped"]:
        return "skipped"
    return "-"


# The ratio of part `of` of repeated forks, mode a over mode b at heap
# size mib (b "empty": mode a's own fork with an empty heap), formatted;
# "-" if either is missing.
def ratio_cell(res, mib, of, a, b):
    x = res["forks"].get((mib, a))
    y = res["forks"].get((0, a) if b == "empty" else (mib, b))
    if x is None or y is None or not getattr(y, of):
        return "-"
    return "%.1f" % (getattr(x, of) / getattr(y, of))


# Print the fork tables (with the ratios; none if no fork was measured),
# the write workloads, the page-table pages, the fault costs, the
# megapage comparison and the shared-region tables.
def print_tables(res):
    for part, title, fmt in FORK_PARTS if heap_sizes(res) else ():
        print("%s, microseconds: first fork after writing the heap / median "
              "of repeated forks" % title)
        print("%8s %18s %18s %18s %9s %9s %9s" % (
            "heap", "eager", "cow", "sharedpt", "eager/cow", "cow/spt",
            "" if part == "cycle" else "spt/empty"))
        for mib in heap_sizes(res):
            cells = [fork_cell(res, mib, m, part, fmt) for m in MODES]
            print("%4d MiB %18s %18s %18s %9s %9s %9s" % tuple(
                [mib] + cells + [ratio_cell(res, mib, part, "eager", "cow"),
                                 ratio_cell(res, mib, part, "cow", "sharedpt"),
                                 "" if part == "cycle" else
                                 ratio_cell(res, mib, part, "sharedpt", "empty")]))
        print()
    if res["writes"]:
        print("fork, then the child writes part of the heap: median microseconds")
        print("%8s %5s %10s %10s %10s %10s" % ("heap", "pct", "eager", "cow",
                                               "sharedpt", "spt/cow"))
        for mib in heap_sizes(res):
            for pct in (1, 10, 100):
                us = [res["writes"].get((mib, m, pct)) for m in MODES]
                ratio = "%.2f" % (us[2] / us[1]) if us[1] and us[2] else "-"
                print("%4d MiB %4d%% %10s %10s %10s %10s" % tuple(
                    [mib, pct] + ["-" if u is None else "%d" % u for u in us] + [ratio]))
    for mode in MODES:
        if mode in res["ptpages"]:
            mib, n, pages = res["ptpages"][mode]
            print("page-table pages added by %d children of a %d MiB parent, %s: %s"
                  % (n, mib, mode, "skipped" if pages is None else "%d" % pages))
    for (mib, mode), (free, need) in sorted(res["skipped"].items()):
        print("skipped: %d MiB %s (free pages %d, needs %d): boot with more --mem"
              % (mib, mode, free, need))
    for kind in ("lazy", "cow"):
        if kind in res["faults"]:
            print("one %s fault: %.1f us" % (kind, res["faults"][kind]))
    if res["regions"]:
        one = res["regions"].get(1)
        print("one lazy fault with n regions: " + ", ".join(
            "n=%d %.1f us (%s)" % (n, us, "%.2fx" % (us / one) if one else "-")
            for n, us in sorted(res["regions"].items())))
    if res["files"]:
        print("\na file read with read() or mapped and touched, microseconds")
        print("%-34s %10s %10s" % ("", "cold", "warm"))
        for how in ("read", "map"):
            if how in res["files"]:
                mib, cold, warm = res["files"][how]
                print("%-34s %10d %10d" % ("%s %d MiB" % (how, mib), cold, warm))
    for how in ("map", "read"):
        if how in res["file_procs"]:
            got = res["file_procs"][how]
            print("processes that %s the file at once: %s" % (
                how, "skipped (boot with more --mem)" if got is None else
                "%d in %d us, holding %d pages" % got))
    if res["supers"]:
        print("\n2 MiB megapages, median microseconds")
        print("%-34s %10s %10s %8s" % ("", "4 KiB", "megapages", "ratio"))
        names = {"touch": "touch every page of %d MiB",
                 "random": "1M random loads over %d MiB"}
        for what in ("touch", "random"):
            if what in res["supers"]:
                mib, off, on, ratio = res["supers"][what]
                print("%-34s %10d %10d %8.1f" % (names[what] % mib, off, on, ratio))
        if res["super_pt"]:
            mib, off, on = res["super_pt"]
            print("%-34s %10d %10d" % ("page-table pages, %d MiB heap" % mib, off, on))
    print_shm_tables(res)
    print_swap_tables(res)


SWAP_CONFIGS = (("clock", "seq"), ("clock", "random"), ("fifo", "seq"), ("fifo", "random"))


# The working-set sizes (percent of RAM) the thrashing part measured or
# skipped.
def thrash_pcts(res):
    return sorted({k[2] for k in list(res["thrash"]) + list(res["thrash_skipped"])})


# One cell of a thrashing table: what(Thrash) for policy, access and pct,
# or "skipped", or "-".
def thrash_cell(res, policy, access, pct, what):
    t = res["thrash"].get((policy, access, pct))
    if t is not None:
        return what(t)
    return "skipped" if (policy, access, pct) in res["thrash_skipped"] else "-"


# Print the swapping tables as markdown (the README's): per working set,
# the time of a pass (with the time per page against the 50% point's) and
# the swap-ins of a pass, for each policy and order; then Belady's
# anomaly, the faults of the reference string with 3 and 4 frames.
def print_swap_tables(res):
    pcts = thrash_pcts(res)
    head = "| working set | " + " | ".join("%s, %s" % c for c in SWAP_CONFIGS) + " |"
    rule = "|---" * (len(SWAP_CONFIGS) + 1) + "|"
    tables = (
        ("time per pass, ms (time per page against the 50% working set's)",
         lambda t: "%.1f (%.1fx)" % (t.pass_us / 1000, t.over_50)),
        ("swap-ins per pass (swap-outs)",
         lambda t: "%.0f (%.0f)" % (t.swap_ins, t.swap_outs)),
    )
    for title, what in tables if pcts else ():
        machine = res["thrash_machine"]
        print("\nthrashing, %s; RAM %s pages\n" % (title, "%d" % machine[0] if machine
                                                    else "?"))
        print(head)
        print(rule)
        for pct in pcts:
            pages = next((res["thrash"][(p, a, pct)].pages for p, a in SWAP_CONFIGS
                          if (p, a, pct) in res["thrash"]), None)
            print("| %d%% (%s pages) | " % (pct, "-" if pages is None else "%d" % pages) +
                  " | ".join(thrash_cell(res, p, a, pct, what) for p, a in SWAP_CONFIGS) +
                  " |")
    groups = sorted({k[2] for k in res["belady"]})
    if groups:
        print("\nBelady's anomaly: faults (pages mapped) replaying 1,2,3,4,1,2,5,1,2,3,4,5, "
              "each page of it a group of pages\n")
        print("| policy | group | 3 frames | 4 frames | textbook FIFO, 3 / 4 |")
        print("|---|---|---|---|---|")
        for group in groups:
            for policy in ("fifo", "clock"):
                got = [res["belady"].get((policy, f, group)) for f in (3, 4)]
                if None in got:
                    continue
                print("| %s | %d page%s | %d | %d | %d / %d |" % (
                    policy, group, "" if group == 1 else "s", got[0].faults, got[1].faults,
                    got[0].textbook, got[1].textbook))


# Page-table bytes per page of a region of mib MiB that pt_pages tables
# serve.
def bytes_per_page(pt_pages, mib):
    return pt_pages * PGSIZE / (mib * MIB / PGSIZE)


# The region sizes and process counts the shared-region part measured.
def shm_grid(res):
    keys = list(res["shm"]) + [(mib, "base", n) for mib, n in res["shm_base"]]
    return sorted({k[0] for k in keys}), sorted({k[2] for k in keys})


# The Shm of n processes in mode (or "base") with a region of mib MiB, or
# None if it was not measured.
def shm_result(res, mib, mode, n):
    if mode == "base":
        return res["shm_base"].get((mib, n))
    return res["shm"].get((mib, mode, n))


# Print the shared-region tables: per region size, N and mode, the
# page-table pages, faults, time, and the table bytes per page against
# the seminar's 8 bytes (one entry) per process per page.
def print_shm_tables(res):
    sizes, counts = shm_grid(res)
    for mib in sizes:
        print("\n%d MiB shared region (%d pages), N processes each mapping it and "
              "loading every page" % (mib, mib * MIB // PGSIZE))
        print("%5s %10s %9s %9s %10s %11s %8s" % ("N", "mode", "pt pages", "faults",
                                                 "ms", "bytes/page", "8 x N"))
        for n in counts:
            for mode in SHM_MODES + ("base",):
                r = shm_result(res, mib, mode, n)
                if r is not None:
                    print("%5d %10s %9d %9d %10.1f %11.1f %8d" % (
                        n, mode, r.pt_pages, r.faults, r.us / 1000,
                        bytes_per_page(r.pt_pages, mib), 8 * n))
    for mib in sorted(res["shm_skipped"]):
        print("shared region: %s skipped (boot with more --mem)" % (
            "%d MiB" % mib if mib else "all"))
    if res["shm_procs"]:
        print("shared region: at most %d processes (fork failed beyond)" % res["shm_procs"])


# Debian's python3-matplotlib is for /usr/bin/python3 only. When this
# script runs under another Python (pyenv, a venv) that lacks matplotlib
# and the system's has it, start the script again under the system's.
def use_system_python_for_matplotlib(argv):
    if importlib.util.find_spec("matplotlib") is not None:
        return
    if not os.path.exists(SYSTEM_PYTHON) or \
            os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON):
        return
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import matplotlib"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode == 0:
        sys.stdout.flush()
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)] + argv)


# The matplotlib pyplot module, or None (having said how to install it).
def load_pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("bench: matplotlib is not installed for %s, so no plot. Install "
              "it with `sudo apt-get install python3-matplotlib` (Debian, "
              "Ubuntu; for %s) or `python3 -m pip install matplotlib`."
              % (sys.executable, SYSTEM_PYTHON))
        return None


# Plot repeated-fork latency against heap size for the three modes, one
# panel per part of fork (FORK_PARTS), log-scale latency, heap sizes
# evenly spaced; write the PNG to path.
def plot(res, path, plt):
    sizes = heap_sizes(res)
    fig, axes = plt.subplots(1, len(FORK_PARTS), figsize=(15, 4.5))
    titles = {"call": "the fork() call", "copy": "its memory copy (fork_copy)",
              "cycle": "fork + exit + wait"}
    for ax, (part, _, _) in zip(axes, FORK_PARTS):
        for mode, marker in (("eager", "o"), ("cow", "s"), ("sharedpt", "^")):
            points = [(i, getattr(res["forks"][(mib, mode)], part))
                      for i, mib in enumerate(sizes) if (mib, mode) in res["forks"]]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points],
                        marker=marker, label="FORK_%s" % mode.upper())
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels(["%d" % mib for mib in sizes])
        ax.set_yscale("log")
        ax.set_xlabel("heap (MiB, every page touched)")
        ax.set_title(titles[part])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("median of repeated forks (us)")
    fig.suptitle("Atlas: fork latency by fork mode", y=1.03)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print("bench: plot written to %s" % path)


# Plot the shared region's page-table pages and time against the number
# of processes, one line per mode (and the processes' own tables, base,
# the same for any region), solid for the smallest region, dashed for a
# larger one; log scales; write the PNG to path.
def plot_shm(res, path, plt):
    sizes, counts = shm_grid(res)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    panels = (("pt_pages", "page-table pages in use (all processes)"),
              ("us", "until all have mapped and loaded every page (ms)"))
    styles = (("plain", "o"), ("mccracken", "s"), ("mshare", "^"), ("base", "x"))
    for ax, (field, title) in zip(axes, panels):
        for i, mib in enumerate(sizes):
            for (mode, marker), color in zip(styles, ("C0", "C1", "C2", "0.5")):
                if mode == "base" and i > 0:
                    continue
                got = [(n, shm_result(res, mib, mode, n)) for n in counts]
                points = [(n, getattr(r, field) / (1000 if field == "us" else 1))
                          for n, r in got if r is not None]
                if points:
                    ax.plot([p[0] for p in points], [p[1] for p in points],
                            marker=marker, color=color,
                            linestyle="-" if i == 0 else "--",
                            label="base: processes mapping nothing" if mode == "base"
                            else "%s, %d MiB" % (mode, mib))
        ax.set_xscale("log", base=2)
        ax.set_xticks(counts)
        ax.set_xticklabels(["%d" % n for n in counts])
        ax.set_yscale("log")
        ax.set_xlabel("processes N, each mapping the region and loading every page")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.suptitle("Atlas: one shared region, N processes: plain mappings, McCracken's "
                 "shared tables, mshare", y=1.03)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print("bench: plot written to %s" % path)


# Plot the thrashing curve: the time of a pass and the swap-ins of a pass
# against the working set (percent of RAM), for each policy (color) and
# order (solid: sequential, dashed: random), the time on a log scale; a
# line marks RAM; write the PNG to path.
def plot_swap(res, path, plt):
    pcts = thrash_pcts(res)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    panels = (("pass_us", "time per pass (ms, log scale)", 1000.0),
              ("swap_ins", "swap-ins per pass", 1))
    for ax, (field, title, scale) in zip(axes, panels):
        for (policy, access), color, marker in zip(SWAP_CONFIGS, ("C0", "C0", "C1", "C1"),
                                                   ("o", "o", "s", "s")):
            points = [(pct, getattr(res["thrash"][(policy, access, pct)], field) / scale)
                      for pct in pcts if (policy, access, pct) in res["thrash"]]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], color=color,
                        marker=marker, linestyle="-" if access == "seq" else "--",
                        label="%s, %s" % (policy, "sequential" if access == "seq"
                                          else "random"))
        ax.axvline(100, color="0.5", linestyle=":", label="RAM")
        if field == "pass_us":
            ax.set_yscale("log")
        ax.set_xlabel("working set (% of RAM)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.suptitle("Atlas: thrashing as the working set outgrows memory (%s pages of RAM)"
                 % ("%d" % res["thrash_machine"][0] if res["thrash_machine"] else "?"), y=1.03)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print("bench: plot written to %s" % path)


# Did membench run to its end? Print why not, if it did not.
def complete(out):
    err = ERROR_RE.search(out)
    if err:
        print("bench: membench failed: %s" % err.group(1))
        return False
    if not DONE_RE.search(out):
        print("bench: membench did not finish (no 'membench: done' line)")
        return False
    return True


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    use_system_python_for_matplotlib(argv)
    ap = argparse.ArgumentParser(
        description="Run Atlas's memory benchmark in QEMU: fork latency by "
                    "heap size and fork mode, lazy and COW fault cost.")
    ap.add_argument("--cpus", type=int, default=3, help="harts (default 3)")
    ap.add_argument("--mem", default=None,
                    help="QEMU memory (default 256M: a 64 MiB eager fork "
                         "needs room for two copies; with --part thrash, belady "
                         "or swap %s: swapping three times RAM takes minutes)"
                    % SWAP_MEM)
    ap.add_argument("--swap", default=None,
                    help="the swap disk's size, as make's SWAP (default: make's, "
                         "256M; 0 for none)")
    ap.add_argument("--png", default=None,
                    help="where to write the plot (default bench/fork.png; with "
                         "--part shm, the shared-region plot, default "
                         "tools/bench-shm.png; with a swapping part, the thrashing "
                         "curve, default tools/bench-swap.png)")
    ap.add_argument("--runs", type=int, default=1,
                    help="boot and run membench this many times and report "
                         "the median of each number (default 1)")
    ap.add_argument("--timeout", type=float, default=RUN_TIMEOUT,
                    help="seconds membench may take (default %d)" % RUN_TIMEOUT)
    ap.add_argument("--part", default="",
                    choices=("", "super", "regions", "files", "shm") + SWAP_PARTS,
                    help="run only this part of membench (membench PART)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="stream the console output")
    args = ap.parse_args(argv)
    if args.mem is None:
        args.mem = SWAP_MEM if args.part in SWAP_PARTS else "256M"

    t0 = time.monotonic()
    runs, seconds, ok = [], 0.0, True
    for _ in range(args.runs):
        try:
            out, s = run_membench(args)
        except gradelib.BuildFailed as e:
            print(e.output + "bench: %s" % e)
            return 1
        except gradelib.TestFailure as e:
            print("bench: %s" % e)
            return 1
        ok = complete(out) and ok
        runs.append(parse(out))
        seconds += s
    res = combine(runs)
    print_tables(res)
    print("bench: CPUS=%d MEM=%s SWAP=%s; %s; membench ran %.1f s, %.1f s in all with "
          "builds and boots" % (args.cpus, args.mem, args.swap or "make's",
                                "one run" if args.runs == 1 else
                                "medians of %d runs" % args.runs,
                                seconds, time.monotonic() - t0))
    plt = load_pyplot() if res["forks"] or res["shm"] or res["thrash"] else None
    if plt and res["forks"]:
        plot(res, args.png or os.path.join(ROOT, "bench", "fork.png"), plt)
    if plt and res["shm"]:
        plot_shm(res, args.png if args.png and args.part == "shm" else SHM_PNG, plt)
    if plt and res["thrash"]:
        plot_swap(res, args.png if args.png and args.part in SWAP_PARTS else SWAP_PNG, plt)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Grader for xv6's util lab: sleep, pingpong, primes."""

import re
import time

from gradelib import TestFailure, check, test

PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31]

check("util", "sleep-usage", "sleep", points=2, expect=r"(?i)usage")


@test("util", "sleep-waits", points=5, shared=True)
def _(m):
    t0 = time.monotonic()
    m.run("sleep 10", reject=r"\S")   # 10 ticks: one second
    if time.monotonic() - t0 < 0.8:
        raise TestFailure("sleep 10 returned at once")


check("util", "pingpong", "pingpong", points=5,
      expect=[r"^(\d+): received ping$", r"^(\d+): received pong$"])


@test("util", "pingpong-pids", points=3, shared=True)
def _(m):
    out = m.output("pingpong")
    ping = re.search(r"^(\d+): received ping$", out, re.MULTILINE)
    pong = re.search(r"^(\d+): received pong$", out, re.MULTILINE)
    if not (ping and pong) or ping.group(1) == pong.group(1):
        raise TestFailure("ping and pong must come from two processes")


check("util", "primes", "primes", points=10,
      expect=[r"^prime %d$" % p for p in PRIMES],
      counts={r"^prime \d+$": len(PRIMES)})

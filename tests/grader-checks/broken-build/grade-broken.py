"""The grader of a lab whose program, broken.c, does not compile: its test
cannot run (see grader/build-fails in grade-tests.py)."""

from gradelib import check

check("broken", "runs", "broken", expect=r"^never printed$")

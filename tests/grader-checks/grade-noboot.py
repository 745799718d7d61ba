"""A kernel that never reaches the prompt: with QEMU's legacy virtio disk,
which Atlas does not drive, it panics at boot. The self-check
grader/never-boots runs these tests on two hart counts and demands that on
each the first fails with the panic and the others at once, unbooted,
shared or not."""

from gradelib import test

LEGACY_DISK = ["-global", "virtio-mmio.force-legacy=true"]


def echo(m):
    m.run("echo never")


for name, shared in (("own-1", False), ("shared-1", True), ("own-2", False),
                     ("shared-2", True)):
    test("noboot", name, qemu_args=LEGACY_DISK, shared=shared)(echo)

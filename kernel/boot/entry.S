# First instructions of the kernel. OpenSBI jumps here in S-mode on the
# boot hart with a0 = hart id, a1 = physical address of the device tree;
# the other harts come to _secondary_entry when started through SBI HSM,
# with a0 = hart id. Paging is off. Hart ids need not be below NCPU (the
# firmware picks any hart to boot), so each hart takes a slot of its own,
# an index into cpus[] and the boot stacks: the boot hart slot 0, the
# others the next free one as they arrive. A hart keeps its slot in tp,
# gets its boot stack, later used as its scheduler stack, and records its
# hart id in cpus[slot].hartid (in C) for SBI calls and the PLIC.
#include "param.h"

#define BOOT_STACK_SIZE 16384

.section .text.entry
.globl _entry
_entry:
        # Only the first hart to arrive boots. OpenSBI 1.1 (QEMU 7.2's)
        # marks a hart start-pending before it stores the start address,
        # so a hart that wakes at the wrong moment can land here, at the
        # boot hart's address, instead of at _secondary_entry, with a1
        # not the device tree. Such a hart is a secondary one.
        la      t0, boot_claimed
        li      t1, 1
        amoswap.w t1, t1, (t0)
        bnez    t1, _secondary_entry
        li      t2, 0                   # the boot hart's slot
        call    set_boot_stack
        call    kmain
        j       park

.globl _secondary_entry
_secondary_entry:
        la      t0, next_slot
        li      t1, 1
        amoadd.w t2, t1, (t0)           # t2 = this hart's slot
        call    set_boot_stack
        call    kmain_secondary
        j       park

# For the hart in slot t2: sp = boot_stacks + (t2 + 1) * BOOT_STACK_SIZE;
# tp = t2; and stvec = boot_trap, so that a trap before the hart installs
# its real trap vector is reported, not taken wherever the firmware left
# stvec. The boot hart starts at most NCPU harts in all; a hart beyond
# them would have no slot, and parks for good.
set_boot_stack:
        li      t0, NCPU
        bgeu    t2, t0, park
        la      t0, boot_trap
        csrw    stvec, t0
        mv      tp, t2
        la      sp, boot_stacks
        addi    t0, t2, 1
        li      t1, BOOT_STACK_SIZE
        mul     t0, t0, t1
        add     sp, sp, t0
        ret

park:
        wfi
        j       park

.section .data
.align 2
boot_claimed:                   # set by the first hart through _entry
        .word   0
next_slot:                      # the slot the next secondary hart takes
        .word   1

.section .bss
.align 12
.globl boot_stacks
boot_stacks:
        .space  BOOT_STACK_SIZE * NCPU

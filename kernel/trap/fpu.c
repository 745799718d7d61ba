// Floating-point registers (f0-f31 and fcsr) are process state, like the
// integer registers, but the trampoline does not save them: most traps
// come and go without the process touching them, and the kernel never
// does. They are switched lazily, driven by sstatus.FS:
//
//  - The kernel runs with FS Off, so a floating-point instruction in the
//    kernel traps (and kerneltrap panics) instead of quietly changing
//    some process's registers.
//  - A process returns to user mode with FS Clean and its registers
//    holding exactly p->fp. The hardware makes FS Dirty when the process
//    changes an f register or fcsr.
//  - usertrap() saves the registers into p->fp only if FS is Dirty. So
//    while a process is in the kernel, p->fp is its state: a switch to
//    another process needs no save, fork copies p->fp, exec zeroes it.
//  - usertrapret() loads p->fp only if p has given up its hart since it
//    last returned to user mode (sched() clears p->fploaded). Until then
//    no other process has run on the hart, so its registers are still p's.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

// Set the FS field of sstatus.
static void
fs_set(uint64 state)
{
  w_sstatus((r_sstatus() & ~SSTATUS_FS) | state);
}

// Store the f registers and fcsr into *s. FS must not be Off.
static void
fp_save(struct fpstate *s)
{
  uint64 fcsr;
  asm volatile(FREGS_IRP
               "fsd f\\i, 8*\\i(%1)\n"
               ".endr\n"
               "frcsr %0\n"
               : "=&r"(fcsr) : "r"(s->f) : "memory");
  s->fcsr = fcsr;
}

// Load the f registers and fcsr from *s. FS must not be Off.
static void
fp_load(struct fpstate *s)
{
  asm volatile(FREGS_IRP
               "fld f\\i, 8*\\i(%0)\n"
               ".endr\n"
               "fscsr %1\n"
               : : "r"(s->f), "r"(s->fcsr) : "memory");
}

// Turn this hart's floating-point unit off for the kernel (at boot:
// OpenSBI leaves it on).
void
fpuinithart(void)
{
  fs_set(SSTATUS_FS_OFF);
}

// Give p the state of a new program: every register and fcsr zero, to
// be loaded on its next return to user mode (exec, and new processes).
void
fpu_reset(struct proc *p)
{
  memset(&p->fp, 0, sizeof(p->fp));
  p->fploaded = 0;
}

// On entry to usertrap(): save p's registers if it changed them since
// they were last saved or loaded, then turn the unit off for the kernel.
void
fpu_usertrap(struct proc *p)
{
  if((r_sstatus() & SSTATUS_FS) == SSTATUS_FS_DIRTY)
    fp_save(&p->fp);
  fs_set(SSTATUS_FS_OFF);
}

// On the way back to user mode: make this hart's registers hold p->fp,
// loading them unless they still do, and leave FS Clean for the user.
void
fpu_usertrapret(struct proc *p)
{
  if(!p->fploaded){
    fs_set(SSTATUS_FS_CLEAN);     // on, to load
    fp_load(&p->fp);
    p->fploaded = 1;
  }
  fs_set(SSTATUS_FS_CLEAN);       // loads make it Dirty
}

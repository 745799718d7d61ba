// Who may change a page table, and when: page-table sections, the
// freeze, and the lock of an address space.
//
// Before reclaim (mm/reclaim.c), a process changed its page tables only
// in its own kernel context, and others only read them or changed shared
// ones under their locks (mm/sharedpt.c). Reclaim changes entries in any
// address space, found through the reverse map (mm/rmap.c), without
// knowing whose they are: so while it unmaps, nobody else may be reading
// or changing any page table. That is a reader-writer lock with one
// writer, kept cheap for the readers as the "big-reader" locks of Linux
// 2.4 were: each hart says whether it is in a page-table section, and
// the freeze waits until no hart is.
//
//  - pt_enter()/pt_exit() bracket every use of a user page table: a
//    walk, a change, or the use of a frame found by a walk (copyout).
//    Sections nest on one hart, run with interrupts off, and never
//    sleep; mm_lock() enters one and takes an address space's lock
//    (inside a section, another address space's lock may be taken
//    directly, as mm/filemap.c's search for a table to share does).
//  - pt_freeze() waits until no hart is in a section and keeps new ones
//    from starting; pt_thaw() lets them go on. Reclaim freezes only to
//    unmap a batch of pages, never across I/O, and never from inside a
//    section.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

static struct spinlock freeze_lock;   // one freezer at a time
static int frozen;                    // a freeze is on or waiting

// Set up the freeze's lock.
void
ptlock_init(void)
{
  initlock(&freeze_lock, "freeze");
}

// Begin a page-table section on this hart, waiting while a freeze is on
// (unless this hart is in a section already).
void
pt_enter(void)
{
  push_off();
  struct cpu *c = mycpu();
  if(c->pt_depth++ > 0)
    return;
  for(;;){
    __atomic_store_n(&c->pt_inside, 1, __ATOMIC_SEQ_CST);
    if(!__atomic_load_n(&frozen, __ATOMIC_SEQ_CST))
      return;
    __atomic_store_n(&c->pt_inside, 0, __ATOMIC_SEQ_CST);
    while(__atomic_load_n(&frozen, __ATOMIC_ACQUIRE))
      ;
  }
}

// End the page-table section pt_enter began.
void
pt_exit(void)
{
  struct cpu *c = mycpu();
  if(c->pt_depth <= 0)
    panic("pt_exit: not in a section");
  if(--c->pt_depth == 0)
    __atomic_store_n(&c->pt_inside, 0, __ATOMIC_RELEASE);
  pop_off();
}

// Wait until no hart is in a page-table section, and keep new sections
// from starting until pt_thaw(). Interrupts stay off meanwhile.
void
pt_freeze(void)
{
  acquire(&freeze_lock);
  if(mycpu()->pt_depth > 0)
    panic("pt_freeze: inside a page-table section");
  __atomic_store_n(&frozen, 1, __ATOMIC_SEQ_CST);
  for(int i = 0; i < NCPU; i++)
    while(__atomic_load_n(&cpus[i].pt_inside, __ATOMIC_SEQ_CST))
      ;
}

// End the freeze.
void
pt_thaw(void)
{
  __atomic_store_n(&frozen, 0, __ATOMIC_RELEASE);
  release(&freeze_lock);
}

// Take address space mm's lock, in a page-table section.
void
mm_lock(struct mm *mm)
{
  pt_enter();
  acquire(&mm->lock);
}

// Let go of mm's lock, and end the section mm_lock began.
void
mm_unlock(struct mm *mm)
{
  release(&mm->lock);
  pt_exit();
}

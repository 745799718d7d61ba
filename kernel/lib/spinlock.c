// Spin locks. A hart holding a spin lock has interrupts off, so an
// interrupt handler on the same hart can never wait for that lock.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

// Set up a lock, unheld.
void
initlock(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

// Take the lock, spinning until it is free. Acquiring a lock this hart
// already holds is a bug (it would spin forever), so panic instead.
void
acquire(struct spinlock *lk)
{
  push_off();
  if(holding(lk)){
    printf("lock %s\n", lk->name);
    panic("acquire: lock already held by this hart");
  }
  // amoswap.w.aq: atomically set locked to 1, acquire ordering.
  while(__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  __sync_synchronize();   // no load or store moves above this point
  lk->cpu = mycpu();
}

// Take the lock if it is free, without waiting: 1 if taken, 0 if not.
// For taking a second lock against the usual order, where waiting could
// deadlock (mm/filemap.c's search for a table to share).
int
tryacquire(struct spinlock *lk)
{
  push_off();
  if(__sync_lock_test_and_set(&lk->locked, 1) != 0){
    pop_off();
    return 0;
  }
  __sync_synchronize();
  lk->cpu = mycpu();
  return 1;
}

// Give the lock back.
void
release(struct spinlock *lk)
{
  if(!holding(lk))
    panic("release: lock not held");
  lk->cpu = 0;
  __sync_synchronize();   // stores of the critical section are visible first
  __sync_lock_release(&lk->locked);
  pop_off();
}

// Does this hart hold the lock? Interrupts must be off.
int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

// Does this hart hold any spin lock (or have interrupts pushed off)?
// Then it must not sleep.
int
holding_spinlocks(void)
{
  push_off();
  int held = mycpu()->noff > 1;
  pop_off();
  return held;
}

// push_off/pop_off are intr_off/intr_on that nest: interrupts come back
// on only after the outermost pop_off, and only if they were on before
// the outermost push_off.
void
push_off(void)
{
  int old = intr_get();
  intr_off();
  struct cpu *c = mycpu();
  if(c->noff == 0)
    c->intena = old;
  c->noff++;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();
  if(intr_get())
    panic("pop_off: interrupts on");
  if(c->noff < 1)
    panic("pop_off: not pushed");
  c->noff--;
  if(c->noff == 0 && c->intena)
    intr_on();
}

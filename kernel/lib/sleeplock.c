// Sleep locks: locks that may be held for a long time, for example across
// a disk read. A process that finds the lock taken gives up its hart and
// sleeps until the holder lets go, instead of spinning.
//
// The small spinlock inside each sleep lock guards its fields; it is held
// only for the instant it takes to test or change them.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"

// Make sl a free sleep lock called name (the name is only for debugging).
void
initsleeplock(struct sleeplock *sl, char *name)
{
  initlock(&sl->lk, "sleeplock");
  sl->name = name;
  sl->locked = 0;
  sl->pid = 0;
}

// Take sl, sleeping for as long as another process holds it.
// Invariant: locked and pid only change while sl->lk is held, and pid
// names the holder whenever locked is set.
void
acquiresleep(struct sleeplock *sl)
{
  acquire(&sl->lk);
  while(sl->locked)
    sleep(sl, &sl->lk);
  sl->locked = 1;
  sl->pid = myproc()->pid;
  release(&sl->lk);
}

// Let go of sl and wake every process waiting for it; the one that runs
// first takes it, the others go back to sleep.
void
releasesleep(struct sleeplock *sl)
{
  acquire(&sl->lk);
  sl->locked = 0;
  sl->pid = 0;
  wakeup(sl);
  release(&sl->lk);
}

// Report whether the calling process holds sl (used in sanity checks).
int
holdingsleep(struct sleeplock *sl)
{
  int mine;

  acquire(&sl->lk);
  mine = sl->locked && sl->pid == myproc()->pid;
  release(&sl->lk);
  return mine;
}

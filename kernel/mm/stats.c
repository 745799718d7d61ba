// Memory-system events, counted per process and for the whole system
// (memstat() reports them, mm/inspect.c).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

static uint64 system_events[NVMEVENTS];

// Count one memory-system event for process p (which may be 0) and for
// the system.
void
vm_count(struct proc *p, int event)
{
  __atomic_fetch_add(&system_events[event], 1, __ATOMIC_RELAXED);
  if(p)
    p->vm_events[event]++;      // only p itself counts its events
}

// Count n events of one kind for the system alone (reclaim's, which no
// process asked for).
void
vm_count_many(int event, uint64 n)
{
  __atomic_fetch_add(&system_events[event], n, __ATOMIC_RELAXED);
}

// How many events of this kind the system has counted since boot.
uint64
vm_events(int event)
{
  return __atomic_load_n(&system_events[event], __ATOMIC_RELAXED);
}

// Memory-system accounting: event counters kept per process and for the
// whole system, and the memstat() system call that reports them with the
// allocator's and the page tables' current totals.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"

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

// memstat(struct memstat *st): the system's counters and the caller's.
uint64
sys_memstat(void)
{
  struct proc *p = myproc();
  uint64 addr;
  argaddr(0, &addr);
  struct memstat st = {
    .free_pages = kfreepages(),
    .kernel_pages = kkernelpages(),
    .total_pages = ktotalpages(),
    .lazy_faults = __atomic_load_n(&system_events[VM_LAZY_FAULT], __ATOMIC_RELAXED),
    .cow_faults = __atomic_load_n(&system_events[VM_COW_FAULT], __ATOMIC_RELAXED),
    .cow_copies = __atomic_load_n(&system_events[VM_COW_COPY], __ATOMIC_RELAXED),
    .shared_pages = ksharedpages(),
    .pt_pages = pagetable_pages(),
    .reserved_pages = kreservedpages(),
    .promotions = __atomic_load_n(&system_events[VM_PROMOTION], __ATOMIC_RELAXED),
    .heap_top = USERTOP,
    .overcommit = kconfig.overcommit,
    .p_size = p->sz,
    .p_lazy_faults = p->vm_events[VM_LAZY_FAULT],
    .p_cow_faults = p->vm_events[VM_COW_FAULT],
    .p_cow_copies = p->vm_events[VM_COW_COPY],
    .p_promotions = p->vm_events[VM_PROMOTION],
    .p_fork_copy_ns = p->fork_copy_ns,
  };
  pagetable_census(p->pagetable, &st.p_pt_pages, &st.p_resident);
  return copyout(p->pagetable, addr, (char *)&st, sizeof(st));
}

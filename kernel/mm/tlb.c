// TLB shootdown: which harts may hold translations from an address
// space's page table, and making those harts forget them.
//
// A hart caches translations from a user page table only while it runs a
// process in user mode: every switch to or from a user page table
// flushes its TLB (trampoline.S). So an address space records the harts
// running it in user mode now (mm->harts): a hart sets its bit just
// before it switches to the table and clears it just after it has
// switched away. One who changes an entry that another hart may hold (in
// a table several address spaces share) writes the entry, then reads the
// masks (the atomics are full fences, so a hart that sets its bit after
// that read walks the table afresh and sees the new entry), then has
// every hart in them flush: remote sfence.vma through the firmware (SBI
// RFENCE), which returns once they have.
//
// A process's own tables need none of this: it changes them only while
// it is in the kernel, when no hart runs it in user mode.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

#define HART_MASK_BITS 64      // harts one SBI call's hart_mask can name

// This hart is about to run mm in user mode. Interrupts are off.
void
tlb_enter_user(struct mm *mm)
{
  __atomic_fetch_or(&mm->harts, 1UL << cpuid(), __ATOMIC_SEQ_CST);
}

// This hart has left mm's user mode (its TLB holds nothing of mm's
// table any more). Interrupts are off.
void
tlb_leave_user(struct mm *mm)
{
  __atomic_fetch_and(&mm->harts, ~(1UL << cpuid()), __ATOMIC_SEQ_CST);
}

// Every hart the kernel runs on (bit i: cpus[i]): those that may hold
// translations of an mshare region's tables, which every process
// attached uses (mm/mshare.c).
uint64
tlb_all_harts(void)
{
  return (1UL << harts_used()) - 1;
}

// The harts (bit i: cpus[i]) that may hold translations of mm's table.
uint64
tlb_harts(struct mm *mm)
{
  return __atomic_load_n(&mm->harts, __ATOMIC_SEQ_CST);
}

// Make the harts in `harts` (bit i: cpus[i]) other than this one forget
// their translations of [va, va + size); returns once they have. This
// hart, in the kernel, holds none.
void
tlb_shootdown(uint64 harts, uint64 va, uint64 size)
{
  push_off();
  harts &= ~(1UL << cpuid());
  pop_off();
  uint64 low = 0;              // harts with ids below HART_MASK_BITS: one call
  for(int i = 0; i < NCPU; i++){
    if(!(harts & (1UL << i)))
      continue;
    if(cpus[i].hartid < HART_MASK_BITS)
      low |= 1UL << cpus[i].hartid;
    else
      sbi_remote_sfence_vma(1, cpus[i].hartid, va, size);
  }
  if(low)
    sbi_remote_sfence_vma(low, 0, va, size);
}

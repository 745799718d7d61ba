// Page faults: where a user access that the page table does not allow
// is either resolved or ends the process.
//
// uvm_fault() decides, for traps from user mode and equally for the
// kernel's own accesses to user memory (copyin/copyout):
//   - a store to a copy-on-write page: the process gets its own copy;
//   - any access to the heap [heap_start, sz) where no page is mapped yet
//     (sbrk reserved it lazily): a zeroed page is mapped;
//   - anything else (below the stack's guard page, past the heap, the
//     trampoline or trapframe, a store to a read-only page, an address at
//     or above MAXVA) is a bad access.
// A fault that needs a page when none is free is out of memory: it
// kills only the faulting process.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/pte.h"

// Map a zeroed page at va, inside p's lazily reserved heap: from the
// 2 MiB reservation for its region if p may use megapages
// (mm/superpage.c), else (or when there is none) an ordinary page.
static enum fault_result
lazy_fill(struct proc *p, uint64 va)
{
  int perm = PTE_R | PTE_W | PTE_U;
  int filled = p->superpages == SUPER_OFF ? 0 : super_fill(p, va, p->heap_start, p->sz, perm);
  if(filled < 0)
    return FAULT_OOM;
  if(filled == 0){
    char *mem = kalloc_user();
    if(mem == 0)
      return FAULT_OOM;
    memset(mem, 0, PGSIZE);
    if(mappages(p->pagetable, PGROUNDDOWN(va), PGSIZE, (uint64)mem, perm) != 0){
      kfree(mem);
      return FAULT_OOM;        // no page for the page table
    }
  }
  vm_count(p, VM_LAZY_FAULT);
  return FAULT_OK;
}

// Make the access to user address va by process p possible, if it may
// be made at all. FAULT_OK when the page is now mapped with the needed
// permission, FAULT_BAD for an access the process may not make,
// FAULT_OOM when it may but no memory is left.
enum fault_result
uvm_fault(struct proc *p, uint64 va, enum fault_access access)
{
  if(va >= MAXVA)
    return FAULT_BAD;
  int level;
  pte_t *pte = walk_leaf(p->pagetable, va, &level);
  if(pte && pte_user_allows(*pte, access))
    return FAULT_OK;
  int cow = pte && access == ACCESS_STORE && pte_user(*pte) && pte_cow(*pte);
  int lazy = !pte && va >= p->heap_start && va < p->sz;
  if(!cow && !lazy)
    return FAULT_BAD;
  if(unshare(p->pagetable, va) != 0)      // the entry may be in a shared table
    return FAULT_OOM;
  if(lazy)
    return lazy_fill(p, va);
  pte = walk_leaf(p->pagetable, va, &level);
  return level == PT_LEVEL0 ? cow_break(p->pagetable, va, pte) :
                              super_cow_break(p->pagetable, va, pte);
}

// The access a page-fault cause stands for.
static enum fault_access
fault_access(uint64 scause)
{
  switch(scause){
  case EXC_INST_PAGE_FAULT: return ACCESS_EXEC;
  case EXC_LOAD_PAGE_FAULT: return ACCESS_LOAD;
  default:                  return ACCESS_STORE;
  }
}

static char *access_names[] = {
  [ACCESS_LOAD] "load", [ACCESS_STORE] "store", [ACCESS_EXEC] "exec",
};

// A page fault from user mode: resolve it, or end the process with one
// line naming pid, cause and address (usertrap() then exits it, status -1).
void
page_fault(uint64 scause, uint64 stval)
{
  struct proc *p = myproc();
  enum fault_access access = fault_access(scause);
  enum fault_result r = uvm_fault(p, stval, access);
  if(r == FAULT_OK)
    return;
  if(r == FAULT_OOM)
    printf("pid %d %s: out of memory: page fault (%s) at %p pc %p\n", p->pid,
           p->name, access_names[access], (void *)stval, (void *)p->trapframe->epc);
  else
    printf("pid %d %s: page fault (%s) at %p pc %p\n", p->pid, p->name,
           access_names[access], (void *)stval, (void *)p->trapframe->epc);
  setkilled(p);
}

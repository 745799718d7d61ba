// Page faults: where a user access that the page table does not allow
// is either resolved or ends the process. One path for traps from user
// mode and equally for the kernel's own accesses to user memory
// (copyin/copyout, mm/usercopy.c):
//   trap -> the region of the address (vma_find; in an attached mshare
//   region, the region's own address space and its region there,
//   mm/mshare.c) -> may the region be accessed so? -> for a region that
//   maps a file or shared memory, its prepare operation finds the page
//   (reading the file sleeps, so this comes before the lock) -> one walk
//   to the address, making the tables on the way private and creating
//   missing ones -> the region's fault
//   operation (for anonymous memory, mm/anon.c: a zeroed page on first
//   touch, a copy on a store to a copy-on-write page; for files and
//   shared memory, mm/filemap.c: the read, copy-on-write and shared
//   faults).
// An address in no region (below the stack's guard page, past the heap,
// the trampoline or trapframe, at or above MAXVA) or an access the
// region does not allow (a store to text, a jump into the heap, any
// access to the guard page) is a bad access. A fault that needs a page
// when none is free is out of memory. Either kills only the faulting
// process.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

// The fault's walk readies each table entry on its way so: a table that
// the mappings of a shared region share stays shared (the fault changes
// it for all of them, under its lock); any other shared table is copied.
static int
fault_entry(pte_t *e, int level, uint64 va)
{
  return pte_shmap(*e) ? 0 : unshare_entry(e, level, va);
}

// Run region vmf->vma's prepare operation with mm's lock let go (it may
// sleep), holding a reference on the region's object meanwhile. FAULT_OK
// with the page in vmf->page; or an error; or -1 when the regions
// changed while the lock was let go (the fault must look again). Only an
// mshare region's address space changes so: each process's own is
// changed only by itself, and it is here.
static int
prepare_unlocked(struct mm *mm, struct vm_fault *vmf)
{
  uint64 seq = mm->seq;
  vmf->obj = vmf->vma->obj;
  vmf->index = vma_index(vmf->vma, vmf->va);
  obj_get(vmf->obj);
  mm_unlock(mm);
  int r = vmf->vma->ops->prepare(vmf);
  obj_put(vmf->obj);
  mm_lock(mm);
  if(mm->seq == seq)
    return r;
  if(vmf->page)
    kfree((void *)vmf->page);
  vmf->page = 0;
  return -1;
}

// The fault's walk (vmf->path) ended at a swap entry: read the page back
// into memory, sleeping with mm's lock let go, and map it (mm/anon.c).
// FAULT_OK when it is mapped, or the entry changed meanwhile: either way
// the fault looks again (the access may need more, a copy-on-write copy
// say). FAULT_OOM when no page is free to read into; FAULT_SWAPERR when
// the read failed.
static enum fault_result
swap_fault(struct mm *mm, struct vm_fault *vmf)
{
  pte_t swp = *vmf->path.e[PT_LEVEL0];
  int read;
  mm_unlock(mm);
  uint64 pa = swap_in(pte_swap_slot(swp), &read);
  mm_lock(mm);
  if(pa == 0)
    return FAULT_OOM;
  if(pa == (uint64)-1)
    return FAULT_SWAPERR;
  if(pt_lookup(mm->pagetable, vmf->va, PT_LEVEL0, 0, fault_entry, &vmf->path) != 0 ||
     vmf->path.level != PT_LEVEL0 || *vmf->path.e[PT_LEVEL0] != swp){
    kfree((void *)pa);         // resolved meanwhile, or unmapped: look again
    return FAULT_OK;
  }
  anon_swapped_in(vmf, pa);
  vm_count(vmf->p, read ? VM_SWAP_IN : VM_SWAP_CACHED);
  return FAULT_OK;
}

// Is the page at vmf->va out on swap? Leaves the walk in vmf->path.
static int
swapped(struct mm *mm, struct vm_fault *vmf)
{
  return pt_lookup(mm->pagetable, vmf->va, PT_LEVEL0, 0, 0, &vmf->path) == 0 &&
         vmf->path.level == PT_LEVEL0 && pte_swap(*vmf->path.e[PT_LEVEL0]);
}

// Make the access to user address va in address space mm possible, for
// process p, if it may be made at all. FAULT_OK when the page is now
// mapped with the needed permission, FAULT_BAD for an access the process
// may not make, FAULT_OOM when it may but no memory is left. A fault in
// an attached mshare region is the region's: its address space, whose
// tables the process uses, gets the page (mm/mshare.c).
static enum fault_result
mm_fault(struct proc *p, struct mm *mm, uint64 va, enum fault_access access)
{
  struct vm_fault vmf = { p, mm, 0, PGROUNDDOWN(va), access };
  mm_lock(mm);
again:
  vmf.vma = vma_find(mm, va);
  enum fault_result r = FAULT_BAD;
  if(vmf.vma && (vmf.vma->flags & VMA_MSHARE) && vma_allows(vmf.vma, access)){
    struct mm *region = mshare_link(mm, vmf.vma, va);
    mm_unlock(mm);
    return mm_fault(p, region, va, access);
  }
  if(vmf.vma && vma_allows(vmf.vma, access) && swapped(mm, &vmf)){
    if((r = swap_fault(mm, &vmf)) == FAULT_OK)
      goto again;
  } else if(vmf.vma && vma_allows(vmf.vma, access) && vmf.vma->ops->fault){
    r = FAULT_OK;
    if(vmf.vma->ops->prepare && (r = prepare_unlocked(mm, &vmf)) == -1)
      goto again;
    if(r == FAULT_OK && vmf.vma->ops->share && vmf.vma->ops->share(&vmf) != 0)
      r = FAULT_OOM;
    if(r == FAULT_OK &&
       pt_lookup(mm->pagetable, va, PT_LEVEL0, 1, fault_entry, &vmf.path) != 0)
      r = FAULT_OOM;
    if(r == FAULT_OK)
      r = vmf.vma->ops->fault(&vmf);
  }
  mm_unlock(mm);
  if(vmf.page)
    kfree((void *)vmf.page);
  return r;
}

// Make the access to user address va by process p possible, if it may
// be made at all (mm_fault). When memory has run out, reclaim (or the
// OOM killer) makes room and the fault is tried again, as long as that
// helps; after a fault that left memory short, kswapd is woken.
enum fault_result
uvm_fault(struct proc *p, uint64 va, enum fault_access access)
{
  if(va >= MAXVA)
    return FAULT_BAD;
  for(int tries = 0; ; tries++){
    enum fault_result r = mm_fault(p, p->mm, va, access);
    if(r == FAULT_OK)
      reclaim_check();
    if(r != FAULT_OOM || !reclaim_wait(p, tries))
      return r;
  }
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
  static char *causes[] = {
    [FAULT_BAD] "", [FAULT_OOM] "out of memory: ", [FAULT_SWAPERR] "swap read error: ",
  };
  printf("pid %d %s: %spage fault (%s) at %p pc %p\n", p->pid, p->name, causes[r],
         access_names[access], (void *)stval, (void *)p->trapframe->epc);
  setkilled(p);
}

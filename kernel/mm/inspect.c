// The memory system seen from outside: vmprint() prints a page-table
// tree for debugging, and system calls let a program see its own memory
// and others': kpgtbl() prints its tree, pgpte(va) returns the entry
// that maps va, pgaccess() reports which pages were touched, maps() lists
// a process's regions (like Linux's /proc/PID/maps), memstat() gives the
// counters. GDB's pgtable, pgwalk and vmmap commands (tools/gdb/) show
// the same from the debugger.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

// lab pgtbl: begin
// Walker callback for vmprint: one line per entry, indented " .." per
// level below the root, with the first address it maps (in the form
// the boot option vmprint asks for).
static int
print_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  for(int l = PT_ROOT_LEVEL; l >= level; l--)
    printf(" ..");
  if(kconfig.vmprint == VMPRINT_XV6)
    va = (uint64)(long)(int)va;
  printf("%p pte %p pa %p\n", (void *)va, (void *)*e, (void *)pte_pa(*e));
  return WALK_CONTINUE;
}
// lab pgtbl: end

// Print the tree rooted at pt in the format of xv6's page-table lab:
// "page table 0x<root>", then every valid entry, a table entry before
// the entries under it.
void
vmprint(pagetable_t pt)
{
  // lab pgtbl: begin
  static const struct pt_walk_ops ops = { .leaf = print_entry, .table = print_entry };
  printf("page table %p\n", (void *)pt);
  pt_enter();
  walk_range(pt, 0, MAXVA, &ops, 0);
  pt_exit();
  // lab pgtbl: end
}

// kpgtbl(): print the calling process's page table.
uint64
sys_kpgtbl(void)
{
  vmprint(myproc()->mm->pagetable);
  return 0;
}

// pgpte(va): the leaf entry that maps va in the calling process, at any
// level; 0 if va is not mapped.
uint64
sys_pgpte(void)
{
  uint64 va;
  argaddr(0, &va);
  pt_enter();
  pte_t *pte = walk_leaf(myproc()->mm->pagetable, va, 0);
  pte_t e = pte ? *pte : 0;
  pt_exit();
  return e;
}

// lab pgtbl: begin
struct accessed { uint64 base, bits; };

// Walker callback for pgaccess: note and clear the A bit of a user leaf
// (after unsharing the tables on the way): one bit for each of its pages
// in the range [va, end), of at most PGACCESS_MAX (64) pages.
static int
note_accessed(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct accessed *a = arg;
  if(pte_user(*e) && pte_accessed(*e)){
    uint64 n = (end - va) / PGSIZE, first = (va - a->base) / PGSIZE;
    a->bits |= (n >= 64 ? ~0UL : (1UL << n) - 1) << first;
    *e = pte_mkold(*e);
  }
  return WALK_CONTINUE;
}
// lab pgtbl: end

// pgaccess(base, npages, bitmask): for each of npages (at most
// PGACCESS_MAX) pages from base, set bit i of the bitmask if the hardware
// marked page i accessed (PTE A) since the last call, and clear the mark.
// Writes (npages+7)/8 bytes to bitmask, so an int suffices for 32 pages.
// The pages must lie below MAXVA: a range that leaves the user address
// space (or wraps around 2^64) is refused before any walk. Tables shared
// with another process (mm/sharedpt.c) are unshared first, so clearing
// A bits changes nobody else's view (a megapage's bit stands for all its
// pages). The TLB is flushed so the next access marks the page again;
// this hart's TLB is the only one that can hold the caller's entries
// (see mm/fork.c).
uint64
sys_pgaccess(void)
{
  // lab pgtbl: begin
  uint64 base;
  int npages;
  argaddr(0, &base);
  argint(1, &npages);
  if(npages < 0 || npages > PGACCESS_MAX)
    return -1;
  base = PGROUNDDOWN(base);
  if(!range_below(base, (uint64)npages * PGSIZE, MAXVA))
    return -1;
  struct mm *mm = myproc()->mm;
  struct accessed a = { base, 0 };
  static const struct pt_walk_ops ops = { .leaf = note_accessed, .table = unshare_table };
  mm_lock(mm);
  int r = walk_range(mm->pagetable, base, base + (uint64)npages * PGSIZE, &ops, &a);
  mm_unlock(mm);
  sfence_vma();
  if(r != 0)
    return -1;
  uint64 dst;
  argaddr(2, &dst);
  return copyout(mm->pagetable, dst, (char *)&a.bits, (npages + 7) / 8);
  // lab pgtbl: handout
  // return -1;
  // lab pgtbl: end
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
    .lazy_faults = vm_events(VM_LAZY_FAULT),
    .cow_faults = vm_events(VM_COW_FAULT),
    .cow_copies = vm_events(VM_COW_COPY),
    .shared_pages = ksharedpages(),
    .pt_pages = pagetable_pages(),
    .reserved_pages = kreservedpages(),
    .promotions = vm_events(VM_PROMOTION),
    .heap_top = USERTOP,
    .overcommit = kconfig.overcommit,
    .p_size = p->mm->brk,
    .p_pt_pages = 1,              // the root
    .p_lazy_faults = p->vm_events[VM_LAZY_FAULT],
    .p_cow_faults = p->vm_events[VM_COW_FAULT],
    .p_cow_copies = p->vm_events[VM_COW_COPY],
    .p_promotions = p->vm_events[VM_PROMOTION],
    .file_faults = vm_events(VM_FILE_FAULT),
    .p_file_faults = p->vm_events[VM_FILE_FAULT],
    .p_fork_copy_ns = p->fork_copy_ns,
    .swap_ins = vm_events(VM_SWAP_IN),
    .swap_cache_hits = vm_events(VM_SWAP_CACHED),
    .swap_outs = vm_events(VM_SWAP_OUT),
    .reclaimed = vm_events(VM_RECLAIM),
    .file_reclaimed = vm_events(VM_FILE_RECLAIM),
    .oom_kills = vm_events(VM_OOM_KILL),
    .lru_pages = lru_frames(),
    .reclaim_policy = reclaim_policy(-1),
    .p_swap_ins = p->vm_events[VM_SWAP_IN],
  };
  pcache_counts(&st.file_pages, &st.file_mapped, &st.file_dirty);
  swap_counts(&st.swap_used, &st.swap_total, &st.swap_cached);
  struct census c = { .largest = -1 };
  pt_enter();
  pagetable_census(p->mm->pagetable, 0, MAXVA, &c);
  pt_exit();
  st.p_pt_pages = c.tables;
  st.p_resident = c.user_pages;
  st.p_swapped = c.swapped;
  return copyout(p->mm->pagetable, addr, (char *)&st, sizeof(st));
}

// Describe region v of mm (whose lock the caller holds) for maps().
static void
describe(struct mm *mm, struct vma *v, struct vmregion *r)
{
  struct census c = { .largest = -1 };
  memset(r, 0, sizeof(*r));
  r->start = v->start;
  r->end = v->end;
  r->prot = v->prot;
  if(v->file)
    r->offset = v->pgoff * PGSIZE;
  r->flags = v->flags;
  safestrcpy(r->name, v->name, sizeof(r->name));
  safestrcpy(r->kind, v->ops->kind, sizeof(r->kind));
  pagetable_census(mm->pagetable, v->start, v->end, &c);
  r->resident = c.user_pages;
  r->pagesize = c.largest < 0 ? 0 : PT_LEVEL_SIZE(c.largest);
}

// maps(pid, regions, n): describe up to n regions of process pid (0: the
// caller) into the array regions, in address order, leaving out empty
// ones. Returns how many regions the process has (which may be more than
// n), or -1 if there is no such process or regions is not writable. The
// lock is let go of around each copy (which may fault in the caller's
// own mm), so each region is looked up afresh after the last.
uint64
sys_maps(void)
{
  int pid, n;
  uint64 dst;
  argint(0, &pid);
  argaddr(1, &dst);
  argint(2, &n);
  if(n < 0 || !range_below(dst, (uint64)n * sizeof(struct vmregion), MAXVA))
    return -1;
  struct proc *me = myproc();
  struct mm *mm = proc_mm(pid == 0 ? me->pid : pid);
  if(mm == 0)
    return -1;
  int count = 0, bad = 0;
  uint64 from = 0;
  mm_lock(mm);
  for(struct vma *v = vma_from(mm, from); v; v = vma_from(mm, from)){
    from = v->end;
    if(count < n){
      struct vmregion r;
      describe(mm, v, &r);
      mm_unlock(mm);        // copyout may fault in the caller's own mm
      bad |= copyout(me->mm->pagetable, dst + count * sizeof(r), (char *)&r, sizeof(r));
      mm_lock(mm);
    }
    count++;
  }
  mm_unlock(mm);
  mm_put(mm);
  return bad ? -1 : count;
}

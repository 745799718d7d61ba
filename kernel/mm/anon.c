// Anonymous memory: regions whose pages hold nothing but what the
// process stores there (text and data once loaded, the stack, the heap).
// Every page is zeroed before the process sees it. Pages come two ways:
//  - populated at once (exec's segments and stack, sbrk when it
//    allocates now): anon_populate maps zeroed pages over a range, and a
//    2 MiB megapage wherever the range covers one whole (if the
//    address space may use megapages);
//  - on first touch (sbrk's reserved heap): the region's fault
//    operation maps a zeroed page, from a 2 MiB reservation where one
//    fits (mm/superpage.c).
// lab cow: begin
// A store to a page shared copy-on-write (after fork) also faults here:
// the process gets its own copy, or, holding the last reference, simply
// makes the page writable again. Page and megapage are treated alike,
// except that a megapage others still share is split first, so that only
// the 4 KiB page stored to is copied.
// lab cow: end
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

// Fill the hole *e at level with zeroed memory and permissions perm: a
// page, or at level 1 a megapage. 0, or -1 when none is free.
static int
map_zeroed(pte_t *e, int level, int perm)
{
  // lab superpages: begin
  void *mem = level == PT_LEVEL0 ? kalloc_user() : kalloc_super();
  // lab superpages: handout
  // void *mem = kalloc_user();
  // lab superpages: end
  if(mem == 0)
    return -1;
  memset(mem, 0, PT_LEVEL_SIZE(level));
  leaf_set(e, pte_make_leaf((uint64)mem, perm), level);
  return 0;
}

struct populate {
  int perm;
  int super;                  // may use megapages
  uint64 failed_at;           // where the walk ran out of memory
};

// Walker callback: a hole in the range being populated. A page at level
// 0; a megapage at level 1 when allowed, the range covers it whole and
// a block is free; else a table to go down into. The table comes before
// the page: when memory runs out, the kernel's own pages come from its
// share and the user page fails, so a heap grown a page at a time until
// sbrk fails leaves no user memory free.
static int
populate_hole(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct populate *p = arg;
  // lab superpages: begin
  if(level == PT_LEVEL0 ||
     (level == PT_LEVEL1 && p->super && covers(level, va, end))){
    if(map_zeroed(e, level, p->perm) == 0)
      return WALK_CONTINUE;
    if(level == PT_LEVEL0){
      p->failed_at = va;
      return WALK_STOP;
    }
  }
  // lab superpages: handout
  // if(level == PT_LEVEL0){
  //   if(map_zeroed(e, level, p->perm) == 0)
  //     return WALK_CONTINUE;
  //   p->failed_at = va;
  //   return WALK_STOP;
  // }
  // lab superpages: end
  pagetable_t t = pagetable_alloc();
  if(t == 0){
    p->failed_at = va;
    return WALK_STOP;
  }
  *e = pte_make_table((uint64)t);
  return WALK_CONTINUE;
}

// Walker callback: a table on the way is about to change; make it ours.
// An empty level-0 table (left by a shrink) where a megapage could go is
// freed to make room for one.
static int
populate_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct populate *p = arg;
  if(unshare_entry(e, level, va) != 0){
    p->failed_at = va;
    return WALK_STOP;
  }
  // lab superpages: begin
  if(level != PT_LEVEL1 || !p->super || !covers(level, va, end) ||
     !table_empty(pte_next_table(*e), level - 1))
    return WALK_CONTINUE;
  pagetable_free(pte_next_table(*e));
  *e = 0;
  return populate_hole(arg, e, level, va, end);
  // lab superpages: handout
  // return WALK_CONTINUE;
  // lab superpages: end
}

// Map zeroed pages over [start, end) (page-aligned) of region v of mm,
// with megapages where super allows; pages already mapped stay. 0, or -1
// when memory ran out, having unmapped what it mapped.
int
anon_populate(struct mm *mm, struct vma *v, uint64 start, uint64 end, int super)
{
  struct populate p = { vma_pte_perm(v), super, 0 };
  static const struct pt_walk_ops ops = { .hole = populate_hole, .table = populate_table };
  if(walk_range(mm->pagetable, start, end, &ops, &p) == 0)
    return 0;
  // Every table up to failed_at is private by now: this cannot fail.
  unmap_range(mm->pagetable, start, PGROUNDDOWN(p.failed_at), UNMAP_PAGES);
  return -1;
}

// A fault found the swap entry *e at level 0 in vmf's walk, and swap_in
// read its page back as pa (a reference, which the entry takes over):
// map it. The entry's slot reference goes; the last one frees the slot
// and the swap cache's copy. The page is mapped with the region's
// permissions if it is then this address space's alone; while other
// entries still name the slot (after fork), or others map the page
// already (they read it back from the cache first), it is shared, and
// mapped copy-on-write, as fork left it.
void
anon_swapped_in(struct vm_fault *vmf, uint64 pa)
{
  pte_t *e = vmf->path.e[PT_LEVEL0];
  uint64 slot = pte_swap_slot(*e);
  pte_t leaf = pte_make_leaf(pa, vma_pte_perm(vmf->vma));
  if(swap_slot_refs(slot) > 1 || kpage_refs(pa) > 2)   // 2: this entry's, and the cache's
    leaf = pte_mkcow(leaf);
  swap_slot_put(slot);
  *e = 0;
  leaf_set(e, leaf, PT_LEVEL0);
}

// lab cow: begin
// A store to the copy-on-write leaf *e at level. If this address space
// holds the only reference to every frame it maps, it just becomes
// writable again; otherwise a megapage is split and the 4 KiB page
// stored to is copied.
static enum fault_result
cow_break(struct vm_fault *vmf, pte_t *e, int level)
{
  uint64 pa = pte_pa(*e);
  if(kframes_private(pa, PT_LEVEL_FRAMES(level))){
    *e = pte_mkwrite(*e);
    return FAULT_OK;
  }
  // lab superpages: begin
  if(level > PT_LEVEL0){
    if(split_leaf(e, level) != 0)
      return FAULT_OOM;
    return cow_break(vmf, &pte_next_table(*e)[PX(level - 1, vmf->va)], level - 1);
  }
  // lab superpages: end
  pte_t copy;
  if(copy_leaf(*e, level, &copy) != 0)
    return FAULT_OOM;
  entry_put(e, level);           // drop this address space's reference
  leaf_set(e, copy, level);
  vm_count(vmf->p, VM_COW_COPY);
  return FAULT_OK;
}
// lab cow: end

// A first touch of a page never mapped: a zeroed page, from the 2 MiB
// reservation for its region if the address space may use megapages,
// else (or when there is none) an ordinary page.
static enum fault_result
lazy_fill(struct vm_fault *vmf)
{
  // lab lazy: begin
  struct vma *v = vmf->vma;
  int perm = vma_pte_perm(v), promoted = 0, filled = 0;
  if(vmf->mm->superpages != SUPER_OFF)
    filled = reserve_fill(&vmf->path, vmf->va, v->start, v->end, perm, &promoted);
  if(filled == 0)
    filled = map_zeroed(vmf->path.e[PT_LEVEL0], PT_LEVEL0, perm) == 0 ? 1 : -1;
  if(filled < 0)
    return FAULT_OOM;
  vm_count(vmf->p, VM_LAZY_FAULT);
  if(promoted)
    vm_count(vmf->p, VM_PROMOTION);
  return FAULT_OK;
  // lab lazy: handout
  // return FAULT_BAD;              // sbrk maps every page at once: none is missing
  // lab lazy: end
}

// The fault operation of anonymous regions: the walk in vmf ended at a
// leaf (a copy-on-write store, or an access its permissions allow after
// all) or at a hole at level 0 (a first touch).
static int
anon_fault(struct vm_fault *vmf)
{
  int level = vmf->path.level;
  pte_t *e = vmf->path.e[level];
  if(!pte_leaf(*e))
    return lazy_fill(vmf);
  // lab cow: begin
  if(vmf->access == ACCESS_STORE && pte_cow(*e)){
    vm_count(vmf->p, VM_COW_FAULT);
    return cow_break(vmf, e, level);
  }
  // lab cow: end
  return pte_user_allows(*e, vmf->access) ? FAULT_OK : FAULT_BAD;
}

const struct vma_ops anon_ops = {
  .kind = "anon",
  .fault = anon_fault,
};

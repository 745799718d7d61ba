// mmap(), munmap(), mprotect() and msync(): the regions a program adds to
// its address space, changes and takes away again, with Linux's meaning
// and flag values (kernel/fcntl.h):
//  - MAP_PRIVATE | MAP_ANONYMOUS: zeroed memory, copy-on-write after
//    fork, like the heap, with megapages by reservation where a region
//    holds a whole 2 MiB (mm/anon.c);
//  - MAP_SHARED | MAP_ANONYMOUS: zeroed memory that fork's children
//    share: every store is seen by all (mm/filemap.c);
//  - a file, MAP_PRIVATE: the file's pages, copied on the first store;
//    nothing reaches the file;
//  - a file, MAP_SHARED: the file's pages themselves, shared with every
//    process that maps them and with read() and write(); stores reach the
//    file at msync, munmap, exit and exec.
//
// Without MAP_FIXED the kernel picks the range, top-down: the highest
// free range below mm->mmap_low (which starts at USERTOP and follows the
// lowest region placed so far), or failing that the highest free range
// anywhere above the heap. So the heap and the mappings grow towards
// each other, as in Linux. With MAP_FIXED the range is addr's, and the
// mappings already there go first. Only mappings made by mmap may be
// replaced, unmapped or protected: never the program's own regions
// (text, data, stack, heap) nor the kernel's pages at the top.
//
// munmap and mprotect over part of a region split it; neighbours left
// with equal properties (and, for an object, adjoining offsets) merge.
// Every call either does all it was asked or, when out of memory,
// returns -1 having changed nothing the process can see.
//
// Regions taken out are freed only after mm->lock is let go: freeing one
// may close its file, which writes the disk.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "riscv.h"
#include "fs.h"
#include "file.h"
#include "stat.h"
#include "proc.h"
#include "defs.h"
#include "fcntl.h"
#include "mm/internal.h"

#define MAP_KNOWN (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)
#define PROT_KNOWN (PROT_READ | PROT_WRITE | PROT_EXEC)

// Does [start, end) hold nothing but regions made by mmap (or nothing)?
static int
only_mappings(struct mm *mm, uint64 start, uint64 end)
{
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next)
    if(!(v->flags & VMA_MMAP))
      return 0;
  return 1;
}

// Is every page of [start, end) in a region (made by mmap, if
// only_mmap)?
static int
all_mapped(struct mm *mm, uint64 start, uint64 end, int only_mmap)
{
  uint64 va = start;
  for(struct vma *v = vma_from(mm, start); v && v->start <= va && va < end; v = v->next){
    if(only_mmap && !(v->flags & VMA_MMAP))
      return 0;
    va = v->end;
  }
  return va >= end;
}

// The highest free range of len bytes in [low, high), or 0 if none: try
// just below high, and below each region in the way, going down.
static uint64
free_range_below(struct mm *mm, uint64 low, uint64 high, uint64 len)
{
  uint64 start = high - len;
  while(start >= low && start < high){
    if(vma_range_free(mm, start, start + len))
      return start;
    start = vma_from(mm, start)->start - len;
  }
  return 0;
}

// Where a mapping of len bytes (page-aligned) can go: below the lowest
// mapping first, then anywhere above the heap. 0 if nowhere.
static uint64
place(struct mm *mm, uint64 len)
{
  uint64 low = mm->heap->end;
  if(len > USERTOP - low)
    return 0;
  uint64 va = 0;
  if(mm->mmap_low - low >= len)
    va = free_range_below(mm, low, mm->mmap_low, len);
  if(va == 0)
    va = free_range_below(mm, low, USERTOP, len);
  if(va && va < mm->mmap_low)
    mm->mmap_low = va;
  return va;
}

// Free the regions on the list dead (chained through next), taken out of
// an mm. Called with no spin lock held.
static void
free_dead(struct vma *dead)
{
  while(dead){
    struct vma *next = dead->next;
    vma_free(dead);
    dead = next;
  }
}

// Take region v out of mm and put it on *dead, to be freed later.
static void
bury(struct mm *mm, struct vma *v, struct vma **dead)
{
  vma_remove(mm, v);
  v->next = *dead;
  *dead = v;
}

// May regions a and b (a just below b) be one region? (Two attachments
// never: each attaches a region of its own.)
static int
mergeable(struct vma *a, struct vma *b)
{
  return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
         !(a->flags & VMA_MSHARE) &&
         a->ops == b->ops && a->obj == b->obj && a->file == b->file &&
         strncmp(a->name, b->name, VMA_NAME) == 0 &&
         (a->obj == 0 || a->pgoff + (a->end - a->start) / PGSIZE == b->pgoff);
}

// Merge the regions in [start, end) and those just outside it with their
// neighbours where they are alike; what is left over goes on *dead.
static void
merge_range(struct mm *mm, uint64 start, uint64 end, struct vma **dead)
{
  struct vma *v = vma_from(mm, start ? start - 1 : 0);
  while(v && v->start <= end){
    struct vma *next = v->next;
    if(next && mergeable(v, next)){
      bury(mm, next, dead);
      v->end = next->end;       // keeps its place in the tree: nothing lies between
    } else {
      v = next;
    }
  }
}

// If a region strictly contains va, cut it in two there. 0, or -1 when
// out of memory or regions (MAX_MAP_COUNT).
static int
split_at(struct mm *mm, uint64 va)
{
  struct vma *v = vma_find(mm, va);
  if(v == 0 || v->start == va)
    return 0;
  if(mm->nvmas >= MAX_MAP_COUNT)
    return -1;
  struct vma *tail = vma_dup(v);
  if(tail == 0)
    return -1;
  tail->start = va;
  if(tail->obj)
    tail->pgoff += (va - v->start) / PGSIZE;
  v->end = va;
  vma_insert(mm, tail);
  return 0;
}

// Make [start, end) begin and end on region boundaries. 0, or -1 when out
// of memory (the regions as they were).
static int
split_range(struct mm *mm, uint64 start, uint64 end, struct vma **dead)
{
  if(split_at(mm, start) != 0)
    return -1;
  if(split_at(mm, end) == 0)
    return 0;
  merge_range(mm, start, start, dead);
  return -1;
}

// Remove [start, end) (page-aligned, holding only mappings) from mm: its
// pages, then the regions, which are cut where the range ends inside
// them. Caller holds mm->lock. 0, or -1 when out of memory (nothing
// changed). In an mshare region's address space, whose tables other
// harts use, the tables stay until the region goes, and those harts
// forget the old translations before the pages can go (with the regions
// on *dead).
static int
unmap_regions(struct mm *mm, uint64 start, uint64 end, struct vma **dead)
{
  if(split_range(mm, start, end, dead) != 0)
    return -1;
  if(unmap_range(mm->pagetable, start, end, mm->mshare ? UNMAP_PAGES : UNMAP_ALL) != 0){
    merge_range(mm, start, end, dead);
    return -1;
  }
  tlb_shootdown(tlb_harts(mm), start, end - start);
  for(struct vma *v = vma_from(mm, start), *next; v && v->start < end; v = next){
    next = v->next;
    bury(mm, v, dead);
  }
  if(start <= mm->mmap_low && mm->mmap_low < end)
    mm->mmap_low = end;        // place the next mapping where this one was
  return 0;
}

// Write back what the shared file regions of the caller's mm hold in
// [start, end). The owner may read its own regions without the lock.
static void
sync_range(struct mm *mm, uint64 start, uint64 end)
{
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next)
    mapping_sync(mm, v, start > v->start ? start : v->start, end < v->end ? end : v->end);
}

// The file behind mmap's fd, checked against prot and flags: a file open
// for reading (and, for a shared mapping that may be written, for
// writing). 0 if it may not be mapped so.
static struct file *
mappable_file(int prot, int flags)
{
  struct file *f;
  if(argfd(4, 0, &f) < 0 || f->type != FD_INODE || f->ip->type != T_FILE || !f->readable)
    return 0;
  if((flags & MAP_SHARED) && (prot & PROT_WRITE) && !f->writable)
    return 0;
  return f;
}

// A new region, not yet placed, for mmap's prot, flags and file f (0 for
// anonymous memory) at page offset pgoff; 0 if out of memory.
static struct vma *
new_mapping(int prot, int flags, struct file *f, uint64 pgoff)
{
  int kind = (flags & MAP_SHARED) ? VMA_SHARED : VMA_PRIVATE;
  if(f == 0 && kind == VMA_PRIVATE)
    return vma_alloc(0, 0, prot, kind | VMA_MMAP, &anon_ops, "anon");
  struct vm_object *obj;
  if(f){
    ilock(f->ip);
    obj = file_object(f->ip);
    iunlock(f->ip);
  } else {
    obj = obj_create(0);
  }
  if(obj == 0)
    return 0;
  struct vma *v = vma_alloc(0, 0, prot, kind | VMA_MMAP, f ? &file_ops : &shm_ops,
                            f ? f->name : "shm");
  if(v == 0){
    obj_put(obj);
    return 0;
  }
  v->obj = obj;
  v->pgoff = pgoff;
  v->file = f ? filedup(f) : 0;
  return v;
}

// Put the new region v of len bytes into mm: with fixed (MAP_FIXED) at
// addr, the mappings there removed first, else where place() finds
// room. The address, or 0 (v freed).
static uint64
insert_mapping(struct mm *mm, struct vma *v, uint64 addr, uint64 len, int fixed)
{
  struct vma *dead = 0;
  if(fixed)
    sync_range(mm, addr, addr + len);
  mm_lock(mm);
  if(mm->nvmas + (fixed ? 3 : 1) > MAX_MAP_COUNT){
    addr = 0;                  // room for the region, and for two splits of MAP_FIXED
  } else if(fixed){
    if(unmap_regions(mm, addr, addr + len, &dead) != 0)
      addr = 0;
  } else {
    addr = place(mm, len);
  }
  if(addr){
    v->start = addr;
    v->end = addr + len;
    vma_insert(mm, v);
    merge_range(mm, v->start, v->end, &dead);
  }
  mm_unlock(mm);
  if(addr == 0)
    vma_free(v);
  free_dead(dead);
  return addr;
}

// How [start, end) meets mm's mshare attachments (mm/mshare.c): the
// attachment it lies inside, for a call that then acts on the region's
// mappings; 0 if it meets none, or (with whole) only attachments it
// covers whole, which munmap and MAP_FIXED then detach. *bad is set if it
// meets one otherwise (in part).
static struct vma *
attachment(struct mm *mm, uint64 start, uint64 end, int whole, int *bad)
{
  *bad = 0;
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next){
    if(!(v->flags & VMA_MSHARE) || (whole && start <= v->start && v->end <= end))
      continue;
    if(v->start <= start && end <= v->end)
      return v;
    *bad = 1;
  }
  return 0;
}

// Split the regions of each of an mshare region's address spaces where
// [start, end) begins and ends, so that the change to come cannot fail
// in one of them after it was made in another. 0, or -1 when out of
// memory (the splits made stay: they change nothing anyone sees).
static int
split_spaces(struct mm *space[MSHARE_SPACES], uint64 start, uint64 end, struct vma **dead)
{
  int r = 0;
  for(int i = 0; i < MSHARE_SPACES && r == 0; i++){
    mm_lock(space[i]);
    r = split_range(space[i], start, end, dead);
    mm_unlock(space[i]);
  }
  return r;
}

// mmap with MAP_FIXED inside attachment a: add the shared mapping v to
// a's region at [addr, addr + len), where the region maps nothing yet,
// in each of its address spaces (mm/mshare.c), for every process
// attached. Only a process attached read-write may. The address, or -1
// (v freed).
static uint64
region_mmap(struct vma *a, struct vma *v, uint64 addr, uint64 len)
{
  struct mm *space[MSHARE_SPACES];
  int prot[MSHARE_SPACES];
  if(!(v->flags & VMA_SHARED) || mshare_begin(a, v->prot, space, prot) != 0){
    vma_free(v);
    return -1;
  }
  v->start = addr;
  v->end = addr + len;
  struct vma *m[MSHARE_SPACES] = { v };
  int ok = 1;
  for(int i = 0; i < MSHARE_SPACES && ok; i++)
    ok = space[i]->nvmas < MAX_MAP_COUNT && vma_range_free(space[i], addr, v->end) &&
         (m[i] || (m[i] = vma_dup(v)) != 0);
  struct vma *dead = 0;
  for(int i = 0; i < MSHARE_SPACES && ok; i++){
    m[i]->prot = prot[i];
    mm_lock(space[i]);
    vma_insert(space[i], m[i]);
    merge_range(space[i], addr, addr + len, &dead);
    mm_unlock(space[i]);
  }
  mshare_end(a);
  for(int i = 0; i < MSHARE_SPACES && !ok; i++)
    if(m[i])
      vma_free(m[i]);
  free_dead(dead);
  return ok ? addr : -1;
}

// mmap(addr, length, prot, flags, fd, offset): map length bytes (rounded
// up to pages) with permissions prot: of the file open as fd from offset
// (page-aligned) on, or with MAP_ANONYMOUS zeroed memory (fd and offset
// ignored). Exactly one of MAP_SHARED and MAP_PRIVATE; with MAP_FIXED,
// addr (page-aligned) is where it must go, else a hint not taken. A file
// that names an mshare region is attached instead, and a MAP_FIXED range
// inside an attached region is added to the region (mm/mshare.c).
// Returns the address, or -1 (as a pointer: MAP_FAILED).
uint64
sys_mmap(void)
{
  uint64 addr, len, off;
  int prot, flags;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  argint(3, &flags);
  argaddr(5, &off);
  int sharing = flags & (MAP_SHARED | MAP_PRIVATE);
  if((flags & ~MAP_KNOWN) || (sharing != MAP_SHARED && sharing != MAP_PRIVATE) ||
     (prot & ~PROT_KNOWN) || len == 0 || len > USERTOP ||
     ((flags & MAP_FIXED) && (addr % PGSIZE || !range_below(addr, PGROUNDUP(len), USERTOP))))
    return -1;
  len = PGROUNDUP(len);
  struct mm *mm = myproc()->mm;
  struct file *f = 0;
  if(!(flags & MAP_ANONYMOUS)){
    if(off % PGSIZE || !range_below(off, len, MAXVA) || (f = mappable_file(prot, flags)) == 0)
      return -1;
    if(f->ip->mshare)
      return off ? -1 : mshare_attach(mm, f, addr, len, prot, flags);
  }
  // The owner may read its own regions without the lock (only it changes them).
  struct vma *a = 0;
  int bad = 0;
  if(flags & MAP_FIXED)
    a = attachment(mm, addr, addr + len, 1, &bad);
  if(bad || (!a && (flags & MAP_FIXED) && !only_mappings(mm, addr, addr + len)))
    return -1;
  struct vma *v = new_mapping(prot, flags, f, f ? off / PGSIZE : 0);
  if(v == 0)
    return -1;
  if(a)
    return region_mmap(a, v, addr, len);
  addr = insert_mapping(mm, v, addr, len, flags & MAP_FIXED);
  return addr ? addr : -1;
}

// The page-aligned range [*start, *end) a call names by addr and length
// (rounded up to pages): 0, or -1 if addr is not page-aligned, length is
// 0 or the range reaches past USERTOP.
static int
arg_range(uint64 *start, uint64 *end)
{
  uint64 addr, len;
  argaddr(0, &addr);
  argaddr(1, &len);
  if(addr % PGSIZE || len == 0 || len > USERTOP)
    return -1;
  len = PGROUNDUP(len);
  if(!range_below(addr, len, USERTOP))
    return -1;
  *start = addr;
  *end = addr + len;
  return 0;
}

// munmap inside attachment a: remove [start, end) from a's region, in
// each of its address spaces, for every process attached. Only a process
// attached read-write may. 0 or -1 (nothing changed).
static int
region_munmap(struct vma *a, uint64 start, uint64 end)
{
  struct mm *space[MSHARE_SPACES];
  int prot[MSHARE_SPACES];
  if(mshare_begin(a, 0, space, prot) != 0)
    return -1;
  struct vma *dead = 0;
  int r = split_spaces(space, start, end, &dead);
  for(int i = 0; i < MSHARE_SPACES && r == 0; i++){
    sync_range(space[i], start, end);
    mm_lock(space[i]);
    unmap_regions(space[i], start, end, &dead);  // cannot fail: split, and no table to copy
    mm_unlock(space[i]);
  }
  mshare_end(a);
  free_dead(dead);
  return r;
}

// munmap(addr, length): remove the mappings in [addr, addr + length)
// (length rounded up to pages; addr page-aligned), writing back what
// shared file mappings stored, and cutting regions it ends inside. Only
// mappings made by mmap may be removed. 0 or -1.
uint64
sys_munmap(void)
{
  uint64 start, end;
  int bad;
  if(arg_range(&start, &end) != 0)
    return -1;
  struct mm *mm = myproc()->mm;
  struct vma *a = attachment(mm, start, end, 1, &bad);
  if(a)
    return region_munmap(a, start, end);
  if(bad || !only_mappings(mm, start, end))
    return -1;
  sync_range(mm, start, end);
  struct vma *dead = 0;
  mm_lock(mm);
  int r = unmap_regions(mm, start, end, &dead);
  mm_unlock(mm);
  free_dead(dead);
  return r;
}

// The leaf *e of region v, with the permissions v has now. A page that
// was not writable does not become so here: in a private region it is
// marked copy-on-write, so that a store copies it unless it is the
// process's own (mm/anon.c), and in a shared region a store faults, so
// that a file's page is known to be dirty (mm/filemap.c).
static pte_t
reprotect(struct vma *v, pte_t e)
{
  pte_t n = pte_make_leaf(pte_pa(e), vma_pte_perm(v)) | (e & (PTE_A | PTE_D | PTE_COW));
  if(!pte_writable(n) || pte_writable(e))
    return n;
  n &= ~PTE_W;
  return (v->flags & VMA_PRIVATE) ? n | PTE_COW : n;
}

// Walker callback for mprotect: a leaf takes its region's permissions.
static int
protect_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  *e = reprotect(arg, *e);
  return WALK_CONTINUE;
}

// Give the mappings of mm in [start, end) the permissions prot (see
// mprotect). Harts that run mm (an mshare region's) forget the old
// translations. 0, or -1 with nothing changed.
static int
protect(struct mm *mm, uint64 start, uint64 end, int prot, struct vma **dead)
{
  int r = -1;
  mm_lock(mm);
  if(!all_mapped(mm, start, end, 1))
    goto out;
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next)
    if((v->flags & VMA_SHARED) && v->file && (prot & PROT_WRITE) && !v->file->writable)
      goto out;
  if(make_private(mm->pagetable, start, end) != 0 || split_range(mm, start, end, dead) != 0)
    goto out;
  static const struct pt_walk_ops ops = { .leaf = protect_leaf };
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next){
    v->prot = prot;
    walk_range(mm->pagetable, v->start, v->end, &ops, v);
  }
  mm->seq++;
  tlb_shootdown(tlb_harts(mm), start, end - start);
  merge_range(mm, start, end, dead);
  r = 0;
out:
  mm_unlock(mm);
  return r;
}

// mprotect inside attachment a: protect [start, end) of a's region, in
// each of its address spaces, for every process attached. Only a process
// attached read-write may. 0 or -1 (nothing changed).
static int
region_mprotect(struct vma *a, uint64 start, uint64 end, int prot)
{
  struct mm *space[MSHARE_SPACES];
  int sprot[MSHARE_SPACES];
  if(mshare_begin(a, prot, space, sprot) != 0)
    return -1;
  struct vma *dead = 0;
  // Split first: then the first protect fails or none does.
  int r = split_spaces(space, start, end, &dead);
  for(int i = 0; i < MSHARE_SPACES && r == 0; i++)
    r = protect(space[i], start, end, sprot[i], &dead);
  mshare_end(a);
  free_dead(dead);
  return r;
}

// mprotect(addr, length, prot): give the mappings in [addr, addr +
// length) the permissions prot, splitting regions it ends inside. Every
// page must be in a mapping made by mmap; PROT_WRITE on a shared mapping
// needs its file open for writing. Inside an attached mshare region, the
// region's mappings are protected. 0 or -1.
uint64
sys_mprotect(void)
{
  uint64 start, end;
  int prot, bad;
  argint(2, &prot);
  if(arg_range(&start, &end) != 0 || (prot & ~PROT_KNOWN))
    return -1;
  struct mm *mm = myproc()->mm;
  struct vma *a = attachment(mm, start, end, 0, &bad);
  if(bad)
    return -1;
  if(a)
    return region_mprotect(a, start, end, prot);
  struct vma *dead = 0;
  int r = protect(mm, start, end, prot, &dead);
  free_dead(dead);
  return r;
}

// msync inside attachment a: write back what the shared file mappings
// of a's region hold in [start, end). A process attached read-only
// stored nothing there: nothing to do for it. 0 or -1.
static int
region_msync(struct vma *a, uint64 start, uint64 end)
{
  struct mm *space[MSHARE_SPACES];
  int prot[MSHARE_SPACES];
  if(mshare_begin(a, 0, space, prot) != 0)
    return 0;
  int ok = all_mapped(space[0], start, end, 0);
  if(ok)
    sync_range(space[0], start, end);
  mshare_end(a);
  return ok ? 0 : -1;
}

// msync(addr, length, flags): write back to their files the pages of the
// shared file mappings in [addr, addr + length) that were stored to.
// MS_SYNC and MS_ASYNC both write before returning (there is no
// background writer); MS_INVALIDATE has nothing to do, since every
// mapping of a file page maps the one cached page. Every page must be in
// some region (for one that maps no file, there is nothing to do). 0 or
// -1.
uint64
sys_msync(void)
{
  uint64 start, end;
  int flags;
  argint(2, &flags);
  if(arg_range(&start, &end) != 0 || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
     (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
    return -1;
  struct mm *mm = myproc()->mm;
  int bad;
  struct vma *a = attachment(mm, start, end, 0, &bad);
  if(bad || !all_mapped(mm, start, end, 0))
    return -1;
  if(a)
    return region_msync(a, start, end);
  sync_range(mm, start, end);
  return 0;
}

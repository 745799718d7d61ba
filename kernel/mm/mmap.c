// mmap() and munmap(): regions a program adds to its address space and
// takes away again. So far anonymous private memory only (MAP_PRIVATE |
// MAP_ANONYMOUS): zeroed on first touch, copy-on-write after fork, like
// the heap, and with megapages by reservation where a region holds a
// whole 2 MiB. File-backed and shared mappings fail with -1 until the
// page cache exists.
//
// Without MAP_FIXED the kernel picks the range, top-down: the highest
// free range below mm->mmap_low (which starts at USERTOP and follows the
// lowest region placed so far), or failing that the highest free range
// anywhere above the heap. So the heap and the mappings grow towards
// each other, as in Linux. With MAP_FIXED the range is addr's, and the
// mappings already there go first; a fixed range may not cover the
// program's own regions (text, data, stack, heap), nor may munmap.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "fcntl.h"
#include "mm/internal.h"

// Does [start, end) hold nothing but regions made by mmap (or nothing)?
static int
only_mappings(struct mm *mm, uint64 start, uint64 end)
{
  for(struct vma *v = vma_from(mm, start); v && v->start < end; v = v->next)
    if(!(v->flags & VMA_MMAP))
      return 0;
  return 1;
}

// The highest free range of len bytes in [low, high), or 0 if none: try
// just below high, and below each region in the way, going down.
static uint64
free_range_below(struct mm *mm, uint64 low, uint64 high, uint64 len)
{
  uint64 start = high - len;
  while(start >= low && start < high){
    struct vma *v = vma_from(mm, start);
    if(v == 0 || v->start >= start + len)
      return start;
    start = v->start - len;
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

// Remove [start, end) (page-aligned, holding only mappings) from mm: its
// pages, then the regions, which are cut where the range ends inside
// them. Caller holds mm->lock. 0, or -1 when out of memory (nothing
// changed).
static int
unmap_regions(struct mm *mm, uint64 start, uint64 end)
{
  struct vma *v = vma_from(mm, start), *tail = 0;
  if(v && v->start < start && v->end > end &&
     (tail = vma_alloc(end, v->end, v->prot, v->flags, v->ops, v->name)) == 0)
    return -1;
  if(unmap_range(mm->pagetable, start, end, UNMAP_ALL) != 0){
    if(tail)
      vma_free(tail);
    return -1;
  }
  while(v && v->start < end){
    struct vma *next = v->next;
    if(v->start >= start && v->end <= end)
      vma_remove(mm, v);
    else if(v->start < start)
      v->end = start;          // tail, if any, keeps what lay past end
    else
      v->start = end;          // keeps its place in the tree: nothing lies between
    v = next;
  }
  if(tail)
    vma_insert(mm, tail);
  if(start <= mm->mmap_low && mm->mmap_low < end)
    mm->mmap_low = end;        // place the next mapping where this one was
  return 0;
}

// mmap(addr, length, prot, flags, fd, offset): map length bytes (rounded
// up to pages) of zeroed memory with permissions prot; flags must be
// MAP_PRIVATE | MAP_ANONYMOUS, with MAP_FIXED if addr (page-aligned) is
// where it must go; fd and offset are ignored. Returns the address, or
// -1 (as a pointer: MAP_FAILED).
uint64
sys_mmap(void)
{
  uint64 addr, len, off;
  int prot, flags, fd;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  argint(3, &flags);
  argint(4, &fd);
  argaddr(5, &off);
  if((flags & ~MAP_FIXED) != (MAP_PRIVATE | MAP_ANONYMOUS) ||
     (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || len == 0 || len > USERTOP)
    return -1;
  len = PGROUNDUP(len);
  struct mm *mm = myproc()->mm;
  struct vma *v = vma_alloc(0, 0, prot, VMA_PRIVATE | VMA_MMAP, &anon_ops, "anon");
  if(v == 0)
    return -1;
  acquire(&mm->lock);
  if(flags & MAP_FIXED){
    if(addr % PGSIZE || !range_below(addr, len, USERTOP) || !only_mappings(mm, addr, addr + len) ||
       unmap_regions(mm, addr, addr + len) != 0)
      addr = 0;
  } else {
    addr = place(mm, len);
  }
  if(addr){
    v->start = addr;
    v->end = addr + len;
    vma_insert(mm, v);
  }
  release(&mm->lock);
  if(addr == 0){
    vma_free(v);
    return -1;
  }
  return addr;
}

// munmap(addr, length): remove the mappings in [addr, addr + length)
// (length rounded up to pages; addr page-aligned), cutting regions it
// ends inside. Only mappings made by mmap may be removed. 0 or -1.
uint64
sys_munmap(void)
{
  uint64 addr, len;
  argaddr(0, &addr);
  argaddr(1, &len);
  if(addr % PGSIZE || len == 0 || len > USERTOP)
    return -1;
  len = PGROUNDUP(len);
  if(!range_below(addr, len, USERTOP))
    return -1;
  struct mm *mm = myproc()->mm;
  acquire(&mm->lock);
  int r = only_mappings(mm, addr, addr + len) ? unmap_regions(mm, addr, addr + len) : -1;
  release(&mm->lock);
  return r;
}

// Regions that map a memory object's pages (mm/pagecache.c): a file,
// mapped private or shared, or shared anonymous memory. And the file's
// side of the unified page cache: the pages read() copies from, and the
// write-back of what shared mappings stored.
//
// lab mmap: begin
// A fault in such a region is one of three (Linux's do_read_fault,
// do_cow_fault and do_shared_fault):
//  - a read fault (a load, or a jump) maps the object's page. In a
//    private region that may be written it is mapped read-only and
//    copy-on-write; in a shared file region read-only too, so that the
//    first store faults and the page is known to be dirty;
//  - a copy-on-write fault (a store to a private region) maps a copy of
//    the object's page, so nothing the process stores reaches the file or
//    the other processes;
//  - a shared fault (a store to a shared region) maps the object's page
//    writable and marks it dirty: every process mapping the page sees the
//    store at once, and read() on the file too.
// A read fault also maps the pages around it that the cache holds
// (fault-around), so that reading a cached file through a mapping costs
// one trap per 16 pages. Before any of the three, with no lock held, the
// region's prepare operation finds the page: in the cache, or read from
// the file into a new page (zeros past the end of the file; a page wholly
// past it is a bad access), or for shared memory a zeroed page.
//
// Write-back (mapping_sync, at msync, munmap, exit and exec): the D bits
// in the caller's table entries are gathered into the pages' dirty marks
// and cleared, then every dirty page of the range is written through the
// file system's log. A page stays marked dirty after its write while a
// store to it could go unseen: when some other table entry (another
// process's, or one in a table fork shares) maps it.
// lab mmap: handout
// // Before a fault in such a region takes the address space's lock, with
// // no lock held, the region's prepare operation finds the page for the
// // faulting address (vmf->page): in the cache, or read from the file into
// // a new page (zeros past the end of the file; a page wholly past it is a
// // bad access), or for shared memory a zeroed page. Mapping it, and
// // writing back what shared mappings stored (mapping_sync, at msync,
// // munmap, exit and exec), are the mmap lab's: labs/mmap/README.md.
// lab mmap: end
//
// Files stay on 4 KiB pages; megapages are for anonymous memory.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "riscv.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

// The object page index that address va of region v maps.
uint64
vma_index(struct vma *v, uint64 va)
{
  return v->pgoff + (va - v->start) / PGSIZE;
}

// The object holding the pages of the locked inode ip, made on first
// use (the inode keeps a reference until it leaves the inode table);
// 0 if out of memory.
static struct vm_object *
inode_object(struct inode *ip)
{
  if(ip->obj == 0)
    ip->obj = obj_create(ip);
  return ip->obj;
}

// The object of the locked inode ip, with a reference for a region to
// keep; 0 if out of memory.
struct vm_object *
file_object(struct inode *ip)
{
  struct vm_object *obj = inode_object(ip);
  if(obj)
    obj_get(obj);
  return obj;
}

// Page index of the locked file ip: from the cache, or read from the disk
// into a new page, with zeros past the end of the file. FAULT_OK with the
// frame in *pa (a reference for the caller), FAULT_BAD for a page wholly
// past the end of the file, FAULT_OOM.
static int
file_page(struct inode *ip, uint64 index, uint64 *pa)
{
  struct vm_object *obj = inode_object(ip);
  if(obj == 0)
    return FAULT_OOM;
  if((*pa = pcache_lookup(obj, index)) != 0)
    return FAULT_OK;
  if(index >= PGROUNDUP((uint64)ip->size) / PGSIZE)
    return FAULT_BAD;
  char *mem = kalloc_user();
  if(mem == 0)
    return FAULT_OOM;
  int n = readi(ip, 0, (uint64)mem, index * PGSIZE, PGSIZE);
  if(n < 0)
    n = 0;
  memset(mem + n, 0, PGSIZE - n);
  *pa = pcache_add(obj, index, (uint64)mem);
  return *pa ? FAULT_OK : FAULT_OOM;
}

// For read(): the frame holding page index of the locked file ip, with a
// reference for the caller (kfree), or 0 if out of memory.
uint64
filemap_page(struct inode *ip, uint64 index)
{
  uint64 pa;
  return file_page(ip, index, &pa) == FAULT_OK ? pa : 0;
}

// write() put n bytes from src at offset off of the locked file ip (not
// across a block): keep the cached page, if any, the same.
void
filemap_written(struct inode *ip, uint off, void *src, uint n)
{
  if(ip->obj == 0)
    return;
  uint64 pa = pcache_lookup(ip->obj, off / PGSIZE);
  if(pa == 0)
    return;
  memmove((char *)pa + off % PGSIZE, src, n);
  kfree((void *)pa);
}

// The locked file ip was truncated: its cached pages are stale.
void
filemap_truncate(struct inode *ip)
{
  if(ip->obj)
    obj_truncate(ip->obj);
}

// ip leaves the inode table (its last reference is going; the caller
// holds the table's lock): drop its object.
void
filemap_release(struct inode *ip)
{
  if(ip->obj){
    obj_put(ip->obj);
    ip->obj = 0;
  }
}

// A region's prepare operation for a file: find the page for vmf->va.
// The page is read here, before the fault takes the address space's
// lock, because reading sleeps. A process that holds an inode's lock (the
// kernel copying to or from user memory inside read() or write()) may
// not wait for this file's lock: it could be that very inode, or another
// process could hold this one while it waits for the first. Nor may one
// holding a spin lock sleep. The copy fails instead; the callers that
// copy so fault the pages in first (uvm_prefault), so this only happens
// for a page that could not be had anyway.
static int
file_prepare(struct vm_fault *vmf)
{
  struct inode *ip = vmf->obj->ip;
  if((vmf->page = pcache_lookup(vmf->obj, vmf->index)) != 0)
    return FAULT_OK;
  if(myproc()->ilocks > 0 || holding_spinlocks())
    return FAULT_BAD;
  ilock(ip);
  int r = file_page(ip, vmf->index, &vmf->page);
  iunlock(ip);
  return r;
}

// A region's prepare operation for shared memory: its page for vmf->va,
// zeroed on first use.
static int
shm_prepare(struct vm_fault *vmf)
{
  if((vmf->page = pcache_lookup(vmf->obj, vmf->index)) != 0)
    return FAULT_OK;
  char *mem = kalloc_user();
  if(mem == 0)
    return FAULT_OOM;
  memset(mem, 0, PGSIZE);
  vmf->page = pcache_add(vmf->obj, vmf->index, (uint64)mem);
  return vmf->page ? FAULT_OK : FAULT_OOM;
}

// lab mmap: begin
#define FAULT_AROUND 16        // pages: the aligned window a read fault maps

// The leaf a read fault (a load or a jump) in region v maps page pa with:
// the region's permissions, except that a store must fault first where
// it has work to do: in a private region (marked copy-on-write: the
// store copies the page) and in a file's shared region (the store marks
// the page dirty).
static pte_t
read_leaf(struct vma *v, uint64 pa)
{
  pte_t leaf = pte_make_leaf(pa, vma_pte_perm(v));
  if(v->flags & VMA_PRIVATE)
    return pte_mkcow(leaf);
  return v->obj->ip ? pte_mkreadonly(leaf) : leaf;
}

// After a read fault, map the pages around vmf->va (the aligned window
// of FAULT_AROUND pages, inside the region) that the cache holds and the
// level-0 table does not map yet, as read faults would: a trap costs far
// more than a lookup, so a process reading a cached file through a
// mapping takes one fault per window, not one per page (Linux's
// fault-around). Pages not cached are left to their own faults: nothing
// here reads the disk. The table is this address space's own (the
// fault's walk made it so).
static void
map_around(struct vm_fault *vmf)
{
  struct vma *v = vmf->vma;
  pte_t *table = vmf->path.e[PT_LEVEL0] - PX(PT_LEVEL0, vmf->va);
  uint64 lo = vmf->va & ~((uint64)FAULT_AROUND * PGSIZE - 1);
  uint64 hi = lo + FAULT_AROUND * PGSIZE;
  if(lo < v->start)
    lo = v->start;
  if(hi > v->end)
    hi = v->end;
  for(uint64 va = lo; va < hi; va += PGSIZE){
    pte_t *e = &table[PX(PT_LEVEL0, va)];
    if(va == vmf->va || !pte_none(*e))
      continue;                  // mapped, or a private copy swapped out
    uint64 pa = pcache_lookup(v->obj, vma_index(v, va));
    if(pa)
      leaf_set(e, read_leaf(v, pa), PT_LEVEL0);  // the lookup's reference is the entry's
  }
}

// Read and shared faults in a shared region: map the object's page at
// vmf->va, writable for a store (marking a file's page dirty); a load
// maps it as read_leaf says, and the cached pages around it too. An
// entry left mapping a page the object no longer has (its file was
// truncated) is replaced.
static int
shared_fault(struct vm_fault *vmf)
{
  struct vma *v = vmf->vma;
  pte_t *e = vmf->path.e[PT_LEVEL0];
  int store = vmf->access == ACCESS_STORE;
  if(pte_leaf(*e) && pte_pa(*e) != vmf->page){
    entry_put(e, PT_LEVEL0);
    *e = 0;
  }
  pte_t leaf = read_leaf(v, vmf->page);
  if(store || (pte_leaf(*e) && pte_writable(*e)))
    leaf = pte_make_leaf(vmf->page, vma_pte_perm(v));
  if(pte_leaf(*e)){
    *e = leaf | (*e & (PTE_A | PTE_D));
  } else {
    kpage_get(vmf->page);
    leaf_set(e, leaf, PT_LEVEL0);
    if(!store)
      map_around(vmf);
  }
  if(store && v->obj->ip)
    pcache_set_dirty(v->obj, vma_index(v, vmf->va), vmf->page);
  vm_count(vmf->p, VM_FILE_FAULT);
  return FAULT_OK;
}

// Faults in a private file region: a first touch maps the file's page
// (read_leaf: copy-on-write if the region may be written) and the cached
// pages around it, or for a store a copy of it; a store to a page mapped
// so is a copy-on-write fault like anonymous memory's.
static int
private_fault(struct vm_fault *vmf)
{
  pte_t *e = vmf->path.e[PT_LEVEL0];
  if(pte_leaf(*e))
    return anon_ops.fault(vmf);
  vm_count(vmf->p, VM_FILE_FAULT);
  if(vmf->access != ACCESS_STORE){
    kpage_get(vmf->page);
    leaf_set(e, read_leaf(vmf->vma, vmf->page), PT_LEVEL0);
    map_around(vmf);
    return FAULT_OK;
  }
  pte_t copy;
  if(copy_leaf(pte_make_leaf(vmf->page, vma_pte_perm(vmf->vma)), PT_LEVEL0, &copy) != 0)
    return FAULT_OOM;
  leaf_set(e, copy, PT_LEVEL0);
  vm_count(vmf->p, VM_COW_COPY);
  return FAULT_OK;
}


// lab sharedpt: begin
#define SPAN PT_LEVEL_SIZE(PT_LEVEL1)   // what one level-0 table maps: 2 MiB

// Does region w map [span, span + SPAN) as region v does: the same object
// at the same addresses with the same permissions, in another process's
// address space? (An mshare region's tables are shared by attaching
// instead.)
static int
maps_alike(struct vma *w, struct vma *v, uint64 span)
{
  return w != v && w->mm != v->mm && w->mm->mshare == 0 && (w->flags & VMA_SHARED) &&
         w->prot == v->prot &&
         w->start + v->pgoff * PGSIZE == v->start + w->pgoff * PGSIZE &&
         w->start <= span && span + SPAN <= w->end;
}

#define TABLE_TRIES 1000     // times find_table tries another address space's lock

// Try to take lk a bounded number of times: 1 if taken. Processes that
// map a region alike often fault in step, and one that holds its lock a
// moment longer (finishing its own fault) would otherwise make the other
// build a second table for the span.
static int
tryacquire_briefly(struct spinlock *lk)
{
  for(int i = 0; i < TABLE_TRIES; i++)
    if(tryacquire(lk))
      return 1;
  return 0;
}

// The level-0 table for [span, span + SPAN) that another address space
// mapping v's object as v does has made shareable, with a reference
// taken on it; 0 if there is none (or its owner is busy). Found through
// the object's list of its mappings, as McCracken's patch finds it
// through the address_space's vmas. The caller holds its own mm's lock,
// so another's is only tried, never waited for: two processes faulting
// at once could otherwise each wait for the other's (a process waiting
// for the object's lock, which the caller holds, keeps its own).
static pagetable_t
find_table(struct vma *v, uint64 span)
{
  struct vm_object *obj = v->obj;
  pagetable_t t = 0;
  acquire(&obj->lock);
  for(struct vma *w = obj->maps; w && t == 0; w = w->map_next){
    if(!maps_alike(w, v, span) || !tryacquire_briefly(&w->mm->lock))
      continue;
    struct pt_path path;
    if(pt_lookup(w->mm->pagetable, span, PT_LEVEL1, 0, 0, &path) == 0 &&
       path.level == PT_LEVEL1 && pte_shmap(*path.e[PT_LEVEL1])){
      t = pte_next_table(*path.e[PT_LEVEL1]);
      kpage_get((uint64)t);
    }
    release(&w->mm->lock);
  }
  release(&obj->lock);
  return t;
}

// A region's share operation for shared mappings (McCracken 2003): if
// the 2 MiB span around the fault lies wholly inside the region and this
// address space has no level-0 table there yet, link the one another
// mapping of the object at the same address has, or make a new one that
// others may link. Its entries then serve every address space that
// links it: a page one of them faults in is there for all. 0, or -1 when
// out of memory.
static int
share_table(struct vm_fault *vmf)
{
  struct vma *v = vmf->vma;
  uint64 span = vmf->va & ~(SPAN - 1);
  if(!(v->flags & VMA_SHARED) || vmf->mm->mshare || span < v->start || span + SPAN > v->end)
    return 0;
  struct pt_path path;
  if(pt_lookup(vmf->mm->pagetable, span, PT_LEVEL1, 1, unshare_entry, &path) != 0)
    return -1;
  pte_t *e = path.e[PT_LEVEL1];
  if(path.level != PT_LEVEL1 || pte_valid(*e))
    return 0;
  pagetable_t t = find_table(v, span);
  if(t == 0 && (t = pagetable_alloc()) == 0)
    return -1;
  *e = pte_mkshmap(pte_make_table((uint64)t));
  return 0;
}
// lab sharedpt: end
// lab mmap: end

// The fault operation of regions that map an object: the walk in vmf
// ended at the leaf or the level-0 hole for vmf->va, and vmf->page is
// the object's page there (with a reference the caller drops).
static int
mapping_fault(struct vm_fault *vmf)
{
  // lab mmap: begin
  if(!(vmf->vma->flags & VMA_SHARED))
    return private_fault(vmf);
  pte_t *e1 = vmf->path.e[PT_LEVEL1];
  struct spinlock *lk = e1 && pte_shmap(*e1) ? table_lock(pte_next_table(*e1)) : 0;
  if(lk)
    acquire(lk);               // the table's other sharers may fault at once
  int r = shared_fault(vmf);
  if(lk)
    release(lk);
  return r;
  // lab mmap: handout
  // return FAULT_BAD;
  // lab mmap: end
}

// A copy of region v was made: it holds the object and the file too.
static void
mapping_open(struct vma *v)
{
  obj_get(v->obj);
  if(v->file)
    filedup(v->file);
}

// Region v goes: let go of its object and file (closing the file may
// write the disk, so no spin lock may be held).
static void
mapping_close(struct vma *v)
{
  obj_put(v->obj);
  if(v->file)
    fileclose(v->file);
}

const struct vma_ops file_ops = {
  .kind = "file",
  .prepare = file_prepare,
  // lab mmap: begin
  // lab sharedpt: begin
  .share = share_table,
  // lab sharedpt: end
  // lab mmap: end
  .fault = mapping_fault,
  .open = mapping_open,
  .close = mapping_close,
};

const struct vma_ops shm_ops = {
  .kind = "shm",
  .prepare = shm_prepare,
  // lab mmap: begin
  // lab sharedpt: begin
  .share = share_table,
  // lab sharedpt: end
  // lab mmap: end
  .fault = mapping_fault,
  .open = mapping_open,
  .close = mapping_close,
};

// ---- Write-back ---------------------------------------------------------

// Write page index of file ip, the frame pa, through the log: the part
// of it inside the file (the file never grows here).
static void
write_page(struct inode *ip, uint64 index, uint64 pa)
{
  begin_op();
  ilock(ip);
  uint64 off = index * PGSIZE;
  if(off < ip->size)
    writei(ip, 0, pa, off, MIN(PGSIZE, ip->size - off));
  iunlock(ip);
  end_op();
}

// Reclaim's end of a file page (mm/reclaim.c): frame pa, page index of
// obj, which no entry maps any more (dirty: one of them had its D bit
// set). Write it to the file if it holds what the file does not, then
// drop it from the cache unless a fault mapped it again meanwhile. The
// caller holds a reference on obj and on the page. 1 when the page
// left the cache.
int
filemap_reclaim_page(struct vm_object *obj, uint64 index, uint64 pa, int dirty)
{
  if(dirty)
    pcache_set_dirty(obj, index, pa);
  if(pcache_clean(obj, index, pa))
    write_page(obj->ip, index, pa);
  return pcache_drop_idle(obj, index, pa);
}

// lab mmap: begin
struct harvest {
  struct vma *v;
  int shared_level;           // the level of the table fork shares the walk is in, or -1
  struct spinlock *lock;      // held while the walk is in a shared mapping's table
  int others;                 // other harts run the address space: an mshare region's
  int flush;                  // a D bit was cleared in a table other harts may use
};

// Walker callbacks: note when the walk enters and leaves a table fork
// shares (whose entries nobody may change), and hold the lock of a
// shared mapping's table while it is in one (its sharers change it too).
// An mshare region's tables are guarded by its address space's lock,
// which the walk holds.
static int
harvest_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct harvest *h = arg;
  if(h->shared_level >= 0 || (level == PT_ROOT_LEVEL && pte_shmap(*e)))
    return WALK_CONTINUE;
  if(pte_shmap(*e)){
    h->lock = table_lock(pte_next_table(*e));
    acquire(h->lock);
  } else if(kpage_refs(pte_pa(*e)) > 1){
    h->shared_level = level;
  }
  return WALK_CONTINUE;
}

static int
harvest_table_done(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct harvest *h = arg;
  if(h->shared_level == level){
    h->shared_level = -1;
  } else if(h->lock && pte_shmap(*e)){
    release(h->lock);
    h->lock = 0;
  }
  return WALK_CONTINUE;
}

// Walker callback: a leaf the hardware marked dirty: mark its page so,
// and clear the D bit (not in a table fork shares), so that the hardware
// sets it again at the next store. In a shared mapping's table, every
// hart that may hold the old translation must drop it first (flush):
// until then its stores would go on without setting D.
static int
harvest_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct harvest *h = arg;
  if(!pte_dirty(*e))
    return WALK_CONTINUE;
  pcache_set_dirty(h->v->obj, vma_index(h->v, va), pte_pa(*e));
  if(h->shared_level < 0){
    *e = pte_mkclean(*e);
    h->flush |= h->lock != 0 || h->others;
  }
  return WALK_CONTINUE;
}

// The harts running, in user mode, an address space that maps obj: those
// that may hold translations from a table its mappings share.
static uint64
mapping_harts(struct vm_object *obj)
{
  uint64 harts = 0;
  acquire(&obj->lock);
  for(struct vma *w = obj->maps; w; w = w->map_next)
    harts |= tlb_harts(w->mm);
  release(&obj->lock);
  return harts;
}

// Does mm map frame pa at va through tables whose D bits only a harvest
// clears: its own, or a shared mapping's or an mshare region's (cleared
// under the table's lock, with the harts that used it flushed)? Then,
// once the D bit there is clear, the hardware will show any store to it.
static int
stores_show(struct mm *mm, uint64 va, uint64 pa)
{
  struct pt_path path;
  int show = 0;
  mm_lock(mm);
  if(pt_lookup(mm->pagetable, va, PT_LEVEL0, 0, 0, &path) == 0 && path.level == PT_LEVEL0 &&
     pte_leaf(*path.e[PT_LEVEL0]) && pte_pa(*path.e[PT_LEVEL0]) == pa){
    show = 1;
    for(int l = PT_LEVEL0; l < PT_ROOT_LEVEL; l++)
      if(kpage_refs(PGROUNDDOWN((uint64)path.e[l])) > 1 && !pte_shmap(*path.e[l + 1]))
        show = 0;
  }
  mm_unlock(mm);
  return show;
}

#define SYNC_BATCH 64
// lab mmap: end

// Write back what the shared file region v of mm holds in [start, end)
// and the file does not: every dirty page of the range, including the
// stores of other processes that map it. Takes mm->lock itself; the
// caller holds no spin lock (writing sleeps).
void
mapping_sync(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
  if(!(v->flags & VMA_SHARED) || v->obj == 0 || v->obj->ip == 0 || start >= end)
    return;
  // lab mmap: begin
  struct harvest h = { v, -1, 0, tlb_harts(mm) != 0, 0 };
  static const struct pt_walk_ops ops = {
    .leaf = harvest_leaf, .table = harvest_table, .table_done = harvest_table_done,
  };
  mm_lock(mm);
  walk_range(mm->pagetable, start, end, &ops, &h);
  mm_unlock(mm);
  if(h.flush)
    tlb_shootdown(mapping_harts(v->obj), start, end - start);

  uint64 index[SYNC_BATCH], pa[SYNC_BATCH];
  uint64 lo = vma_index(v, start), hi = vma_index(v, end);
  uint64 filepages = PGROUNDUP((uint64)v->obj->ip->size) / PGSIZE;   // (a hint: no lock)
  if(hi > filepages)
    hi = filepages;              // no page past the file's end is written
  for(uint64 w = lo; w < hi; w += SYNC_BATCH){
    int n = pcache_take_dirty(v->obj, w, MIN(w + SYNC_BATCH, hi), index, pa, SYNC_BATCH);
    for(int i = 0; i < n; i++){
      write_page(v->obj->ip, index[i], pa[i]);
      // References now: the cache's, this loop's, and the mappings'.
      uint64 refs = kpage_refs(pa[i]);
      uint64 va = v->start + (index[i] - v->pgoff) * PGSIZE;
      if(refs > 3 || (refs == 3 && !stores_show(mm, va, pa[i])))
        pcache_set_dirty(v->obj, index[i], pa[i]);
      kfree((void *)pa[i]);
    }
  }
  // lab mmap: end
}

// The page cache: the pages of memory objects (struct vm_object, mm.h),
// found by object and page index. An object is a file's data (one per
// in-memory inode, made on first use) or a block of shared anonymous
// memory (made by mmap(MAP_SHARED | MAP_ANONYMOUS), kept by the regions
// that map it). Every process that maps page i of an object maps the one
// physical page the cache holds for it, and read() and write() on a file
// copy from and to the same pages (mm/filemap.c), so all of them see one
// copy of the data: a unified page cache.
//
// Each cached page is a struct cpage, in a hash table keyed by (object,
// index) and on its object's list. The cache holds one reference on the
// frame; each table entry that maps it holds another (mm/sharedpt.c), so
// a frame whose count is one is mapped by nobody.
//
// Dirty pages: cp->dirty says the page may hold stores the file does not
// have yet. Set when a shared mapping makes the page writable (a store
// fault) or when a process's table entry shows the hardware's D bit;
// cleared by write-back only when no other process may still store to
// the page unnoticed (mm/filemap.c says when). write() writes through to
// the disk, so it never makes a page dirty.
//
// Reclaim: when memory runs out, pages nobody maps and that are clean are
// dropped (the allocator asks, kalloc_shrinker); the file still has them.
//
// Locking: pcache.lock guards the hash table, every object's list and
// every cpage's fields. Filling a file page reads the disk, which sleeps,
// so it is done outside the lock (under the inode's sleep lock, which
// keeps two fills of one file from racing) and the page is then added.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

#define PCACHE_BUCKETS 1024

struct cpage {
  struct vm_object *obj;
  uint64 index;                 // page index in the object
  uint64 pa;                    // the frame
  int dirty;
  struct cpage *hnext;          // hash chain
  struct cpage *onext, *oprev;  // the object's list
};

static struct {
  struct spinlock lock;
  struct cpage *bucket[PCACHE_BUCKETS];
  uint64 npages, ndirty;
} pcache;

static struct slab_cache object_cache, cpage_cache;

static int pcache_shrink(void);

// Set up the cache at boot.
void
pcache_init(void)
{
  initlock(&pcache.lock, "pcache");
  slab_init(&object_cache, "vm_object", sizeof(struct vm_object));
  slab_init(&cpage_cache, "cpage", sizeof(struct cpage));
  kalloc_shrinker(pcache_shrink);
}

// A new, empty object with one reference: a file's (ip) or, with ip 0,
// shared anonymous memory. 0 if out of memory.
struct vm_object *
obj_create(struct inode *ip)
{
  struct vm_object *obj = slab_alloc(&object_cache);
  if(obj == 0)
    return 0;
  obj->refs = 1;
  obj->ip = ip;
  obj->pages = 0;
  initlock(&obj->lock, "vm_object");
  obj->maps = 0;
  return obj;
}

// Take one more reference on obj.
void
obj_get(struct vm_object *obj)
{
  __atomic_fetch_add(&obj->refs, 1, __ATOMIC_RELAXED);
}

static struct cpage **
bucket(struct vm_object *obj, uint64 index)
{
  return &pcache.bucket[((uint64)obj / sizeof(struct vm_object) + index) % PCACHE_BUCKETS];
}

// Take cp out of the cache and drop the cache's reference on its frame.
// Caller holds pcache.lock.
static void
cpage_remove(struct cpage *cp)
{
  struct cpage **pp = bucket(cp->obj, cp->index);
  while(*pp != cp)
    pp = &(*pp)->hnext;
  *pp = cp->hnext;
  if(cp->oprev)
    cp->oprev->onext = cp->onext;
  else
    cp->obj->pages = cp->onext;
  if(cp->onext)
    cp->onext->oprev = cp->oprev;
  pcache.npages--;
  if(cp->dirty)
    pcache.ndirty--;
  kframe(cp->pa)->cpage = 0;
  kfree((void *)cp->pa);
  slab_free(&cpage_cache, cp);
}

// Drop every page of obj from the cache (a file truncated, or the object
// going away). Pages still mapped stay with the processes that map them
// until they unmap them; they are no longer the object's.
void
obj_truncate(struct vm_object *obj)
{
  acquire(&pcache.lock);
  while(obj->pages)
    cpage_remove(obj->pages);
  release(&pcache.lock);
}

// Drop a reference to obj; the last drops its pages and frees it.
void
obj_put(struct vm_object *obj)
{
  if(__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  obj_truncate(obj);
  slab_free(&object_cache, obj);
}

// The cache entry for page index of obj, or 0. Caller holds pcache.lock.
static struct cpage *
cpage_find(struct vm_object *obj, uint64 index)
{
  struct cpage *cp = *bucket(obj, index);
  while(cp && (cp->obj != obj || cp->index != index))
    cp = cp->hnext;
  return cp;
}

// The frame holding page index of obj, with a reference for the caller
// (to drop with kfree), or 0 if it is not cached.
uint64
pcache_lookup(struct vm_object *obj, uint64 index)
{
  acquire(&pcache.lock);
  struct cpage *cp = cpage_find(obj, index);
  uint64 pa = cp ? cp->pa : 0;
  if(pa)
    kpage_get(pa);
  release(&pcache.lock);
  return pa;
}

// Add the frame pa (filled, with one reference the caller gives up) as
// page index of obj. If the page was added meanwhile, pa is freed and the
// cached frame returned instead. Returns the frame with a reference for
// the caller, or 0 if out of memory (pa freed).
uint64
pcache_add(struct vm_object *obj, uint64 index, uint64 pa)
{
  struct cpage *cp = slab_alloc(&cpage_cache);
  acquire(&pcache.lock);
  struct cpage *old = cpage_find(obj, index);
  if(old || cp == 0){
    uint64 found = old ? old->pa : 0;
    if(found)
      kpage_get(found);
    release(&pcache.lock);
    if(cp)
      slab_free(&cpage_cache, cp);
    kfree((void *)pa);
    return found;
  }
  cp->obj = obj;
  cp->index = index;
  cp->pa = pa;
  cp->dirty = 0;
  struct cpage **b = bucket(obj, index);
  cp->hnext = *b;
  *b = cp;
  cp->oprev = 0;
  cp->onext = obj->pages;
  if(obj->pages)
    obj->pages->oprev = cp;
  obj->pages = cp;
  pcache.npages++;
  kframe(pa)->flags |= FRAME_PCACHE | (obj->ip ? FRAME_FILE : 0);  // mm/reclaim.c
  kframe(pa)->cpage = cp;
  kpage_get(pa);                 // the cache's reference, and the caller's
  release(&pcache.lock);
  return pa;
}

// Mark page index of obj dirty (dirty set) or clean, if pa is still that
// page: 1 if that changed its mark.
static int
mark(struct vm_object *obj, uint64 index, uint64 pa, int dirty)
{
  acquire(&pcache.lock);
  struct cpage *cp = cpage_find(obj, index);
  int change = cp && cp->pa == pa && cp->dirty != dirty;
  if(change){
    cp->dirty = dirty;
    pcache.ndirty += dirty ? 1 : -1;
  }
  release(&pcache.lock);
  return change;
}

// Mark page index of obj dirty, if pa is still that page.
void
pcache_set_dirty(struct vm_object *obj, uint64 index, uint64 pa)
{
  mark(obj, index, pa, 1);
}

// The object and page index of cached frame pa, each with a reference
// for the caller (obj_put, kfree): 0, or -1 when pa is no longer in the
// cache (its file was truncated meanwhile, say).
int
pcache_frame(uint64 pa, struct vm_object **obj, uint64 *index)
{
  acquire(&pcache.lock);
  struct cpage *cp = kframe(pa)->cpage;
  int r = -1;
  if((kframe(pa)->flags & FRAME_PCACHE) && cp && cp->pa == pa && cpage_find(cp->obj, cp->index) == cp){
    *obj = cp->obj;
    *index = cp->index;
    obj_get(cp->obj);
    kpage_get(pa);
    r = 0;
  }
  release(&pcache.lock);
  return r;
}

// If page index of obj (frame pa) is dirty, mark it clean: 1 when it
// was, and the caller must write it back.
int
pcache_clean(struct vm_object *obj, uint64 index, uint64 pa)
{
  return mark(obj, index, pa, 0);
}

// Drop page index of obj (frame pa) from the cache if it is clean and
// nobody but the cache and the caller holds it: 1 if it was dropped.
int
pcache_drop_idle(struct vm_object *obj, uint64 index, uint64 pa)
{
  acquire(&pcache.lock);
  struct cpage *cp = cpage_find(obj, index);
  int idle = cp && cp->pa == pa && !cp->dirty && kpage_refs(pa) == 2;
  if(idle)
    cpage_remove(cp);
  release(&pcache.lock);
  return idle;
}

// Up to max dirty pages of obj with index in [lo, hi), each marked clean
// and with a reference for the caller (to drop with kfree): what a
// write-back must write. Their indexes in index[], frames in pa[]. Returns
// how many.
int
pcache_take_dirty(struct vm_object *obj, uint64 lo, uint64 hi,
                  uint64 *index, uint64 *pa, int max)
{
  int n = 0;
  acquire(&pcache.lock);
  for(struct cpage *cp = obj->pages; cp && n < max; cp = cp->onext){
    if(!cp->dirty || cp->index < lo || cp->index >= hi)
      continue;
    cp->dirty = 0;
    pcache.ndirty--;
    kpage_get(cp->pa);
    index[n] = cp->index;
    pa[n++] = cp->pa;
  }
  release(&pcache.lock);
  return n;
}

// Allocator callback, when memory runs out: drop the cached file pages
// nobody maps and nobody needs to write back (the file has them; shared
// memory's pages are its only copy, and stay). Returns how many were
// freed. Does nothing if this hart is inside the cache already (the
// allocation came from here).
static int
pcache_shrink(void)
{
  if(holding(&pcache.lock))
    return 0;
  int n = 0;
  acquire(&pcache.lock);
  for(int b = 0; b < PCACHE_BUCKETS; b++){
    for(struct cpage *cp = pcache.bucket[b], *next; cp; cp = next){
      next = cp->hnext;
      if(cp->obj->ip && !cp->dirty && kpage_refs(cp->pa) == 1){
        cpage_remove(cp);
        n++;
      }
    }
  }
  release(&pcache.lock);
  return n;
}

// The cache's counts for memstat: pages cached, of those mapped by some
// process, and dirty.
void
pcache_counts(uint64 *cached, uint64 *mapped, uint64 *dirty)
{
  uint64 m = 0;
  acquire(&pcache.lock);
  for(int b = 0; b < PCACHE_BUCKETS; b++)
    for(struct cpage *cp = pcache.bucket[b]; cp; cp = cp->hnext)
      if(kpage_refs(cp->pa) > 1)
        m++;
  *cached = pcache.npages;
  *dirty = pcache.ndirty;
  release(&pcache.lock);
  *mapped = m;
}

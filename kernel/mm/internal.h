// What the files of mm/ share and the rest of the kernel does not call,
// file by file from the hardware up. A file calls only the files listed
// above it (and reaches those above it only through a region's
// vma_ops); defs.h has the interface the rest of the kernel uses.
#ifndef ATLAS_MM_INTERNAL_H
#define ATLAS_MM_INTERNAL_H

#include "vm.h"
#include "mm.h"

// What a faulting access was, and what became of it.
enum fault_access { ACCESS_LOAD, ACCESS_STORE, ACCESS_EXEC };
enum fault_result { FAULT_OK, FAULT_BAD, FAULT_OOM, FAULT_SWAPERR };

#include "mm/pte.h"

// Does [start, start + len) lie below top, without wrapping past 2^64?
// Every range a system call takes is checked so before it is used.
static inline int
range_below(uint64 start, uint64 len, uint64 top)
{
  return start <= top && len <= top - start;
}

// ---- kalloc.c: physical frames (kalloc, kfree and the counts sysinfo
// needs are in defs.h)
struct cpage;

// What the layers above keep for each frame of RAM besides its count
// (Linux's struct page); kalloc.c holds one for every frame, zeroed
// whenever the frame is handed out, and never looks inside.
struct frame {
  // A frame user leaves map: the first entry of its reverse-mapping
  // chain, with the entry's level in the low bits, or 0 (mm/rmap.c).
  // A page-table page: its rmap page.
  uint64 rmap;
  struct frame *lru_prev, *lru_next;   // on the reclaim list (mm/rmap.c)
  union {
    struct frame *cache_next;          // in the swap cache's hash chain (mm/swap.c)
    struct cpage *cpage;               // its entry in the page cache (mm/pagecache.c)
  };
  uint32 slot;                         // its swap slot, while in the swap cache
  uint32 flags;                        // FRAME_*
};
#define FRAME_LRU       (1 << 0)      // on the reclaim list
#define FRAME_SWAPCACHE (1 << 1)      // in the swap cache (mm/swap.c)
#define FRAME_IO        (1 << 2)      // being read from or written to swap
#define FRAME_PCACHE    (1 << 3)      // a page of a file or shared memory (mm/pagecache.c)
#define FRAME_FILE      (1 << 4)      // ... of a file
struct frame *  kframe(uint64 pa);
uint64          kframe_pa(struct frame *);
void*           kalloc_user(void);
void*           kalloc_super(void);
uint64          kalloc_reserve(uint64 off);
int             kalloc_reserved(uint64 pa);
int             kalloc_reserved_rest(uint64 block, uint64 *taken);
int             kreserved_left(uint64 pa);
int             kplenty(uint64 n);
void            kpage_get(uint64 pa);
int             kpage_put(uint64 pa);
uint64          kpage_refs(uint64 pa);
uint64          kkernelpages(void);
uint64          kreservedpages(void);
uint64          ktotalpages(void);
uint64          ksharedpages(void);
void            kalloc_shrinker(int (*)(void));
void            kframes_get(uint64 pa, uint64 n);
void            kframes_put(uint64 pa, uint64 n);
int             kframes_private(uint64 pa, uint64 n);

// ---- stats.c: event counters
void            vm_count(struct proc *, int event);   // enum vm_event, proc.h
void            vm_count_many(int event, uint64 n);
uint64          vm_events(int event);

// ---- tlb.c: TLB shootdown
uint64          tlb_harts(struct mm *);
uint64          tlb_all_harts(void);
void            tlb_shootdown(uint64 harts, uint64 va, uint64 size);

// ---- slab.c: small objects carved from pages
struct slab_cache {
  struct spinlock lock;
  char *name;
  uint size;                  // bytes per object
  struct slab *partial;       // pages with a free object
};
void            slab_init(struct slab_cache *, char *name, uint size);
void *          slab_alloc(struct slab_cache *);
void            slab_free(struct slab_cache *, void *);

// ---- ptlock.c: page-table sections, the freeze, an address space's lock
void            ptlock_init(void);
void            pt_enter(void);
void            pt_exit(void);
void            pt_freeze(void);
void            pt_thaw(void);
void            mm_lock(struct mm *);
void            mm_unlock(struct mm *);

// ---- rmap.c: reverse mapping, and the reclaim list
typedef int (*rmap_fn)(void *arg, pte_t *e, int level);
void            rmap_init(void);
void            rmap_lock(void);
void            rmap_unlock(void);
int             rmap_table_alloc(pagetable_t);
void            rmap_table_free(pagetable_t);
void            rmap_add(pte_t *e, int level);
void            rmap_remove(pte_t *e);
int             rmap_walk(uint64 pa, rmap_fn, void *arg);
int             rmap_count(uint64 pa);
struct frame *  lru_oldest(void);
struct frame *  lru_next(struct frame *);
void            lru_rotate(struct frame *);
uint64          lru_frames(void);

// ---- swap.c: swap slots and the swap cache
void            swap_init(void);
void            swap_slot_get(uint64 slot);
void            swap_slot_put(uint64 slot);
uint64          swap_slot_refs(uint64 slot);
void            swap_cache_unmapped(uint64 pa);
void            swap_fail(int slot, int n);
uint64          swap_in(uint64 slot, int *read);
int             swap_out(uint64 pa, uint64 slot, int write);
int             swap_cache_out(uint64 pa, uint64 *slot);
void            swap_counts(uint64 *used, uint64 *total, uint64 *cached);
uint64          swap_free(void);

// ---- pagetable.c: table pages, the walker, lookups, mapping
pagetable_t     pagetable_alloc(void);
void            pagetable_free(pagetable_t);
// The walker (walk.h) visits the entries that map [start, end), in address
// order, calling one of its callbacks for each: hole (invalid), swap (a
// swap entry, pte.h: a walk without this callback passes over it), leaf
// or table (before the entries under it, which it visits when the
// callback returns WALK_CONTINUE and the entry is then a table), and
// table_done after them. va and end give the part of the range the entry covers;
// arg is what the caller of the walk passed (Linux's mm_walk_ops and
// private).
enum walk_action { WALK_CONTINUE = 0, WALK_SKIP = 1, WALK_STOP = -1 };
typedef int (*walk_fn)(void *arg, pte_t *e, int level, uint64 va, uint64 end);
struct pt_walk_ops {
  walk_fn hole, swap, leaf, table, table_done;
};
#include "mm/walk.h"
int             covers(int level, uint64 va, uint64 end);

// The entries on the way from the root to one address.
typedef int (*prepare_fn)(pte_t *e, int level, uint64 va);
struct pt_path {
  pte_t *e[PT_LEVELS];        // e[l]: the entry at level l, 0 if the walk ended above
  int level;                  // where it ended: a leaf, a hole, or the level asked for
};
int             pt_lookup(pagetable_t, uint64 va, int level, int alloc, prepare_fn, struct pt_path *);
pte_t *         walk_leaf(pagetable_t, uint64 va, int *level);
void            leaf_set(pte_t *e, pte_t leaf, int level);
int             map_range(pagetable_t, uint64 va, uint64 size, uint64 pa, int perm, int maxlevel);
int             split_leaf(pte_t *e, int level);
int             table_empty(pagetable_t, int level);
uint64          pagetable_pages(void);
// What a census of part of a tree finds (pagetable_census adds to it).
struct census {
  uint64 tables;              // table pages below the root
  uint64 user_pages;          // pages user leaves map
  uint64 swapped;             // swap entries
  int largest;                // the highest level of a user leaf, or -1
};
void            pagetable_census(pagetable_t, uint64 start, uint64 end, struct census *);

// ---- sharedpt.c: references to tables and frames; unsharing; unmapping
// Take one more reference on what entry *e at level maps, for e: its
// table page; every frame of its leaf, and a place on the first frame's
// reverse-mapping chain; or its swap slot. (Inline: fork takes one per
// page.)
static inline void
entry_get(pte_t *e, int level)
{
  if(pte_swap(*e)){
    swap_slot_get(pte_swap_slot(*e));
    return;
  }
  if(pte_table(*e) || level == PT_LEVEL0)
    kpage_get(pte_pa(*e));
  else
    kframes_get(pte_pa(*e), PT_LEVEL_FRAMES(level));
  if(pte_leaf(*e))
    rmap_add(e, level);
}
void            entry_put(pte_t *e, int level);
int             copy_leaf(pte_t from, int level, pte_t *copy);
int             unshare_entry(pte_t *e, int level, uint64 va);
void            table_locks_init(void);
struct spinlock *table_lock(pagetable_t);
int             unshare(pagetable_t, uint64 va);
int             unshare_table(void *arg, pte_t *e, int level, uint64 va, uint64 end);
int             make_private(pagetable_t, uint64 start, uint64 end);
enum unmap_how { UNMAP_CLEAR, UNMAP_PAGES, UNMAP_ALL };
int             unmap_range(pagetable_t, uint64 start, uint64 end, enum unmap_how);
void            pagetable_release(pagetable_t);

// ---- superpage.c: 2 MiB reservations and promotion
int             reserve_fill(struct pt_path *, uint64 va, uint64 start, uint64 end, int perm,
                             int *promoted);

// ---- vma.c: the regions of an address space
void            vma_init(void);
struct vma *    vma_alloc(uint64 start, uint64 end, int prot, int flags,
                          const struct vma_ops *, char *name);
struct vma *    vma_dup(struct vma *);
void            vma_free(struct vma *);
void            vma_insert(struct mm *, struct vma *);
void            vma_remove(struct mm *, struct vma *);
struct vma *    vma_find(struct mm *, uint64 va);
struct vma *    vma_from(struct mm *, uint64 va);
int             vma_range_free(struct mm *, uint64 start, uint64 end);
int             vma_allows(struct vma *, enum fault_access);
int             vma_pte_perm(struct vma *);

// ---- anon.c: anonymous memory
// What one page fault is about, filled in by the fault path (fault.c)
// for the region's prepare and fault operations.
struct vm_fault {
  struct proc *p;             // the process to count the fault for, or 0
  struct mm *mm;
  struct vma *vma;
  uint64 va;                  // the faulting address, page-aligned
  enum fault_access access;
  struct pt_path path;        // the one walk to va
  // For the prepare operation, which runs without the lock (the region
  // may go meanwhile): the object the region maps (a reference), and
  // its page index at va.
  struct vm_object *obj;
  uint64 index;
  uint64 page;                // the object's page for va (a reference), or 0
};
extern const struct vma_ops anon_ops;
int             anon_populate(struct mm *, struct vma *, uint64 start, uint64 end, int super);
void            anon_swapped_in(struct vm_fault *, uint64 pa);

// ---- pagecache.c: the pages of files and shared memory
struct vm_object *obj_create(struct inode *);
void            obj_get(struct vm_object *);
void            obj_put(struct vm_object *);
void            obj_truncate(struct vm_object *);
uint64          pcache_lookup(struct vm_object *, uint64 index);
uint64          pcache_add(struct vm_object *, uint64 index, uint64 pa);
void            pcache_set_dirty(struct vm_object *, uint64 index, uint64 pa);
int             pcache_take_dirty(struct vm_object *, uint64 lo, uint64 hi,
                                  uint64 *index, uint64 *pa, int max);
void            pcache_counts(uint64 *cached, uint64 *mapped, uint64 *dirty);
int             pcache_frame(uint64 pa, struct vm_object **obj, uint64 *index);
int             pcache_clean(struct vm_object *, uint64 index, uint64 pa);
int             pcache_drop_idle(struct vm_object *, uint64 index, uint64 pa);

// ---- filemap.c: regions that map files and shared memory
extern const struct vma_ops file_ops, shm_ops;
struct vm_object *file_object(struct inode *);
uint64          vma_index(struct vma *, uint64 va);
void            mapping_sync(struct mm *, struct vma *, uint64 start, uint64 end);
int             filemap_reclaim_page(struct vm_object *, uint64 index, uint64 pa, int dirty);

// ---- mshare.c: regions whose page tables processes attach
#define MSHARE_SPACES 2       // a region's address spaces: read-write, read-only
extern const struct vma_ops mshare_ops;
void            mshare_init(void);
struct mm *     mshare_link(struct mm *, struct vma *, uint64 va);
uint64          mshare_attach(struct mm *, struct file *, uint64 addr, uint64 len, int prot,
                              int flags);
int             mshare_begin(struct vma *, int prot, struct mm *space[MSHARE_SPACES],
                             int sprot[MSHARE_SPACES]);
void            mshare_end(struct vma *);

// ---- fork.c: fork's copy of the page tables, in the three fork modes
int             fork_copy(struct mm *old, struct mm *new);

// ---- mmap.c: mmap, munmap, mprotect and msync (system calls only)

// ---- reclaim.c: page replacement and swapping out (reclaim() is in defs.h)
void            reclaim_check(void);
int             reclaim_wait(struct proc *, int tries);

// ---- fault.c: the fault path
enum fault_result uvm_fault(struct proc *, uint64 va, enum fault_access);

#endif

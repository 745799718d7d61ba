// The address space of a process, as an object: struct mm holds the page
// table and the regions (struct vma) it is made of. struct proc points to
// its mm. What the rest of the kernel may call is in defs.h; the memory
// system's own interfaces are in mm/internal.h.
//
//   proc --> mm --> regions, in address order and in a search tree
//             |       text  data  guard  stack  heap ...  usyscall
//             +--> page table (Sv39, mm/pagetable.c)
#ifndef ATLAS_MM_H
#define ATLAS_MM_H

// A region's permissions (VM_*) and kind (VMA_*) are in vm.h, where
// the maps program sees them too.
#define VMA_NAME 12           // bytes of a region's name, with the NUL

struct vm_fault;
struct vma;
struct mshare;
struct file;
struct inode;

// A memory object: pages found by index, which regions map (Linux's
// address_space, BSD's vm_object). A file's data (one object per
// in-memory inode), or shared anonymous memory. Its pages are in the
// page cache (mm/pagecache.c).
struct vm_object {
  int refs;                     // the inode's, and each region's
  struct inode *ip;             // the file, or 0: shared anonymous memory
  struct cpage *pages;          // its cached pages (pagecache.c's list)
  struct spinlock lock;         // guards maps
  struct vma *maps;             // the regions that map it, in every mm (Linux's i_mmap)
};

// How faults in a region of one kind are resolved (Linux's
// vm_operations_struct): anonymous memory (mm/anon.c), and regions that
// map an object's pages, a file's or shared memory's (mm/filemap.c).
struct vma_ops {
  char *kind;                                  // for listings: "anon", "file", "shm"
  // Before the fault takes the address space's lock: find the page the
  // fault will map, reading it from the file if need be (may sleep). It
  // reads vmf->obj and vmf->index, not the region, which may go
  // meanwhile.
  int (*prepare)(struct vm_fault *);           // enum fault_result
  // With the lock held, before the walk: give the address space a table
  // to share for the fault's address, if the region shares tables.
  int (*share)(struct vm_fault *);             // 0, or -1 out of memory
  int (*fault)(struct vm_fault *);             // enum fault_result
  // A copy of the region is made (fork, a split) or the region goes.
  void (*open)(struct vma *);
  void (*close)(struct vma *);
};

// A region [start, end) of an address space: page-aligned, not
// overlapping any other. The heap may be empty (start == end).
struct vma {
  uint64 start, end;
  int prot;                     // VM_READ | VM_WRITE | VM_EXEC
  int flags;                    // VMA_*
  const struct vma_ops *ops;
  struct vm_object *obj;        // what it maps (file or shared memory), or 0
  uint64 pgoff;                 // the object's page index at start
  struct file *file;            // the open file it maps (kept open), or 0
  char name[VMA_NAME];          // "text", "data", "stack", "heap", a file's ...
  struct mm *mm;                // the address space it is in, or 0
  struct mshare *mshare;        // an attachment (VMA_MSHARE): the region it attaches
  struct vma *map_prev, *map_next;  // its object's regions (obj->maps)
  struct vma *prev, *next;      // all regions, in address order
  struct vma *left, *right;     // the search tree (AVL, mm/vma.c)
  int height;
};

struct mm {
  // Held by the owner while it changes the regions or the page table,
  // and by anyone else who reads them (maps of another process): the
  // owner's own reads need no lock, since only it changes its mm.
  struct spinlock lock;
  int refs;                     // processes using it, plus readers
  pagetable_t pagetable;        // root of its Sv39 tree
  struct vma *first;            // lowest region
  struct vma *tree;             // root of the search tree
  int nvmas;
  struct vma *heap;             // sbrk's region: it ends at brk, rounded up
  uint64 brk;                   // the end of the heap in bytes: xv6's p->sz
  uint64 mmap_low;              // mmap places new regions below here first
  int superpages;               // may the heap use megapages? (SUPER_*, vm.h)
  // The harts (bit i: cpus[i]) running it in user mode now: only they
  // may hold translations from its page table (mm/tlb.c).
  uint64 harts;
  // Counts changes to the regions. A fault that lets go of the lock
  // while it reads a page sees from it whether its region may have
  // changed meanwhile (only in an mshare region's address space, which
  // several processes change).
  uint64 seq;
  struct mshare *mshare;        // the mshare region whose address space this is, or 0
};

#endif

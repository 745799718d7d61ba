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

// How faults in a region of one kind are resolved (Linux's
// vm_operations_struct). Anonymous memory is the only kind so far;
// file-backed and shared kinds will add their own.
struct vma_ops {
  char *kind;                                  // for listings: "anon"
  int (*fault)(struct vm_fault *);             // enum fault_result
};

// A region [start, end) of an address space: page-aligned, not
// overlapping any other. The heap may be empty (start == end).
struct vma {
  uint64 start, end;
  int prot;                     // VM_READ | VM_WRITE | VM_EXEC
  int flags;                    // VMA_*
  const struct vma_ops *ops;
  char name[VMA_NAME];          // "text", "data", "stack", "heap", ...
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
};

#endif

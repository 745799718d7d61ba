// The memory system's interface to user programs: sbrk and fork modes,
// regions as maps() reports them, and the counters memstat() reports.
#ifndef ATLAS_VM_H
#define ATLAS_VM_H

// Second argument of the sbrk system call (xv6's current convention).
#define SBRK_EAGER 1   // allocate now if memory allows, else reserve
#define SBRK_LAZY  2   // only reserve: page faults fill the range

// forkmode(): how fork() copies memory.
#define FORK_EAGER 0   // copy every page at fork
#define FORK_COW   1   // share pages copy-on-write
#define FORK_SHAREDPT 2 // share the page tables themselves (the default; mm/sharedpt.c)
#define FORK_QUERY (-1)

// superpages(): may the caller's heap use 2 MiB megapages (inherited by
// its children), and what does fork do with them?
#define SUPER_OFF   0  // 4 KiB pages only
#define SUPER_ON    1  // megapages; fork copies them whole (the default)
#define SUPER_COW   2  // megapages; copy-on-write fork shares them
#define SUPER_QUERY (-1)

// The overcommit policy (boot option overcommit=): what sbrk's eager
// mode does with growth that free memory cannot back now.
#define OVERCOMMIT_OFF  0 // fail (current xv6; free memory only, as its tests count it)
#define OVERCOMMIT_ON   1 // reserve it: faults fill it, or kill (the 2020 lazy lab)
#define OVERCOMMIT_SWAP 2 // count swap as memory: reserve it if free memory and
                          // free swap together can back it, else fail

// Page replacement (boot option reclaim=, kernel/mm/reclaim.c): which
// page goes out to swap first.
#define RECLAIM_CLOCK 0  // second chance: one not used since the hand last passed
#define RECLAIM_FIFO  1  // the page mapped longest ago

// swapctl(op, n): reclaim's controls, for tests and benchmarks.
#define SWAPCTL_RECLAIM 1 // reclaim up to n pages now; returns how many were freed
#define SWAPCTL_FAILIO  2 // make the n-th swap read or write from now fail (0: none)
#define SWAPCTL_POLICY  3 // set the replacement policy to n (RECLAIM_*), or -1 to
                          // ask; returns the previous one
#define SWAPCTL_AGE     4 // clear every mapped page's A bit, as a turn of the
                          // clock's hand would: "nothing used lately"
#define SWAPCTL_FAILSLOT 5 // make the n-th swap slot allocation from now fail (0: none)

// A region's permissions: what the process may do there (the values of
// mmap's PROT_ flags, kernel/fcntl.h).
#define VM_READ  1
#define VM_WRITE 2
#define VM_EXEC  4

// The most regions one address space may hold (Linux's vm.max_map_count
// is 65530): mmap, and a munmap or mprotect that would split a region,
// fail with -1 beyond it. Each region costs the kernel about 128 bytes.
#define MAX_MAP_COUNT 65536

// mshare regions (kernel/mm/mshare.c) begin and end on multiples of
// this: what one Sv39 root entry maps, 1 GiB.
#define MSHARE_ALIGN (1UL << 30)

// What kind of region it is.
#define VMA_PRIVATE (1 << 0)  // fork gives the child a copy (copy-on-write)
#define VMA_GROWSUP (1 << 1)  // the heap: sbrk moves its end
#define VMA_STACK   (1 << 2)  // the user stack
#define VMA_GUARD   (1 << 3)  // mapped, but never accessible (below the stack)
#define VMA_SPECIAL (1 << 4)  // a page of the kernel's (USYSCALL): fork and
                              // exec leave it to the new address space
#define VMA_MMAP    (1 << 5)  // made by mmap(): munmap() may remove it
#define VMA_SHARED  (1 << 6)  // fork's children share it: stores are seen by all
#define VMA_MSHARE  (1 << 7)  // an mshare region attached: its page tables are the
                              // region's, shared by every process attached

// One region of a process, as maps(pid, regions, n) reports it.
struct vmregion {
  uint64 start, end;      // [start, end)
  uint64 resident;        // pages mapped now
  uint64 pagesize;        // the largest page mapping it: 4096, 2 MiB; 0 if none
  int prot;               // VM_*
  int flags;              // VMA_*
  char name[12];          // "text", "data", "guard", "stack", "heap", a
                          // mapped file's name, "anon", "shm"
  char kind[8];           // how its faults are resolved: "anon", "file", "shm",
                          // "mshare"
  uint64 offset;          // a file mapping: the file offset at start
};

// Filled in by memstat(&st): the system's counters and the caller's.
struct memstat {
  // whole system
  uint64 free_pages;      // physical pages free now
  uint64 kernel_pages;    // of those, how many only the kernel may take
                          // (sysinfo reports the others)
  uint64 total_pages;     // physical pages the allocator manages
  uint64 lazy_faults;     // heap pages filled by a fault, since boot
  uint64 cow_faults;      // store faults on copy-on-write pages, since boot
  uint64 cow_copies;      // of those, the ones that had to copy the page
  uint64 shared_pages;    // pages with more than one reference now: mapped
                          // by several table entries (a shared table's
                          // entries count once, however many share it)
  uint64 pt_pages;        // page-table pages in use now
  uint64 reserved_pages;  // of the free pages, those set aside in 2 MiB
                          // reservations for lazily filled heaps
  uint64 promotions;      // reserved regions promoted to megapages, since boot
  uint64 file_pages;      // pages of files and shared memory in the page cache now
  uint64 file_mapped;     // of those, pages some process maps
  uint64 file_dirty;      // of those, pages stored to and not yet written back
  uint64 file_faults;     // faults that mapped a page-cache page, since boot
  // the policies chosen at boot (kernel/boot/bootargs.c)
  uint64 heap_top;        // the heap may grow up to here (USERTOP)
  uint64 overcommit;      // OVERCOMMIT_*: what sbrk does with what it cannot back now
  // the process
  uint64 p_size;          // its size in bytes (sbrk(0))
  uint64 p_resident;      // user pages actually mapped
  uint64 p_pt_pages;      // page-table pages of its address space
  uint64 p_lazy_faults;
  uint64 p_cow_faults;
  uint64 p_cow_copies;
  uint64 p_promotions;
  uint64 p_file_faults;
  uint64 p_fork_copy_ns;  // time its forks spent copying or sharing memory
  // swap and reclaim (kernel/mm/swap.c, kernel/mm/reclaim.c)
  uint64 swap_total;      // pages the swap disk holds (0: no swap)
  uint64 swap_used;       // swap slots in use now
  uint64 swap_cached;     // pages in the swap cache now
  uint64 swap_ins;        // pages read back from swap, since boot
  uint64 swap_cache_hits; // swapped pages found in the swap cache instead, since boot
  uint64 swap_outs;       // pages written to swap, since boot
  uint64 reclaimed;       // pages reclaim freed, since boot
  uint64 file_reclaimed;  // of those, file pages (written back first if dirty)
  uint64 oom_kills;       // processes the OOM killer ended, since boot
  uint64 lru_pages;       // mapped pages on the reclaim list now
  uint64 reclaim_policy;  // RECLAIM_CLOCK or RECLAIM_FIFO
  uint64 p_swapped;       // the process's pages out on swap now
  uint64 p_swap_ins;      // its pages read back from swap
};

#endif

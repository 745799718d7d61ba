// membench: what fork costs in each fork mode as the heap grows, and what
// one lazy and one copy-on-write page fault cost.
//
//   membench          every measurement below
//   membench super    only the megapage ones
//   membench regions  only the fault cost against the number of regions
//   membench files    only read() against mmap of a file
//   membench shm      only many processes mapping one shared region
//   membench thrash   thrashing: working sets from half of RAM to 3 times it
//   membench belady   Belady's anomaly under the kernel's FIFO
//   membench swap     both of these (only when named: they need a swap disk
//                     and take minutes; tools/bench.py boots 32 MiB for them)
//
// For heaps of 0, 1, 8, 32 and 64 MiB (bytes added with sbrk on top of
// the program's own few pages, every page written first) it forks in
// FORK_EAGER, FORK_COW and FORK_SHAREDPT mode, with a child that exits at
// once: the first fork after the writes, then repeated forks (a fork
// server), whose medians it reports. Each fork is timed three ways: the
// fork() call in the parent (fork latency, what the papers report); of
// it, the time the kernel spent copying or sharing memory (fork_copy,
// xv6's uvmcopy: the part the fork mode decides, memstat's
// p_fork_copy_ns); and the cycle
// of fork + exit + wait (which adds the child's exit and the freeing of
// what fork built). Then fork followed by the child storing
// to 1, 10 and 100 percent of the heap's pages, timed to wait()'s return
// (median of WRITE_REPS, the modes taking turns). With a 32 MiB heap it
// counts the page-table pages that 16 children alive at once add in each
// mode. Then it times touching fresh sbrklazy pages (one lazy fault
// each) and a child's stores to pages it shares copy-on-write with its
// parent (one COW fault and copy each).
//
// Then the cost of finding a fault's region as regions multiply: the
// time per lazy fault in a fresh mmap region while 1, 100 and 10,000
// regions exist (membench regions runs only this).
//
// Then files (membench files runs only these): reading a 16 MiB file
// into a buffer with read() against mapping it and loading a word of
// every page, each cold (the file's pages read from the disk) and warm
// (in the page cache); then 16 processes at once each mapping it shared,
// or each reading it into a buffer of its own: the time until all have
// every page, and the pages they hold then (the read half needs more
// than 256 MiB of memory, or it is skipped).
//
// Then, with 2 MiB megapages off and on: the time to touch every page of
// a fresh 64 MiB heap (lazy faults), the time of random loads all over
// it (TLB-heavy), and the page-table pages it takes; then a sparse heap,
// one page in 64 of 1 GiB touched (as xv6's lazy tests do), timed with
// the memory it took. Everything before runs with megapages off, so
// those numbers stay 4 KiB-page numbers.
//
// Last, shared memory with and without shared page tables (issue 16;
// membench shm runs only this): for N = 1, 8, 32 and as many children as
// fork allows (NPROC less the processes running), N children at once map
// one 64 MiB shared region and load a word of every page, in three modes:
//  - plain: each maps the file at an address of its own, so each builds
//    its own page tables for it, as every process does on Linux;
//  - mccracken: each maps it at the same 2 MiB-aligned address, so the
//    level-0 tables are linked between them (McCracken 2003): a child
//    faulting in a 2 MiB span takes the table another one built;
//  - mshare: the program creates an mshare region (/mshare/bench, 1 GiB
//    at 64 GiB), maps shared memory inside it and loads every page; each
//    child drops the attachment fork gave it and attaches by name, as an
//    unrelated process would (open, then mmap of the whole region), and
//    uses the region's page tables.
// The region of the first two is a 16 MiB file (the files part's, created
// once and held in the page cache), mapped 4 times side by side: creating
// a 64 MiB file costs two minutes of disk writes, and the page tables
// cannot tell the copies apart. Per mode and N: the page-table pages in
// use (memstat's pt_pages, the system's) with every child done, less
// those before the mode's setup (so mshare's region tables count); the
// faults that mapped a page-cache page, system-wide (file_faults; shared
// memory's faults count there too), from the first fork; and the time
// from the first fork until every child has loaded every page. A base
// line: N children that map nothing (the tables every process has).
// With the page-table bytes per page of the region against the seminar's
// arithmetic, sizeof(pte_t) = 8 bytes per process per page (1,000
// processes: 8,000 bytes of table entries for one 4 KiB page). With
// memory for it (MEM=1G), the same again for a 512 MiB region (the file
// mapped 32 times). Free pages must come back to where they were. This
// part takes about 40 s with 256 MiB, most of it writing the file.
//
// Swapping (issue 17; membench thrash, belady, swap). Thrashing: under
// each replacement policy (clock, FIFO: swapctl's SWAPCTL_POLICY) and in
// each order (sequential; random, a new order each pass, every page once
// a pass), a child reserves a working set of 50, 75, 90, 100, 125, 150,
// 200 and 300 percent of the machine's pages (memstat's total_pages)
// lazily, stores to every page once (the warm-up: its first faults and
// swap-outs), then times passes that store to every page again until
// they took a second (a set that swaps: one or two passes; one that fits
// takes milliseconds a pass and gets up to 25, so that the host's noise
// does not make the baseline). Per set: the median time of a pass, its
// swap-ins (the child's faults that read a page back) and swap-outs (the
// system's), and the time per page against the 50% set's, which fits in
// memory. Each page counts its stores, and a
// pass that finds a count wrong fails. Before each set every page reclaim
// can get goes out (so each starts alike), and after it every swap slot
// the child took must have come back.
// Belady's anomaly: the textbook reference string 1,2,3,4,1,2,5,1,2,3,4,5,
// each page of it a page (then a group of 64 pages) of a region of its
// own, replayed with 3 and then 4 frames: after each reference the
// program has the kernel reclaim (SWAPCTL_RECLAIM) until only frames x
// group pages of the region are mapped. The kernel's policy chooses the
// pages that go; the program only holds the budget. Faults are the
// region's pages that a reference had to map (maps()' resident count
// before and after), printed beside FIFO's textbook count; FIFO faults
// more with 4 frames than with 3. Then the same under the clock.
//
// One line per result, for scripts (tools/bench.py):
//   fork heap=<MiB>MiB mode=<m> call_first_us=<int> call_median_us=<int>
//        copy_first_us=<int>.<digit> copy_median_us=<int>.<digit>
//        cycle_first_us=<int> cycle_median_us=<int> reps=<n>   (one line)
//   fork heap=<MiB>MiB mode=<m> skipped free_pages=<n> need_pages=<n>
//   write heap=<MiB>MiB mode=<m> pct=<1|10|100> median_us=<int>
//   ptpages heap=32MiB children=16 mode=<m> pages=<n>   (or skipped)
//   (m is eager, cow or sharedpt)
//   fault kind=<lazy|cow> us=<int>.<digit> pages=<n> reps=<n>
//   regions n=<1|100|10000> fault_us=<int>.<digit> over_one=<int>.<digit>
//   files what=<read|map> mib=16 cold_us=<int> warm_us=<int>
//   files what=ratio read_over_map cold=<int>.<digit> warm=<int>.<digit>
//   files what=procs n=16 how=<map|read> us=<int> pages=<n>   (or skipped free_pages=<n>)
//   ratio heap=<MiB>MiB of=<call|copy|cycle> <a>_over_<b>=<int>.<digit>
//        (repeated forks: eager_over_cow, cow_over_sharedpt, and of the
//        call and the copy, <m>_over_empty: against the same mode's 0 MiB
//        fork)
//   super what=<touch|random> mib=64 off_us=<int> on_us=<int> off_over_on=<int>.<digit>
//   super what=pt_pages mib=64 off=<n> on=<n>   (the process's, heap touched)
//   super what=sparse mib=1024 off_us=<int> on_us=<int> off_over_on=<int>.<digit>
//   super what=sparse_pages mib=1024 off=<n> on=<n>   (pages the touches took)
//   shm what=procs n=<N>   (the most children fork allowed)
//   shm mode=<plain|mccracken|mshare> n=<N> mib=<64|512> pt_pages=<n> faults=<n> us=<int>
//   shm what=bytes_per_page mode=<m> n=<N> mib=<64|512> bytes=<int>.<digit>
//   shm what=base n=<N> mib=<64|512> pt_pages=<n> us=<int>
//   shm mib=512 skipped free_pages=<n> need_pages=<n>   (or shm skipped free_pages=<n>)
//   shm what=free_pages start=<n> end=<n>   (an error follows if they differ)
//   thrash what=machine total_pages=<n> swap_pages=<n>   (or thrash skipped no swap)
//   thrash policy=<clock|fifo> access=<seq|random> pct=<p> pages=<n> passes=<n>
//        pass_us=<int> swap_ins=<n> swap_outs=<n> over_50=<int>.<digit>
//        (one line; or ... pct=<p> skipped free_pages=<n> swap_free=<n>)
//   belady policy=<clock|fifo> frames=<3|4> group=<1|64> refs=12 faults=<n>
//        swap_ins=<n> textbook_fifo=<n>   (or belady skipped no swap)
// then tables for people, and "membench: done" as the last line. On an
// error it prints "membench: error: ..." and exits with status 1. The
// fork mode in force at the start is restored in both cases.

#include "kernel/fcntl.h"
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"
#include "user/user.h"

#define MIB (1024 * 1024)
#define NELEM(x) ((int)(sizeof(x) / sizeof((x)[0])))
#define NSIZES 5
#define NMODES 3
#define MAX_REPS 15              // repetitions of each fork measurement
#define MIN_REPS 3               // at least this many, however slow
#define SLOW_CELL_NS 3000000000UL  // stop at MIN_REPS past this much time
#define MARGIN_PAGES 512         // spare pages for page tables and kernel
#define FAULT_PAGES 2048         // pages touched per fault measurement
#define FAULT_REPS 5
#define WRITE_REPS 9
#define PT_CHILDREN 16           // children alive at once for the table count
#define PT_HEAP_MIB 32
#define SUPER_MIB 64             // heap of the megapage measurements
#define SUPER_REPS 3
#define SPARSE_MIB 1024          // the sparse heap ...
#define SPARSE_STEP 64           // ... of which one page in this many is touched
#define RANDOM_LOADS (1 << 20)   // loads at random addresses per measurement

static const int heap_mib[NSIZES] = { 0, 1, 8, 32, 64 };
static const int modes[NMODES] = { FORK_EAGER, FORK_COW, FORK_SHAREDPT };
static const char *mode_names[NMODES] = { "eager", "cow", "sharedpt" };
static const int write_pcts[] = { 1, 10, 100 };

static int saved_mode = -1;      // fork mode to restore on the way out
static int saved_policy = -1;    // replacement policy to restore on the way out
static char *heap_base;          // start of the heap this program grows
static int heap_pages;           // pages sbrk has added so far

static volatile uint64 load_sink;  // keeps the random loads from being dropped

// What one fork took, in ns: the fork() call in the parent, the part of
// it that copied or shared memory (the kernel's fork_copy, what the fork
// mode decides), and the cycle of fork + exit + wait.
struct fork_time {
  uint64 call, copy, cycle;
};

// Medians of repeated forks for each heap size and mode; 0 when skipped.
static struct fork_time fork_med[NSIZES][NMODES];

// Put the fork mode back, say what went wrong and exit with status 1.
static void
fail(const char *what)
{
  if(saved_mode >= 0)
    forkmode(saved_mode);
  if(saved_policy >= 0)
    swapctl(SWAPCTL_POLICY, saved_policy);
  printf("membench: error: %s\n", what);
  exit(1);
}

// Write v in decimal at buf, NUL-terminated; returns its length.
static int
utoa(char *buf, uint64 v)
{
  char rev[24];
  int n = 0;
  do {
    rev[n++] = '0' + v % 10;
    v /= 10;
  } while(v != 0);
  for(int i = 0; i < n; i++)
    buf[i] = rev[n - 1 - i];
  buf[n] = '\0';
  return n;
}

// Write tenths / 10 with one decimal ("12.3") at buf; returns buf.
static char *
fixed1(char *buf, uint64 tenths)
{
  int n = utoa(buf, tenths / 10);
  buf[n] = '.';
  utoa(buf + n + 1, tenths % 10);
  return buf;
}

// ns as microseconds with one decimal, rounded, written at buf.
static char *
us1(char *buf, uint64 ns)
{
  return fixed1(buf, (ns + 50) / 100);
}

// ns as whole microseconds, rounded.
static uint64
us(uint64 ns)
{
  return (ns + 500) / 1000;
}

// a / b with one decimal, rounded, written at buf.
static char *
ratio1(char *buf, uint64 a, uint64 b)
{
  return fixed1(buf, (a * 10 + b / 2) / b);
}

// Print s right-aligned in a field of width characters.
static void
print_right(const char *s, int width)
{
  for(int n = strlen(s); n < width; n++)
    printf(" ");
  printf("%s", s);
}

// Sort v[0..n) in place, ascending (n is small: insertion sort).
static void
sort(uint64 *v, int n)
{
  for(int i = 1; i < n; i++){
    uint64 x = v[i];
    int j = i;
    for(; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

// The median of v[0..n); sorts v.
static uint64
median(uint64 *v, int n)
{
  sort(v, n);
  return v[n / 2];
}

// Store one byte in each of the npages pages starting at p.
static void
touch(char *p, int npages)
{
  volatile char *v = p;
  for(int i = 0; i < npages; i++)
    v[(uint64)i * PGSIZE] = 1;
}

// Load one word of each of the npages pages from p.
static void
load_pages(char *p, uint64 npages)
{
  uint64 sum = 0;
  for(uint64 i = 0; i < npages; i++)
    sum += *(volatile int *)(p + i * PGSIZE);
  load_sink = sum;
}

// Grow or shrink the heap to npages pages past heap_base, eagerly.
static void
set_heap(int npages)
{
  if(sbrk((npages - heap_pages) * PGSIZE) == SBRK_ERROR)
    fail("sbrk failed");
  heap_pages = npages;
}

// Nanoseconds the caller's forks have spent copying or sharing memory.
static uint64
fork_copy_ns(void)
{
  struct memstat st;
  if(memstat(&st) != 0)
    fail("memstat failed");
  return st.p_fork_copy_ns;
}

// Time one fork whose child stores to pct percent of the heap's pages
// (spread evenly; 0: none) and exits; fill in *t.
static void
time_fork(int pct, struct fork_time *t)
{
  uint64 copied = fork_copy_ns();
  uint64 t0 = nsec();
  int pid = fork();
  if(pid == 0){
    volatile char *v = heap_base;
    for(int i = 0; i < heap_pages; i++)
      if((uint64)i * pct / 100 != (uint64)(i + 1) * pct / 100)
        v[(uint64)i * PGSIZE] = 2;
    exit(0);
  }
  t->call = nsec() - t0;
  if(pid < 0)
    fail("fork failed");
  if(wait(0) != pid)
    fail("wait returned another process");
  t->cycle = nsec() - t0;
  t->copy = fork_copy_ns() - copied;
}

// Can a fork in mode m (an index into modes[]) of the current heap fit
// in memory? If not, print the "skipped" line for what and say no.
static int
fits(int m, const char *what, int s)
{
  int need = heap_pages + MARGIN_PAGES, nfree = kpages();
  if(modes[m] != FORK_EAGER || nfree >= need)
    return 1;
  printf("%s heap=%dMiB mode=%s skipped free_pages=%d need_pages=%d\n", what,
         heap_mib[s], mode_names[m], nfree, need);
  return 0;
}

// Fork with the current heap (row s) in mode m, if it fits: the first
// fork after writing every page, then repeated forks as a fork server
// does (MAX_REPS, or fewer but at least MIN_REPS when they take longer
// than SLOW_CELL_NS together). Records the medians and prints the result
// line. The modes do not take turns here: a fork server forks in one
// mode, and the fork before changes what the next one costs.
static void
fork_cell(int s, int m)
{
  struct fork_time first, t[MAX_REPS];
  uint64 call[MAX_REPS], copy[MAX_REPS], cycle[MAX_REPS], spent = 0;
  int n = 0;
  if(!fits(m, "fork", s))
    return;
  touch(heap_base, heap_pages);
  forkmode(modes[m]);
  time_fork(0, &first);
  while(n < MAX_REPS && (n < MIN_REPS || spent < SLOW_CELL_NS)){
    time_fork(0, &t[n]);
    call[n] = t[n].call;
    copy[n] = t[n].copy;
    cycle[n] = t[n].cycle;
    spent += cycle[n++];
  }
  struct fork_time *med = &fork_med[s][m];
  med->call = median(call, n);
  med->copy = median(copy, n);
  med->cycle = median(cycle, n);
  char c1[32], c2[32];
  printf("fork heap=%dMiB mode=%s call_first_us=%lu call_median_us=%lu "
         "copy_first_us=%s copy_median_us=%s cycle_first_us=%lu "
         "cycle_median_us=%lu reps=%d\n", heap_mib[s], mode_names[m],
         us(first.call), us(med->call), us1(c1, first.copy), us1(c2, med->copy),
         us(first.cycle), us(med->cycle), n);
}

// Fork then a child writing 1, 10, 100 percent of the heap, in every
// mode; the modes take turns within each repetition, so that noise from
// the host falls on all of them alike.
static void
write_row(int s)
{
  for(int w = 0; w < NELEM(write_pcts); w++){
    uint64 t[NMODES][WRITE_REPS];
    struct fork_time ft;
    int ok[NMODES];
    for(int m = 0; m < NMODES; m++)
      ok[m] = fits(m, "write", s);
    for(int r = 0; r < WRITE_REPS; r++)
      for(int m = 0; m < NMODES; m++)
        if(ok[m]){
          forkmode(modes[m]);
          time_fork(write_pcts[w], &ft);
          t[m][r] = ft.cycle;
        }
    for(int m = 0; m < NMODES; m++)
      if(ok[m])
        printf("write heap=%dMiB mode=%s pct=%d median_us=%lu\n", heap_mib[s],
               mode_names[m], write_pcts[w], us(median(t[m], WRITE_REPS)));
  }
}

// With the current heap: page-table pages that PT_CHILDREN children,
// forked in mode m and alive at once, add to the system's.
static void
ptpages_cell(int m)
{
  struct memstat a, b;
  int go[2];
  if(modes[m] == FORK_EAGER && kpages() < PT_CHILDREN * heap_pages + MARGIN_PAGES){
    printf("ptpages heap=%dMiB children=%d mode=%s skipped\n", PT_HEAP_MIB,
           PT_CHILDREN, mode_names[m]);
    return;
  }
  if(pipe(go) < 0)
    fail("pipe failed");
  forkmode(modes[m]);
  memstat(&a);
  for(int i = 0; i < PT_CHILDREN; i++){
    int pid = fork();
    if(pid < 0)
      fail("fork failed");
    if(pid == 0){
      char c;
      close(go[1]);
      read(go[0], &c, 1);
      exit(0);
    }
  }
  memstat(&b);
  close(go[0]);
  close(go[1]);
  for(int i = 0; i < PT_CHILDREN; i++)
    wait(0);
  printf("ptpages heap=%dMiB children=%d mode=%s pages=%lu\n", PT_HEAP_MIB,
         PT_CHILDREN, mode_names[m], b.pt_pages - a.pt_pages);
}

// Grow the heap to the size of row s, and measure fork in every mode (and
// the page-table pages of PT_CHILDREN children, at PT_HEAP_MIB). A heap
// that does not fit in memory is skipped in all.
static void
fork_row(int s)
{
  int npages = heap_mib[s] * (MIB / PGSIZE);
  int need = npages - heap_pages + MARGIN_PAGES;
  int nfree = kpages();
  if(nfree < need){
    for(int m = 0; m < NMODES; m++)
      printf("fork heap=%dMiB mode=%s skipped free_pages=%d need_pages=%d\n",
             heap_mib[s], mode_names[m], nfree, need);
    return;
  }
  set_heap(npages);
  for(int m = 0; m < NMODES; m++)
    fork_cell(s, m);
  write_row(s);
  for(int m = 0; heap_mib[s] == PT_HEAP_MIB && m < NMODES; m++)
    ptpages_cell(m);
}

// Touch the FAULT_PAGES fresh pages from p, each one lazy fault; returns
// the time per fault in ns.
static uint64
time_first_touches(char *p)
{
  struct memstat before, after;
  memstat(&before);
  uint64 t0 = nsec();
  touch(p, FAULT_PAGES);
  uint64 ns = nsec() - t0;
  memstat(&after);
  if(after.p_lazy_faults - before.p_lazy_faults != FAULT_PAGES)
    fail("lazy fault count is not one per page touched");
  return ns / FAULT_PAGES;
}

// Time FAULT_PAGES lazy faults: touch fresh sbrklazy pages. Returns the
// time per fault in ns.
static uint64
time_lazy_faults(void)
{
  char *p = sbrklazy(FAULT_PAGES * PGSIZE);
  if(p == SBRK_ERROR)
    fail("sbrklazy failed");
  uint64 ns = time_first_touches(p);
  if(sbrk(-FAULT_PAGES * PGSIZE) == SBRK_ERROR)
    fail("sbrk could not shrink the heap");
  return ns;
}

// In a child sharing the heap copy-on-write: store to every page and
// send the parent the time per fault, or 0 if the copy count is wrong.
static void
cow_child(int fd)
{
  struct memstat before, after;
  memset(&before, 0, sizeof(before));   // own stack page before counting
  memstat(&before);
  uint64 t0 = nsec();
  touch(heap_base, FAULT_PAGES);
  uint64 ns = nsec() - t0;
  memstat(&after);
  uint64 per = ns / FAULT_PAGES;
  if(after.p_cow_copies - before.p_cow_copies != FAULT_PAGES)
    per = 0;
  write(fd, &per, sizeof(per));
  exit(0);
}

// Time FAULT_PAGES COW faults, each one copying a page: a child stores
// to pages its parent also maps. Returns the time per fault in ns.
static uint64
time_cow_faults(void)
{
  int fds[2];
  if(pipe(fds) < 0)
    fail("pipe failed");
  set_heap(FAULT_PAGES);
  touch(heap_base, FAULT_PAGES);
  forkmode(FORK_COW);
  int pid = fork();
  if(pid == 0)
    cow_child(fds[1]);
  if(pid < 0)
    fail("fork failed");
  uint64 per = 0;
  int n = read(fds[0], &per, sizeof(per));
  wait(0);
  close(fds[0]);
  close(fds[1]);
  set_heap(0);
  if(n != sizeof(per) || per == 0)
    fail("COW copy count is not one per page stored to");
  return per;
}

static int nregions;                // time_region_faults's region count

// Time FAULT_PAGES lazy faults in a fresh mmap region while nregions
// regions exist in all: the others one page each, just above it, their
// permissions alternating so that no two neighbours could be one region.
// Returns the time per fault in ns.
static uint64
time_region_faults(void)
{
  char *low = 0;
  for(int i = 0; i < nregions - 1; i++){
    int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
    if((low = mmap(0, PGSIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == (char *)-1)
      fail("mmap of a one-page region failed");
  }
  char *p = mmap(0, FAULT_PAGES * PGSIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(p == (char *)-1 || (low && p + FAULT_PAGES * PGSIZE != low))
    fail("mmap of the faulting region failed, or put it elsewhere");
  uint64 ns = time_first_touches(p);
  if(munmap(p, FAULT_PAGES * PGSIZE + (uint64)(nregions - 1) * PGSIZE) != 0)
    fail("munmap of the regions failed");
  return ns;
}

// The lazy fault with 1, 100 and 10,000 regions, against the first.
static void
region_lines(void)
{
  static const int counts[] = { 1, 100, 10000 };
  uint64 ns[NELEM(counts)];
  char a[32], b[32];
  for(int i = 0; i < NELEM(counts); i++){
    uint64 t[FAULT_REPS];
    nregions = counts[i];
    for(int r = 0; r < FAULT_REPS; r++)
      t[r] = time_region_faults();
    ns[i] = median(t, FAULT_REPS);
    printf("regions n=%d fault_us=%s over_one=%s\n", counts[i], us1(a, ns[i]),
           ratio1(b, ns[i], ns[0]));
  }
}

// Measure one kind of fault FAULT_REPS times; print and return the median.
static uint64
fault_line(const char *kind, uint64 (*measure)(void))
{
  uint64 t[FAULT_REPS];
  char buf[32];
  for(int i = 0; i < FAULT_REPS; i++)
    t[i] = measure();
  uint64 ns = median(t, FAULT_REPS);
  printf("fault kind=%s us=%s pages=%d reps=%d\n", kind, us1(buf, ns),
         FAULT_PAGES, FAULT_REPS);
  return ns;
}

// ---- Files: read() against mmap -------------------------------------------

#define FILE_MIB 16              // the file read and mapped
#define FILE_PROCS 16            // processes reading or mapping it at once
#define FILE_NAME "/membench.file"

static char *file_buf;           // FILE_MIB of heap: what read() fills

// Create FILE_NAME, FILE_MIB long, written from file_buf.
static void
make_bench_file(void)
{
  int fd = open(FILE_NAME, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    fail("cannot create " FILE_NAME);
  for(int i = 0; i < FILE_MIB * MIB; i += PGSIZE)
    *(int *)(file_buf + i) = i;
  if(write(fd, file_buf, FILE_MIB * MIB) != FILE_MIB * MIB)
    fail("cannot write " FILE_NAME " (is the disk big enough?)");
  close(fd);
}

// Read all of FILE_NAME into file_buf with read(); the time in ns.
static uint64
time_read(void)
{
  uint64 t0 = nsec();
  int fd = open(FILE_NAME, O_RDONLY);
  if(fd < 0 || read(fd, file_buf, FILE_MIB * MIB) != FILE_MIB * MIB)
    fail("read of " FILE_NAME " failed");
  close(fd);
  return nsec() - t0;
}

// Map all of FILE_NAME shared and load one word of every page; returns
// the mapping.
static char *
map_and_touch(void)
{
  int fd = open(FILE_NAME, O_RDONLY);
  char *p = mmap(0, FILE_MIB * MIB, PROT_READ, MAP_SHARED, fd, 0);
  if(fd < 0 || p == (char *)-1)
    fail("mmap of " FILE_NAME " failed");
  close(fd);
  load_pages(p, FILE_MIB * MIB / PGSIZE);
  return p;
}

// Map all of FILE_NAME, touch every page, unmap; the time in ns.
static uint64
time_map(void)
{
  uint64 t0 = nsec();
  munmap(map_and_touch(), FILE_MIB * MIB);
  return nsec() - t0;
}

static int ready_fds[2], gate_fds[2];  // start_children's pipes

// Make the pipes start_children uses (before counting pages: they take
// some, until gate_open).
static void
make_gate(void)
{
  if(pipe(ready_fds) < 0 || pipe(gate_fds) < 0)
    fail("pipe failed");
}

// Fork n children: child i does work(i), says so down the ready pipe and
// waits until gate_open(), so that all are alive at once while the parent
// counts what they hold. Returns when every child has done its work;
// fails if one died first.
static void
start_children(int n, void (*work)(int))
{
  char c = 'r';
  for(int i = 0; i < n; i++){
    int pid = fork();
    if(pid < 0)
      fail("fork failed");
    if(pid == 0){
      close(ready_fds[0]);
      close(gate_fds[1]);
      work(i);
      write(ready_fds[1], &c, 1);
      close(ready_fds[1]);
      read(gate_fds[0], &c, 1);
      exit(0);
    }
  }
  close(ready_fds[1]);         // so that the reads below end if all die
  for(int i = 0; i < n; i++)
    if(read(ready_fds[0], &c, 1) != 1)
      fail("a child died before it had done its work");
}

// Let the n children of start_children exit, wait for them, and close
// the pipes.
static void
gate_open(int n)
{
  close(ready_fds[0]);
  close(gate_fds[0]);
  close(gate_fds[1]);
  for(int i = 0; i < n; i++)
    wait(0);
}

// One of FILE_PROCS readers: read the file into a buffer of its own.
static void
read_proc(int i)
{
  if(sbrk(FILE_MIB * MIB) == SBRK_ERROR)
    fail("sbrk failed");
  file_buf = sbrk(0) - FILE_MIB * MIB;
  time_read();
}

// One of FILE_PROCS mappers: map the file and touch every page.
static void
map_proc(int i)
{
  map_and_touch();
}

// FILE_PROCS processes each reading or mapping the file at once: the
// time until all have touched every page, and the pages they hold then
// (more than free memory: skipped).
static void
procs_line(int read_it)
{
  const char *how = read_it ? "read" : "map";
  uint64 need = read_it ? (uint64)FILE_PROCS * FILE_MIB * MIB / PGSIZE : 0;
  if(kpages() < need + 2 * FILE_MIB * MIB / PGSIZE + MARGIN_PAGES){
    printf("files what=procs n=%d how=%s skipped free_pages=%d\n", FILE_PROCS, how, kpages());
    return;
  }
  make_gate();
  int before = kpages();
  uint64 t0 = nsec();
  start_children(FILE_PROCS, read_it ? read_proc : map_proc);
  uint64 ns = nsec() - t0;
  int held = before - kpages();
  gate_open(FILE_PROCS);
  printf("files what=procs n=%d how=%s us=%d pages=%d\n", FILE_PROCS, how, (int)us(ns), held);
}

// read() of the whole file into a buffer against mapping it and touching
// every page: the first time after the file was opened last (its pages
// read from the disk) and with its pages in the page cache (an open
// descriptor keeps them there). Then FILE_PROCS processes at once.
static void
file_lines(void)
{
  if(kpages() < 3 * FILE_MIB * MIB / PGSIZE + MARGIN_PAGES){
    printf("files skipped free_pages=%d\n", kpages());
    return;
  }
  set_heap(FILE_MIB * MIB / PGSIZE);
  file_buf = heap_base;
  make_bench_file();
  char a[32];
  uint64 cold[2], warm[2];
  uint64 (*measure[2])(void) = { time_read, time_map };
  const char *names[2] = { "read", "map" };
  for(int k = 0; k < 2; k++){
    uint64 t[FAULT_REPS];
    cold[k] = measure[k]();        // the cache dropped its pages at the last close
    int keep = open(FILE_NAME, O_RDONLY);
    for(int r = 0; r < FAULT_REPS; r++)
      t[r] = measure[k]();
    close(keep);
    warm[k] = median(t, FAULT_REPS);
    printf("files what=%s mib=%d cold_us=%d warm_us=%d\n", names[k], FILE_MIB,
           (int)us(cold[k]), (int)us(warm[k]));
  }
  printf("files what=ratio read_over_map cold=%s", ratio1(a, cold[0], cold[1]));
  printf(" warm=%s\n", ratio1(a, warm[0], warm[1]));
  set_heap(0);
  procs_line(0);
  procs_line(1);
  unlink(FILE_NAME);
}

// ---- Shared memory: many processes mapping one region (issue 16) ----------

#define GIB (1024UL * MIB)
#define SHM_MIB 64               // the region every process maps ...
#define SHM_BIG_MIB 512          // ... and this one too, when memory allows (MEM=1G)
#define SHM_BASE (128 * GIB)     // where the children map the file: far above the heap
#define SHM_NCOUNTS 4

// How one mode sets up the region and how a child maps it.
struct shm_mode {
  const char *name;
  void (*setup)(int mib);        // before the children (0: nothing to do)
  char *(*map)(int i, int mib);  // in child i: map the region, return its address
  void (*teardown)(void);        // after the children (0: nothing to do)
};

// What n children took in one mode: page-table pages added, faults that
// mapped a page-cache page, ns until all had loaded every page.
struct shm_result {
  int done;
  uint64 pt_pages, faults, ns;
};

static int shm_counts[SHM_NCOUNTS] = { 1, 8, 32, 0 };  // the last: as many as fork allows

// Map the file (FILE_NAME) shared at addr, as many times side by side as
// a region of mib MiB takes, each mapping the whole file.
static char *
map_file_at(uint64 addr, int mib)
{
  int fd = open(FILE_NAME, O_RDONLY);
  if(fd < 0)
    fail("cannot open " FILE_NAME);
  for(int k = 0; k < mib / FILE_MIB; k++){
    char *at = (char *)addr + (uint64)k * FILE_MIB * MIB;
    if(mmap(at, FILE_MIB * MIB, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) != at)
      fail("mmap of " FILE_NAME " failed");
  }
  close(fd);
  return (char *)addr;
}

// Plain shared mappings, what Linux does: every process maps the file
// where it likes and builds its own page tables for it. Child i maps it
// i GiB above the first, so that no two map the same part of the file at
// the same address (maps_alike in kernel/mm/filemap.c: not even one
// child's second copy where another has its first): McCracken sharing
// never applies. Each child's region starts 1 GiB-aligned, so it needs
// the same tables as in the McCracken mode.
static char *
map_plain(int i, int mib)
{
  return map_file_at(SHM_BASE + (uint64)i * GIB, mib);
}

// McCracken sharing: every child maps the file at the same 2 MiB-aligned
// address, so a child faulting in a 2 MiB span links the level-0 table
// another one built there, and finds the pages that one faulted in.
static char *
map_mccracken(int i, int mib)
{
  return map_file_at(SHM_BASE, mib);
}

// The base line: a child that maps nothing, for the tables every process
// has of its own (its text, stack and the tables above them).
static char *
map_nothing(int i, int mib)
{
  return 0;
}

#define MSHARE_NAME "/mshare/bench"
#define MSHARE_ADDR (64 * GIB)   // the region's address and size: multiples of
#define MSHARE_SIZE GIB          // 1 GiB, what one root table entry maps

static int mshare_fd = -1;       // the creator's descriptor of MSHARE_NAME

// mshare: this program creates the region MSHARE_NAME, maps mib MiB of
// shared memory at its start and loads every page (building the region's
// page tables and pages once), staying attached.
static void
mshare_create(int mib)
{
  unlink(MSHARE_NAME);           // left by a run that failed
  if((mshare_fd = open(MSHARE_NAME, O_CREATE | O_RDWR)) < 0 ||
     mshare(mshare_fd, (void *)MSHARE_ADDR, MSHARE_SIZE) != 0)
    fail("mshare of " MSHARE_NAME " failed");
  char *p = mmap((void *)MSHARE_ADDR, (uint64)mib * MIB, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
  if(p != (char *)MSHARE_ADDR)
    fail("mmap inside the mshare region failed");
  load_pages(p, (uint64)mib * MIB / PGSIZE);
}

// In child i: let go of the attachment fork gave, and attach as a process
// that is no relative of the creator would, by name. The region's page
// tables are then this process's: no faults, no tables of its own.
static char *
mshare_attach(int i, int mib)
{
  if(munmap((void *)MSHARE_ADDR, MSHARE_SIZE) != 0)
    fail("detaching the mshare region fork gave failed");
  int fd = open(MSHARE_NAME, O_RDWR);
  char *p = mmap(0, MSHARE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if(fd < 0 || p != (char *)MSHARE_ADDR)
    fail("attaching " MSHARE_NAME " failed");
  close(fd);
  return p;
}

// The creator removes the name and detaches; the region goes with the
// last of its children.
static void
mshare_destroy(void)
{
  if(unlink(MSHARE_NAME) != 0 || munmap((void *)MSHARE_ADDR, MSHARE_SIZE) != 0)
    fail("removing the mshare region failed");
  close(mshare_fd);
}

#define SHM_NMODES 3
static const struct shm_mode shm_modes[SHM_NMODES] = {
  { "plain", 0, map_plain, 0 },
  { "mccracken", 0, map_mccracken, 0 },
  { "mshare", mshare_create, mshare_attach, mshare_destroy },
};
static const struct shm_mode shm_base = { "base", 0, map_nothing, 0 };

static const struct shm_mode *shm_mode;  // shm_work's mode ...
static int shm_mib;                      // ... and region size

// Child i of a run: map the region as shm_mode says and load one word of
// every page.
static void
shm_work(int i)
{
  char *p = shm_mode->map(i, shm_mib);
  if(p)
    load_pages(p, (uint64)shm_mib * MIB / PGSIZE);
}

// One run: n children at once map the region of mib MiB as md says and
// load every page; fill in *r. The page-table pages are counted from
// before the mode's setup (mshare's region tables count), the faults
// (the system's) and the time from the first fork until every child has
// loaded every page.
static void
shm_run(const struct shm_mode *md, int n, int mib, struct shm_result *r)
{
  struct memstat before, start, all;
  memstat(&before);
  if(md->setup)
    md->setup(mib);
  shm_mode = md;
  shm_mib = mib;
  make_gate();
  memstat(&start);
  uint64 t0 = nsec();
  start_children(n, shm_work);
  r->ns = nsec() - t0;
  memstat(&all);
  gate_open(n);
  if(md->teardown)
    md->teardown();
  r->pt_pages = all.pt_pages - before.pt_pages;
  r->faults = all.file_faults - start.file_faults;
  r->done = 1;
}

// How many processes this one may fork and have alive at once: fork
// until fork fails, or NPROC have been made.
static int
shm_max_procs(void)
{
  int gate[2], n = 0;
  if(pipe(gate) < 0)
    fail("pipe failed");
  for(; n < NPROC; n++){
    int pid = fork();
    if(pid < 0)
      break;
    if(pid == 0){
      char c;
      close(gate[1]);
      read(gate[0], &c, 1);
      exit(0);
    }
  }
  close(gate[0]);
  close(gate[1]);
  for(int i = 0; i < n; i++)
    wait(0);
  return n;
}

// Create the file (FILE_NAME, FILE_MIB) and read it once, so that its
// pages are in the page cache, where the descriptor returned keeps them.
// A child does the work: the tables of the heap it takes to do it would
// stay after the heap shrank (sbrk leaves them), and this part must give
// back every page it takes.
static int
make_cached_file(void)
{
  int fd = open(FILE_NAME, O_CREATE | O_RDONLY);
  if(fd < 0)
    fail("cannot create " FILE_NAME);
  int pid = fork();
  if(pid < 0)
    fail("fork failed");
  if(pid == 0){
    set_heap(FILE_MIB * MIB / PGSIZE);
    file_buf = heap_base;
    make_bench_file();
    time_read();
    exit(0);
  }
  int status;
  if(wait(&status) != pid || status != 0)
    fail("the child making " FILE_NAME " failed");
  return fd;
}

// Free pages a region of mib MiB needs with nmax children: its pages for
// mshare's shared memory, and a level-0 table per 2 MiB per child with a
// few more each (plain mappings).
static uint64
shm_need_pages(int mib, int nmax)
{
  uint64 pages = (uint64)mib * MIB / PGSIZE;
  return pages + nmax * ((uint64)mib * MIB / SUPERPGSIZE + 8) + MARGIN_PAGES;
}

// Print one result line, and the page-table bytes per page of the region.
static void
shm_line(const char *mode, int n, int mib, struct shm_result *r)
{
  char buf[32];
  uint64 pages = (uint64)mib * MIB / PGSIZE;
  printf("shm mode=%s n=%d mib=%d pt_pages=%lu faults=%lu us=%lu\n", mode, n, mib,
         r->pt_pages, r->faults, us(r->ns));
  printf("shm what=bytes_per_page mode=%s n=%d mib=%d bytes=%s\n", mode, n, mib,
         ratio1(buf, r->pt_pages * PGSIZE, pages));
}

// Print v right-aligned in a field of width characters.
static void
print_num(uint64 v, int width)
{
  char buf[24];
  utoa(buf, v);
  print_right(buf, width);
}

// One row of the table for people: mode name, n, the result, and the
// seminar's arithmetic (a table entry of sizeof(pte_t) per process per
// page) beside the page-table bytes per page measured.
static void
shm_row(const char *name, int n, int mib, struct shm_result *r)
{
  char buf[32];
  print_right(name, 9);
  print_num(n, 5);
  print_num(r->pt_pages, 10);
  print_num(r->faults, 10);
  print_right(fixed1(buf, (r->ns + 50000) / 100000), 10);
  print_right(ratio1(buf, r->pt_pages * PGSIZE, (uint64)mib * MIB / PGSIZE), 12);
  print_num(sizeof(pte_t) * n, 8);
  printf("\n");
}

// The table for people of one region size: every count and mode, and
// the base line.
static void
shm_table(int mib, struct shm_result res[SHM_NCOUNTS][SHM_NMODES + 1])
{
  printf("\n%d MiB shared (%d pages): N processes each mapping it and loading "
         "every page\n", mib, mib * (MIB / PGSIZE));
  printf("     mode    N  pt pages    faults        ms  bytes/page   8 x N\n");
  for(int c = 0; c < SHM_NCOUNTS; c++)
    for(int m = 0; m <= SHM_NMODES; m++)
      if(res[c][m].done)
        shm_row(m < SHM_NMODES ? shm_modes[m].name : shm_base.name, shm_counts[c],
                mib, &res[c][m]);
}

// Measure every mode and count for a region of mib MiB, with up to nmax
// children (the last count).
static void
shm_size(int mib, int nmax)
{
  static struct shm_result res[SHM_NCOUNTS][SHM_NMODES + 1];
  uint64 need = shm_need_pages(mib, nmax);
  if(kpages() < need){
    printf("shm mib=%d skipped free_pages=%d need_pages=%lu\n", mib, kpages(), need);
    return;
  }
  memset(res, 0, sizeof(res));
  for(int c = 0; c < SHM_NCOUNTS; c++){
    int n = shm_counts[c];
    if(n > nmax || (c + 1 < SHM_NCOUNTS && n == nmax))
      continue;                // more than fork allows, or the last count's
    for(int m = 0; m < SHM_NMODES; m++){
      shm_run(&shm_modes[m], n, mib, &res[c][m]);
      shm_line(shm_modes[m].name, n, mib, &res[c][m]);
    }
    struct shm_result *base = &res[c][SHM_NMODES];
    shm_run(&shm_base, n, mib, base);
    printf("shm what=base n=%d mib=%d pt_pages=%lu us=%lu\n", n, mib, base->pt_pages,
           us(base->ns));
  }
  shm_table(mib, res);
}

// N processes at once mapping one shared region of SHM_MIB, and of
// SHM_BIG_MIB when memory allows, in each mode (see the top); then
// check that every page the part took came back.
static void
shm_lines(void)
{
  int free0 = kpages();
  if(free0 < 2 * FILE_MIB * (MIB / PGSIZE) + shm_need_pages(SHM_MIB, NPROC)){
    printf("shm skipped free_pages=%d\n", free0);
    return;
  }
  int nmax = shm_max_procs();
  shm_counts[SHM_NCOUNTS - 1] = nmax;
  printf("shm what=procs n=%d\n", nmax);
  int fd = make_cached_file();
  shm_size(SHM_MIB, nmax);
  shm_size(SHM_BIG_MIB, nmax);
  close(fd);
  if(unlink(FILE_NAME) != 0)
    fail("cannot remove " FILE_NAME);
  int free1 = kpages();
  printf("shm what=free_pages start=%d end=%d\n", free0, free1);
  if(free1 != free0)
    fail("shm: free pages did not come back to where they were");
}

// One superpage measurement with megapages on or off: grow the heap to a
// 2 MiB boundary and by SUPER_MIB lazily, time touching every page, count
// the process's page-table pages then, time RANDOM_LOADS loads at random
// addresses in it, and give it all back.
static void
super_round(int on, uint64 *touch_ns, uint64 *random_ns, uint64 *pt_pages)
{
  struct memstat st;
  uint64 npages = SUPER_MIB * (MIB / PGSIZE);
  superpages(on ? SUPER_ON : SUPER_OFF);
  uint64 cur = (uint64)sbrk(0);
  uint64 pad = SUPERPGROUNDUP(cur) - cur;
  char *p = sbrklazy(pad + npages * PGSIZE);
  if(p == SBRK_ERROR)
    fail("sbrklazy of the superpage heap failed");
  p += pad;
  uint64 t0 = nsec();
  touch(p, npages);
  *touch_ns = nsec() - t0;
  memstat(&st);
  *pt_pages = st.p_pt_pages;
  volatile char *v = p;
  uint64 x = 1, sum = 0;
  t0 = nsec();
  for(int i = 0; i < RANDOM_LOADS; i++){
    x = x * 6364136223846793005UL + 1442695040888963407UL;   // an LCG
    sum += v[(x >> 24) % (npages * PGSIZE)];
  }
  *random_ns = nsec() - t0;
  load_sink = sum;
  if(sbrk(-(int)(pad + npages * PGSIZE)) == SBRK_ERROR)
    fail("sbrk could not shrink the superpage heap");
  superpages(SUPER_OFF);
}

// One sparse-heap measurement with megapages on or off: reserve
// SPARSE_MIB lazily, time storing to one page in SPARSE_STEP, count the
// free pages that took, and give it all back.
static void
sparse_round(int on, uint64 *touch_ns, uint64 *pages)
{
  uint64 size = (uint64)SPARSE_MIB * MIB;
  superpages(on ? SUPER_ON : SUPER_OFF);
  int free0 = kpages();
  char *p = sbrklazy(size);
  if(p == SBRK_ERROR)
    fail("sbrklazy of the sparse heap failed");
  uint64 t0 = nsec();
  for(uint64 off = 0; off < size; off += SPARSE_STEP * PGSIZE)
    p[off] = 1;
  *touch_ns = nsec() - t0;
  *pages = free0 - kpages();
  for(int i = 0; i < SPARSE_MIB / 1024; i++)
    if(sbrk(-(1 << 30)) == SBRK_ERROR)
      fail("sbrk could not shrink the sparse heap");
  superpages(SUPER_OFF);
}

// Run work in a child and give back the n numbers it fills in, through
// a pipe: what the child took (its page tables, which a shrink leaves in
// place, its swap slots) goes with it.
static void
in_child(void (*work)(uint64 *r), uint64 *r, int n)
{
  int fds[2];
  if(pipe(fds) < 0)
    fail("pipe failed");
  int pid = fork();
  if(pid < 0)
    fail("fork failed");
  if(pid == 0){
    close(fds[0]);
    work(r);
    write(fds[1], r, n * sizeof(r[0]));
    exit(0);
  }
  close(fds[1]);
  int got = read(fds[0], r, n * sizeof(r[0]));
  close(fds[0]);
  int status;
  if(wait(&status) != pid || status != 0 || got != n * sizeof(r[0]))
    fail("a measuring child failed or reported nothing");
}

static int sparse_on;            // sparse_work's megapage setting

// A child's sparse_round: r[0] the time, r[1] the pages.
static void
sparse_work(uint64 *r)
{
  sparse_round(sparse_on, &r[0], &r[1]);
}

// sparse_round in a child, so that the page tables of its 1 GiB heap go
// with it.
static void
sparse_child(int on, uint64 *touch_ns, uint64 *pages)
{
  uint64 r[2];
  sparse_on = on;
  in_child(sparse_work, r, 2);
  *touch_ns = r[0];
  *pages = r[1];
}

// Print one superpage comparison line for a heap of mib MiB: off and
// on, medians in us.
static void
super_line(const char *what, int mib, uint64 off_ns, uint64 on_ns)
{
  char buf[32];
  printf("super what=%s mib=%d off_us=%lu on_us=%lu off_over_on=%s\n", what,
         mib, (off_ns + 500) / 1000, (on_ns + 500) / 1000,
         ratio1(buf, off_ns, on_ns));
}

// The megapage measurements: SUPER_REPS rounds with megapages off and
// on, medians printed.
static void
super_lines(void)
{
  uint64 touch[2][SUPER_REPS], random[2][SUPER_REPS], pt[2] = { 0, 0 };
  if(kpages() < SUPER_MIB * (MIB / PGSIZE) + MARGIN_PAGES){
    printf("super skipped free_pages=%d\n", kpages());
    return;
  }
  uint64 sparse[2][SUPER_REPS], sparse_pages[2] = { 0, 0 };
  for(int r = 0; r < SUPER_REPS; r++)
    for(int on = 0; on < 2; on++){
      super_round(on, &touch[on][r], &random[on][r], &pt[on]);
      sparse_child(on, &sparse[on][r], &sparse_pages[on]);
    }
  super_line("touch", SUPER_MIB, median(touch[0], SUPER_REPS), median(touch[1], SUPER_REPS));
  super_line("random", SUPER_MIB, median(random[0], SUPER_REPS), median(random[1], SUPER_REPS));
  printf("super what=pt_pages mib=%d off=%lu on=%lu\n", SUPER_MIB, pt[0], pt[1]);
  super_line("sparse", SPARSE_MIB, median(sparse[0], SUPER_REPS), median(sparse[1], SUPER_REPS));
  printf("super what=sparse_pages mib=%d off=%lu on=%lu\n", SPARSE_MIB,
         sparse_pages[0], sparse_pages[1]);
}

// ---- Swap: thrashing, and Belady's anomaly (issue 17) ---------------------

#define THRASH_NPCTS 8
static const int thrash_pcts[THRASH_NPCTS] = { 50, 75, 90, 100, 125, 150, 200, 300 };
#define THRASH_MAX_PASSES 25     // measured passes of a working set, or fewer
#define THRASH_SLOW_NS 1000000000UL  // (at least one) once they took this long
#define SWAP_ALL (1 << 30)       // SWAPCTL_RECLAIM: every page reclaim can get
#define LCG_MUL 6364136223846793005UL   // 4k + 1: a full-period LCG mod 2^k
#define SCRAMBLE_MUL 0x9e3779b97f4a7c15UL  // odd: a bijection mod 2^k

static const char *policy_names[2] = { "clock", "fifo" };   // by RECLAIM_*
static const char *access_names[2] = { "seq", "random" };

// The pages of one pass over a working set of n pages, each once: in
// order, or in a random order that differs from pass to pass. The random
// order runs a full-period LCG over the next power of two (an odd
// increment and a multiplier of the form 4k + 1 visit every value once
// per period), scrambles each value with a bijection (an odd multiplier,
// then an xorshift), and skips the values past the last page: no table,
// which would be memory of its own to swap.
struct sweep {
  uint64 n, mask, state, inc;
  int shift, random;
};

// Start pass number pass of a sweep over n pages.
static void
sweep_start(struct sweep *s, uint64 n, int random, uint64 pass)
{
  int bits = 0;
  while((1UL << bits) < n)
    bits++;
  s->n = n;
  s->mask = (1UL << bits) - 1;
  s->shift = bits / 2 + 1;
  s->state = 0;
  s->inc = pass * 2654435761UL * 2 + 1;
  s->random = random;
}

// The next page of the sweep.
static uint64
sweep_next(struct sweep *s)
{
  if(!s->random)
    return s->state++;
  for(;;){
    s->state = (s->state * LCG_MUL + s->inc) & s->mask;
    uint64 x = (s->state * SCRAMBLE_MUL) & s->mask;
    x ^= x >> s->shift;
    if(x < s->n)
      return x;
  }
}

// One pass: store to every page of the n at p in the sweep's order. A
// page's first word counts the passes that stored to it: each must find
// pass there (no page lost on its way to swap and back).
static void
thrash_pass(char *p, uint64 n, int random, uint64 pass)
{
  struct sweep s;
  sweep_start(&s, n, random, pass);
  for(uint64 j = 0; j < n; j++){
    uint64 *w = (uint64 *)(p + sweep_next(&s) * PGSIZE);
    if(*w != pass)
      fail("thrash: a page lost a store on its way to swap and back");
    *w = pass + 1;
  }
}

// The process's swap-ins and the system's swap-outs so far.
static void
swap_counts(uint64 *ins, uint64 *outs)
{
  struct memstat st;
  if(memstat(&st) != 0)
    fail("memstat failed");
  *ins = st.p_swap_ins;
  *outs = st.swap_outs;
}

static uint64 thrash_pages;      // thrash_work's working set ...
static int thrash_random;        // ... and its order

// A child's working set: reserve thrash_pages lazily (in pieces: sbrk
// takes an int), store to all of them once (the warm-up), then time
// passes over them until they took THRASH_SLOW_NS (a set that swaps:
// one or two passes), THRASH_MAX_PASSES at most. r[0] the median time of
// a pass in ns, r[1] and r[2] the median swap-ins and swap-outs of a
// pass, r[3] the passes.
static void
thrash_work(uint64 *r)
{
  uint64 t[THRASH_MAX_PASSES], ins[THRASH_MAX_PASSES], outs[THRASH_MAX_PASSES];
  uint64 spent = 0;
  int n = 0;
  char *p = sbrk(0);
  for(uint64 left = thrash_pages; left > 0; ){
    uint64 part = left < (1UL << 30) / PGSIZE ? left : (1UL << 30) / PGSIZE;
    if(sbrklazy(part * PGSIZE) == SBRK_ERROR)
      fail("sbrklazy of the working set failed");
    left -= part;
  }
  thrash_pass(p, thrash_pages, thrash_random, 0);
  for(; n < THRASH_MAX_PASSES && (n == 0 || spent < THRASH_SLOW_NS); n++){
    uint64 in0, out0, in1, out1;
    swap_counts(&in0, &out0);
    uint64 t0 = nsec();
    thrash_pass(p, thrash_pages, thrash_random, n + 1);
    t[n] = nsec() - t0;
    swap_counts(&in1, &out1);
    ins[n] = in1 - in0;
    outs[n] = out1 - out0;
    spent += t[n];
  }
  r[0] = median(t, n);
  r[1] = median(ins, n);
  r[2] = median(outs, n);
  r[3] = n;
}

// The measurements of one working set: pct of RAM, its pages, passes,
// and thrash_work's medians; done is 0 when it was skipped.
struct thrash_result {
  int done;
  uint64 pages, passes, pass_ns, swap_ins, swap_outs;
};

static struct thrash_result thrash_res[2][2][THRASH_NPCTS];  // [policy][random][pct]

// Push every page reclaim can get out to swap (this program's, the
// shell's, init's): the next measurement starts with memory empty but
// for what it uses, and with swap holding all it will give back.
static void
push_all_out(void)
{
  if(swapctl(SWAPCTL_RECLAIM, SWAP_ALL) < 0)
    fail("swapctl(SWAPCTL_RECLAIM) failed");
}

// Working set i (thrash_pcts[i] percent of total pages) in a child under
// policy, in order or random: record it and print its line, with the
// time per page against base's, the 50% set's (0: this is it). Fails
// when the child's swap slots do not all come back.
static void
thrash_point(int policy, int random, int i, uint64 total, struct thrash_result *base)
{
  struct thrash_result *res = &thrash_res[policy][random][i];
  struct memstat a, b;
  uint64 n = total * thrash_pcts[i] / 100, r[4];
  push_all_out();
  memstat(&a);
  if(n + MARGIN_PAGES > a.free_pages + a.swap_total - a.swap_used){
    printf("thrash policy=%s access=%s pct=%d skipped free_pages=%lu swap_free=%lu\n",
           policy_names[policy], access_names[random], thrash_pcts[i], a.free_pages,
           a.swap_total - a.swap_used);
    return;
  }
  thrash_pages = n;
  thrash_random = random;
  in_child(thrash_work, r, 4);
  memstat(&b);
  if(b.swap_used > a.swap_used)
    fail("thrash: the swap slots of an exited working set did not come back");
  *res = (struct thrash_result){ 1, n, r[3], r[0], r[1], r[2] };
  char buf[32];
  printf("thrash policy=%s access=%s pct=%d pages=%lu passes=%lu pass_us=%lu "
         "swap_ins=%lu swap_outs=%lu over_50=%s\n", policy_names[policy],
         access_names[random], thrash_pcts[i], n, res->passes, us(res->pass_ns),
         res->swap_ins, res->swap_outs,
         base ? ratio1(buf, res->pass_ns * base->pages, base->pass_ns * n) : "1.0");
}

// The thrashing table for people: per working set, ms per pass and
// swap-ins per pass of each policy and order.
static void
thrash_table(uint64 total)
{
  printf("\nworking set against RAM (%lu pages): ms per pass / swap-ins per pass\n",
         total);
  static const char *heads[] = { "  pct", "clock seq", "clock random", "fifo seq",
                                 "fifo random" };
  for(int i = 0; i < NELEM(heads); i++)
    print_right(heads[i], i == 0 ? 5 : 19);
  printf("\n");
  for(int i = 0; i < THRASH_NPCTS; i++){
    print_num(thrash_pcts[i], 5);
    for(int policy = 0; policy < 2; policy++)
      for(int random = 0; random < 2; random++){
        struct thrash_result *t = &thrash_res[policy][random][i];
        char cell[48], num[24];
        strcpy(cell, "skipped");
        if(t->done){
          int len = strlen(fixed1(cell, (t->pass_ns + 50000) / 100000));
          strcpy(cell + len, " / ");
          utoa(num, t->swap_ins);
          strcpy(cell + len + 3, num);
        }
        print_right(cell, 19);
      }
    printf("\n");
  }
}

// Thrashing: for each policy and order (sequential, random), working
// sets from half of RAM to three times it, each in a child (see the top).
static void
thrash_lines(void)
{
  struct memstat st;
  memstat(&st);
  if(st.swap_total == 0){
    printf("thrash skipped no swap\n");
    return;
  }
  printf("thrash what=machine total_pages=%lu swap_pages=%lu\n", st.total_pages,
         st.swap_total);
  for(int policy = RECLAIM_CLOCK; policy <= RECLAIM_FIFO; policy++){
    swapctl(SWAPCTL_POLICY, policy);
    for(int random = 0; random < 2; random++)
      for(int i = 0; i < THRASH_NPCTS; i++){
        struct thrash_result *base = &thrash_res[policy][random][0];
        thrash_point(policy, random, i, st.total_pages, i > 0 && base->done ? base : 0);
      }
  }
  swapctl(SWAPCTL_POLICY, saved_policy);
  thrash_table(st.total_pages);
}

// Belady's anomaly: the textbook reference string, whose pages FIFO
// faults on 9 times with 3 frames and 10 times with 4.
#define BELADY_REFS 12
#define BELADY_PAGES 5           // distinct pages in the string
static const int belady_string[BELADY_REFS] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
#define BELADY_NGROUPS 2
static const int belady_groups[BELADY_NGROUPS] = { 1, 64 };  // pages per page of the string
#define BELADY_TRIES 64          // reclaims that may go to other pages, per reference

// The faults FIFO takes on the string with the given frames, counted in
// user space (the textbook's arithmetic, to set the kernel's beside).
static int
fifo_faults(int frames)
{
  int queue[BELADY_PAGES], n = 0, faults = 0;
  for(int i = 0; i < BELADY_REFS; i++){
    int hit = 0;
    for(int k = 0; k < n; k++)
      hit |= queue[k] == belady_string[i];
    if(hit)
      continue;
    faults++;
    if(n == frames){
      memmove(queue, queue + 1, (n - 1) * sizeof(queue[0]));
      n--;
    }
    queue[n++] = belady_string[i];
  }
  return faults;
}

// Pages of the region at p (an mmap region of its own) mapped now.
static uint64
region_resident(char *p)
{
  struct vmregion r[16];
  int n = maps(0, r, NELEM(r));
  for(int i = 0; i < n && i < NELEM(r); i++)
    if(r[i].start == (uint64)p)
      return r[i].resident;
  fail("belady: the region is not in maps()");
  return 0;
}

// Replay the string in the kernel with frames frames, each page of it
// group pages of a region of its own: store to the page's group, then
// have the kernel reclaim until only frames x group pages of the region
// are mapped. The kernel's policy chooses which go; the program only
// holds the budget (a reclaim that takes one of its other pages, its
// code or stack, is simply asked again). A fault is a page of the
// region mapped by the stores: *faults, in pages; *ins, the swap-ins
// among all the process's faults.
static void
belady_replay(int frames, int group, uint64 *faults, uint64 *ins)
{
  uint64 len = (uint64)BELADY_PAGES * group * PGSIZE, budget = (uint64)frames * group;
  char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if(p == (char *)-1)
    fail("belady: mmap failed");
  uint64 in0, in1, outs;
  push_all_out();
  swap_counts(&in0, &outs);
  *faults = 0;
  for(int i = 0; i < BELADY_REFS; i++){
    uint64 before = region_resident(p);
    touch(p + (uint64)(belady_string[i] - 1) * group * PGSIZE, group);
    uint64 now = region_resident(p);
    *faults += now - before;
    for(int tries = 0; now > budget; tries++){
      if(tries == BELADY_TRIES || swapctl(SWAPCTL_RECLAIM, now - budget) < 0)
        fail("belady: reclaim does not bring the region down to its frames");
      now = region_resident(p);
    }
  }
  swap_counts(&in1, &outs);
  *ins = in1 - in0;
  if(munmap(p, len) != 0)
    fail("belady: munmap failed");
}

// Belady's anomaly with the kernel's FIFO (and, beside it, the clock):
// the string replayed with 3 and with 4 frames, one page per page of
// the string and then a group of them, in a child.
static void
belady_work(uint64 *r)
{
  int k = 0;
  for(int g = 0; g < BELADY_NGROUPS; g++)
    for(int policy = RECLAIM_CLOCK; policy <= RECLAIM_FIFO; policy++){
      swapctl(SWAPCTL_POLICY, policy);
      for(int frames = 3; frames <= 4; frames++, k += 2)
        belady_replay(frames, belady_groups[g], &r[k], &r[k + 1]);
    }
}

// Run belady_work and print a line per replay, beside FIFO's textbook
// count.
static void
belady_lines(void)
{
  struct memstat st;
  uint64 r[BELADY_NGROUPS * 2 * 2 * 2];
  memstat(&st);
  if(st.swap_total == 0){
    printf("belady skipped no swap\n");
    return;
  }
  in_child(belady_work, r, NELEM(r));
  swapctl(SWAPCTL_POLICY, saved_policy);
  int k = 0;
  for(int g = 0; g < BELADY_NGROUPS; g++)
    for(int policy = RECLAIM_CLOCK; policy <= RECLAIM_FIFO; policy++)
      for(int frames = 3; frames <= 4; frames++, k += 2)
        printf("belady policy=%s frames=%d group=%d refs=%d faults=%lu swap_ins=%lu "
               "textbook_fifo=%d\n", policy_names[policy], frames, belady_groups[g],
               BELADY_REFS, r[k], r[k + 1], fifo_faults(frames) * belady_groups[g]);
}

// Print one ratio line, "ratio heap=<MiB>MiB of=<what> <a>_over_<b>=<x>",
// if both medians were measured.
static void
ratio_line(int s, const char *what, const char *a, uint64 a_ns,
           const char *b, uint64 b_ns)
{
  char buf[32];
  if(a_ns != 0 && b_ns != 0)
    printf("ratio heap=%dMiB of=%s %s_over_%s=%s\n", heap_mib[s], what, a, b,
           ratio1(buf, a_ns, b_ns));
}

static const char *fork_parts[] = { "call", "copy", "cycle" };

// Part i (0 call, 1 copy, 2 cycle, as in fork_parts) of a fork's times.
static uint64
fork_part(const struct fork_time *t, int i)
{
  return i == 0 ? t->call : i == 1 ? t->copy : t->cycle;
}

// The ratios of repeated forks at every heap size, of each part: eager
// against cow and cow against sharedpt; and of the call and the copy,
// each mode against its own fork of an empty heap (row 0).
static void
ratio_lines(void)
{
  for(int s = 0; s < NSIZES; s++){
    struct fork_time *t = fork_med[s], *empty = fork_med[0];
    for(int i = 0; i < NELEM(fork_parts); i++){
      ratio_line(s, fork_parts[i], "eager", fork_part(&t[0], i), "cow", fork_part(&t[1], i));
      ratio_line(s, fork_parts[i], "cow", fork_part(&t[1], i), "sharedpt", fork_part(&t[2], i));
    }
    for(int i = 0; s > 0 && i < 2; i++)
      for(int m = 0; m < NMODES; m++)
        ratio_line(s, fork_parts[i], mode_names[m], fork_part(&t[m], i), "empty",
                   fork_part(&empty[m], i));
  }
}

// Print one table cell, "call / copy / cycle" (microseconds, the copy
// with one decimal), or "skipped".
static void
table_cell(const struct fork_time *t)
{
  char buf[64], copy[32];
  if(t->cycle == 0)
    strcpy(buf, "skipped");
  else {
    int n = utoa(buf, us(t->call));
    n += strlen(strcpy(buf + n, " / "));
    n += strlen(strcpy(buf + n, us1(copy, t->copy)));
    n += strlen(strcpy(buf + n, " / "));
    utoa(buf + n, us(t->cycle));
  }
  print_right(buf, 22);
}

// Print the table row of heap size s, with cow/sharedpt of the call.
static void
table_row(int s)
{
  char buf[32];
  struct fork_time *t = fork_med[s];
  utoa(buf, heap_mib[s]);
  print_right(buf, 4);
  printf(" MiB");
  for(int m = 0; m < NMODES; m++)
    table_cell(&t[m]);
  if(t[1].call != 0 && t[2].call != 0)
    print_right(ratio1(buf, t[1].call, t[2].call), 9);
  printf("\n");
}

// The results again, as a table for people.
static void
table(uint64 lazy_ns, uint64 cow_ns)
{
  char lazy[32], cow[32];
  printf("\nrepeated fork, median microseconds: the fork() call / its memory "
         "copy / fork + exit + wait\n");
  printf("    heap                 eager                   cow              sharedpt  cow/spt\n");
  for(int s = 0; s < NSIZES; s++)
    table_row(s);
  printf("one fault, microseconds: lazy %s, cow (with copy) %s\n",
         us1(lazy, lazy_ns), us1(cow, cow_ns));
}

// Swapping (membench swap): the thrashing curve and Belady's anomaly.
static void
swap_lines(void)
{
  thrash_lines();
  belady_lines();
}

// The parts that run on their own, by name (membench NAME).
static const struct {
  const char *name;
  void (*run)(void);
} parts[] = {
  { "super", super_lines },
  { "regions", region_lines },
  { "files", file_lines },
  { "shm", shm_lines },
  { "thrash", thrash_lines },
  { "belady", belady_lines },
  { "swap", swap_lines },
};

// Run every measurement but swapping's, or the part named, then restore
// the fork mode and the replacement policy.
int
main(int argc, char *argv[])
{
  saved_mode = forkmode(FORK_QUERY);
  saved_policy = swapctl(SWAPCTL_POLICY, -1);
  superpages(SUPER_OFF);
  heap_base = sbrk(0);
  int part = -1;
  for(int i = 0; argc == 2 && i < NELEM(parts); i++)
    if(strcmp(argv[1], parts[i].name) == 0)
      part = i;
  if(argc > 2 || (argc == 2 && part < 0)){
    fprintf(2, "usage: membench [super|regions|files|shm|thrash|belady|swap]\n");
    return 1;
  }
  printf("membench: start free_pages=%d\n", kpages());
  if(part >= 0){
    parts[part].run();
    printf("membench: done\n");
    return 0;
  }
  for(int s = 0; s < NSIZES; s++)
    fork_row(s);
  set_heap(0);
  uint64 lazy_ns = fault_line("lazy", time_lazy_faults);
  uint64 cow_ns = fault_line("cow", time_cow_faults);
  region_lines();
  file_lines();
  ratio_lines();
  super_lines();
  shm_lines();
  table(lazy_ns, cow_ns);
  forkmode(saved_mode);
  printf("membench: done\n");
  return 0;
}

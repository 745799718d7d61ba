// vmtest: tests of Atlas's memory system.
//
//   vmtest             run every test
//   vmtest NAME...     run the named tests; a group name (cow, lazy, oom,
//                      inject, acct, pgtbl, sharedpt, super, regions, mmap)
//                      stands for every test of that group
//   vmtest -m MODE ... run them with fork in MODE (eager, cow or sharedpt)
//   vmtest -l          list the tests
//
// The groups:
//   cow     copy-on-write fork: sharing, private copies, system calls that
//           store into shared pages, the counters, several harts at once;
//   lazy    heap pages reserved by sbrk and filled on first touch, also by
//           the kernel's own copies to and from user memory;
//   oom     running out of physical memory kills only the process that
//           needed a page, and gives all its memory back;
//   inject  every allocation of an operation made to fail in turn
//           (kfail): the operation fails cleanly and frees what it took;
//   acct    sysinfo and memstat report what the kernel holds;
//   pgtbl   the page-table lab: ugetpid() and the USYSCALL page
//           (usyscall=on), pgpte, kpgtbl's printout, pgaccess;
//   regions the address space as regions, as maps() reports them, and
//           the regions mmap() adds and munmap() takes away;
//   mmap    files and shared memory mapped, mprotect and msync.
//
// The runner (user/testlib.h) runs each test in a child of its own, in a
// fresh directory /vtNN, prints "test NAME: OK" or "test NAME: FAILED
// (reason)", and checks that the free-page count is back where it was
// after every test. Tests touch memory with one store per page unless
// the content of the whole page matters.
//
// Fork's mode is system-wide: a test that needs one mode forks with
// fork_mode(), which restores the mode at once. Every other fork (the
// runner's, the tests' children) is in the run's mode, share_mode: the
// one in force when vmtest starts, or the one -m names, which vmtest sets
// for the run and restores at its end. So "vmtest -m eager cow lazy" runs
// the copy-on-write and lazy tests with forks that copy every page; tests
// whose point is sharing say what holds instead when nothing is shared.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/sysinfo.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"
#include "user/user.h"
#include "user/testlib.h"

#define SELF "/vmtest"               // this program, exec'd by some tests
#define ECHO_ARGS "--echo"           // argv[1]: print the arguments, one a line
#define INJECT_EXEC "--inject-exec"  // argv[1]: the exec'd half of inject-exec
#define MAP_SYNC "--map-sync"        // argv[1]: store to a mapped file, msync, wait (the crash test)
#define MAP_CHECK "--map-check"      // argv[1]: after the reboot, check what msync wrote
#define MIB (1 << 20)
#define MEGAPAGE (2 * MIB)           // what one last-level page table maps
#define PT_PAGE_COST 2               // pages a page-table page costs: itself and its
                                     // rmap page (kernel/mm/rmap.c)

static uint64 stack_top;             // top of the user stack, found in main
static char buf[3 * PGSIZE];         // scratch buffer for the tests
static volatile char sink;           // keeps fault-making loads alive

// ---- Helpers -----------------------------------------------------------------

// The caller's memory counters and the system's.
static void
get_memstat(struct memstat *st)
{
  if(memstat(st) != 0)
    fail("memstat failed");
}

// Did the kernel boot with overcommit=on (sbrk reserves what it cannot
// back), and with the USYSCALL page (usyscall=on: the heap ends below it)?
static int
overcommit_on(void)
{
  struct memstat st;
  get_memstat(&st);
  return st.overcommit == OVERCOMMIT_ON;
}

static int
usyscall_on(void)
{
  struct memstat st;
  get_memstat(&st);
  return st.heap_top == USYSCALL;
}

// Grow the heap by npages pages, allocated now; return the first.
static char *
grow(int npages)
{
  char *p = sbrk(npages * PGSIZE);
  if(p == SBRK_ERROR)
    fail("sbrk(%d pages) failed", npages);
  if((uint64)p % PGSIZE != 0)
    fail("the break %p is not page-aligned", p);
  return p;
}

// Reserve nbytes of heap, to be filled by page faults; return the start.
static char *
reserve(int nbytes)
{
  char *p = sbrklazy(nbytes);
  if(p == SBRK_ERROR)
    fail("sbrklazy(%d) failed", nbytes);
  return p;
}

// Give back the heap from p (an earlier break) to the end, at most 1 GiB
// per call of sbrk (whose argument is an int).
static void
release_heap(char *p)
{
  for(char *brk = sbrk(0); brk > p; brk = sbrk(0)){
    int n = brk - p > (1 << 30) ? (1 << 30) : brk - p;
    if(sbrk(-n) == SBRK_ERROR)
      fail("shrinking the heap from %p by %d failed", brk, n);
  }
  if(sbrk(0) != p)
    fail("shrinking the heap back to %p left it at %p", p, sbrk(0));
}

// Pages over half of the machine's memory: an eager fork of a process
// holding that many cannot succeed.
static int
over_half(void)
{
  struct memstat st;
  get_memstat(&st);
  int n = st.total_pages / 2 + st.total_pages / 16;
  if(n + 512 > st.free_pages)
    fail("only %d pages free, %d needed", (int)st.free_pages, n + 512);
  return n;
}

// Store one word in each page from..to-1 of p: tag plus the page's index.
static void
stamp(char *p, int from, int to, int tag)
{
  for(int i = from; i < to; i++)
    *(volatile int *)(p + (uint64)i * PGSIZE) = tag + i;
}

// Check that pages from..to-1 of p hold stamp(tag); who names the viewer.
static void
check_stamps(char *p, int from, int to, int tag, const char *who)
{
  for(int i = from; i < to; i++){
    int v = *(volatile int *)(p + (uint64)i * PGSIZE);
    if(v != tag + i)
      fail("%s: page %d holds %d, not %d", who, i, v, tag + i);
  }
}

// Byte i of the pattern fill(seed) writes (and make_filled puts in files).
static char
filled_byte(int seed, int i)
{
  return (char)(seed + i % 251);
}

// Fill n bytes with a pattern that depends on seed and on the position.
static void
fill(char *p, int n, int seed)
{
  for(int i = 0; i < n; i++)
    p[i] = filled_byte(seed, i);
}

// Check bytes from..n-1 of n bytes filled by fill(seed); what names them.
static void
check_fill(char *p, int from, int n, int seed, const char *what)
{
  for(int i = from; i < n; i++)
    if(p[i] != filled_byte(seed, i))
      fail("%s: byte %d is %d, not %d", what, i, p[i], filled_byte(seed, i));
}

// Check that n bytes at p all hold c.
static void
check_bytes(char *p, int n, char c, const char *what)
{
  for(int i = 0; i < n; i++)
    if(p[i] != c)
      fail("%s: byte %d is %d, not %d", what, i, p[i], c);
}

static int share_mode;                // the fork mode of this run (-m)

// fork() with memory copied in the given mode; the parent restores the
// system-wide mode at once. (Not the child: running on another hart, it
// would reset the mode under its parent's next fork_mode().)
static int
fork_mode(int mode)
{
  int old = forkmode(mode);
  if(old < 0)
    fail("forkmode(%d) returned %d", mode, old);
  int pid = fork();
  if(pid != 0)
    forkmode(old);
  return pid;
}

// Does this kernel have fork mode `mode`? (A lab's starter tree may
// lack the modes of the labs it does not build on.)
static int
fork_mode_exists(int mode)
{
  int old = forkmode(mode);
  if(old < 0)
    return 0;
  forkmode(old);
  return 1;
}

// A gate that processes wait at until it opens: a pipe that nobody
// writes. Waiters close their copy of the write end; when the opener
// closes its own, every waiter's read returns at once.
static void
gate_make(int *g)
{
  if(pipe(g) < 0)
    fail("pipe failed");
}

// Wait at gate g (inherited from the process that will open it).
static void
gate_pass(int *g)
{
  char c;
  close(g[1]);
  if(read(g[0], &c, 1) != 0)
    fail("a gate pipe carried data");
  close(g[0]);
}

// Open gate g: every process waiting at it goes on.
static void
gate_open(int *g)
{
  close(g[0]);
  close(g[1]);
}

// The lowest free file descriptor (found with dup, then closed again).
static int
lowest_free_fd(void)
{
  int fd = dup(0);
  if(fd >= 0)
    close(fd);
  return fd;
}

// The stack's guard page: mapped, but not for user access.
static uint64
guard_page(void)
{
  return stack_top - (USERSTACK + 1) * PGSIZE;
}

// The first address of the 2 MiB region after the one holding a.
static uint64
next_megapage(uint64 a)
{
  return (a + MEGAPAGE) & ~((uint64)MEGAPAGE - 1);
}

// ---- cow: copy-on-write fork -----------------------------------------------------

// An eager fork of a process holding n pages, more than half of memory,
// must fail and leave the free page count as it was.
static void
eager_fork_fails(int n)
{
  int k = kpages();
  int pid = fork_mode(FORK_EAGER);
  if(pid == 0)
    exit(0);
  if(pid > 0){
    reap(1);
    fail("an eager fork of %d pages succeeded with %d pages free", n, k);
  }
  if(kpages() != k)
    fail("the failed eager fork left %d pages free, not %d", kpages(), k);
}
// Over half of memory is allocated and touched: an eager fork cannot copy
// it and must fail, changing nothing; a fork that shares (the run's, in
// cow or sharedpt mode) succeeds.
static void
t_cow_bigfork(void)
{
  int n = over_half();
  char *p = grow(n);
  stamp(p, 0, n, 1);
  eager_fork_fails(n);
  check_stamps(p, 0, n, 1, "parent after the failed eager fork");
  if(share_mode == FORK_EAGER){    // this run's forks copy: none would fit
    release_heap(p);
    return;
  }
  int pid = xfork();
  if(pid == 0){
    stamp(p, 0, 4, 2);
    check_stamps(p, 0, 4, 2, "child");
    check_stamps(p, 4, n, 1, "child");
    exit(0);
  }
  reap(1);
  check_stamps(p, 0, n, 1, "parent");
  release_heap(p);
}

enum { THREE_PAGES = 8, THREE_ROUNDS = 10 };
static char *three_region;
static int three_go[2], three_done[2], three_check[2];

// The tag process id stamps in round r.
static int
three_tag(int id, int r)
{
  return (id + 1) * 1000 + r * THREE_PAGES;
}

// Stamp the shared region with this process's own tag, round after
// round, checking each time that its own stores are there.
static void
three_write(int id)
{
  for(int r = 0; r < THREE_ROUNDS; r++){
    stamp(three_region, 0, THREE_PAGES, three_tag(id, r));
    check_stamps(three_region, 0, THREE_PAGES, three_tag(id, r), "a writer");
  }
}

// Once every process has written: check that this one sees its last
// stamps, and the rest of each page as it was before the fork.
static void
three_check_all(int id)
{
  check_stamps(three_region, 0, THREE_PAGES, three_tag(id, THREE_ROUNDS - 1),
               "a writer after all the writes");
  for(int i = 0; i < THREE_PAGES; i++)
    check_fill(three_region + i * PGSIZE, 4, PGSIZE, i, "the rest of a page");
}

// A child: wait for the start, write, say so, wait until all have
// written, check.
static void
three_child(uint64 id)
{
  gate_pass(three_go);
  three_write(id);
  if(write(three_done[1], "d", 1) != 1)
    fail("write failed");
  gate_pass(three_check);
  three_check_all(id);
}

// Three processes store into the same copy-on-write pages at once; each
// sees only its own stores.
static void
t_cow_three(void)
{
  char done[2];
  three_region = grow(THREE_PAGES);
  for(int i = 0; i < THREE_PAGES; i++)
    fill(three_region + i * PGSIZE, PGSIZE, i);
  gate_make(three_go);
  gate_make(three_check);
  if(pipe(three_done) < 0)
    fail("pipe failed");
  start_child(three_child, 1);
  start_child(three_child, 2);
  close(three_done[1]);
  gate_open(three_go);
  three_write(0);
  read_all(three_done[0], done, 2);
  gate_open(three_check);
  three_check_all(0);
  reap(2);
}

enum { RD_LEN = 6000 };
static char rd_data[RD_LEN];

// Check a 4-page buffer of 'x' into which RD_LEN bytes of rd_data were
// read at offset off.
static void
check_read_buf(char *b, int off, const char *who)
{
  check_bytes(b, off, 'x', who);
  if(memcmp(b + off, rd_data, RD_LEN) != 0)
    fail("%s: the data read into copy-on-write pages is wrong", who);
  check_bytes(b + off + RD_LEN, 4 * PGSIZE - off - RD_LEN, 'x', who);
}

// The child of t_cow_read: read the file into pages 0-1 of the shared
// buffer, send the data down the pipe, wait for the parent, check again.
static void
cow_read_child(char *b, int *dp, int *gp)
{
  close(dp[0]);
  int fd = open("f", O_RDONLY);
  if(fd < 0 || read(fd, b + 100, RD_LEN) != RD_LEN)
    fail("child: read from a file into copy-on-write pages failed");
  close(fd);
  check_read_buf(b, 100, "child after its read");
  if(write(dp[1], rd_data, RD_LEN) != RD_LEN)
    fail("child: write to the pipe failed");
  close(dp[1]);
  gate_pass(gp);
  check_read_buf(b, 100, "child after the parent's reads");
  exit(0);
}

// read() stores into copy-on-write pages: the reader gets its own copy
// with the data; the other process sees none of it.
static void
t_cow_read(void)
{
  int dp[2], gp[2];
  char *b = grow(4);
  memset(b, 'x', 4 * PGSIZE);
  fill(rd_data, RD_LEN, 3);
  make_file("f", rd_data, RD_LEN);
  if(pipe(dp) < 0)
    fail("pipe failed");
  gate_make(gp);
  if(xfork() == 0)
    cow_read_child(b, dp, gp);
  close(dp[1]);
  read_all(dp[0], b + PGSIZE + 50, RD_LEN);
  close(dp[0]);
  check_read_buf(b, PGSIZE + 50, "parent after reading the pipe");
  memset(b + PGSIZE, 'x', RD_LEN + 50);
  int fd = open("f", O_RDONLY);
  if(fd < 0 || read(fd, b + 2 * PGSIZE + 10, RD_LEN) != RD_LEN)
    fail("parent: read from a file into copy-on-write pages failed");
  close(fd);
  check_read_buf(b, 2 * PGSIZE + 10, "parent after reading the file");
  gate_open(gp);
  reap(1);
}

// Check that the pipe whose descriptors are fds carries a byte.
static void
check_pipe(int *fds, const char *who)
{
  char c = 0;
  if(write(fds[1], "p", 1) != 1 || read(fds[0], &c, 1) != 1 || c != 'p')
    fail("%s: the pipe does not work", who);
}

// pipe() stores its descriptors into a copy-on-write page: first in the
// parent, which must copy the page, then in the child, which need not.
static void
t_cow_pipefds(void)
{
  int g[2];
  int *fds = (int *)grow(1);
  fds[0] = fds[1] = -7;
  gate_make(g);
  if(xfork() == 0){
    gate_pass(g);
    if(fds[0] != -7 || fds[1] != -7)
      fail("child: the parent's pipe() changed the child's page");
    if(pipe(fds) != 0)
      fail("child: pipe() into a copy-on-write page failed");
    check_pipe(fds, "child");
    exit(0);
  }
  if(pipe(fds) != 0)
    fail("parent: pipe() into a copy-on-write page failed");
  check_pipe(fds, "parent");
  gate_open(g);
  reap(1);
  check_pipe(fds, "parent after the child");
  close(fds[0]);
  close(fds[1]);
}

// wait() stores the status into a page shared with the exited child and
// with a second child still running.
static void
t_cow_wait(void)
{
  int g[2];
  int *status = (int *)grow(1);
  *status = 12345;
  gate_make(g);
  int holder = xfork();
  if(holder == 0){
    gate_pass(g);
    exit(*status == 12345 ? 0 : 1);
  }
  int quick = xfork();
  if(quick == 0)
    exit(42);
  int pid = wait(status);
  if(pid != quick || *status != 42)
    fail("wait returned %d, not %d, and stored %d into a copy-on-write page, not 42",
         pid, quick, *status);
  gate_open(g);
  if(wait(status) != holder || *status != 0)
    fail("the other child saw the parent's status (exit status %d)", *status);
}

enum { GEN_PAGES = 6 };
static char *gen_region;

// Check pages from..to-1 of the region: the stamp tag on each, and the
// rest of page i as fill(i) left it.
static void
check_gen(int from, int to, int tag, const char *who)
{
  check_stamps(gen_region, from, to, tag, who);
  for(int i = from; i < to; i++)
    check_fill(gen_region + i * PGSIZE, 4, PGSIZE, i, who);
}

// The third generation: sees the second's stores, makes its own.
static void
gen_three(void)
{
  check_gen(0, 3, 200, "grandchild");
  check_gen(3, GEN_PAGES, 100, "grandchild");
  stamp(gen_region, 0, GEN_PAGES, 300);
  check_gen(0, GEN_PAGES, 300, "grandchild");
  exit(0);
}

// The second generation: sees the first's memory, changes half of it,
// forks the third and checks that its stores stay its own.
static void
gen_two(void)
{
  check_gen(0, GEN_PAGES, 100, "child");
  stamp(gen_region, 0, 3, 200);
  if(xfork() == 0)
    gen_three();
  stamp(gen_region, 3, GEN_PAGES, 250);
  reap(1);
  check_gen(0, 3, 200, "child after the grandchild");
  check_gen(3, GEN_PAGES, 250, "child after the grandchild");
  exit(0);
}

// Three generations share pages copy-on-write; each writes and checks.
static void
t_cow_gens(void)
{
  gen_region = grow(GEN_PAGES);
  for(int i = 0; i < GEN_PAGES; i++)
    fill(gen_region + i * PGSIZE, PGSIZE, i);
  stamp(gen_region, 0, GEN_PAGES, 100);
  if(xfork() == 0)
    gen_two();
  stamp(gen_region, 3, GEN_PAGES, 400);
  reap(1);
  check_gen(0, 3, 100, "parent");
  check_gen(3, GEN_PAGES, 400, "parent");
}

static int iso_data[64] = { 1, 2, 3 };   // initialised data
static char iso_bss[3 * PGSIZE];         // uninitialised data, three pages

// The child of t_cow_isolation: overwrite all of it and see the change.
static void
iso_child(char *local, char *heap)
{
  memset(local, 'L', 256);
  memset(heap, 'H', 4 * PGSIZE);
  memset(iso_bss, 'B', sizeof(iso_bss));
  for(int i = 0; i < NELEM(iso_data); i++)
    iso_data[i] = -i;
  check_bytes(heap, 4 * PGSIZE, 'H', "child's heap");
  check_bytes(iso_bss, sizeof(iso_bss), 'B', "child's bss");
  if(iso_data[1] != -1 || local[255] != 'L')
    fail("the child's stores did not stick");
  exit(0);
}

// A child's stores to its stack, heap, data and bss leave the parent's
// memory as it was.
static void
t_cow_isolation(void)
{
  char local[256];
  fill(local, sizeof(local), 5);
  char *heap = grow(4);
  fill(heap, 4 * PGSIZE, 6);
  fill(iso_bss, sizeof(iso_bss), 7);
  if(xfork() == 0)
    iso_child(local, heap);
  reap(1);
  check_fill(local, 0, sizeof(local), 5, "parent's stack");
  check_fill(heap, 0, 4 * PGSIZE, 6, "parent's heap");
  check_fill(iso_bss, 0, sizeof(iso_bss), 7, "parent's bss");
  if(iso_data[0] != 1 || iso_data[1] != 2 || iso_data[2] != 3 || iso_data[63] != 0)
    fail("the parent's initialised data changed");
}

enum { STATS_PAGES = 16 };

// Make the stack page this process's own now: after a copy-on-write fork
// the first store to it is a fault that copies it.
static void
own_stack(void)
{
  volatile int here = 0;
  here++;
}

// How many of n stores to pages a fork shared make a copy-on-write
// fault: all of them, or none when the run's forks copy every page.
static int
cow_faults_expected(int n)
{
  return share_mode == FORK_EAGER ? 0 : n;
}

// The child of t_cow_stats: write() from shared pages copies nothing;
// each store to one is a fault that copies, counted for the process and
// for the system.
static void
cow_stats_child(char *p)
{
  struct memstat a, b, c;
  int n = cow_faults_expected(STATS_PAGES);
  own_stack();
  get_memstat(&a);
  int fd = open("copy", O_CREATE | O_WRONLY);
  if(fd < 0 || write(fd, p, STATS_PAGES * PGSIZE) != STATS_PAGES * PGSIZE)
    fail("child: write() from shared pages failed");
  close(fd);
  get_memstat(&b);
  if(b.p_cow_faults != a.p_cow_faults)
    fail("child: write() from shared pages made %d cow faults",
         (int)(b.p_cow_faults - a.p_cow_faults));
  stamp(p, 0, STATS_PAGES, 2);
  get_memstat(&c);
  if(c.p_cow_faults - b.p_cow_faults != n || c.p_cow_copies - b.p_cow_copies != n)
    fail("child: %d stores to shared pages counted %d cow faults, %d copies, "
         "not %d", STATS_PAGES, (int)(c.p_cow_faults - b.p_cow_faults),
         (int)(c.p_cow_copies - b.p_cow_copies), n);
  if(c.cow_faults - b.cow_faults < n || c.cow_copies - b.cow_copies < n)
    fail("child: the system counted fewer cow faults or copies than the process");
  if(c.p_lazy_faults != b.p_lazy_faults)
    fail("child: stores to shared pages counted as lazy faults");
  exit(0);
}

// memstat's copy-on-write counters: the child's stores copy; once the
// child is gone, the parent's stores fault but copy nothing (it holds
// the last reference).
static void
t_cow_stats(void)
{
  struct memstat a, b;
  char *p = grow(STATS_PAGES);
  stamp(p, 0, STATS_PAGES, 1);
  if(xfork() == 0)
    cow_stats_child(p);
  reap(1);
  get_memstat(&a);
  stamp(p, 0, STATS_PAGES, 3);
  get_memstat(&b);
  if(b.p_cow_faults - a.p_cow_faults != cow_faults_expected(STATS_PAGES))
    fail("parent: %d stores to formerly shared pages counted %d cow faults",
         STATS_PAGES, (int)(b.p_cow_faults - a.p_cow_faults));
  if(b.p_cow_copies != a.p_cow_copies || b.free_pages != a.free_pages)
    fail("parent: the last holder of a page copied it (%d copies, %d pages)",
         (int)(b.p_cow_copies - a.p_cow_copies), (int)(a.free_pages - b.free_pages));
  check_stamps(p, 0, STATS_PAGES, 3, "parent");
}

enum { HART_PROCS = 4, HART_PAGES = 64, HART_ROUNDS = 3 };
static char *hart_region;
static int hart_gate[2];

// Stamp every page of the shared region with this process's tag, as
// fast as possible, and check that it sees its own stores only.
static void
hart_store(int tag)
{
  stamp(hart_region, 0, HART_PAGES, tag);
  check_stamps(hart_region, 0, HART_PAGES, tag, "a hart worker");
}

// A worker: wait at the gate with the others, then store.
static void
hart_worker(uint64 id)
{
  gate_pass(hart_gate);
  hart_store((id + 1) << 16);
}

// Several processes, on different harts where there are several, break
// copy-on-write sharing of the same pages at the same moment.
static void
t_cow_harts(void)
{
  hart_region = grow(HART_PAGES);
  for(int r = 0; r < HART_ROUNDS; r++){
    stamp(hart_region, 0, HART_PAGES, r);
    gate_make(hart_gate);
    for(int w = 0; w < HART_PROCS; w++)
      start_child(hart_worker, w);
    gate_open(hart_gate);
    hart_store((r + 1) << 24);
    reap(HART_PROCS);
  }
}

// ---- lazy: heap pages filled on first touch ----------------------------------------

// Load the byte at p and the first word of its page, which must be zero,
// then store v at p and read it back.
static void
touch_zero(volatile char *p, char v)
{
  uint64 first = *(volatile uint64 *)PGROUNDDOWN((uint64)p);
  if(*p != 0 || first != 0)
    fail("fresh heap at %p holds %d, its page begins with %p", p, *p, (void *)first);
  *p = v;
  if(*p != v)
    fail("byte %p does not keep its value", p);
}

// Reserve nbytes of heap as reserve() does, checking that sbrklazy only
// reserved: no page may be taken before the first touch. A lazy test
// checks so first, so that an sbrklazy that allocates at once fails it.
static char *
reserve_only(int nbytes)
{
  int before = kpages();
  char *p = reserve(nbytes);
  if(kpages() != before)
    fail("sbrklazy(%d) took %d pages before any touch", nbytes, before - kpages());
  return p;
}

// sbrklazy(1 GiB) on a smaller machine reserves the range; touching one
// byte in every 64 MiB fills only those pages; shrinking gives them back.
static void
t_lazy_huge(void)
{
  enum { GIB = 1 << 30, STEP = 64 * MIB, TOUCHES = GIB / STEP + 1 };
  struct memstat a, b, c;
  get_memstat(&a);
  char *p = sbrklazy(GIB);
  if(p == SBRK_ERROR)
    fail("sbrklazy(1 GiB) failed with %d pages in the machine", (int)a.total_pages);
  if((int)a.free_pages - kpages() > 2)       // (signed: an exit elsewhere may free pages)
    fail("sbrklazy(1 GiB) took %d pages at once", (int)a.free_pages - kpages());
  for(int off = 0; off < GIB; off += STEP)
    touch_zero(p + off + off / STEP * 97 % PGSIZE, 'h');
  touch_zero(p + GIB - 1, 'e');
  get_memstat(&b);
  if(b.p_lazy_faults - a.p_lazy_faults != TOUCHES || b.p_resident - a.p_resident != TOUCHES)
    fail("%d touches made %d lazy faults, %d resident pages", TOUCHES,
         (int)(b.p_lazy_faults - a.p_lazy_faults), (int)(b.p_resident - a.p_resident));
  release_heap(p);
  get_memstat(&c);
  if(c.p_resident != a.p_resident || c.p_size != a.p_size)
    fail("after shrinking, %d pages resident (was %d)", (int)c.p_resident, (int)a.p_resident);
  if(c.free_pages + PT_PAGE_COST * (c.p_pt_pages - a.p_pt_pages) != a.free_pages)
    fail("after shrinking, %d pages free and %d more page-table pages; %d were free",
         (int)c.free_pages, (int)(c.p_pt_pages - a.p_pt_pages), (int)a.free_pages);
}

// One page in 64 of a 1 GiB lazy heap, as xv6's lazy tests touch it: the
// first touch in each 2 MiB region sets a 2 MiB block aside for it, but
// the heap costs only the pages it touches, so on a 128 MiB machine the
// allocator must break reservations to go on. Every page keeps its value;
// the reservations left end when the heap is given back.
static void
t_lazy_sparse(void)
{
  enum { GIB = 1 << 30, STEP = 64 * PGSIZE, TOUCHES = GIB / STEP };
  struct memstat a, b, c;
  superpages(SUPER_ON);
  get_memstat(&a);
  char *p = reserve(GIB);
  for(uint64 off = PGSIZE; off < GIB; off += STEP)
    *(char **)(p + off) = p + off;
  for(uint64 off = PGSIZE; off < GIB; off += STEP)
    if(*(char **)(p + off) != p + off)
      fail("page %p lost its value", p + off);
  get_memstat(&b);
  if(b.p_resident - a.p_resident != TOUCHES)
    fail("%d touches left %d pages resident", TOUCHES, (int)(b.p_resident - a.p_resident));
  if(b.reserved_pages > b.free_pages)
    fail("%d pages reserved but only %d free", (int)b.reserved_pages, (int)b.free_pages);
  release_heap(p);
  get_memstat(&c);
  if(c.reserved_pages > a.reserved_pages)
    fail("%d pages still reserved after the heap went (%d before)",
         (int)c.reserved_pages, (int)a.reserved_pages);
}

// sbrklazy costs nothing until a page is touched; every page reads as
// zero; each first touch is one lazy fault, later ones none.
static void
t_lazy_zero(void)
{
  enum { SIZE = 64 * MIB, STEP = MIB, TOUCHES = SIZE / STEP };
  struct memstat a, b, c, d;
  get_memstat(&a);
  char *p = reserve(SIZE);
  get_memstat(&b);
  if(b.free_pages != a.free_pages || b.p_resident != a.p_resident)
    fail("sbrklazy(64 MiB) took %d pages", (int)(a.free_pages - b.free_pages));
  if(b.p_size != a.p_size + SIZE)
    fail("sbrklazy(64 MiB) made the size %d, not %d", (int)b.p_size, (int)a.p_size + SIZE);
  for(int i = 0; i < TOUCHES; i++)
    sink = p[i * STEP + i];
  get_memstat(&c);
  if(c.p_lazy_faults - b.p_lazy_faults != TOUCHES || c.p_resident - b.p_resident != TOUCHES)
    fail("%d loads made %d lazy faults, %d resident pages", TOUCHES,
         (int)(c.p_lazy_faults - b.p_lazy_faults), (int)(c.p_resident - b.p_resident));
  if(c.lazy_faults - b.lazy_faults < TOUCHES)
    fail("the system counted fewer lazy faults than the process");
  if(b.free_pages - c.free_pages != TOUCHES + PT_PAGE_COST * (c.p_pt_pages - b.p_pt_pages))
    fail("%d touched pages took %d pages", TOUCHES, (int)(b.free_pages - c.free_pages));
  check_bytes(p, PGSIZE, 0, "a page filled by a load");
  for(int i = 0; i < TOUCHES; i++)
    touch_zero(p + i * STEP + PGSIZE - 1 - i, 'z');
  get_memstat(&d);
  if(d.p_lazy_faults != c.p_lazy_faults)
    fail("stores to filled pages made %d lazy faults", (int)(d.p_lazy_faults - c.p_lazy_faults));
  release_heap(p);
}

static char *shrink_region;

// Shrink the heap by two pages (one touched, one not), then touch one of
// them: a load from the touched one or a store to the other.
static void
touch_shrunk(uint64 store)
{
  release_heap(shrink_region + 2 * PGSIZE);
  if(store)
    shrink_region[3 * PGSIZE] = 1;
  else
    sink = shrink_region[2 * PGSIZE];
}

// Heap pages given back kill the child that touches them, not the
// parent, which still has them; after shrinking and growing again the
// heap reads as zero.
static void
t_lazy_shrink(void)
{
  shrink_region = reserve_only(4 * PGSIZE);
  stamp(shrink_region, 0, 3, 10);
  expect_killed(touch_shrunk, 0, "load from a shrunk heap page");
  expect_killed(touch_shrunk, 1, "store to a shrunk, untouched heap page");
  check_stamps(shrink_region, 0, 3, 10, "parent");
  if(shrink_region[3 * PGSIZE] != 0)
    fail("an untouched heap page does not read as zero");
  release_heap(shrink_region);
  if(reserve(4 * PGSIZE) != shrink_region)
    fail("the heap did not grow back at the same place");
  for(int i = 0; i < 4; i++)
    check_bytes(shrink_region + i * PGSIZE, 8, 0, "heap grown again");
}

// The heap reserved right up to the top (the trapframe, as in current
// xv6, or the USYSCALL page below it with usyscall=on), 1 GiB at a time:
// growth past it fails; the last page works, and a child shares it; a
// fork and an exit with such a heap are no trouble.
static void
t_lazy_top(void)
{
  struct memstat st;
  get_memstat(&st);
  uint64 top = usyscall_on() ? USYSCALL : TRAPFRAME;
  if(st.heap_top != top)
    fail("memstat says the heap ends at %p, not %p", (void *)st.heap_top, (void *)top);
  char *start = sbrk(0);
  while(sbrklazy(1 << 30) != SBRK_ERROR)
    ;
  uint64 brk = (uint64)sbrk(0);
  if(brk > top || top - brk >= (1 << 30))
    fail("the heap stopped growing at %p; the top is %p", (void *)brk, (void *)top);
  if(sbrklazy(top - brk + 1) != SBRK_ERROR || sbrk(0) != (char *)brk)
    fail("growing the heap past the top did not fail");
  if(sbrklazy(top - brk) == SBRK_ERROR)
    fail("growing the heap up to the top failed");
  char *last = (char *)top - 1;
  touch_zero(last, 't');
  if(xfork() == 0){
    if(*last != 't')
      fail("child: the last heap byte holds %d", *last);
    *last = 'c';
    exit(0);
  }
  reap(1);
  if(*last != 't')
    fail("the child's store to the last heap page reached the parent");
  release_heap(start);
}

// The process's lazy faults so far.
static int
lazy_faults(void)
{
  struct memstat st;
  get_memstat(&st);
  return st.p_lazy_faults;
}

// Check that what (a kernel copy) made exactly n lazy faults since *count,
// which is brought up to date.
static void
expect_lazy(int *count, int n, const char *what)
{
  int now = lazy_faults();
  if(now - *count != n)
    fail("%s made %d lazy faults, not %d", what, now - *count, n);
  *count = now;
}

// The kernel's copies from and to user memory fill untouched heap pages:
// write() of untouched pages sends zeros, a path's NUL on an untouched
// page ends it, read() and fstat() store into untouched pages. Outside
// the heap (the guard page, past the break) they fail.
static void
t_lazy_copy(void)
{
  char *p = reserve_only(8 * PGSIZE);
  int count = lazy_faults();
  int fd = open("zeros", O_CREATE | O_RDWR);
  if(fd < 0 || write(fd, p + PGSIZE - 100, 4000) != 4000)
    fail("write() from untouched heap pages failed");
  close(fd);
  expect_lazy(&count, 2, "write() from two untouched pages");

  char *path = p + 3 * PGSIZE - 5;
  memmove(path, "zeros", 5);
  expect_lazy(&count, 1, "storing a path");
  fd = open(path, O_RDONLY);
  if(fd < 0)
    fail("open() of a path ending on an untouched page failed");
  expect_lazy(&count, 1, "open() of a path whose NUL is on an untouched page");
  memset(buf, 'x', 4000);
  if(read(fd, buf, 4000) != 4000)
    fail("reading the file back failed");
  check_bytes(buf, 4000, 0, "data written from untouched pages");

  fill(buf, 3000, 9);
  make_file("data", buf, 3000);
  close(fd);
  fd = open("data", O_RDONLY);
  if(fd < 0 || read(fd, p + 5 * PGSIZE - 50, 3000) != 3000)
    fail("read() into untouched heap pages failed");
  expect_lazy(&count, 2, "read() into two untouched pages");
  check_fill(p + 5 * PGSIZE - 50, 0, 3000, 9, "data read into untouched pages");
  if(fstat(fd, (struct stat *)(p + 6 * PGSIZE)) != 0)
    fail("fstat() into an untouched heap page failed");
  expect_lazy(&count, 1, "fstat() into an untouched page");
  close(fd);
  fd = open("data", O_RDWR);
  if(fd < 0 || read(fd, (char *)guard_page(), 10) != -1 ||
     read(fd, p + 8 * PGSIZE, 10) != -1 || write(fd, (char *)guard_page(), 10) != -1)
    fail("read() or write() with the guard page or the break did not return -1");
  expect_lazy(&count, 0, "copies outside the heap");
  close(fd);
  release_heap(p);
}

// exec() fetches its arguments from heap pages nobody touched: argv's
// terminating null pointer and one empty argument read as zeros.
static void
t_lazy_exec(void)
{
  char *p = reserve_only(4 * PGSIZE);
  strcpy(p, SELF);
  strcpy(p + 64, ECHO_ARGS);
  strcpy(p + 128, "alpha");
  char **argv = (char **)(p + 2 * PGSIZE) - 4;
  argv[0] = p;
  argv[1] = p + 64;
  argv[2] = p + 128;
  argv[3] = p + 3 * PGSIZE + 100;
  char out[64];
  int st = 0;
  int n = exec_output(SELF, argv, out, sizeof(out) - 1, &st);
  out[n] = '\0';
  if(st != 0)
    fail("exec with arguments in untouched heap pages: exit status %d", st);
  if(strcmp(out, SELF "\n" ECHO_ARGS "\nalpha\n\n") != 0)
    fail("exec with arguments in untouched heap pages printed '%s'", out);
  release_heap(p);
}

enum access { LOAD, STORE, EXEC };

// An access that must kill the process making it.
struct bad_access {
  const char *what;
  uint64 va;
  enum access access;
};

static struct bad_access bad[12];

// Make bad access number i, which should not return.
static void
make_bad_access(uint64 i)
{
  volatile char *va = (volatile char *)bad[i].va;
  if(bad[i].access == LOAD)
    sink = *va;
  else if(bad[i].access == STORE)
    *va = 1;
  else
    ((void (*)(void))va)();
}

// Fill bad[] for a heap whose reserved part ends at brk; return the count.
static int
bad_accesses(uint64 brk, char *heap_page)
{
  uint64 guard = guard_page();
  int n = 0;
  bad[n++] = (struct bad_access){ "load at the break", brk, LOAD };
  bad[n++] = (struct bad_access){ "store a page past the break", brk + PGSIZE, STORE };
  bad[n++] = (struct bad_access){ "store 1 GiB past the break", brk + (1UL << 30), STORE };
  bad[n++] = (struct bad_access){ "load from the stack guard page", guard, LOAD };
  bad[n++] = (struct bad_access){ "store to the stack guard page", guard + 8, STORE };
  bad[n++] = (struct bad_access){ "load from TRAMPOLINE", TRAMPOLINE, LOAD };
  bad[n++] = (struct bad_access){ "jump to TRAMPOLINE", TRAMPOLINE, EXEC };
  bad[n++] = (struct bad_access){ "store to TRAPFRAME", TRAPFRAME, STORE };
  bad[n++] = (struct bad_access){ "load at MAXVA", MAXVA, LOAD };
  bad[n++] = (struct bad_access){ "store to the program's text", (uint64)&make_bad_access, STORE };
  bad[n++] = (struct bad_access){ "jump into the heap", (uint64)heap_page, EXEC };
  return n;
}

// Load the last reserved byte of the heap (which is allowed).
static void
load_last(uint64 brk)
{
  sink = *(volatile char *)(brk - 1);
}

// Accesses outside the heap and the program kill the child that makes
// them, whatever lies reserved below the break; the parent goes on.
static void
t_lazy_badfault(void)
{
  char *p = reserve_only(16 * PGSIZE);
  stamp(p, 0, 1, 77);
  uint64 brk = (uint64)sbrk(0);
  if(child_status(load_last, brk) != 0)
    fail("a load from the last reserved heap byte did not work");
  int n = bad_accesses(brk, p);
  for(int i = 0; i < n; i++)
    expect_killed(make_bad_access, i, bad[i].what);
  check_stamps(p, 0, 1, 77, "parent");
  check_bytes(p + 15 * PGSIZE, PGSIZE, 0, "parent's untouched heap page");
  release_heap(p);
}

// ---- oom: running out of memory ----------------------------------------------------

// Reserve npages pages and store into every one: more than the machine
// has, so the kernel must kill this process on the way.
static void
hog(uint64 npages)
{
  char *p = reserve(npages * PGSIZE);
  stamp(p, 0, npages, 0);
}

// A child that touches more memory than exists is killed; all its memory
// comes back, and the system still works.
static void
t_oom_lazy(void)
{
  struct memstat st;
  get_memstat(&st);
  int k = kpages();
  expect_killed(hog, st.total_pages + 1024, "touching more pages than the machine has");
  if(kpages() != k)
    fail("the killed hog left %d pages free, not %d", kpages(), k);
  if(child_status(hog, 64) != 0)
    fail("after the hog, a child could not touch 64 pages");
}

// An eager fork of a process holding over half of memory fails, frees
// what it took, and leaves the parent's memory as it was: same values,
// still private (stores to it take no copy-on-write fault).
static void
t_oom_eagerfork(void)
{
  struct memstat a, b;
  int n = over_half();
  char *p = grow(n);
  stamp(p, 0, n, 7);
  eager_fork_fails(n);
  check_stamps(p, 0, n, 7, "parent after the failed fork");
  get_memstat(&a);
  stamp(p, 0, n, 8);
  get_memstat(&b);
  if(b.p_cow_faults != a.p_cow_faults || b.free_pages != a.free_pages)
    fail("after a failed eager fork, stores made %d cow faults and took %d pages",
         (int)(b.p_cow_faults - a.p_cow_faults), (int)(a.free_pages - b.free_pages));
  release_heap(p);
}

// Memory runs out while a child breaks copy-on-write sharing: the child
// is killed, its copies freed; the parent keeps its memory, and as the
// last holder its stores copy nothing.
static void
t_oom_cowbreak(void)
{
  struct memstat a, b;
  int n = over_half();
  char *p = grow(n);
  stamp(p, 0, n, 5);
  int k = kpages();
  int pid = xfork();
  if(pid == 0){
    stamp(p, 0, n, 6);     // more copies than there is memory for
    exit(0);
  }
  int st = 0;
  if(wait(&st) != pid || st != -1)
    fail("a child copying %d shared pages was not killed (status %d)", n, st);
  if(kpages() != k)
    fail("the killed child left %d pages free, not %d", kpages(), k);
  check_stamps(p, 0, n, 5, "parent");
  get_memstat(&a);
  stamp(p, 0, n, 9);
  get_memstat(&b);
  if(b.p_cow_faults - a.p_cow_faults != n || b.p_cow_copies != a.p_cow_copies ||
     b.free_pages != a.free_pages)
    fail("the last holder's %d stores made %d cow faults, %d copies", n,
         (int)(b.p_cow_faults - a.p_cow_faults), (int)(b.p_cow_copies - a.p_cow_copies));
  release_heap(p);
}

// "sbrk a page until it fails", the way xv6's usertests and sysinfotest
// count free memory: each sbrk allocates now or fails, so the loop ends
// with every page programs may have in use (only the kernel's share is
// free, what sysinfo calls no memory), having counted the free pages less
// the page-table pages it needed; shrinking back by the whole amount (an
// int) works. (With overcommit=on sbrk
// reserves instead and the loop would run to the top of the address
// space: the test is for the default policy.)
static void
t_oom_sbrkall(void)
{
  if(overcommit_on()){
    printf("oom-sbrkall: not run: sbrk overcommits (boot option overcommit=on)\n");
    return;
  }
  struct memstat st;
  get_memstat(&st);
  int k = st.free_pages - st.kernel_pages;    // what programs may take
  char *start = sbrk(0);
  int n = 0;
  while(sbrk(PGSIZE) != SBRK_ERROR)
    n++;
  struct memstat full;
  get_memstat(&full);
  if(full.free_pages > full.kernel_pages)
    fail("sbrk(4096) failed with %d pages free, %d of them the kernel's",
         (int)full.free_pages, (int)full.kernel_pages);
  if(kpages() < st.kernel_pages - 2)
    fail("the heap took the kernel's share: %d pages free, %d kept for it",
         kpages(), (int)st.kernel_pages);
  if(n > k || n < k - k / 256)
    fail("sbrk(4096) succeeded %d times with %d pages free to programs", n, k);
  if(sbrk(-(int)(sbrk(0) - start)) == SBRK_ERROR || sbrk(0) != start)
    fail("could not shrink the heap back by %d pages", n);
  if(sbrk(PGSIZE) == SBRK_ERROR)
    fail("sbrk fails after shrinking back");
}

// sbrk(1 GiB) on a smaller machine: by default it fails and changes
// nothing, quickly; with overcommit=on it reserves the range.
static void
t_oom_sbrkfail(void)
{
  enum { GIB = 1 << 30 };
  struct memstat a, b;
  get_memstat(&a);
  if(a.total_pages * PGSIZE >= GIB){
    printf("oom-sbrkfail: not run: the machine has 1 GiB\n");
    return;
  }
  char *brk = sbrk(0);
  char *p = sbrk(GIB);
  get_memstat(&b);
  if(a.overcommit && p != brk)
    fail("with overcommit=on, sbrk(1 GiB) returned %p, not the break %p", p, brk);
  if(!a.overcommit && (p != SBRK_ERROR || sbrk(0) != brk))
    fail("sbrk(1 GiB) on %d pages returned %p and moved the break to %p",
         (int)a.total_pages, p, sbrk(0));
  if(b.free_pages + 2 < a.free_pages)
    fail("sbrk(1 GiB) left %d pages in use", (int)(a.free_pages - b.free_pages));
  release_heap(brk);
}

// ---- inject: every allocation of an operation fails in turn --------------------------
//
// For n = 1, 2, ... a fresh child W sets kfail(n), so that its n-th page
// allocation from then on fails, and makes the operation. Until n passes
// the number of pages the operation allocates, the failure hits it: it
// must fail cleanly (or, for a page fault, W is killed). After each round
// the free-page count must be exactly what it was.
//
// Between kfail() and the end of the operation W must allocate nothing
// else. It stores only to its stack, whose page its first store after
// fork has already made its own; copy-on-write data pages are only read.

// How W ends.
enum {
  INJ_FAILED = 10,   // the operation failed cleanly
  INJ_DONE = 11,     // it succeeded and the injected failure is still to come
  INJ_HIT = 12,      // it succeeded although the injected failure happened
  INJ_BADEXEC = 13,  // the exec'd program got the wrong arguments
};
#define INJECT_MAX 200

// What inject() accepts besides INJ_FAILED on the way to INJ_DONE.
enum {
  MAY_BE_KILLED = 1, // the failure kills W (a page fault found no page)
};

static int (*inject_op)(int n);

// W: make the operation with allocation n failing; exit with its outcome.
static void
inject_child(uint64 n)
{
  exit(inject_op(n));
}

// Is an injected allocation failure still to come within the next n
// allocations? Each pipe() allocates exactly one page (freed again when
// both ends are closed): make up to n of them and see whether one fails.
static int
failure_pending(int n)
{
  int fds[2];
  for(int i = 0; i < n; i++){
    if(pipe(fds) < 0)
      return 1;
    close(fds[0]);
    close(fds[1]);
  }
  return 0;
}

// The outcome of an operation that succeeded with allocation n failing.
static int
succeeded(int n)
{
  return failure_pending(n) ? INJ_DONE : INJ_HIT;
}

// Judge W's exit status st for the operation what with allocation n
// failing. Returns 1 when the operation succeeded untouched (the end).
static int
inject_verdict(const char *what, int n, int st, int flags)
{
  if(st == INJ_DONE && n == 1)
    fail("%s: allocated no page at all", what);
  if(st == INJ_DONE)
    return 1;
  if(st == INJ_FAILED || (st == -1 && (flags & MAY_BE_KILLED)))
    return 0;
  if(st == -1)
    fail("%s: killed with allocation %d failing", what, n);
  if(st == INJ_HIT)
    fail("%s: succeeded although its allocation %d failed", what, n);
  if(st == INJ_BADEXEC)
    fail("%s: the program got the wrong arguments (allocation %d failing)", what, n);
  fail("%s: exit status %d with allocation %d failing", what, st, n);
}

// Run op with its 1st, 2nd, ... allocation failing until it succeeds
// with the failure still to come; check the free pages after each.
static void
inject(const char *what, int (*op)(int), int flags)
{
  inject_op = op;
  int k = kpages();
  for(int n = 1; n <= INJECT_MAX; n++){
    int st = child_status(inject_child, n);
    if(kpages() != k)
      fail("%s with allocation %d failing: free pages %d before, %d after",
           what, n, k, kpages());
    if(inject_verdict(what, n, st, flags))
      return;
  }
  fail("%s: still failing with allocation %d failing", what, INJECT_MAX);
}

// fork(); the child exits at once and the parent reaps it, with no store
// to memory in between: after a copy-on-write fork a store copies a page,
// an allocation of its own. Returns the child's pid, -1 if fork failed,
// -2 if wait returned something else.
static int
fork_and_reap(void)
{
  register long a0 asm("a0");
  asm volatile(
    "li a7, %1\n"
    "ecall\n"              // fork()
    "bnez a0, 1f\n"
    "li a7, %2\n"
    "ecall\n"              // the child: exit(0)
    "1: bltz a0, 2f\n"
    "mv t0, a0\n"
    "li a0, 0\n"
    "li a7, %3\n"
    "ecall\n"              // wait(0)
    "beq a0, t0, 2f\n"
    "li a0, -2\n"
    "2:\n"
    : "=r" (a0)
    : "i" (SYS_fork), "i" (SYS_exit), "i" (SYS_wait)
    : "a7", "t0", "memory");
  return a0;
}

// fork in the given mode with allocation n failing.
static int
fork_injected(int n, int mode)
{
  int old = forkmode(mode);
  kfail(n);
  int pid = fork_and_reap();
  forkmode(old);
  if(pid == -2)
    fail("wait did not return the forked child");
  return pid < 0 ? INJ_FAILED : succeeded(n);
}

// Fork as an operation: in the run's mode (cow or sharedpt: sharing), or
// eagerly.
static int
op_fork_shared(int n)
{
  return fork_injected(n, share_mode);
}

static int
op_fork_eager(int n)
{
  return fork_injected(n, FORK_EAGER);
}

// Forks of a process with a page in a second 2 MiB region: fork fails
// also after sharing or copying some pages, when it needs a page table.
static void
t_inject_fork(void)
{
  char *p = reserve(2 * MEGAPAGE);
  p[2 * MEGAPAGE - 1] = 1;
  inject("fork (sharing)", op_fork_shared, 0);
  inject("fork (eager)", op_fork_eager, 0);
}

// exec of this program with arguments; the new program checks them and
// whether the failure is still to come (inject_exec_child).
static int
op_exec(int n)
{
  char arg[12];
  format(arg, sizeof(arg), "%d", n);
  char *argv[] = { SELF, INJECT_EXEC, arg, "alpha", "beta", 0 };
  kfail(n);
  exec(SELF, argv);
  return INJ_FAILED;
}

// The program exec'd by op_exec: vmtest --inject-exec N alpha beta.
static int
inject_exec_child(int argc, char *argv[])
{
  if(argc != 5 || strcmp(argv[3], "alpha") != 0 || strcmp(argv[4], "beta") != 0)
    return INJ_BADEXEC;
  return succeeded(atoi(argv[2]));
}

static void
t_inject_exec(void)
{
  inject("exec", op_exec, 0);
}

// sbrk's eager growth across a 2 MiB boundary (so that page-table pages
// are needed too). With an allocation failing it fails and changes
// nothing, as xv6's sbrk does; when it succeeds the new memory reads as
// zero.
static int
op_sbrk(int n)
{
  enum { N = 8 };
  uint64 brk = (uint64)sbrk(0);
  uint64 to = next_megapage(brk + 4 * PGSIZE) - 4 * PGSIZE;
  reserve(to - brk);
  kfail(n);
  char *p = sbrk(N * PGSIZE);
  int r = p == SBRK_ERROR ? INJ_FAILED : succeeded(n);
  kfail(0);
  if(r == INJ_FAILED && (uint64)sbrk(0) != to)
    fail("a failed sbrk moved the break from %p to %p", (void *)to, sbrk(0));
  for(int i = 0; r != INJ_FAILED && i < N; i++)
    if(p[i * PGSIZE] != 0)
      fail("page %d of an sbrk with allocation %d failing is not zero", i, n);
  return r;
}

static void
t_inject_sbrk(void)
{
  inject("sbrk", op_sbrk, 0);
}

static int *cow_fds;   // a page W shares copy-on-write with its parent

// pipe() with its descriptors stored into fds; the failed call must
// store nothing and leave no descriptor open.
static int
pipe_into(int n, int *fds)
{
  int low = lowest_free_fd();
  kfail(n);
  if(pipe(fds) < 0){
    if(fds[0] != -7 || fds[1] != -7)
      fail("a failed pipe() stored descriptors %d %d", fds[0], fds[1]);
    if(lowest_free_fd() != low)
      fail("a failed pipe() left a descriptor open");
    return INJ_FAILED;
  }
  int r = succeeded(n);
  check_pipe(fds, "pipe() with allocations failing");
  close(fds[0]);
  close(fds[1]);
  return r;
}

// pipe() into W's stack, and into a copy-on-write page.
static int
op_pipe(int n)
{
  int fds[2] = { -7, -7 };
  return pipe_into(n, fds);
}

static int
op_pipe_cow(int n)
{
  return pipe_into(n, cow_fds);
}

static void
t_inject_pipe(void)
{
  inject("pipe", op_pipe, 0);
  cow_fds = (int *)grow(1);
  cow_fds[0] = cow_fds[1] = -7;
  inject("pipe into a copy-on-write page", op_pipe_cow, 0);
  if(cow_fds[0] != -7 || cow_fds[1] != -7)
    fail("the children's pipe() calls changed the parent's page");
}

static char *lazy_target;   // an untouched heap page, 2 MiB from the others

// A store to an untouched heap page: a page, and a page table, to find.
static int
op_lazy(int n)
{
  kfail(n);
  *(volatile char *)lazy_target = 1;
  return succeeded(n);
}

static char *cow_target;    // a page W shares copy-on-write with its parent

// A store to a shared page: its copy to allocate.
static int
op_cow(int n)
{
  kfail(n);
  *(volatile int *)cow_target = 2;
  return succeeded(n);
}

static void
t_inject_fault(void)
{
  char *p = reserve(4 * MEGAPAGE);
  lazy_target = (char *)next_megapage((uint64)p + MEGAPAGE);
  inject("a lazy page fault", op_lazy, MAY_BE_KILLED);
  cow_target = grow(1);
  *(volatile int *)cow_target = 1;
  inject("a copy-on-write fault", op_cow, MAY_BE_KILLED);
  if(*(volatile int *)cow_target != 1)
    fail("a child's store reached the parent's page");
}

static char *open_name;   // a file name ending on the last byte of a page

// open(O_CREATE) of a file whose name's NUL is on an untouched heap page
// (in a fresh 2 MiB region): copying the name in needs a page and a page
// table. A failed open must not create the file.
static int
op_open(int n)
{
  memmove(open_name, "injected", 8);
  kfail(n);
  int fd = open(open_name, O_CREATE | O_RDWR);
  if(fd < 0){
    if(open("injected", O_RDONLY) >= 0)
      fail("a failed open(O_CREATE) created the file");
    return INJ_FAILED;
  }
  int r = succeeded(n);
  if(write(fd, "x", 1) != 1)
    fail("write to the created file failed");
  close(fd);
  if(unlink("injected") != 0)
    fail("unlink of the created file failed");
  return r;
}

static void
t_inject_open(void)
{
  char *p = reserve(4 * MEGAPAGE);
  open_name = (char *)next_megapage((uint64)p + MEGAPAGE) - 8;
  inject("open(O_CREATE)", op_open, 0);
}

// ---- acct: what sysinfo and memstat report ----------------------------------------

static int acct_gate[2];

// A child that waits at the gate.
static void
wait_at_gate(uint64 unused)
{
  gate_pass(acct_gate);
}

// sysinfo: freemem is the free pages in bytes; nproc counts processes.
static void
t_acct_sysinfo(void)
{
  struct sysinfo si;
  struct memstat st;
  if(sysinfo(&si) != 0)
    fail("sysinfo failed");
  int k = kpages();
  get_memstat(&st);
  if(si.freemem != (uint64)(k - st.kernel_pages) * PGSIZE || st.free_pages != k ||
     st.kernel_pages == 0 || st.kernel_pages > st.total_pages / 16)
    fail("sysinfo says %d bytes free, kpages %d pages, memstat %d pages, %d the kernel's",
         (int)si.freemem, k, (int)st.free_pages, (int)st.kernel_pages);
  int n0 = si.nproc;
  gate_make(acct_gate);
  for(int i = 0; i < 3; i++)
    start_child(wait_at_gate, 0);
  sysinfo(&si);
  if(si.nproc != n0 + 3)
    fail("nproc went from %d to %d with 3 more processes", n0, (int)si.nproc);
  gate_open(acct_gate);
  reap(3);
  sysinfo(&si);
  if(si.nproc != n0)
    fail("nproc is %d after the children, not %d", (int)si.nproc, n0);
}

// The child of t_acct_pt: report its own page-table pages, then wait.
static void
report_pt(uint64 fd)
{
  struct memstat st;
  get_memstat(&st);
  if(write(fd, &st.p_pt_pages, sizeof(st.p_pt_pages)) != sizeof(st.p_pt_pages))
    fail("write failed");
  gate_pass(acct_gate);
}

// pt_pages grows by a new process's page tables (p_pt_pages counts those
// below its root) and shrinks back when it is gone; a touch in a new
// 1 GiB region adds two table pages.
static void
t_acct_pt(void)
{
  struct memstat a, b;
  int p[2];
  uint64 child_pt = 0;
  if(pipe(p) < 0)
    fail("pipe failed");
  gate_make(acct_gate);
  get_memstat(&a);
  if(a.p_pt_pages < 3 || a.pt_pages < a.p_pt_pages)
    fail("%d page-table pages for this process, %d in all",
         (int)a.p_pt_pages, (int)a.pt_pages);
  start_child(report_pt, p[1]);
  read_all(p[0], (char *)&child_pt, sizeof(child_pt));
  get_memstat(&b);
  if(b.pt_pages != a.pt_pages + child_pt + 1)
    fail("a child with %d page-table pages and its root took pt_pages from %d to %d",
         (int)child_pt, (int)a.pt_pages, (int)b.pt_pages);
  gate_open(acct_gate);
  reap(1);
  get_memstat(&b);
  if(b.pt_pages != a.pt_pages)
    fail("pt_pages is %d after the child, not %d", (int)b.pt_pages, (int)a.pt_pages);
  char *h = reserve((1 << 30) + MEGAPAGE);
  h[(1 << 30) + MEGAPAGE - 1] = 1;
  get_memstat(&b);
  if(b.p_pt_pages != a.p_pt_pages + 2 || b.pt_pages != a.pt_pages + 2)
    fail("a touch 1 GiB away added %d page-table pages, not 2",
         (int)(b.p_pt_pages - a.p_pt_pages));
  close(p[0]);
  close(p[1]);
}

// shared_pages grows by at least the touched pages when a copy-on-write
// child shares them, and comes back when the child is gone. (In sharedpt
// mode the shared table holds them, one reference each: not counted.)
static void
t_acct_shared(void)
{
  enum { N = 32 };
  struct memstat a, b;
  char *p = grow(N);
  stamp(p, 0, N, 1);
  gate_make(acct_gate);
  get_memstat(&a);
  if(fork_mode(FORK_COW) == 0){
    wait_at_gate(0);
    exit(0);
  }
  get_memstat(&b);
  if(b.shared_pages < a.shared_pages + N)
    fail("sharing %d touched pages took shared_pages from %d to %d", N,
         (int)a.shared_pages, (int)b.shared_pages);
  gate_open(acct_gate);
  reap(1);
  get_memstat(&b);
  if(b.shared_pages != a.shared_pages)
    fail("shared_pages is %d after the child, not %d", (int)b.shared_pages,
         (int)a.shared_pages);
}

// Exit 0 if memstat() into va fails as it should. In a child: should it
// store into the trapframe, say, the process would not survive.
static void
memstat_at(uint64 va)
{
  exit(memstat((struct memstat *)va) == -1 ? 0 : 1);
}

// memstat's own numbers agree with each other and with the process;
// touching reserved pages adds exactly those; bad buffers give -1, lazy
// and copy-on-write ones work; a fork adds to the parent's fork time and
// a new child has none.
static void
t_acct_memstat(void)
{
  struct memstat a, b;
  get_memstat(&a);
  if(a.free_pages > a.total_pages || a.total_pages * PGSIZE > MAXPHYSMEM)
    fail("%d pages free of %d", (int)a.free_pages, (int)a.total_pages);
  if(a.p_size != (uint64)sbrk(0) || a.p_resident > a.p_size / PGSIZE)
    fail("size %d with %d pages resident; sbrk(0) is %p", (int)a.p_size,
         (int)a.p_resident, sbrk(0));
  char *p = reserve(8 * PGSIZE);
  stamp(p, 0, 5, 1);
  get_memstat(&b);
  if(b.p_resident != a.p_resident + 5 || b.p_lazy_faults != a.p_lazy_faults + 5 ||
     b.p_size != a.p_size + 8 * PGSIZE)
    fail("touching 5 reserved pages: resident +%d, lazy faults +%d",
         (int)(b.p_resident - a.p_resident), (int)(b.p_lazy_faults - a.p_lazy_faults));
  uint64 badva[] = { 0, guard_page(), (uint64)sbrk(0), (uint64)&t_acct_memstat,
                     MAXVA, TRAMPOLINE, TRAPFRAME };
  for(int i = 0; i < NELEM(badva); i++){
    int st = child_status(memstat_at, badva[i]);
    if(st != 0)
      fail("memstat(%p) did not return -1 (status %d)", (void *)badva[i], st);
  }
  if(memstat((struct memstat *)(p + 6 * PGSIZE)) != 0)
    fail("memstat into an untouched heap page failed");
  get_memstat(&a);
  if(xfork() == 0){
    struct memstat *c = (struct memstat *)p;   // a shared page, written
    exit(memstat(c) == 0 && c->p_fork_copy_ns == 0 ? 0 : 1);
  }
  reap(1);
  get_memstat(&b);
  if(b.p_fork_copy_ns <= a.p_fork_copy_ns)
    fail("a fork added no time to p_fork_copy_ns (%d ns before, %d after)",
         (int)a.p_fork_copy_ns, (int)b.p_fork_copy_ns);
  release_heap(p);
}

// ---- the test table and main -------------------------------------------------------

// ---- pgtbl: the features of xv6's page-table lab ---------------------------

// In a child (and its children, gens deep): ugetpid() must be getpid().
static void
ugetpid_child(uint64 gens)
{
  if(ugetpid() != getpid())
    exit(1);
  if(gens > 0 && child_status(ugetpid_child, gens - 1) != 0)
    exit(1);
}

// A store into the read-only USYSCALL page, which must kill the child.
static void
store_usyscall(uint64 unused)
{
  ((volatile struct usyscall *)USYSCALL)->pid = 1;
}

// A load from the USYSCALL page's address, which must kill the child
// when the page is not mapped (the default).
static void
load_usyscall(uint64 unused)
{
  sink = *(volatile char *)USYSCALL;
}

// With usyscall=on, ugetpid() reads the pid from the USYSCALL page in
// every process and a store there kills; by default the page is not
// there (the heap may grow over its address, as current xv6 expects).
static void
t_pgtbl_ugetpid(void)
{
  if(!usyscall_on()){
    if(pgpte((void *)USYSCALL) != 0)
      fail("the USYSCALL page is mapped without usyscall=on");
    expect_killed(load_usyscall, 0, "a load from the absent USYSCALL page");
    return;
  }
  if(pgpte((void *)USYSCALL) == 0)
    fail("usyscall=on, but no page is mapped at USYSCALL (%p)", (void *)USYSCALL);
  if(ugetpid() != getpid())
    fail("ugetpid() %d, getpid() %d", ugetpid(), getpid());
  for(int i = 0; i < 30; i++)
    if(child_status(ugetpid_child, 2) != 0)
      fail("ugetpid() is not getpid() in a child or grandchild");
  expect_killed(store_usyscall, 0, "a store to the USYSCALL page");
}

// pgpte(va) must have every flag in want and none in forbid.
static void
expect_pte(void *va, uint64 want, uint64 forbid, const char *what)
{
  uint64 pte = pgpte(va);
  if((pte & want) != want || (pte & forbid) != 0)
    fail("pgpte(%s) = %p: want flags %x, none of %x", what, (void *)pte,
         (uint)want, (uint)forbid);
}

// pgpte(va) must be 0: nothing maps va.
static void
expect_no_pte(void *va, const char *what)
{
  uint64 pte = pgpte(va);
  if(pte != 0)
    fail("pgpte(%s) = %p, not 0", what, (void *)pte);
}

static void
t_pgtbl_pgpte(void)
{
  char *heap = grow(2);
  heap[0] = heap[PGSIZE] = 1;
  expect_pte(heap, PTE_V | PTE_R | PTE_W | PTE_U, PTE_X, "a heap page");
  if(PTE2PA(pgpte(heap)) == PTE2PA(pgpte(heap + PGSIZE)))
    fail("two heap pages map the same physical page");
  expect_pte((void *)t_pgtbl_pgpte, PTE_V | PTE_R | PTE_X | PTE_U, PTE_W, "text");
  expect_pte((void *)TRAMPOLINE, PTE_V | PTE_R | PTE_X, PTE_U | PTE_W, "TRAMPOLINE");
  expect_pte((void *)TRAPFRAME, PTE_V | PTE_R | PTE_W, PTE_U | PTE_X, "TRAPFRAME");
  if(usyscall_on())
    expect_pte((void *)USYSCALL, PTE_V | PTE_R | PTE_U, PTE_W | PTE_X, "USYSCALL");
  else
    expect_no_pte((void *)USYSCALL, "USYSCALL");
  expect_no_pte(heap + 64 * PGSIZE, "past the heap");
  expect_no_pte((void *)MAXVA, "MAXVA");
  expect_no_pte((void *)-1L, "-1");
  sbrk(-2 * PGSIZE);
}

// pgpte on a lazily grown heap page: nothing maps it until it is touched.
// (Apart from the pgtbl group: it needs lazy sbrk.)
static void
t_pgpte_lazy(void)
{
  char *lazy = sbrklazy(PGSIZE);
  if(lazy == SBRK_ERROR)
    fail("sbrklazy failed");
  expect_no_pte(lazy, "an untouched lazy page");
  lazy[0] = 1;
  expect_pte(lazy, PTE_V | PTE_W | PTE_U, 0, "a touched lazy page");
  sbrk(-PGSIZE);
}

// kpgtbl() prints the caller's page table; grade-tests.py checks its
// format on the console, and that the leaves of the pages whose pgpte()
// this prints first agree with it. (Apart from the pgtbl group, which
// would pass it whatever kpgtbl printed.)
static void
t_pgtbl_kpgtbl(void)
{
  char *heap = grow(2);
  heap[0] = heap[PGSIZE] = 1;
  char local;
  struct { const char *name; void *va; } pages[] = {
    { "heap", heap }, { "heap+1", heap + PGSIZE }, { "text", (void *)t_pgtbl_kpgtbl },
    { "stack", &local }, { "trapframe", (void *)TRAPFRAME }, { "trampoline", (void *)TRAMPOLINE },
  };
  for(int i = 0; i < NELEM(pages); i++)
    printf("pgtbl-kpgtbl: pgpte(%s) %p = %p\n", pages[i].name, pages[i].va,
           (void *)pgpte(pages[i].va));
  kpgtbl();
  sbrk(-2 * PGSIZE);
}

static void
t_pgtbl_pgaccess(void)
{
  enum { N = 64 };
  char *p = sbrk(N * PGSIZE);
  uint64 mask = 0;
  if(p == SBRK_ERROR || pgaccess(p, N, &mask) < 0)
    fail("sbrk or the first pgaccess failed");
  p[1 * PGSIZE] = 1;
  p[2 * PGSIZE] = 2;
  sink = p[30 * PGSIZE];
  p[63 * PGSIZE] = 3;
  if(pgaccess(p, N, &mask) < 0)
    fail("pgaccess failed");
  uint64 want = (1UL << 1) | (1UL << 2) | (1UL << 30) | (1UL << 63);
  if(mask != want)
    fail("pages 1, 2, 30 and 63 touched: bitmask %p, not %p", (void *)mask, (void *)want);
  if(pgaccess(p, N, &mask) < 0 || mask != 0)
    fail("nothing touched since the last call: bitmask %p", (void *)mask);
  p[5 * PGSIZE] = 5;
  int small[2] = { 0, 0x5a5a };
  if(pgaccess(p, 32, small) < 0 || small[0] != (1 << 5) || small[1] != 0x5a5a)
    fail("pgaccess of 32 pages into an int: %x, and next to it %x", small[0], small[1]);
  if(pgaccess(p, -1, &mask) != -1 || pgaccess(p, N + 1, &mask) != -1)
    fail("pgaccess accepted a bad page count");
  if(pgaccess(p, N, (void *)TRAPFRAME) != -1 || pgaccess(p, N, (void *)MAXVA) != -1)
    fail("pgaccess wrote its bitmask to a bad address");
  if(pgaccess((void *)MAXVA, N, &mask) != -1)
    fail("pgaccess above MAXVA did not return -1");
  sbrk(-N * PGSIZE);
}

// ---- super: 2 MiB megapages in the heap -------------------------------------

// Grow the heap to the next 2 MiB boundary, then by n bytes more with
// sbrk (lazily with lazy set); return the aligned start.
static char *
aligned_heap(uint64 n, int lazy)
{
  uint64 cur = (uint64)sbrk(0);
  if(sbrk(SUPERPGROUNDUP(cur) - cur) == SBRK_ERROR)
    fail("sbrk to a 2 MiB boundary failed");
  char *p = lazy ? sbrklazy(n) : sbrk(n);
  if(p == SBRK_ERROR || (uint64)p % SUPERPGSIZE != 0)
    fail("sbrk of an aligned heap failed");
  return p;
}

// Does one megapage map va? (pgpte gives the same leaf for the next page,
// and its frame is 2 MiB-aligned.)
static int
is_mega(char *va)
{
  uint64 pte = pgpte(va);
  return pte != 0 && pte == pgpte(va + PGSIZE) && PTE2PA(pte) % SUPERPGSIZE == 0;
}

// Every 2 MiB of [p, p+n) must (mega set) or must not be one megapage.
static void
expect_mega(char *p, uint64 n, int mega, const char *what)
{
  for(uint64 off = 0; off < n; off += SUPERPGSIZE)
    if(is_mega(p + off) != mega)
      fail("%s: %p is %sa megapage", what, p + off, mega ? "not " : "");
}

// Fill every page of [p, p+n) with its own mark (seed + page number), or
// check that it holds it.
static void
mark_pages(char *p, uint64 n, uint64 seed, int check)
{
  for(uint64 off = 0; off < n; off += PGSIZE){
    uint64 *w = (uint64 *)(p + off);
    if(!check)
      *w = seed + off / PGSIZE;
    else if(*w != seed + off / PGSIZE)
      fail("page %p holds %p, not its mark", p + off, (void *)*w);
  }
}

static void
t_super_sbrk(void)
{
  enum { N = 8 * MIB };
  struct memstat a, b;
  superpages(SUPER_ON);
  get_memstat(&a);
  char *p = aligned_heap(N, 0);
  get_memstat(&b);
  expect_mega(p, N, 1, "an 8 MiB sbrk");
  check_bytes(p, PGSIZE, 0, "a fresh megapage");
  check_bytes(p + N - PGSIZE, PGSIZE, 0, "a fresh megapage's end");
  if(b.p_pt_pages > a.p_pt_pages + 1)
    fail("8 MiB of megapages took %d page-table pages", (int)(b.p_pt_pages - a.p_pt_pages));
  mark_pages(p, N, 0x5000, 0);
  mark_pages(p, N, 0x5000, 1);
  sbrk(-N);
  superpages(SUPER_OFF);
  if(pgpte(p) != 0)
    fail("the shrunk heap is still mapped");
}

// A lazy heap's 2 MiB region fills from a reservation: the first touch
// maps only its own page, taken from a 2 MiB block at the same offset,
// and sets the rest of the block aside; later touches take their pages
// from the block; the touch that makes one page in eight of the region
// touched (the kernel's DENSE_PAGES), here none next to another, maps the
// rest and promotes the region to a megapage in place, with no copy:
// same frames, same contents, the untouched pages zero. Another region,
// touched four pages in order (RUN_PAGES), is promoted at the fourth.
static void
t_super_lazy(void)
{
  enum { PAGES = SUPERPGSIZE / PGSIZE, DENSE = PAGES / 8, STRIDE = 7, RUN = 4 };
  struct memstat a, b, c, d;
  superpages(SUPER_ON);
  char *used = aligned_heap(4 * MIB, 0);    // blocks the allocator will
  memset(used, 0x77, 4 * MIB);              // hand out again first
  sbrk(-4 * MIB);
  char *p = aligned_heap(4 * MIB, 1);
  char *r = p + 2 * MIB;
  if(pgpte(p) != 0 || pgpte(r) != 0)
    fail("sbrklazy mapped pages before any touch");
  get_memstat(&a);
  r[5 * PGSIZE + 123] = 5;
  get_memstat(&b);
  uint64 block = PTE2PA(pgpte(r + 5 * PGSIZE)) - 5 * PGSIZE;
  if(block % SUPERPGSIZE != 0)
    fail("the first touch's page %p is not at its offset in a 2 MiB block",
         (void *)PTE2PA(pgpte(r + 5 * PGSIZE)));
  if(pgpte(r) != 0 || pgpte(p) != 0 || is_mega(r))
    fail("one touch mapped more than its page");
  if(b.reserved_pages - a.reserved_pages != PAGES - 1)
    fail("the first touch set %d pages aside, not %d",
         (int)(b.reserved_pages - a.reserved_pages), PAGES - 1);
  for(int i = 0; i < DENSE - 1; i++){       // pages 0, 7, 14, ...: no two adjacent
    if(is_mega(r))
      fail("the region became a megapage after %d scattered touches, before %d", i + 1, DENSE);
    r[i * STRIDE * PGSIZE] = i + 1;
    if(i < DENSE - 2 && PTE2PA(pgpte(r + i * STRIDE * PGSIZE)) != block + i * STRIDE * PGSIZE)
      fail("touch %d took a page from outside the reservation", i);
  }
  get_memstat(&c);
  if(!is_mega(r) || PTE2PA(pgpte(r)) != block)
    fail("a region touched one page in eight is not a megapage of its reserved block");
  if(c.p_promotions - a.p_promotions != 1 || c.promotions - a.promotions < 1)
    fail("promotions counted: %d by the process", (int)(c.p_promotions - a.p_promotions));
  if(c.p_lazy_faults - a.p_lazy_faults != DENSE)
    fail("%d touches made %d lazy faults", DENSE, (int)(c.p_lazy_faults - a.p_lazy_faults));
  if(c.reserved_pages != a.reserved_pages)
    fail("%d pages still reserved, %d before", (int)c.reserved_pages, (int)a.reserved_pages);
  if(r[5 * PGSIZE + 123] != 5)
    fail("promotion changed the page touched first");
  check_bytes(r + 5 * PGSIZE, 123, 0, "the page touched first");
  check_bytes(r + 5 * PGSIZE + 124, PGSIZE - 124, 0, "the page touched first");
  for(int i = 0; i < DENSE - 1; i++)
    if(r[i * STRIDE * PGSIZE] != (char)(i + 1))
      fail("page %d lost its value in the promotion", i * STRIDE);
  check_bytes(r + PGSIZE, PGSIZE, 0, "a page the promotion filled");
  check_bytes(r + SUPERPGSIZE - PGSIZE, PGSIZE, 0, "a page the promotion filled");
  if(pgpte(p) != 0)
    fail("the untouched region got pages");
  for(int i = 0; i < RUN; i++){
    if(is_mega(p))
      fail("the region became a megapage after %d touches in order, before %d", i, RUN);
    p[(10 + i) * PGSIZE] = 1;
  }
  get_memstat(&d);
  if(!is_mega(p) || d.p_lazy_faults - c.p_lazy_faults != RUN)
    fail("%d touches in order made %d lazy faults and %sa megapage", RUN,
         (int)(d.p_lazy_faults - c.p_lazy_faults), is_mega(p) ? "" : "not ");
  check_bytes(p, 10 * PGSIZE, 0, "pages before the run");
  sbrk(-4 * MIB);
}

// A reservation whose pages are all given back (the heap shrinks) turns
// back into a free 2 MiB block: nothing stays set aside.
static void
t_super_unreserve(void)
{
  struct memstat a, b, c;
  superpages(SUPER_ON);
  get_memstat(&a);
  char *p = aligned_heap(2 * MIB, 1);
  for(int i = 0; i < 7; i++)
    p[i * 3 * PGSIZE] = 1;
  get_memstat(&b);
  if(b.reserved_pages - a.reserved_pages != SUPERPGSIZE / PGSIZE - 7)
    fail("7 touches left %d pages reserved", (int)(b.reserved_pages - a.reserved_pages));
  sbrk(-2 * MIB);
  get_memstat(&c);
  if(c.reserved_pages != a.reserved_pages)
    fail("%d pages still reserved after the shrink, %d before",
         (int)c.reserved_pages, (int)a.reserved_pages);
}

// The child of t_super_fork: sees the parent's megapages shared, then
// stores (itself, and through the kernel's copyout from a pipe) into the
// first one, which splits it and copies only the pages stored to.
static void
super_fork_child(uint64 arg)
{
  char *p = (char *)arg;
  uint64 before = pgpte(p);
  expect_mega(p, 4 * MIB, 1, "the child's inherited heap");
  if(!(before & PTE_RSW0) || (before & PTE_W))   // RSW0: the kernel's COW mark
    fail("a shared megapage is not read-only copy-on-write: %p", (void *)before);
  mark_pages(p, 4 * MIB, 0x7000, 1);
  p[100] = 1;
  int fds[2];
  if(pipe(fds) < 0 || write(fds[1], "xyz", 3) != 3 || read(fds[0], p + 2 * MIB + 8, 3) != 3)
    fail("pipe into a shared megapage failed");
  close(fds[0]);
  close(fds[1]);
  if(is_mega(p) || is_mega(p + 2 * MIB))
    fail("stores into shared megapages did not split them");
  if(PTE2PA(pgpte(p + PGSIZE)) != PTE2PA(before) + PGSIZE)   // before: the megapage's
    fail("splitting moved a page nobody stored to");
  if(PTE2PA(pgpte(p)) == PTE2PA(before))
    fail("the page stored to was not copied");
  if(memcmp(p + 2 * MIB + 8, "xyz", 3) != 0 || p[100] != 1)
    fail("the child's stores were lost");
}

static void
t_super_fork(void)
{
  superpages(SUPER_COW);
  char *p = aligned_heap(4 * MIB, 0);
  mark_pages(p, 4 * MIB, 0x7000, 0);
  uint64 pte = pgpte(p);
  if(child_status(super_fork_child, (uint64)p) != 0)
    fail("the child failed");
  expect_mega(p, 4 * MIB, 1, "the parent's heap after the child split its copy");
  mark_pages(p, 4 * MIB, 0x7000, 1);
  p[100] = 2;                  // the last holder: writable again, still whole
  if(!is_mega(p) || PTE2PA(pgpte(p)) != PTE2PA(pte) || !(pgpte(p) & PTE_W))
    fail("the last holder's store did not make its megapage writable in place");
  sbrk(-4 * MIB);
}

// The child of t_super_forkcopy: has megapages of its own, writable.
static void
super_forkcopy_child(uint64 arg)
{
  char *p = (char *)arg;
  expect_mega(p, 4 * MIB, 1, "the child's copied heap");
  if(!(pgpte(p) & PTE_W) || (pgpte(p) & PTE_RSW0))   // RSW0: the kernel's COW mark
    fail("a copied megapage is not plainly writable: %p", (void *)pgpte(p));
  mark_pages(p, 4 * MIB, 0x8000, 1);
  p[0] = 1;
}

static void
t_super_forkcopy(void)
{
  static const int modes[] = { FORK_COW, FORK_EAGER, FORK_SHAREDPT };
  superpages(SUPER_ON);
  char *p = aligned_heap(4 * MIB, 0);
  mark_pages(p, 4 * MIB, 0x8000, 0);
  uint64 pte = pgpte(p);
  for(int i = 0; i < NELEM(modes); i++){
    int old = forkmode(modes[i]);
    int st = child_status(super_forkcopy_child, (uint64)p);
    forkmode(old);
    if(st != 0)
      fail("the child of a fork in mode %d failed", modes[i]);
    if(pgpte(p) != pte)
      fail("the parent's megapage changed when the child got a copy");
    mark_pages(p, 4 * MIB, 0x8000, 1);
  }
  sbrk(-4 * MIB);
}

static char *bigfork_heap;
static uint64 bigfork_size;

// Store mark into 32 pages of every megapage of the heap.
static void
store_every_megapage(uint64 mark)
{
  for(uint64 off = 0; off < bigfork_size; off += SUPERPGSIZE)
    for(int i = 0; i < 32; i++)
      bigfork_heap[off + i * PGSIZE] = mark;
}

// A process whose megapages fill two thirds of memory forks (as cowtest
// does): fork copies megapages only while half of memory stays free and
// shares the rest copy-on-write, so the child's stores into 32 pages of
// every megapage still find the pages they need; copying megapages until
// no block was left would have taken them.
static void
t_super_forkbig(void)
{
  struct memstat st;
  superpages(SUPER_ON);
  get_memstat(&st);
  bigfork_size = SUPERPGROUNDDOWN(st.free_pages * PGSIZE / 3 * 2);
  bigfork_heap = aligned_heap(bigfork_size, 0);
  expect_mega(bigfork_heap, SUPERPGSIZE, 1, "a big eager heap");
  if(child_status(store_every_megapage, 'c') != 0)
    fail("the child storing into its %d MiB heap failed", (int)(bigfork_size / MIB));
  store_every_megapage('p');
  release_heap(bigfork_heap);
}

// Touch the page just past the end of a shrunk megapage heap: must die.
static void
touch_past(uint64 va)
{
  sink = *(char *)va;
}

static void
t_super_shrink(void)
{
  superpages(SUPER_ON);
  char *p = aligned_heap(4 * MIB, 0);
  mark_pages(p, 4 * MIB, 0xb000, 0);
  sbrk(-PGSIZE);
  expect_mega(p, 2 * MIB, 1, "the untouched first megapage");
  if(is_mega(p + 2 * MIB) || pgpte(p + 4 * MIB - PGSIZE) != 0)
    fail("a shrink that cuts a megapage did not split it");
  mark_pages(p, 4 * MIB - PGSIZE, 0xb000, 1);
  expect_killed(touch_past, (uint64)(p + 4 * MIB - PGSIZE), "a load past the shrunk heap");
  sbrk(-(2 * MIB - PGSIZE));
  if(pgpte(p + 2 * MIB) != 0 || !is_mega(p))
    fail("shrinking to the first megapage went wrong");
  sbrk(-2 * MIB);
}

// The same heap is megapages with SUPER_ON, and 4 KiB pages with SUPER_OFF.
static void
t_super_off(void)
{
  superpages(SUPER_ON);
  char *p = aligned_heap(4 * MIB, 0);
  expect_mega(p, 4 * MIB, 1, "a heap with SUPER_ON");
  sbrk(-4 * MIB);
  superpages(SUPER_OFF);
  if(aligned_heap(4 * MIB, 0) != p)
    fail("the heap did not grow back at the same place");
  expect_mega(p, 4 * MIB, 0, "a heap with SUPER_OFF");
  if(superpages(SUPER_QUERY) != SUPER_OFF || superpages(7) != -1)
    fail("superpages() does not report or check its mode");
  sbrk(-4 * MIB);
}

// ---- overcommit: the 2020 lazy lab's sbrk (boot option overcommit=on) ----------

// Grow the heap 16 MiB at a time, touching the first page of each, the
// way xv6's lazytests "out of memory" mallocs (with megapages on, so each
// touch also reserves 2 MiB until the allocator must break them): sbrk
// keeps reserving, so the process ends killed at a fault, never with
// sbrk failing.
static void
grow_until_killed(uint64 unused)
{
  superpages(SUPER_ON);
  for(;;){
    char *p = sbrk(16 * MIB);
    if(p == SBRK_ERROR)
      exit(3);
    *(char **)p = p;
  }
}

// With overcommit=on the heap outgrows memory and the process that runs
// out is killed at its fault, with one line; everything comes back.
static void
t_oc_oom(void)
{
  if(!overcommit_on()){
    printf("oc-oom: not run: needs the boot option overcommit=on\n");
    return;
  }
  int st = child_status(grow_until_killed, 0);
  if(st == 3)
    fail("sbrk failed before memory ran out");
  if(st != -1)
    fail("the process that ran out of memory exited with %d, not killed", st);
}

// ---- sharedpt: fork that shares the page tables themselves -----------------

#define SPT_PAGES 600          // a heap over two level-0 tables

// Fork sharing page tables; the child must be created.
static int
spt_fork(void)
{
  int pid = fork_mode(FORK_SHAREDPT);
  if(pid < 0)
    fail("a shared-page-table fork failed");
  return pid;
}

// Run the body of a sharing test in a child of its own; once it and all
// it started are gone, the system must hold as many page-table pages as
// before: every shared table was let go of by its last holder.
static void
spt_run(void (*body)(void))
{
  struct memstat a, b;
  get_memstat(&a);
  if(xfork() == 0){
    body();
    exit(0);
  }
  reap(1);
  get_memstat(&b);
  if(b.pt_pages != a.pt_pages)
    fail("page-table pages %d before, %d after", (int)a.pt_pages, (int)b.pt_pages);
}

// Three generations share one set of tables; the grandchild, then the
// child, then the parent store; each sees only its own stores.
static void
spt_gens(void)
{
  char *p = grow(SPT_PAGES);
  stamp(p, 0, SPT_PAGES, 100);
  int pid = spt_fork();
  if(pid == 0){
    if(spt_fork() == 0){
      check_stamps(p, 0, SPT_PAGES, 100, "grandchild");
      stamp(p, 0, 10, 300);
      check_stamps(p, 10, SPT_PAGES, 100, "grandchild");
      exit(0);
    }
    reap(1);
    check_stamps(p, 0, SPT_PAGES, 100, "child, after the grandchild's stores");
    stamp(p, 5, 15, 200);
    check_stamps(p, 0, 5, 100, "child");
    exit(0);
  }
  reap(1);
  check_stamps(p, 0, SPT_PAGES, 100, "parent, after its descendants' stores");
  stamp(p, 0, SPT_PAGES, 400);
  check_stamps(p, 0, SPT_PAGES, 400, "parent");
}

// The 2 MiB blocks (level-0 tables) that lie wholly in [from, to).
static int
whole_tables(uint64 from, uint64 to)
{
  uint64 first = SUPERPGROUNDUP(from), last = SUPERPGROUNDDOWN(to);
  return last > first ? (last - first) / MEGAPAGE : 0;
}

// The parent shrinks its heap by more than two level-0 tables while a
// child still shares them: the child keeps all its memory, and the
// parent lets go of the tables wholly shrunk away instead of copying
// them (its own table count drops by those).
static void
spt_shrink(void)
{
  enum { N = 3 * 512 + 100, CUT = 2 * 512 + 300 };
  struct memstat a, b;
  int go[2];
  char *p = grow(N);
  stamp(p, 0, N, 500);
  if(pipe(go) < 0)
    fail("pipe failed");
  int pid = spt_fork();
  if(pid == 0){
    char c;
    close(go[1]);                // so that a parent that fails ends the wait
    if(read(go[0], &c, 1) != 1)
      fail("child: no go");
    check_stamps(p, 0, N, 500, "child, after the parent shrank");
    stamp(p, N - 10, N, 600);
    exit(0);
  }
  get_memstat(&a);
  if(sbrk(-CUT * PGSIZE) == SBRK_ERROR)
    fail("the parent could not shrink");
  get_memstat(&b);
  int whole = whole_tables((uint64)p + (N - CUT) * PGSIZE, (uint64)p + N * PGSIZE);
  if(whole < 2 || b.p_pt_pages + whole > a.p_pt_pages)
    fail("shrinking %d shared tables away took the parent's tables from %d to %d",
         whole, (int)a.p_pt_pages, (int)b.p_pt_pages);
  check_stamps(p, 0, N - CUT, 500, "parent, shrunk");
  if(write(go[1], "g", 1) != 1)
    fail("write failed");
  reap(1);
  close(go[0]);
  close(go[1]);
  check_stamps(p, 0, N - CUT, 500, "parent, after the child's stores");
}

// Two children share the parent's tables and exit; the parent, sole
// holder again, stores without copying a single page.
static void
spt_last(void)
{
  struct memstat a, b;
  char *p = grow(SPT_PAGES);
  stamp(p, 0, SPT_PAGES, 700);
  for(int i = 0; i < 2; i++)
    if(spt_fork() == 0){
      check_stamps(p, 0, SPT_PAGES, 700, "child");
      exit(0);
    }
  reap(2);
  get_memstat(&a);
  stamp(p, 0, SPT_PAGES, 800);
  get_memstat(&b);
  if(b.p_cow_copies != a.p_cow_copies)
    fail("the last sharer copied %d pages", (int)(b.p_cow_copies - a.p_cow_copies));
}

// One child of three, on whatever hart: store to its own slice of pages
// in the shared tables, many times, then check them.
static void
spt_hart_worker(uint64 w)
{
  char *p = (char *)(uint64)sbrk(0) - SPT_PAGES * PGSIZE;
  int from = w * (SPT_PAGES / 3), to = from + SPT_PAGES / 3;
  for(int round = 0; round < 5; round++)
    stamp(p, from, to, 1000 * (w + 1) + round);
  check_stamps(p, from, to, 1000 * (w + 1) + 4, "worker");
  check_stamps(p, 0, from, 900, "worker, others' pages");
}

// Children on several harts fault in the same shared tables at once.
static void
spt_harts(void)
{
  char *p = grow(SPT_PAGES);
  stamp(p, 0, SPT_PAGES, 900);
  for(int w = 0; w < 3; w++)
    if(spt_fork() == 0){
      spt_hart_worker(w);
      exit(0);
    }
  reap(3);
  check_stamps(p, 0, SPT_PAGES, 900, "parent");
}

#define SPT_INJECT_PAGES (3 * 512)   // a heap with two whole level-0 tables

// A child whose n-th allocation fails while it stores into shared tables.
static void
spt_inject_child(uint64 n)
{
  char *p = (char *)(uint64)sbrk(0) - SPT_INJECT_PAGES * PGSIZE;
  kfail(n);
  stamp(p, 0, SPT_INJECT_PAGES, 1100);
  kfail(0);
  check_stamps(p, 0, SPT_INJECT_PAGES, 1100, "child");
}

#define SHRINK_FAILED 3          // spt_shrink_inject_child's clean failure

// A child whose n-th allocation fails while it shrinks its heap away
// from tables it shares: the shrink fails and changes nothing (exit
// SHRINK_FAILED), or needs fewer allocations and succeeds (exit 0).
static void
spt_shrink_inject_child(uint64 n)
{
  char *end = sbrk(0), *p = end - SPT_INJECT_PAGES * PGSIZE;
  kfail(n);
  char *r = sbrk(-SPT_INJECT_PAGES * PGSIZE);
  kfail(0);
  if(r != SBRK_ERROR)
    exit(0);
  if(sbrk(0) != end)
    fail("child: a failed shrink moved the break");
  check_stamps(p, 0, SPT_INJECT_PAGES, 1000, "child, after a failed shrink");
  exit(SHRINK_FAILED);
}

// Allocation failures while unsharing (and copying) kill only the child
// that stores; a shrink that cannot copy a table fails and changes
// nothing.
static void
spt_inject(void)
{
  char *p = grow(SPT_INJECT_PAGES);
  int shrinks_failed = 0;
  stamp(p, 0, SPT_INJECT_PAGES, 1000);
  for(int n = 1; n <= 4; n++){
    int st = 12345;
    int pid = spt_fork();
    if(pid == 0){
      spt_inject_child(n);
      exit(0);
    }
    if(wait(&st) != pid || st != -1)
      fail("a child whose allocation %d failed exited with %d, not killed", n, st);
    check_stamps(p, 0, SPT_INJECT_PAGES, 1000, "parent");
    if(spt_fork() == 0)
      spt_shrink_inject_child(n);
    if(wait(&st) < 0 || (st != 0 && st != SHRINK_FAILED))
      fail("a child shrinking with allocation %d failing exited with %d", n, st);
    shrinks_failed += st == SHRINK_FAILED;
    check_stamps(p, 0, SPT_INJECT_PAGES, 1000, "parent, after a child's shrink");
  }
  if(shrinks_failed == 0)
    fail("no shrink of shared tables failed with its allocations 1 to 4 failing");
}

// n children forked in mode, alive at once: the page-table pages they
// added to the system's.
static int
children_pt_pages(int mode, int n)
{
  struct memstat a, b;
  int go[2];
  if(pipe(go) < 0)
    fail("pipe failed");
  get_memstat(&a);
  for(int i = 0; i < n; i++){
    int pid = fork_mode(mode);
    if(pid < 0)
      fail("fork failed");
    if(pid == 0){
      char c;
      close(go[1]);
      read(go[0], &c, 1);
      exit(0);
    }
  }
  get_memstat(&b);
  close(go[0]);
  close(go[1]);
  reap(n);
  return b.pt_pages - a.pt_pages;
}

static void t_spt_gens(void) { spt_run(spt_gens); }
static void t_spt_shrink(void) { spt_run(spt_shrink); }
static void t_spt_last(void) { spt_run(spt_last); }
static void t_spt_harts(void) { spt_run(spt_harts); }
static void t_spt_inject(void) { spt_run(spt_inject); }

// Forked children alive at once cost a fraction of the page-table pages
// of copy-on-write children, however big the heap.
static void
t_spt_ptpages(void)
{
  grow(16 * 512);                // 32 MiB: 16 level-0 tables
  int cow = children_pt_pages(FORK_COW, 16);
  int spt = children_pt_pages(FORK_SHAREDPT, 16);
  if(spt * 5 > cow)
    fail("16 children took %d page-table pages sharing tables, %d copy-on-write",
         spt, cow);
}

// ---- regions: the address space as regions (maps) ------------------------------

#define MAXREGIONS 16

// The regions of process pid (0: the caller) into r; returns how many.
static int
get_regions(int pid, struct vmregion *r)
{
  int n = maps(pid, r, MAXREGIONS);
  if(n < 0 || n > MAXREGIONS)
    fail("maps(%d) returned %d", pid, n);
  return n;
}

// The region called name among r[0..n); fails the test if there is none.
static struct vmregion *
region_named(struct vmregion *r, int n, const char *name)
{
  for(int i = 0; i < n; i++)
    if(strcmp(r[i].name, name) == 0)
      return &r[i];
  fail("no region called %s", name);
}

// Region r must be [start, end) with permissions prot and kind flags.
static void
expect_region(struct vmregion *r, uint64 start, uint64 end, int prot, int flags)
{
  if(r->start != start || r->end != end || r->prot != prot || (r->flags & flags) != flags)
    fail("region %s is %p-%p prot %d flags %x, not %p-%p prot %d flags %x", r->name,
         (void *)r->start, (void *)r->end, r->prot, r->flags, (void *)start,
         (void *)end, prot, flags);
}

// exec's regions, in address order: text (holding this code), the guard
// page right below the stack, the stack (holding sp), the heap (from the
// stack's top to the break), the USYSCALL page only with usyscall=on;
// resident pages follow sbrk and touches.
static void
t_regions_layout(void)
{
  struct vmregion r[MAXREGIONS];
  int n = get_regions(0, r);
  for(int i = 0; i < n; i++){
    if(r[i].start >= r[i].end || r[i].start % PGSIZE || r[i].end % PGSIZE ||
       (i + 1 < n && r[i].end > r[i + 1].start) || r[i].end > TRAPFRAME)
      fail("region %d (%s) %p-%p is out of order", i, r[i].name,
           (void *)r[i].start, (void *)r[i].end);
    if(strcmp(r[i].kind, "anon") != 0 || !(r[i].flags & VMA_PRIVATE))
      fail("region %s is %s, flags %x", r[i].name, r[i].kind, r[i].flags);
  }
  struct vmregion *text = region_named(r, n, "text");
  uint64 code = (uint64)t_regions_layout;
  if(code < text->start || code >= text->end || text->prot != (VM_READ | VM_EXEC) ||
     text->resident != (text->end - text->start) / PGSIZE)
    fail("text %p-%p prot %d, %d pages resident", (void *)text->start,
         (void *)text->end, text->prot, (int)text->resident);
  struct vmregion *stack = region_named(r, n, "stack");
  expect_region(stack, stack->start, stack_top, VM_READ | VM_WRITE, VMA_STACK);
  expect_region(region_named(r, n, "guard"), stack->start - PGSIZE, stack->start, 0, VMA_GUARD);
  char *p = reserve(10 * PGSIZE);
  p[0] = p[5 * PGSIZE] = p[9 * PGSIZE] = 1;
  n = get_regions(0, r);
  struct vmregion *last = &r[n - 1];
  if(usyscall_on())
    expect_region(last--, USYSCALL, USYSCALL + PGSIZE, VM_READ, VMA_SPECIAL);
  struct vmregion *heap = region_named(r, n, "heap");
  if(heap != last)
    fail("the last region below the top is %s, not the heap", last->name);
  expect_region(heap, stack_top, PGROUNDUP((uint64)sbrk(0)), VM_READ | VM_WRITE, VMA_GROWSUP);
  if(heap->resident < 3 || heap->pagesize != PGSIZE)
    fail("a heap with 3 pages touched has %d resident, page size %d",
         (int)heap->resident, (int)heap->pagesize);
  uint64 before = heap->resident;
  p[7 * PGSIZE] = 1;
  if(get_regions(0, r) != n || region_named(r, n, "heap")->resident != before + 1)
    fail("touching a page did not add one resident page to the heap");
  if(maps(0, r, 1) != n || maps(0, 0, 0) != n)
    fail("maps with room for 1 or 0 regions did not count all %d", n);
}

// maps() of another process sees its regions; bad arguments fail.
static int regions_pipe[2], regions_gate[2];

// The child of regions-other: grow the heap by 5 pages, say so, and wait
// at the gate until the parent has looked.
static void
grow_and_wait(uint64 unused)
{
  grow(5);
  write(regions_pipe[1], "x", 1);
  gate_pass(regions_gate);
}

static void
t_regions_other(void)
{
  struct vmregion r[MAXREGIONS];
  int *p = regions_pipe;
  char c;
  if(pipe(p) < 0)
    fail("pipe failed");
  gate_make(regions_gate);
  int pid = start_child(grow_and_wait, 0);
  read_all(p[0], &c, 1);
  int n = get_regions(pid, r);
  struct vmregion *heap = region_named(r, n, "heap");
  uint64 heap_start = PGROUNDUP((uint64)sbrk(0));
  if(heap->start != stack_top || heap->end != heap_start + 5 * PGSIZE ||
     heap->resident != 5)
    fail("the child's heap is %p-%p with %d pages resident, not 5 pages from %p",
         (void *)heap->start, (void *)heap->end, (int)heap->resident, (void *)heap_start);
  gate_open(regions_gate);
  close(p[1]);
  close(p[0]);
  reap(1);
  if(maps(pid, r, MAXREGIONS) != -1)
    fail("maps of a process that is gone did not fail");
  if(maps(0, (struct vmregion *)TRAPFRAME, MAXREGIONS) != -1 ||
     maps(0, (struct vmregion *)(MAXVA - 8), MAXREGIONS) != -1 ||
     maps(0, r, -1) != -1 || maps(-5, r, 1) != -1)
    fail("maps with a bad buffer, count or pid did not fail");
}

// A child of fork has the same regions; megapages show in the page size.
static void
t_regions_fork(void)
{
  struct vmregion r[MAXREGIONS], c[MAXREGIONS];
  int p[2];
  superpages(SUPER_ON);
  char *h = reserve(2 * MEGAPAGE);
  grow(0);
  char *mega = (char *)SUPERPGROUNDUP((uint64)h);
  for(int i = 0; i < MEGAPAGE; i += PGSIZE)
    mega[i] = 1;
  int n = get_regions(0, r);
  if(region_named(r, n, "heap")->pagesize != SUPERPGSIZE)
    fail("a heap with a megapage reports page size %d",
         (int)region_named(r, n, "heap")->pagesize);
  if(pipe(p) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    int cn = get_regions(0, c);
    write(p[1], &cn, sizeof(cn));
    write(p[1], c, sizeof(c));
    exit(0);
  }
  int cn;
  read_all(p[0], (char *)&cn, sizeof(cn));
  read_all(p[0], (char *)c, sizeof(c));
  reap(1);
  if(cn != n)
    fail("the child has %d regions, the parent %d", cn, n);
  for(int i = 0; i < n; i++)
    if(c[i].start != r[i].start || c[i].end != r[i].end || c[i].prot != r[i].prot ||
       c[i].flags != r[i].flags || strcmp(c[i].name, r[i].name) != 0)
      fail("the child's region %d (%s) differs from its parent's", i, c[i].name);
  close(p[0]);
  close(p[1]);
}

#define MMAP_FAILED ((char *)-1)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

// mmap anonymous memory; fails the test if it cannot.
static char *
map_anon(char *addr, int npages, int prot, int flags)
{
  char *p = mmap(addr, npages * PGSIZE, prot, flags, -1, 0);
  if(p == MMAP_FAILED || (uint64)p % PGSIZE != 0)
    fail("mmap of %d pages at %p failed", npages, addr);
  return p;
}

// The region of the caller that starts at va, or 0.
static struct vmregion *
region_at(struct vmregion *r, int n, uint64 va)
{
  for(int i = 0; i < n; i++)
    if(r[i].start == va)
      return &r[i];
  return 0;
}

// A child's store to (arg) or, for an odd arg, load from (arg - 1): the
// kernel must kill it.
static void
access_at(uint64 arg)
{
  if(arg & 1)
    sink = *(volatile char *)(arg - 1);
  else
    *(volatile char *)arg = 1;
}

// mmap of anonymous memory: a region of zeroed pages above the heap;
// munmap of part of it cuts the region in two, and the hole faults.
static void
t_regions_mmap(void)
{
  struct vmregion r[MAXREGIONS];
  char *p = map_anon(0, 5, PROT_READ | PROT_WRITE, ANON);
  if(p < sbrk(0) || (uint64)p + 5 * PGSIZE > USERTOP)
    fail("mmap put 5 pages at %p, not between the break and USERTOP", p);
  check_bytes(p, 5 * PGSIZE, 0, "a fresh mapping");
  fill(p, 5 * PGSIZE, 7);
  int n = get_regions(0, r);
  struct vmregion *m = region_at(r, n, (uint64)p);
  if(m == 0)
    fail("maps shows no region at %p", p);
  expect_region(m, (uint64)p, (uint64)p + 5 * PGSIZE, VM_READ | VM_WRITE, VMA_MMAP | VMA_PRIVATE);
  if(m->resident != 5)
    fail("a mapping with 5 pages written has %d resident", (int)m->resident);
  if(munmap(p + 2 * PGSIZE, PGSIZE) != 0)
    fail("munmap of the middle page failed");
  n = get_regions(0, r);
  if(region_at(r, n, (uint64)p) == 0 || region_at(r, n, (uint64)p)->end != (uint64)p + 2 * PGSIZE ||
     region_at(r, n, (uint64)p + 3 * PGSIZE) == 0)
    fail("munmap of the middle page did not cut the region in two");
  check_fill(p, 0, 2 * PGSIZE, 7, "pages below the hole");
  expect_killed(access_at, (uint64)p + 2 * PGSIZE, "store to an unmapped page");
  expect_killed(access_at, (uint64)p + 2 * PGSIZE + 1, "load from an unmapped page");
  if(munmap(p, 5 * PGSIZE) != 0)
    fail("munmap of the whole range (hole included) failed");
  n = get_regions(0, r);
  if(region_at(r, n, (uint64)p) || region_at(r, n, (uint64)p + 3 * PGSIZE))
    fail("regions are left after munmap of all of them");
}

// What mmap and munmap refuse.
static void
t_regions_mmapbad(void)
{
  char *p = map_anon(0, 1, PROT_READ, ANON);
  struct { char *addr; uint64 len; int prot, flags, fd; const char *what; } bad[] = {
    { 0, PGSIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, "shared and private" },
    { 0, 0, PROT_READ, ANON, -1, "length 0" },
    { 0, MAXVA, PROT_READ, ANON, -1, "length MAXVA" },
    { 0, -PGSIZE, PROT_READ, ANON, -1, "a length that wraps" },
    { 0, PGSIZE, 8, ANON, -1, "an unknown prot bit" },
    { p + 1, PGSIZE, PROT_READ, ANON | MAP_FIXED, -1, "an unaligned fixed address" },
    { (char *)PGSIZE, PGSIZE, PROT_READ, ANON | MAP_FIXED, -1, "fixed over the program" },
    { (char *)USERTOP, PGSIZE, PROT_READ, ANON | MAP_FIXED, -1, "fixed at USERTOP" },
  };
  for(int i = 0; i < NELEM(bad); i++)
    if(mmap(bad[i].addr, bad[i].len, bad[i].prot, bad[i].flags, bad[i].fd, 0) != MMAP_FAILED)
      fail("mmap of %s did not fail", bad[i].what);
  if(munmap((char *)t_regions_mmapbad, PGSIZE) == 0 || munmap((char *)stack_top - PGSIZE, PGSIZE) == 0 ||
     munmap(p + 1, PGSIZE) == 0 || munmap(p, 0) == 0 || munmap(p, -PGSIZE) == 0 ||
     munmap((char *)-PGSIZE, PGSIZE) == 0)
    fail("munmap of the program, the stack or a bad range did not fail");
  expect_killed(access_at, (uint64)p, "store to a PROT_READ mapping");
  char *none = map_anon(0, 1, PROT_NONE, ANON);
  expect_killed(access_at, (uint64)none + 1, "load from a PROT_NONE mapping");
  if(munmap(p, PGSIZE) != 0 || munmap(none, PGSIZE) != 0)
    fail("munmap failed");
}

// MAP_FIXED replaces what was mapped there with zeros; fork gives the
// child a private copy.
static void
t_regions_fixed(void)
{
  char *p = map_anon(0, 4, PROT_READ | PROT_WRITE, ANON);
  fill(p, 4 * PGSIZE, 3);
  if(map_anon(p + PGSIZE, 2, PROT_READ | PROT_WRITE, ANON | MAP_FIXED) != p + PGSIZE)
    fail("MAP_FIXED did not map at its address");
  check_fill(p, 0, PGSIZE, 3, "the page below a fixed mapping");
  check_bytes(p + PGSIZE, 2 * PGSIZE, 0, "a fixed mapping over written pages");
  check_fill(p + 3 * PGSIZE - 3 * PGSIZE, 3 * PGSIZE, 4 * PGSIZE, 3, "the page above");
  int pid = xfork();
  if(pid == 0){
    fill(p, 4 * PGSIZE, 9);
    check_fill(p, 0, 4 * PGSIZE, 9, "the child's copy");
    exit(0);
  }
  reap(1);
  check_fill(p, 0, PGSIZE, 3, "the parent's page after the child's stores");
  check_bytes(p + PGSIZE, 2 * PGSIZE, 0, "the parent's fixed pages after the child's stores");
  if(munmap(p, 4 * PGSIZE) != 0)
    fail("munmap failed");
}

#define RSLOTS 12                    // mappings regions-random keeps at once
#define RPAGES 6                     // pages in each

// regions-random's mappings: where each is (0: none), and what each of
// its pages holds (the seed fill() wrote, or -1 for zeros).
static struct { char *base; int seed[RPAGES]; } rslot[RSLOTS];
static uint64 rstate = 88172645463325252UL;

// A pseudo-random number below n (xorshift).
static int
rnd(int n)
{
  rstate ^= rstate << 13;
  rstate ^= rstate >> 7;
  rstate ^= rstate << 17;
  return (int)(rstate % n);
}

// Check every page of every mapping holds what the model says.
static void
rcheck(const char *who)
{
  for(int i = 0; i < RSLOTS; i++)
    for(int j = 0; rslot[i].base && j < RPAGES; j++){
      char *pg = rslot[i].base + j * PGSIZE;
      if(rslot[i].seed[j] < 0)
        check_bytes(pg, PGSIZE, 0, who);
      else
        check_fill(pg, 0, PGSIZE, rslot[i].seed[j], who);
    }
}

// Random mmap, munmap, MAP_FIXED over a page and stores, checked against
// a model of what each page holds, with forks whose children check,
// store and exit (their stores must not reach the parent).
static void
t_regions_random(void)
{
  for(int step = 0; step < 300; step++){
    int i = rnd(RSLOTS), j = rnd(RPAGES), op = rnd(5);
    char *b = rslot[i].base;
    if(b == 0){
      rslot[i].base = map_anon(0, RPAGES, PROT_READ | PROT_WRITE, ANON);
      for(int k = 0; k < RPAGES; k++)
        rslot[i].seed[k] = -1;
    } else if(op == 0){
      if(munmap(b, RPAGES * PGSIZE) != 0)
        fail("munmap of a whole mapping failed");
      rslot[i].base = 0;
    } else if(op == 1){
      if(map_anon(b + j * PGSIZE, 1, PROT_READ | PROT_WRITE, ANON | MAP_FIXED) != b + j * PGSIZE)
        fail("MAP_FIXED over page %d of a mapping went elsewhere", j);
      rslot[i].seed[j] = -1;
    } else if(op == 2 && step % 10 == 0){
      int pid = xfork();
      if(pid == 0){
        rcheck("a child's copy");
        fill(b + j * PGSIZE, PGSIZE, 250);
        exit(0);
      }
      reap(1);
    } else {
      rslot[i].seed[j] = step % 200;
      fill(b + j * PGSIZE, PGSIZE, step % 200);
    }
    if(step % 25 == 0)
      rcheck("a mapping");
  }
  rcheck("a mapping at the end");
  for(int i = 0; i < RSLOTS; i++)
    if(rslot[i].base && munmap(rslot[i].base, RPAGES * PGSIZE) != 0)
      fail("munmap at the end failed");
}

// ---- mmap: files and shared memory mapped, mprotect, msync --------------------

#define MAP_RW (PROT_READ | PROT_WRITE)
#define SHARED_ANON (MAP_SHARED | MAP_ANONYMOUS)

// Create file name holding n bytes of the pattern fill(seed) writes.
static void
make_filled(const char *name, int n, int seed)
{
  static char chunk[PGSIZE];
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    fail("cannot create %s", name);
  for(int off = 0; off < n; off += PGSIZE){
    int m = n - off < PGSIZE ? n - off : PGSIZE;
    for(int i = 0; i < m; i++)
      chunk[i] = filled_byte(seed, off + i);
    if(write(fd, chunk, m) != m)
      fail("write to %s failed", name);
  }
  close(fd);
}

// open(name, mode), failing the test if it cannot.
static int
xopen(const char *name, int mode)
{
  int fd = open(name, mode);
  if(fd < 0)
    fail("open %s failed", name);
  return fd;
}

// mmap npages of fd from page offset pgoff; fails the test if it cannot.
static char *
map_file(int fd, int npages, int prot, int flags, int pgoff)
{
  char *p = mmap(0, (uint64)npages * PGSIZE, prot, flags, fd, (uint64)pgoff * PGSIZE);
  if(p == MMAP_FAILED || (uint64)p % PGSIZE != 0)
    fail("mmap of %d pages of fd %d failed", npages, fd);
  return p;
}

// Create file name, nbytes of make_filled(seed), and map its first npages
// pages read-write with flags; the file is closed again.
static char *
map_fresh(const char *name, int nbytes, int seed, int npages, int flags)
{
  make_filled(name, nbytes, seed);
  int fd = xopen(name, O_RDWR);
  char *p = map_file(fd, npages, MAP_RW, flags, 0);
  close(fd);
  return p;
}

// Check that file name holds n bytes, byte i being fill(seed)'s, except
// that the bytes in [at, at + len) are c.
static void
check_file(const char *name, int n, int seed, int at, int len, char c)
{
  static char chunk[PGSIZE];
  int fd = xopen(name, O_RDONLY);
  for(int off = 0; off < n; off += PGSIZE){
    int m = n - off < PGSIZE ? n - off : PGSIZE;
    read_all(fd, chunk, m);
    for(int i = 0; i < m; i++){
      char want = off + i >= at && off + i < at + len ? c : filled_byte(seed, off + i);
      if(chunk[i] != want)
        fail("%s: byte %d is %d, not %d", name, off + i, chunk[i], want);
    }
  }
  if(read(fd, chunk, 1) != 0)
    fail("%s is longer than %d bytes", name, n);
  close(fd);
}

// Wait (a few seconds at most) until *p holds c: another process's store.
static void
wait_for(volatile char *p, char c, const char *what)
{
  for(int t = 0; *p != c; t++){
    if(t == 500)
      fail("%s never arrived", what);
    pause(1);
  }
}

// Check that n bytes at p hold what make_filled(seed) put at file offset
// off onwards.
static void
check_file_bytes(char *p, int off, int n, int seed, const char *what)
{
  for(int i = 0; i < n; i++)
    if(p[i] != filled_byte(seed, off + i))
      fail("%s: byte %d is %d, not %d", what, i, p[i], filled_byte(seed, off + i));
}

// The page cache's counts now.
static uint64
file_dirty(void)
{
  struct memstat st;
  get_memstat(&st);
  return st.file_dirty;
}

// A private mapping of a file reads the file, page by page as touched:
// bytes past the end of the file in its last page read zero, a page
// wholly past it faults; stores are the process's own (copied on the
// first), never reach the file, and fork copies them on write.
static void
t_mmap_private(void)
{
  make_filled("f", 2 * PGSIZE + PGSIZE / 2, 5);
  int fd = xopen("f", O_RDONLY);
  char *p = map_file(fd, 4, MAP_RW, MAP_PRIVATE, 0);
  char *q = map_file(fd, 2, MAP_RW, MAP_PRIVATE, 0);
  close(fd);
  q[PGSIZE + 1] = 'S';               // a store as the first touch: a copy at once
  check_file_bytes(q, 0, PGSIZE + 1, 5, "a private mapping around a first store");
  check_fill(p, 0, 2 * PGSIZE + PGSIZE / 2, 5, "a private mapping of a file");
  check_bytes(p + 2 * PGSIZE + PGSIZE / 2, PGSIZE / 2, 0, "bytes past the end of the file");
  expect_killed(access_at, (uint64)p + 3 * PGSIZE + 1, "a load from a page past the end of the file");
  expect_killed(access_at, (uint64)p + 3 * PGSIZE, "a store to a page past the end of the file");
  struct memstat before, after;
  get_memstat(&before);
  memset(p, 'p', PGSIZE);
  get_memstat(&after);
  if(after.p_cow_copies != before.p_cow_copies + 1)
    fail("a store to a private file page made %d copies, not 1",
         (int)(after.p_cow_copies - before.p_cow_copies));
  int pid = xfork();
  if(pid == 0){
    check_bytes(p, PGSIZE, 'p', "the child's view of its parent's private page");
    memset(p, 'c', 2 * PGSIZE);
    exit(0);
  }
  reap(1);
  check_bytes(p, PGSIZE, 'p', "the parent's private page after the child's stores");
  check_fill(p, PGSIZE, 2 * PGSIZE, 5, "the parent's file page after the child's stores");
  if(munmap(p, 4 * PGSIZE) != 0 || munmap(q, 2 * PGSIZE) != 0)
    fail("munmap failed");
  check_file("f", 2 * PGSIZE + PGSIZE / 2, 5, 0, 0, 0);
}

// A shared mapping of a file is the file: read() sees its stores at once,
// and it sees write()'s; it outlives close(fd); munmap writes back, and
// only the bytes inside the file.
static void
t_mmap_shared(void)
{
  char *p = map_fresh("f", PGSIZE + 100, 7, 2, MAP_SHARED);
  memset(p + 10, 'm', 20);
  int fd = xopen("f", O_RDWR);
  char b[40];
  read_all(fd, b, 40);
  if(b[9] != (char)(7 + 9) || b[10] != 'm' || b[29] != 'm' || b[30] != (char)(7 + 30))
    fail("read() does not see a shared mapping's stores");
  if(file_dirty() == 0)
    fail("memstat shows no dirty page after a store to a shared mapping");
  if(write(fd, "WW", 2) != 2)       // bytes 40 and 41
    fail("write failed");
  close(fd);
  if(p[40] != 'W' || p[41] != 'W')
    fail("a shared mapping does not see write()'s bytes");
  memset(p + PGSIZE + 90, 'z', 200);   // 10 bytes inside the file, 190 past it
  if(munmap(p, 2 * PGSIZE) != 0)
    fail("munmap failed");
  if(file_dirty() != 0)
    fail("%d pages still dirty after munmap", (int)file_dirty());
  fd = xopen("f", O_RDONLY);
  struct stat st;
  if(fstat(fd, &st) != 0 || st.size != PGSIZE + 100)
    fail("the file's size changed to %d", (int)st.size);
  close(fd);
  static char want[PGSIZE + 100];
  for(int i = 0; i < PGSIZE + 100; i++)
    want[i] = filled_byte(7, i);
  memset(want + 10, 'm', 20);
  want[40] = want[41] = 'W';
  memset(want + PGSIZE + 90, 'z', 10);
  fd = xopen("f", O_RDONLY);
  static char got[PGSIZE + 100];
  read_all(fd, got, PGSIZE + 100);
  close(fd);
  if(memcmp(got, want, PGSIZE + 100) != 0)
    fail("the file does not hold what the mapping stored");
}

static int procs_gate[2], procs_pa[2];

// A process that maps file "f" itself, stores its number in its slot,
// sends the physical address of its page down procs_pa, waits at the
// gate and checks every slot.
static void
procs_child(uint64 slot)
{
  int fd = xopen("f", O_RDWR);
  int *p = (int *)map_file(fd, 1, MAP_RW, MAP_SHARED, 0);
  close(fd);
  p[slot] = 100 + slot;
  uint64 pa = PTE2PA(pgpte(p));
  if(write(procs_pa[1], &pa, sizeof(pa)) != sizeof(pa))
    fail("write to the pipe failed");
  gate_pass(procs_gate);
  for(int i = 1; i <= 3; i++)
    if(p[i] != 100 + i)
      fail("process %d sees slot %d as %d", (int)slot, i, p[i]);
  exit(0);
}

// Processes that map one file each on their own (no fork between) map
// one physical page and see each other's stores at once.
static void
t_mmap_procs(void)
{
  int *p = (int *)map_fresh("f", PGSIZE, 0, 1, MAP_SHARED);
  p[0] = 1;
  gate_make(procs_gate);
  if(pipe(procs_pa) != 0)
    fail("pipe failed");
  for(int i = 1; i <= 3; i++)
    start_child(procs_child, i);
  for(int i = 1; i <= 3; i++){
    uint64 pa;
    read_all(procs_pa[0], (char *)&pa, sizeof(pa));
    if(pa != PTE2PA(pgpte(p)))
      fail("a process maps the file's page at %p, the parent at %p", (void *)pa,
           (void *)PTE2PA(pgpte(p)));
  }
  for(int i = 1; i <= 3; i++)
    if(p[i] != 100 + i)
      fail("the parent sees slot %d as %d", i, p[i]);
  struct memstat st;
  get_memstat(&st);
  if(st.file_mapped < 1)
    fail("memstat shows no mapped file page");
  gate_open(procs_gate);
  reap(3);
  close(procs_pa[0]);
  close(procs_pa[1]);
  if(munmap(p, PGSIZE) != 0)
    fail("munmap failed");
  int fd2 = xopen("f", O_RDONLY);
  int v[4];
  read_all(fd2, (char *)v, sizeof(v));
  close(fd2);
  if(v[0] != 1 || v[1] != 101 || v[2] != 102 || v[3] != 103)
    fail("the file holds %d %d %d %d", v[0], v[1], v[2], v[3]);
}

// fork in each mode the kernel has: a shared anonymous mapping and a
// shared file mapping stay shared (the child's stores reach the parent,
// and the parent's the child), private ones are copied.
static void
t_mmap_fork(void)
{
  make_filled("f", 2 * PGSIZE, 3);
  int fd = xopen("f", O_RDWR);
  char *file = map_file(fd, 2, MAP_RW, MAP_SHARED, 0);
  char *priv = map_file(fd, 2, MAP_RW, MAP_PRIVATE, 0);
  close(fd);
  char *shm = map_anon(0, 2, MAP_RW, SHARED_ANON);
  char *anon = map_anon(0, 2, MAP_RW, ANON);
  int modes[] = { FORK_EAGER, FORK_COW, FORK_SHAREDPT };
  int last = 0;
  for(int i = 0; i < NELEM(modes); i++){
    if(!fork_mode_exists(modes[i]))
      continue;
    last = i;
    shm[0] = file[0] = priv[0] = anon[0] = 'a' + i;   // mapped in the parent
    int pid = fork_mode(modes[i]);
    if(pid < 0)
      fail("fork failed");
    if(pid == 0){
      if(shm[0] != 'a' + i || file[0] != 'a' + i || priv[0] != 'a' + i || anon[0] != 'a' + i)
        fail("mode %d: the child does not see the parent's bytes", modes[i]);
      shm[0] = file[0] = priv[0] = anon[0] = 'A' + i;
      shm[PGSIZE] = file[PGSIZE] = 'B' + i;          // pages the parent never touched
      wait_for(&shm[1], 'P', "the parent's store");
      exit(0);
    }
    wait_for(&shm[0], 'A' + i, "the child's store");
    shm[1] = 'P';
    reap(1);
    if(file[0] != 'A' + i || shm[PGSIZE] != 'B' + i || file[PGSIZE] != 'B' + i)
      fail("mode %d: a child's stores to shared mappings did not reach the parent", modes[i]);
    if(priv[0] != 'a' + i || anon[0] != 'a' + i)
      fail("mode %d: a child's stores to private mappings reached the parent", modes[i]);
    shm[1] = 0;
  }
  if(munmap(file, 2 * PGSIZE) != 0 || munmap(priv, 2 * PGSIZE) != 0 ||
     munmap(shm, 2 * PGSIZE) != 0 || munmap(anon, 2 * PGSIZE) != 0)
    fail("munmap failed");
  static char b[2 * PGSIZE];
  fd = xopen("f", O_RDONLY);
  read_all(fd, b, 2 * PGSIZE);
  close(fd);
  if(b[0] != 'A' + last || b[PGSIZE] != 'B' + last)
    fail("the file holds %d and %d, not the last child's stores", b[0], b[PGSIZE]);
  check_file_bytes(b + 1, 1, PGSIZE - 1, 3, "the file's bytes no mapping stored to");
}

// Exit and exec write a shared file mapping's stores back, though the
// process never called munmap or msync.
static void
exit_storing(uint64 how)
{
  char *p = map_fresh("f", 2 * PGSIZE, 0, 2, MAP_SHARED);
  p[5] = 'e';
  p[PGSIZE + 5] = 'E';
  if(how == 1){
    char *argv[] = { SELF, ECHO_ARGS, 0 };
    exec(SELF, argv);
    fail("exec failed");
  }
  exit(0);
}

static void
t_mmap_exit(void)
{
  for(int how = 0; how < 2; how++){
    if(child_status(exit_storing, how) != 0)
      fail("the child that stored and %s failed", how ? "exec'd" : "exited");
    int fd = xopen("f", O_RDONLY);
    static char b[2 * PGSIZE];
    read_all(fd, b, 2 * PGSIZE);
    close(fd);
    if(b[5] != 'e' || b[PGSIZE + 5] != 'E')
      fail("a shared mapping's stores did not reach the file at %s", how ? "exec" : "exit");
    if(file_dirty() != 0)
      fail("%d pages dirty after %s", (int)file_dirty(), how ? "exec" : "exit");
  }
}

// msync writes a shared mapping's stores back (memstat's dirty count goes
// to 0), again after more stores; what it refuses.
static void
t_mmap_msync(void)
{
  char *p = map_fresh("f", 3 * PGSIZE, 1, 3, MAP_SHARED);
  p[PGSIZE] = 'x';
  if(file_dirty() != 1)
    fail("%d dirty pages after a store to one", (int)file_dirty());
  if(msync(p, 3 * PGSIZE, MS_SYNC) != 0)
    fail("msync failed");
  if(file_dirty() != 0)
    fail("%d dirty pages after msync", (int)file_dirty());
  p[2 * PGSIZE + 5] = 'y';          // through the entry msync cleaned
  p[PGSIZE + 1] = 'y';
  if(msync(p + PGSIZE, PGSIZE, MS_ASYNC) != 0 || file_dirty() != 1)
    fail("msync of one page of two dirty ones left %d dirty", (int)file_dirty());
  if(msync(p, 3 * PGSIZE, MS_SYNC | MS_INVALIDATE) != 0 || file_dirty() != 0)
    fail("a second msync left %d dirty", (int)file_dirty());
  if(msync(p + 1, PGSIZE, MS_SYNC) == 0 || msync(p, PGSIZE, 8) == 0 ||
     msync(p, PGSIZE, MS_SYNC | MS_ASYNC) == 0 || msync(p, 4 * PGSIZE, MS_SYNC) == 0 ||
     msync(p, 0, MS_SYNC) == 0 || msync((char *)USERTOP - PGSIZE, 2 * PGSIZE, MS_SYNC) == 0)
    fail("msync of a bad range or with bad flags did not fail");
  if(msync((char *)PGROUNDDOWN((uint64)t_mmap_msync), PGSIZE, MS_SYNC) != 0)
    fail("msync of the program's text (nothing to write) failed");
  if(munmap(p, 3 * PGSIZE) != 0)
    fail("munmap failed");
  int fd2 = xopen("f", O_RDONLY);
  static char b[3 * PGSIZE];
  read_all(fd2, b, 3 * PGSIZE);
  close(fd2);
  if(b[PGSIZE] != 'x' || b[PGSIZE + 1] != 'y' || b[2 * PGSIZE + 5] != 'y')
    fail("the file does not hold the synced stores");
}

// A mapping keeps an unlinked file: its pages stay until the mapping
// goes, and the name can be used again meanwhile.
static void
t_mmap_unlink(void)
{
  char *p = map_fresh("f", 2 * PGSIZE, 9, 2, MAP_SHARED);
  if(unlink("f") != 0)
    fail("unlink failed");
  make_filled("f", PGSIZE, 2);      // a new file of the same name
  check_fill(p, 0, 2 * PGSIZE, 9, "a mapping of an unlinked file");
  memset(p, 'u', 2 * PGSIZE);
  check_bytes(p, 2 * PGSIZE, 'u', "stores to a mapping of an unlinked file");
  if(munmap(p, 2 * PGSIZE) != 0)
    fail("munmap failed");
  check_file("f", PGSIZE, 2, 0, 0, 0);
}

// mprotect: permissions change page by page, regions split and merge
// again, contents stay; PROT_NONE maps nothing the process may touch.
static void
t_mmap_mprotect(void)
{
  struct vmregion r[MAXREGIONS];
  char *p = map_anon(0, 3, MAP_RW, ANON);
  fill(p, 3 * PGSIZE, 4);
  int n0 = get_regions(0, r);
  if(mprotect(p + PGSIZE, PGSIZE, PROT_READ) != 0)
    fail("mprotect of the middle page failed");
  int n = get_regions(0, r);
  if(n != n0 + 2 || region_at(r, n, (uint64)p + PGSIZE) == 0)
    fail("mprotect of the middle page made %d regions of %d, not %d", n, n0, n0 + 2);
  expect_region(region_at(r, n, (uint64)p + PGSIZE), (uint64)p + PGSIZE, (uint64)p + 2 * PGSIZE,
                VM_READ, VMA_MMAP);
  expect_killed(access_at, (uint64)p + PGSIZE, "a store to a page made read-only");
  check_fill(p, 0, 3 * PGSIZE, 4, "pages after mprotect");
  p[0] = 4;                          // still writable around it
  if(mprotect(p + PGSIZE, PGSIZE, PROT_NONE) != 0)
    fail("mprotect(PROT_NONE) failed");
  expect_killed(access_at, (uint64)p + PGSIZE + 1, "a load from a PROT_NONE page");
  int pid = xfork();                 // the page is copy-on-write when it comes back
  if(pid == 0){
    if(mprotect(p, 3 * PGSIZE, MAP_RW) != 0)
      fail("the child's mprotect failed");
    memset(p, 'c', 3 * PGSIZE);
    exit(0);
  }
  reap(1);
  if(mprotect(p, 3 * PGSIZE, MAP_RW) != 0)
    fail("mprotect of all three pages failed");
  if(get_regions(0, r) != n0)
    fail("the three pages did not merge back into one region");
  check_fill(p, 0, 3 * PGSIZE, 4, "pages after the child's stores and mprotect");
  memset(p + PGSIZE, 9, PGSIZE);
  if(mprotect(p + 1, PGSIZE, PROT_READ) == 0 || mprotect(p, 0, PROT_READ) == 0 ||
     mprotect(p, 4 * PGSIZE, PROT_READ) == 0 || mprotect(p, PGSIZE, 8) == 0 ||
     mprotect((char *)t_mmap_mprotect, PGSIZE, MAP_RW) == 0 ||
     mprotect((char *)-PGSIZE, PGSIZE, PROT_READ) == 0)
    fail("mprotect of a bad range or with a bad prot did not fail");
  if(munmap(p, 3 * PGSIZE) != 0)
    fail("munmap failed");
  // A shared mapping of a file open only for reading may not become writable.
  make_filled("f", PGSIZE, 0);
  int fd = xopen("f", O_RDONLY);
  char *q = map_file(fd, 1, PROT_READ, MAP_SHARED, 0);
  close(fd);
  if(mprotect(q, PGSIZE, MAP_RW) == 0)
    fail("mprotect made a read-only file's shared mapping writable");
  if(munmap(q, PGSIZE) != 0)
    fail("munmap failed");
}

// RISC-V code for: a0 = 42; return.
static const uint32 answer_code[] = { 0x02a00513, 0x00008067 };

// Call the code at arg (a function returning int) and exit with its value.
static void
call_at(uint64 arg)
{
  int (*fn)(void) = (int (*)(void))arg;
  exit(fn());
}

// PROT_EXEC: code in an executable mapping runs, in a file mapping too;
// without PROT_EXEC the jump faults.
static void
t_mmap_exec(void)
{
  char *p = map_anon(0, 1, MAP_RW, ANON);
  memmove(p, answer_code, sizeof(answer_code));
  expect_killed(call_at, (uint64)p, "a jump into a mapping without PROT_EXEC");
  if(mprotect(p, PGSIZE, PROT_READ | PROT_EXEC) != 0)
    fail("mprotect(PROT_READ | PROT_EXEC) failed");
  asm volatile("fence.i");
  int st = child_status(call_at, (uint64)p);
  if(st != 42)
    fail("code in an executable mapping returned %d, not 42", st);
  make_file("code", answer_code, sizeof(answer_code));
  int fd = xopen("code", O_RDONLY);
  char *q = map_file(fd, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0);
  close(fd);
  if((st = child_status(call_at, (uint64)q)) != 42)
    fail("code in an executable file mapping returned %d, not 42", st);
  if(munmap(p, PGSIZE) != 0 || munmap(q, PGSIZE) != 0)
    fail("munmap failed");
}

// Neighbours alike merge into one region, a file's only with adjoining
// offsets; maps shows a file mapping's kind, name and offset.
static void
t_mmap_merge(void)
{
  struct vmregion r[MAXREGIONS];
  int n0 = get_regions(0, r);
  char *p = map_anon(0, 6, MAP_RW, ANON);
  if(munmap(p + 4 * PGSIZE, 2 * PGSIZE) != 0)
    fail("munmap of the top two pages failed");
  if(map_anon(p + 4 * PGSIZE, 2, MAP_RW, ANON | MAP_FIXED) != p + 4 * PGSIZE ||
     get_regions(0, r) != n0 + 1)
    fail("two adjoining anonymous mappings are not one region");
  if(munmap(p + PGSIZE, PGSIZE) != 0 || get_regions(0, r) != n0 + 2)
    fail("munmap of a page inside a region did not split it");
  if(munmap(p, 6 * PGSIZE) != 0 || get_regions(0, r) != n0)
    fail("munmap of everything left regions");
  make_filled("mapped", 8 * PGSIZE, 6);
  int fd = xopen("mapped", O_RDWR);
  char *f = map_anon(0, 5, MAP_RW, ANON);
  if(mmap(f, 2 * PGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, fd, 2 * PGSIZE) != f ||
     mmap(f + 2 * PGSIZE, 2 * PGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, fd, 4 * PGSIZE) != f + 2 * PGSIZE)
    fail("MAP_FIXED of file pages failed");
  int n = get_regions(0, r);
  struct vmregion *m = region_at(r, n, (uint64)f);
  if(n != n0 + 2 || m == 0 || m->end != (uint64)f + 4 * PGSIZE)
    fail("file mappings with adjoining offsets are not one region");
  if(strcmp(m->kind, "file") != 0 || strcmp(m->name, "mapped") != 0 || m->offset != 2 * PGSIZE ||
     !(m->flags & VMA_SHARED))
    fail("maps shows a file mapping as kind %s name %s offset %d flags %x", m->kind, m->name,
         (int)m->offset, m->flags);
  check_file_bytes(f, 2 * PGSIZE, 4 * PGSIZE, 6, "pages of a merged file mapping");
  if(mmap(f + 4 * PGSIZE, PGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, fd, 0) != f + 4 * PGSIZE ||
     get_regions(0, r) != n0 + 2)
    fail("a file mapping whose offset does not follow merged with its neighbour");
  close(fd);
  if(munmap(f, 5 * PGSIZE) != 0)
    fail("munmap failed");
}

// What mmap refuses for files and shared memory (the anonymous cases are
// regions-mmapbad's), changing nothing.
static void
t_mmap_bad(void)
{
  make_filled("f", PGSIZE, 0);
  mkdir("d");
  int rd = xopen("f", O_RDONLY), wr = xopen("f", O_WRONLY), rw = xopen("f", O_RDWR);
  int dir = xopen("d", O_RDONLY), closed = xopen("f", O_RDONLY);
  close(closed);
  int cons = xopen("/console", O_RDWR);
  struct { uint64 addr, len, off; int prot, flags, fd; const char *what; } bad[] = {
    { 0, PGSIZE, 0, MAP_RW, MAP_SHARED, rd, "PROT_WRITE shared on a read-only fd" },
    { 0, PGSIZE, 0, PROT_READ, MAP_PRIVATE, wr, "a write-only fd" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED, -1, "fd -1" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED, closed, "a closed fd" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED, 99, "fd 99" },
    { 0, PGSIZE, 0, PROT_READ, MAP_PRIVATE, dir, "a directory" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED, cons, "a device" },
    { 0, PGSIZE, 1, PROT_READ, MAP_SHARED, rw, "an unaligned offset" },
    { 0, PGSIZE, -PGSIZE, PROT_READ, MAP_SHARED, rw, "an offset that wraps" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED | MAP_PRIVATE, rw, "shared and private" },
    { 0, PGSIZE, 0, PROT_READ, 0, rw, "neither shared nor private" },
    { 0, PGSIZE, 0, PROT_READ, MAP_SHARED | 0x1000, rw, "an unknown flag" },
    { 0, 0, 0, PROT_READ, MAP_SHARED, rw, "length 0" },
    { TRAMPOLINE, PGSIZE, 0, PROT_READ, MAP_SHARED | MAP_FIXED, rw, "fixed over the trampoline" },
    { TRAPFRAME, PGSIZE, 0, PROT_READ, SHARED_ANON | MAP_FIXED, -1, "fixed over the trapframe" },
    { MAXVA - PGSIZE, 2 * PGSIZE, 0, PROT_READ, SHARED_ANON | MAP_FIXED, -1, "fixed past MAXVA" },
  };
  struct vmregion r[MAXREGIONS];
  int n0 = get_regions(0, r);
  if(usyscall_on() && mmap((void *)USYSCALL, PGSIZE, PROT_READ, SHARED_ANON | MAP_FIXED, -1, 0) != MMAP_FAILED)
    fail("mmap fixed over USYSCALL did not fail");
  for(int i = 0; i < NELEM(bad); i++)
    if(mmap((void *)bad[i].addr, bad[i].len, bad[i].prot, bad[i].flags, bad[i].fd, bad[i].off) != MMAP_FAILED)
      fail("mmap of %s did not fail", bad[i].what);
  if(get_regions(0, r) != n0)
    fail("a failed mmap left a region");
  char *ok = map_file(rd, 1, MAP_RW, MAP_PRIVATE, 0);   // private: writes stay here
  ok[0] = 'w';
  if(munmap(ok, PGSIZE) != 0)
    fail("munmap failed");
  close(rd);
  close(wr);
  close(rw);
  close(dir);
  close(cons);
  check_file("f", PGSIZE, 0, 0, 0, 0);
}

// The kernel's own copies into and out of mappings not touched yet: read()
// of a file into a mapping of that same file, write() from one, a pipe's
// read into one, wait()'s status and fstat's result into one.
static void
t_mmap_kcopy(void)
{
  make_filled("f", 5 * PGSIZE, 8);
  int fd = xopen("f", O_RDWR);
  char *p = map_file(fd, 4, MAP_RW, MAP_SHARED, 0);
  if(read(fd, p + PGSIZE, PGSIZE) != PGSIZE)      // page 0 of the file onto page 1
    fail("read() into a mapping of the same file failed");
  check_fill(p + PGSIZE, 0, PGSIZE, 8, "page 1 after read() of page 0 into it");
  if(write(fd, p + 3 * PGSIZE, PGSIZE) != PGSIZE) // page 3 onto page 1, through the file
    fail("write() from a mapping of the same file failed");
  if(memcmp(p + PGSIZE, p + 3 * PGSIZE, PGSIZE) != 0)
    fail("the mapping does not show write()'s bytes");
  if(munmap(p, 4 * PGSIZE) != 0)
    fail("munmap failed");
  char *q = map_file(fd, 5, MAP_RW, MAP_SHARED, 0);
  close(fd);
  int fds[2];
  if(pipe(fds) != 0)
    fail("pipe failed");
  if(write(fds[1], "pipe", 4) != 4 || read(fds[0], q + 2 * PGSIZE, 4) != 4 ||
     memcmp(q + 2 * PGSIZE, "pipe", 4) != 0)
    fail("a pipe's read into an untouched file mapping failed");
  close(fds[0]);
  close(fds[1]);
  int pid = xfork();
  if(pid == 0)
    exit(7);
  if(wait((int *)(q + 4 * PGSIZE)) != pid || *(int *)(q + 4 * PGSIZE) != 7)
    fail("wait() into an untouched file mapping failed");
  if(munmap(q, 5 * PGSIZE) != 0)
    fail("munmap failed");
}

// An anonymous private mapping that holds whole 2 MiB blocks uses
// megapages, as the heap does (a reservation filled by faults, then
// promoted); munmap inside one splits it. Shared memory and files stay
// on 4 KiB pages.
static void
t_mmap_megapages(void)
{
  struct vmregion r[MAXREGIONS];
  superpages(SUPER_ON);
  char *p = map_anon(0, 3 * MEGAPAGE / PGSIZE, MAP_RW, ANON);
  char *q = map_anon(0, MEGAPAGE / PGSIZE * 2, MAP_RW, SHARED_ANON);
  fill(p, 3 * MEGAPAGE, 11);
  memset(q, 1, 2 * MEGAPAGE);
  int n = get_regions(0, r);
  if(region_at(r, n, (uint64)p)->pagesize != MEGAPAGE)
    fail("a touched 6 MiB mapping has page size %d, not 2 MiB",
         (int)region_at(r, n, (uint64)p)->pagesize);
  if(region_at(r, n, (uint64)q)->pagesize != PGSIZE)
    fail("shared memory has page size %d, not 4 KiB", (int)region_at(r, n, (uint64)q)->pagesize);
  char *mid = (char *)next_megapage((uint64)p) + 5 * PGSIZE;
  if(munmap(mid, PGSIZE) != 0)
    fail("munmap of a page inside a megapage failed");
  check_fill(p, 0, mid - p, 11, "below a page unmapped from a megapage");
  for(int i = mid - p + PGSIZE; i < 3 * MEGAPAGE; i += 997)
    if(p[i] != filled_byte(11, i))
      fail("above a page unmapped from a megapage: byte %d is %d", i, p[i]);
  expect_killed(access_at, (uint64)mid, "a store to a page unmapped from a megapage");
  if(munmap(p, 3 * MEGAPAGE) != 0 || munmap(q, 2 * MEGAPAGE) != 0)
    fail("munmap failed");
  superpages(SUPER_OFF);
}

// A process may hold MAX_MAP_COUNT regions: mmap fails past that, changing
// nothing, and so does a munmap that would split a region.
static void
t_mmap_many(void)
{
  struct vmregion r[MAXREGIONS];
  int n0 = maps(0, r, MAXREGIONS);
  char *low = 0, *p;
  int made = 0;
  for(; (p = mmap(0, PGSIZE, made % 2 ? PROT_READ : MAP_RW, ANON, -1, 0)) != MMAP_FAILED; made++){
    if(low && p != low - PGSIZE)
      fail("mapping %d went to %p, not below the last at %p", made, p, low);
    low = p;
    if(made > MAX_MAP_COUNT)
      fail("more than MAX_MAP_COUNT (%d) regions", MAX_MAP_COUNT);
  }
  int n = maps(0, r, MAXREGIONS);   // (it leaves out the heap while it is empty)
  if(n < MAX_MAP_COUNT - 1 || n0 + made != n)
    fail("mmap failed with %d regions (%d made), not at MAX_MAP_COUNT %d", n, made, MAX_MAP_COUNT);
  char *top = low + (uint64)made * PGSIZE;
  if(munmap(top - 2 * PGSIZE, PGSIZE) != 0 || maps(0, r, MAXREGIONS) != n - 1)
    fail("munmap of a whole region failed at MAX_MAP_COUNT");
  if(mmap(top - 2 * PGSIZE, PGSIZE, MAP_RW, ANON | MAP_FIXED, -1, 0) != MMAP_FAILED)
    fail("MAP_FIXED succeeded without room for its splits");
  check_bytes(low, PGSIZE, 0, "the lowest of many regions");
  low[0] = 1;
  if(munmap(low, (uint64)made * PGSIZE) != 0 || maps(0, r, MAXREGIONS) != n0)
    fail("munmap of all the regions failed");
}

static int reclaim_gate[2];

// A child holding shared memory it has not touched: after the memory
// ran out, its page must still hold what the parent stored.
static void
reclaim_child(uint64 s)
{
  gate_pass(reclaim_gate);
  exit(*(char *)s == 'S' ? 0 : 1);
}

// When memory runs out, the page cache gives back the file pages nobody
// maps (they are on the disk), but never shared memory's, whose pages
// are their only copy, even when no process maps one just then.
static void
t_mmap_reclaim(void)
{
  struct memstat st;
  make_filled("f", 64 * PGSIZE, 13);
  int fd = xopen("f", O_RDONLY);     // keeps the file's pages cached
  static char b[64 * PGSIZE];
  read_all(fd, b, 64 * PGSIZE);
  get_memstat(&st);
  if(st.file_pages < 64)
    fail("read() of 64 pages left %d in the page cache", (int)st.file_pages);
  char *s = map_anon(0, 1, MAP_RW, SHARED_ANON);
  s[0] = 'S';
  gate_make(reclaim_gate);
  int pid = fork_mode(FORK_COW);    // (the child maps no shared page yet)
  if(pid == 0)
    reclaim_child((uint64)s);
  if(munmap(s, PGSIZE) != 0)
    fail("munmap failed");
  expect_killed(hog, st.total_pages + 1024, "touching more pages than the machine has");
  get_memstat(&st);
  if(st.file_pages >= 64)
    fail("the page cache kept its %d file pages when memory ran out", (int)st.file_pages);
  gate_open(reclaim_gate);
  int status;
  if(wait(&status) != pid || status != 0)
    fail("shared memory lost its page when memory ran out");
  close(fd);
  check_file("f", 64 * PGSIZE, 13, 0, 0, 0);
}

static char *inject_map;          // a page of file "f" for op_mapfile to map over

// Map file "f" shared over inject_map, store to both pages, msync and
// unmap, with allocation n failing.
static int
op_mapfile(int n)
{
  int fd = open("f", O_RDWR);
  kfail(n);
  char *p = mmap(inject_map, 2 * PGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, fd, 0);
  close(fd);
  if(p == MMAP_FAILED)
    return INJ_FAILED;
  p[0] = 'i';
  p[PGSIZE] = 'j';
  if(msync(p, 2 * PGSIZE, MS_SYNC) != 0 || munmap(p, 2 * PGSIZE) != 0)
    fail("msync or munmap failed");
  return succeeded(n);
}

// Shared anonymous memory mapped, stored to and unmapped with allocation
// n failing.
static int
op_mapshm(int n)
{
  kfail(n);
  char *p = mmap(0, PGSIZE, MAP_RW, SHARED_ANON, -1, 0);
  if(p == MMAP_FAILED)
    return INJ_FAILED;
  p[0] = 's';
  if(munmap(p, PGSIZE) != 0)
    fail("munmap failed");
  return succeeded(n);
}

// mmap, faults, msync and munmap of files and shared memory with each
// allocation failing in turn: a clean failure, or a kill, and nothing
// leaked.
static void
t_mmap_inject(void)
{
  make_filled("f", 2 * PGSIZE, 0);
  inject_map = map_anon(0, 2, MAP_RW, ANON);
  inject_map[0] = 1;
  inject("a shared file mapping", op_mapfile, MAY_BE_KILLED);
  inject("shared anonymous memory", op_mapshm, MAY_BE_KILLED);
  if(munmap(inject_map, 2 * PGSIZE) != 0)
    fail("munmap failed");
}

static char *harts_map;

// A worker on some hart: add to its own counter in the shared mapping,
// many times, checking it each time.
static void
harts_worker(uint64 i)
{
  volatile int *c = (volatile int *)(harts_map + i * 64);
  for(int k = 0; k < 20000; k++){
    if(*c != k)
      fail("worker %d: counter %d, not %d", (int)i, *c, k);
    *c = k + 1;
  }
  exit(0);
}

// Processes on several harts store to one shared file mapping at once;
// every store arrives, in the mapping and in the file.
static void
t_mmap_harts(void)
{
  memset(buf, 0, PGSIZE);
  make_file("f", buf, PGSIZE);
  int fd = xopen("f", O_RDWR);
  harts_map = map_file(fd, 1, MAP_RW, MAP_SHARED, 0);
  close(fd);
  run_workers(harts_worker, 6);
  for(int i = 0; i < 6; i++)
    if(*(int *)(harts_map + i * 64) != 20000)
      fail("worker %d's counter is %d", i, *(int *)(harts_map + i * 64));
  if(munmap(harts_map, PGSIZE) != 0)
    fail("munmap failed");
  fd = xopen("f", O_RDONLY);
  read_all(fd, buf, PGSIZE);
  close(fd);
  for(int i = 0; i < 6; i++)
    if(*(int *)(buf + i * 64) != 20000)
      fail("the file holds %d for worker %d", *(int *)(buf + i * 64), i);
}

// ---- shpt: page tables that the mappings of shared memory share ------------

#define SHPT_BASE (1UL << 32)      // 4 GiB: 2 MiB-aligned, above every other region
#define SHPT_SPANS 4               // level-0 tables' worth of memory (2 MiB each)
#define SHPT_PAGES (SHPT_SPANS * (int)(SUPERPGSIZE / PGSIZE))
#define SHPT_WORKERS 8
#define SHPT_HART_ROUNDS 4          // fresh mappings shpt_harts faults into
#define SHPT_INJECT_MAX 8           // allocations made to fail, one run each

// The byte a shpt test stores at page i.
static char
shpt_byte(int i)
{
  return (char)(i * 7 + 3);
}

// Map SHPT_SPANS * 2 MiB of shared memory at SHPT_BASE; with stamp, store
// each page's byte into it.
static char *
shpt_map(int stamp)
{
  char *p = map_anon((char *)SHPT_BASE, SHPT_PAGES, MAP_RW, SHARED_ANON | MAP_FIXED);
  for(int i = 0; stamp && i < SHPT_PAGES; i++)
    p[i * PGSIZE] = shpt_byte(i);
  return p;
}

// Read every page of the shared memory at p: each must hold its byte plus
// delta.
static void
shpt_read(char *p, int delta, const char *who)
{
  for(int i = 0; i < SHPT_PAGES; i++)
    if(p[i * PGSIZE] != (char)(shpt_byte(i) + delta))
      fail("%s reads %d at page %d, not %d", who, p[i * PGSIZE], i, (char)(shpt_byte(i) + delta));
}

// shpt_read, by a process that must find every table built by another
// and link it: one fault per 2 MiB at most (instead of one per page, or
// per 16 with fault-around), and no page-table page added beyond the
// level-1 table the address may need.
static void
shpt_read_linked(char *p, const char *who)
{
  struct memstat a, b;
  get_memstat(&a);
  shpt_read(p, 0, who);
  get_memstat(&b);
  if(b.p_file_faults - a.p_file_faults > SHPT_SPANS)
    fail("%s took %d faults to read %d pages in %d spans", who,
         (int)(b.p_file_faults - a.p_file_faults), SHPT_PAGES, SHPT_SPANS);
  if(b.pt_pages > a.pt_pages + 1)
    fail("%s's reads added %d page-table pages", who, (int)(b.pt_pages - a.pt_pages));
}

// A child reading its parent's shared memory, 2 MiB-aligned, takes one
// fault per 2 MiB, which links the parent's level-0 table, instead of one
// per page (or per 16, with fault-around), and adds no level-0 table.
static void
shpt_link(void)
{
  char *p = shpt_map(1);
  if(xfork() == 0){
    shpt_read_linked(p, "the child");
    exit(0);
  }
  reap(1);
}

// A child that changes its view of part of a shared table (mprotect, a
// munmap of one page) gets its own copy first: the parent's mapping stays
// as it was, and the pages stay shared.
static void
shpt_unshare(void)
{
  char *p = shpt_map(1);
  int changed[2], stored[2];
  gate_make(changed);
  gate_make(stored);
  if(xfork() == 0){
    close(stored[1]);
    shpt_read_linked(p, "the child");
    if(mprotect(p, PGSIZE, PROT_READ) != 0 || munmap(p + PGSIZE, PGSIZE) != 0)
      fail("mprotect or munmap of one page failed");
    if(pgpte(p) & PTE_W)
      fail("mprotect left the child's page writable");
    gate_open(changed);
    gate_pass(stored);
    if(p[0] != 'P' || p[2 * PGSIZE] != 'Q')
      fail("the child does not see the parent's stores after its mprotect");
    exit(0);
  }
  gate_pass(changed);
  if(!(pgpte(p) & PTE_W))
    fail("the child's mprotect made the parent's page read-only");
  if(pgpte(p + PGSIZE) == 0 || p[PGSIZE] != shpt_byte(1))
    fail("the child's munmap took the parent's page");
  p[0] = 'P';
  p[2 * PGSIZE] = 'Q';
  gate_open(stored);
  reap(1);
}

// The process that built the tables exits while another still uses them:
// the other keeps every page, and the tables go with the last of them.
static void
shpt_builder(void)
{
  char *p = shpt_map(0);
  int built[2], linked[2], leave[2], go[2];
  gate_make(built);
  gate_make(linked);
  gate_make(leave);
  gate_make(go);
  if(xfork() == 0){                          // the builder
    close(linked[0]);
    close(linked[1]);
    close(go[0]);
    close(go[1]);
    for(int i = 0; i < SHPT_PAGES; i++)
      p[i * PGSIZE] = shpt_byte(i);
    gate_open(built);
    gate_pass(leave);
    exit(0);
  }
  gate_pass(built);
  if(xfork() == 0){                          // the user left behind
    close(leave[0]);
    close(leave[1]);
    shpt_read_linked(p, "the second child");
    gate_open(linked);
    gate_pass(go);
    shpt_read(p, 0, "the second child, after the builder's exit");
    for(int i = 0; i < SHPT_PAGES; i++)
      p[i * PGSIZE] = shpt_byte(i) + 1;
    exit(0);
  }
  gate_pass(linked);
  gate_open(leave);
  reap(1);                                   // the builder
  gate_open(go);
  reap(1);
  shpt_read(p, 1, "the parent");
}

// Workers on several harts fault into one shared table at once: each
// loads every page (faulting in the same entries as the others), from a
// place of its own, then stores into its own pages.
static void
shpt_worker(uint64 w)
{
  volatile char *p = (char *)SHPT_BASE;
  for(int k = 0; k < SHPT_PAGES; k++){
    int i = (k + w * SHPT_PAGES / SHPT_WORKERS) % SHPT_PAGES;
    if(p[i * PGSIZE] != 0 && p[i * PGSIZE] != shpt_byte(i))
      fail("worker %d reads %d at page %d", (int)w, p[i * PGSIZE], i);
  }
  for(int i = w; i < SHPT_PAGES; i += SHPT_WORKERS)
    p[i * PGSIZE] = shpt_byte(i);
}

static void
shpt_harts(void)
{
  for(int round = 0; round < SHPT_HART_ROUNDS; round++){
    char *p = shpt_map(0);
    run_workers(shpt_worker, SHPT_WORKERS);
    shpt_read(p, 0, "the parent");
    if(munmap(p, SHPT_PAGES * PGSIZE) != 0)
      fail("munmap failed");
  }
}

#define MPROTECT_FAILED 3        // shpt_inject_child's clean failure

// A child whose n-th allocation fails while it links the parent's tables
// (it is killed, out of memory) or then unshares one with mprotect (which
// fails and changes nothing: exit MPROTECT_FAILED), or that succeeds.
static void
shpt_inject_child(uint64 n)
{
  char *p = (char *)SHPT_BASE;
  kfail(n);
  shpt_read(p, 0, "the child");
  int r = mprotect(p, PGSIZE, PROT_READ);
  kfail(0);
  if(r == 0)
    exit(0);
  if(!(pgpte(p) & PTE_W))
    fail("a failed mprotect made the page read-only");
  shpt_read(p, 0, "the child, after a failed mprotect");
  exit(MPROTECT_FAILED);
}

// Allocation failures while linking and unsharing kill only the child
// that faults, or fail its mprotect cleanly; nothing leaks.
static void
shpt_inject(void)
{
  shpt_map(1);
  int killed = 0, refused = 0;
  for(int n = 1; n <= SHPT_INJECT_MAX; n++){
    int st = child_status(shpt_inject_child, n);
    if(st != 0 && st != -1 && st != MPROTECT_FAILED)
      fail("allocation %d failing: the child exited with %d", n, st);
    killed += st == -1;
    refused += st == MPROTECT_FAILED;
  }
  if(killed == 0 || refused == 0)
    fail("%d children killed linking and %d mprotects refused: a failure never showed",
         killed, refused);
}

#define DIRTY_ROUNDS 60           // msyncs shpt_dirty tries at most
#define DIRTY_TELLING 40          // of them, rounds enough that tell something
#define DIRTY_IDLE 3              // rounds in a row that tell nothing: one hart
#define DIRTY_WRITERS 2           // each stores to a page of its own
#define DIRTY_STORES 100          // stores each writer makes after each msync
#define DIRTY_SPINS 1000000       // loads the reader waits for them

// The count writer w of shpt_dirty stores into: the first word of page
// 2 + w of the mapped file (page 0's first word says stop).
static volatile int *
dirty_word(int w)
{
  return (int *)(SHPT_BASE + (2 + w) * PGSIZE);
}

// Writer w of shpt_dirty: store a rising count into its word until told
// to stop.
static void
dirty_writer(uint64 w)
{
  volatile int *stop = (int *)SHPT_BASE, *p = dirty_word(w);
  for(int n = 1; *stop == 0; n++)
    *p = n;
}

// Spin until every writer has made DIRTY_STORES more stores, if they run
// on other harts meanwhile: 1, or 0 if they did not in DIRTY_SPINS loads
// (one waits for this hart, or took a trap). Spinning, not sleeping: a
// writer must take no trap between the msync and its stores, since
// every trap flushes its hart's TLB, which would hide a missing
// shootdown.
static int
dirty_spin(void)
{
  int want[DIRTY_WRITERS];
  for(int w = 0; w < DIRTY_WRITERS; w++)
    want[w] = *dirty_word(w) + DIRTY_STORES;
  for(int w = 0, spins = 0; w < DIRTY_WRITERS; spins++){
    if(spins >= DIRTY_SPINS)
      return 0;
    if(*dirty_word(w) > want[w])
      w++;
  }
  return 1;
}

// msync clears the D bits in a shared file mapping's table, which
// writers on other harts use all along: their next stores must set D
// again, or a later msync would miss them. They do only if msync made
// every hart that may hold the old translation drop it (the TLB
// shootdown): a hart that keeps it goes on storing through an entry it
// holds as dirty, and never sets D in the table again. (Two writers: the
// disk's interrupts, which msync's writes bring, trap and so flush the
// hart that takes them.)
static void
shpt_dirty(void)
{
  make_filled("d", SUPERPGSIZE, 5);
  int fd = xopen("d", O_RDWR);
  volatile int *p = (int *)mmap((char *)SHPT_BASE, SUPERPGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED,
                                fd, 0);
  close(fd);
  if(p != (int *)SHPT_BASE)
    fail("mmap of a file at %p failed", (void *)SHPT_BASE);
  p[0] = 0;
  for(int w = 0; w < DIRTY_WRITERS; w++)
    start_child(dirty_writer, w);
  int missed = -1;             // the first round whose stores did not show
  for(int r = 0, telling = 0, idle = 0;
      r < DIRTY_ROUNDS && telling < DIRTY_TELLING && idle < DIRTY_IDLE && missed < 0; r++){
    if(msync((char *)p, SUPERPGSIZE, MS_SYNC) != 0)
      missed = DIRTY_ROUNDS;
    if(!dirty_spin()){
      idle++;                  // fewer free harts than writers: nothing to tell
      sleep(1);
      continue;
    }
    idle = 0;
    telling++;
    for(int w = 0; w < DIRTY_WRITERS; w++)
      if(!(pgpte((char *)dirty_word(w)) & PTE_D))
        missed = r;
  }
  p[0] = 1;
  reap(DIRTY_WRITERS);
  if(missed == DIRTY_ROUNDS)
    fail("msync failed");
  if(missed >= 0)
    fail("round %d: a writer's stores after msync left the D bit clear", missed);
  if(munmap((char *)p, SUPERPGSIZE) != 0 || unlink("d") != 0)
    fail("munmap or unlink failed");
}

// A read-only mapping of a file, by a process with the file open only
// for reading, at the address where another process maps it writable
// (tables built, leaves writable): it may not link that table. Its
// store faults, and kills it.
static void
shpt_prot_child(uint64 unused)
{
  char *p = (char *)SHPT_BASE;
  if(munmap(p, SUPERPGSIZE) != 0)
    fail("munmap failed");
  int fd = xopen("sp", O_RDONLY);
  if(mmap(p, SUPERPGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) != p)
    fail("read-only mmap failed");
  close(fd);
  volatile char *q = p;
  q[PGSIZE] = q[0];
}

static void
shpt_prot(void)
{
  make_filled("sp", SUPERPGSIZE, 4);
  int fd = xopen("sp", O_RDWR);
  char *p = mmap((char *)SHPT_BASE, SUPERPGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, fd, 0);
  close(fd);
  if(p != (char *)SHPT_BASE)
    fail("mmap failed");
  for(int i = 0; i < SUPERPGSIZE / PGSIZE; i++)
    p[i * PGSIZE] += 1;
  expect_killed(shpt_prot_child, 0, "a store through a read-only mapping");
  if(munmap(p, SUPERPGSIZE) != 0 || unlink("sp") != 0)
    fail("munmap or unlink failed");
}

static void t_shpt_link(void) { spt_run(shpt_link); }
static void t_shpt_unshare(void) { spt_run(shpt_unshare); }
static void t_shpt_builder(void) { spt_run(shpt_builder); }
static void t_shpt_harts(void) { spt_run(shpt_harts); }
static void t_shpt_inject(void) { spt_run(shpt_inject); }
static void t_shpt_dirty(void) { spt_run(shpt_dirty); }
static void t_shpt_prot(void) { spt_run(shpt_prot); }

// ---- swap: reclaim to the swap disk, and the OOM killer ----------------------
// These need a swap disk (grade-tests.py boots the swap suite with one, on
// a small machine, so that three times its memory fits in memory and swap).

#define SW_PAGES 2048                // 8 MiB: what most swap tests swap out
#define SW_ALL (1 << 20)             // "as many pages as reclaim can get"
#define WORDS (PGSIZE / sizeof(uint64))

// The machine's counters; fails when there is no swap disk.
static void
need_swap(struct memstat *st)
{
  get_memstat(st);
  if(st->swap_total == 0)
    fail("no swap disk: boot with one (make SWAP=..., not SWAP=0)");
}

// Word w of page i of the pattern with seed s (every word differs).
static uint64
pattern(uint64 s, uint64 i, uint64 w)
{
  return (s << 40) ^ (i << 12) ^ (w * 0x9e3779b97f4a7c15UL);
}

// Fill pages from..to-1 of p with pattern s; the last word of each page is
// the sum of the others (the checksum).
static void
fill_pages(char *p, int from, int to, uint64 s)
{
  for(int i = from; i < to; i++){
    uint64 *w = (uint64 *)(p + (uint64)i * PGSIZE), sum = 0;
    for(int k = 0; k < WORDS - 1; k++)
      sum += w[k] = pattern(s, i, k);
    w[WORDS - 1] = sum;
  }
}

// Check page i of fill_pages(s), at pg: the checksum and every word. who
// names the reader.
static void
check_page(char *pg, int i, uint64 s, const char *who)
{
  uint64 *w = (uint64 *)pg, sum = 0;
  for(int k = 0; k < WORDS - 1; k++){
    if(w[k] != pattern(s, i, k))
      fail("%s: page %d word %d is %p, not %p", who, i, k, (void *)w[k],
           (void *)pattern(s, i, k));
    sum += w[k];
  }
  if(w[WORDS - 1] != sum)
    fail("%s: page %d's checksum is wrong", who, i);
}

// Check pages from..to-1 of p against fill_pages(s): the checksum and
// every word. who names the reader.
static void
check_pages(char *p, int from, int to, uint64 s, const char *who)
{
  for(int i = from; i < to; i++)
    check_page(p + (uint64)i * PGSIZE, i, s, who);
}

// Push every page reclaim can get out to swap; how many it freed.
static int
swap_out_all(void)
{
  int n = swapctl(SWAPCTL_RECLAIM, SW_ALL);
  if(n < 0)
    fail("swapctl(SWAPCTL_RECLAIM) failed");
  return n;
}

// A child of swap-fill: fill arg's low 32 bits of pages of lazy heap with
// its own pattern (arg's high bits), then check them all.
static void
fill_and_check(uint64 arg)
{
  int n = arg & 0xffffffff;
  uint64 seed = arg >> 32;
  char *p = reserve(n * PGSIZE);
  fill_pages(p, 0, n, seed);
  check_pages(p, 0, n, seed, "after filling");
  check_pages(p, 0, n, seed, "checked again");
}

// Three processes fill three times the machine's memory with checksummed
// pages (the rest goes to swap), and find all of it intact; the swap
// slots come back when they exit.
static void
t_swap_fill(void)
{
  enum { FILLERS = 3 };
  struct memstat a, b;
  need_swap(&a);
  uint64 n = a.total_pages;
  if(a.swap_total - a.swap_used + a.free_pages < FILLERS * n + n / 8)
    fail("%d free pages and %d of swap cannot hold 3 x %d pages", (int)a.free_pages,
         (int)(a.swap_total - a.swap_used), (int)n);
  for(uint64 c = 0; c < FILLERS; c++)
    start_child(fill_and_check, (c + 1) << 32 | n);
  reap(FILLERS);
  get_memstat(&b);
  if(b.swap_outs - a.swap_outs < 2 * n)
    fail("3 x %d pages made only %d swap-outs", (int)n, (int)(b.swap_outs - a.swap_outs));
  if(b.swap_ins == a.swap_ins)
    fail("checking 3 x %d pages read nothing back from swap", (int)n);
}

static char *fork_pages;             // swap-fork's heap
static int fork_pipes[2][2];         // child to parent, parent to child

// A child of swap-fork: check the parent's swapped pages; while the
// parent reads them too, keep them mapped (so that the swap cache keeps
// them); then store to half of them (copies of its own).
static void
fork_reader(uint64 arg)
{
  char c = 0;
  check_pages(fork_pages, 0, SW_PAGES, 7, "child");
  if(write(fork_pipes[0][1], &c, 1) != 1)
    fail("write failed");
  read_all(fork_pipes[1][0], &c, 1);
  fill_pages(fork_pages, 0, SW_PAGES / 2, 8);
  check_pages(fork_pages, 0, SW_PAGES / 2, 8, "child's copies");
}

// Pages swapped out before a fork are read back by the child and found
// in the swap cache by the parent (read once); the child's stores make
// copies that leave the parent's pages as they were.
static void
t_swap_fork(void)
{
  struct memstat a, b, c;
  need_swap(&a);
  char *p = fork_pages = reserve(SW_PAGES * PGSIZE);
  char x = 0;
  if(pipe(fork_pipes[0]) < 0 || pipe(fork_pipes[1]) < 0)
    fail("pipe failed");
  fill_pages(p, 0, SW_PAGES, 7);
  swap_out_all();
  get_memstat(&b);
  if(b.p_swapped < SW_PAGES / 2)
    fail("only %d of %d pages went to swap", (int)b.p_swapped, SW_PAGES);
  int pid = start_child(fork_reader, 0);
  read_all(fork_pipes[0][0], &x, 1);
  check_pages(p, 0, SW_PAGES, 7, "parent");
  if(write(fork_pipes[1][1], &x, 1) != 1)
    fail("write failed");
  int st;
  if(wait(&st) != pid || st != 0)
    fail("the child failed");
  check_pages(p, 0, SW_PAGES, 7, "parent, after the child's stores");
  get_memstat(&c);
  if(c.swap_cache_hits == b.swap_cache_hits)
    fail("the parent read every page from the disk again: no swap cache hit");
  if(c.p_swapped + SW_PAGES / 2 > b.p_swapped)
    fail("%d pages still out after reading them all, %d before", (int)c.p_swapped,
         (int)b.p_swapped);
  release_heap(p);
}

// Pages in use stay in memory under the clock while others go to swap:
// after every page is aged (SWAPCTL_AGE: nothing used lately), the test
// stores to its hot pages, mapped first, and reclaims half its cold ones,
// mapped after them; it reads nothing back. Under FIFO the hot pages,
// mapped first, go first, and come back at the next store. The clock
// needs the A bits to tell them apart.
static void
t_swap_clock(void)
{
  enum { HOT = 32, COLD = 4 * SW_PAGES, ROUNDS = 4 };
  struct memstat a, b, c;
  need_swap(&a);
  int policy = swapctl(SWAPCTL_POLICY, -1);
  int ins[2];
  for(int m = RECLAIM_CLOCK; m <= RECLAIM_FIFO; m++){
    swapctl(SWAPCTL_POLICY, m);
    char *p = reserve((HOT + COLD) * PGSIZE);
    stamp(p, 0, HOT + COLD, 3);
    swapctl(SWAPCTL_AGE, 0);
    get_memstat(&b);
    for(int r = 0; r < ROUNDS; r++){
      stamp(p, 0, HOT, 3);
      swapctl(SWAPCTL_RECLAIM, COLD / ROUNDS / 2);
    }
    stamp(p, 0, HOT, 3);
    get_memstat(&c);
    ins[m] = c.p_swap_ins - b.p_swap_ins;
    check_stamps(p, 0, HOT + COLD, 3, "after reclaim");
    release_heap(p);
  }
  swapctl(SWAPCTL_POLICY, policy);
  if(ins[RECLAIM_CLOCK] > HOT / 8)
    fail("under the clock, %d pages came back from swap while %d were in use",
         ins[RECLAIM_CLOCK], HOT);
  if(ins[RECLAIM_FIFO] < HOT / 2)
    fail("under FIFO only %d pages went out and came back: the test tells nothing",
         ins[RECLAIM_FIFO]);
}

// A megapage goes out 4 KiB at a time: it is split first, and every byte
// comes back.
static void
t_swap_megapage(void)
{
  struct memstat a, b;
  need_swap(&a);
  superpages(SUPER_ON);
  char *p = reserve(2 * MEGAPAGE);
  char *m = (char *)(((uint64)p + MEGAPAGE - 1) & ~(uint64)(MEGAPAGE - 1));
  fill_pages(m, 0, MEGAPAGE / PGSIZE, 11);
  get_memstat(&b);
  if(b.promotions == a.promotions)
    fail("filling 2 MiB in order made no megapage");
  for(int i = 0; i < 3 && b.p_swapped < MEGAPAGE / PGSIZE / 2; i++){
    swapctl(SWAPCTL_AGE, 0);     // the split pages keep the megapage's A bit
    swap_out_all();
    get_memstat(&b);
  }
  if(b.p_swapped < MEGAPAGE / PGSIZE / 2)
    fail("only %d pages of the megapage went to swap", (int)b.p_swapped);
  check_pages(m, 0, MEGAPAGE / PGSIZE, 11, "megapage");
  release_heap(p);
  superpages(SUPER_OFF);
}

// A child of swap-inject: touch every swapped page (a read fails).
static void
touch_swapped(uint64 p)
{
  swapctl(SWAPCTL_FAILIO, 3);
  check_pages((char *)p, 0, SW_PAGES / 4, 5, "child");
}

// Swap I/O and slot allocations that fail: a failed write, or no slot,
// leaves the page in memory, whole; a failed read kills only the process
// that needed the page. Nothing leaks either way (the runner checks pages
// and slots).
static void
t_swap_inject(void)
{
  struct memstat a, b;
  need_swap(&a);
  char *p = reserve(SW_PAGES / 4 * PGSIZE);
  fill_pages(p, 0, SW_PAGES / 4, 5);
  for(int k = 1; k <= 4; k++){
    swapctl(SWAPCTL_FAILIO, k);
    swap_out_all();
    check_pages(p, 0, SW_PAGES / 4, 5, "after a failed write");
    swapctl(SWAPCTL_FAILSLOT, k);
    swap_out_all();
    check_pages(p, 0, SW_PAGES / 4, 5, "after a failed slot allocation");
  }
  swapctl(SWAPCTL_FAILIO, 0);
  swapctl(SWAPCTL_FAILSLOT, 0);
  swap_out_all();
  get_memstat(&b);
  if(b.p_swapped < SW_PAGES / 8)
    fail("only %d pages went to swap", (int)b.p_swapped);
  expect_killed(touch_swapped, (uint64)p, "a read from swap that fails");
  check_pages(p, 0, SW_PAGES / 4, 5, "parent");
  release_heap(p);
}

// A file mapped shared and stored to, under pressure: its pages are
// written back to the file and dropped from memory, not swapped (no msync:
// read() sees the stores); a fault maps them again from the file.
static void
t_swap_file(void)
{
  enum { FPAGES = 256 };
  struct memstat a, b;
  need_swap(&a);
  static char page[PGSIZE];
  int fd = open("mapped", O_CREATE | O_RDWR);
  for(int i = 0; i < FPAGES; i++)
    if(fd < 0 || write(fd, page, PGSIZE) != PGSIZE)
      fail("cannot make a file of %d pages", FPAGES);
  char *p = mmap(0, FPAGES * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if(p == MMAP_FAILED)
    fail("mmap of the file failed");
  fill_pages(p, 0, FPAGES, 13);
  get_memstat(&a);
  swap_out_all();
  get_memstat(&b);
  if(b.file_reclaimed - a.file_reclaimed < FPAGES / 2)
    fail("reclaim let go of %d of the file's %d pages", (int)(b.file_reclaimed - a.file_reclaimed),
         FPAGES);
  if(b.p_swapped - a.p_swapped >= FPAGES / 2)
    fail("%d more of the process's pages went to swap: the file's did", (int)(b.p_swapped - a.p_swapped));
  int rfd = open("mapped", O_RDONLY);
  for(int i = 0; i < FPAGES; i++){
    if(rfd < 0 || read(rfd, page, PGSIZE) != PGSIZE)
      fail("read of page %d failed", i);
    check_page(page, i, 13, "read() after reclaim");
  }
  check_pages(p, 0, FPAGES, 13, "the mapping, after reclaim");
  munmap(p, FPAGES * PGSIZE);
  close(rfd);
  close(fd);
}

// A child of swap-oom: fill n pages, say so, and wait to be killed.
static void
oom_hog(uint64 arg)
{
  int n = arg & 0xffffffff, fd = arg >> 32;
  char *p = reserve(n * PGSIZE);
  stamp(p, 0, n, 1);
  if(write(fd, "x", 1) != 1)
    fail("write failed");
  for(;;)
    pause(100);
}

// A child of swap-oom: take n pages more, one at a time, and check them.
static void
oom_taker(uint64 n)
{
  char *p = reserve(n * PGSIZE);
  stamp(p, 0, n, 2);
  check_stamps(p, 0, n, 2, "the taker");
}

// With memory and swap full, a fault in a small process makes the OOM
// killer end the largest one (a hog sleeping on most of memory and swap),
// not the one whose allocation failed; that allocation waits and goes
// on. The machine is usable afterwards, and swap comes back.
static void
t_swap_oom(void)
{
  struct memstat a, b;
  need_swap(&a);
  int room = a.free_pages - a.kernel_pages + (a.swap_total - a.swap_used);
  int hog_pages = room - room / 8, take = room / 4;
  int fds[2];
  char c;
  if(pipe(fds) < 0)
    fail("pipe failed");
  int hog = start_child(oom_hog, (uint64)fds[1] << 32 | hog_pages);
  read_all(fds[0], &c, 1);
  int taker = start_child(oom_taker, take);
  int st, pid, hog_status = 0, taker_status = 1;
  for(int i = 0; i < 2; i++){
    if((pid = wait(&st)) == hog)
      hog_status = st;
    else if(pid == taker)
      taker_status = st;
    else
      fail("wait returned %d", pid);
  }
  if(hog_status != -1)
    fail("the largest process (%d pages) was not killed: status %d", hog_pages, hog_status);
  if(taker_status != 0)
    fail("the process whose allocation ran out exited with %d, not 0", taker_status);
  get_memstat(&b);
  if(b.oom_kills == a.oom_kills)
    fail("memstat counted no OOM kill");
  char out[64];
  char *argv[] = { "echo", "usable", 0 };
  out[exec_output("/echo", argv, out, sizeof(out) - 1, &st)] = 0;
  if(st != 0 || strcmp(out, "usable\n") != 0)
    fail("after the OOM kill, exec printed '%s' (status %d)", out, st);
  close(fds[0]);
  close(fds[1]);
}

// With overcommit=swap, sbrk's eager mode counts swap as memory: growth
// by more than the free memory succeeds, and its pages, filled on first
// touch, push others out to swap; growth by more than free memory and
// free swap together fails, changing nothing.
static void
t_swap_sbrk(void)
{
  struct memstat a, b;
  need_swap(&a);
  if(a.overcommit != OVERCOMMIT_SWAP)
    fail("the kernel did not boot with overcommit=swap");
  int free = a.free_pages - a.kernel_pages;
  int n = free + free / 4;
  if(n + 512 > free + (int)(a.swap_total - a.swap_used))
    fail("swap of %d pages is too small to test with", (int)a.swap_total);
  char *p = grow(n);
  check_bytes(p + (uint64)(n - 1) * PGSIZE, PGSIZE, 0, "the last page sbrk added");
  stamp(p, 0, n, 21);
  check_stamps(p, 0, n, 21, "after sbrk");
  get_memstat(&b);
  if(b.swap_outs - a.swap_outs < n - free)
    fail("filling %d pages with %d free made only %d swap-outs", n, free,
         (int)(b.swap_outs - a.swap_outs));
  char *brk = sbrk(0);
  if(sbrk((int)(a.total_pages + a.swap_total) * PGSIZE) != SBRK_ERROR || sbrk(0) != brk)
    fail("sbrk of more than memory and swap together did not fail cleanly");
  release_heap(p);
}

// A child of swap-exit: fill pages, say so, and keep storing to them.
static void
busy_filler(uint64 fd)
{
  char *p = reserve(SW_PAGES * PGSIZE);
  fill_pages(p, 0, SW_PAGES, 9);
  if(write(fd, "x", 1) != 1)
    fail("write failed");
  for(;;)
    fill_pages(p, 0, SW_PAGES, 9);
}

// Processes killed while their pages are on the way to and from swap,
// and one exiting with pages out: every page and slot comes back.
static void
t_swap_exit(void)
{
  struct memstat a;
  need_swap(&a);
  for(int r = 0; r < 4; r++){
    int fds[2];
    char c;
    if(pipe(fds) < 0)
      fail("pipe failed");
    int pid = start_child(busy_filler, fds[1]);
    read_all(fds[0], &c, 1);
    close(fds[0]);
    close(fds[1]);
    if(r % 2 == 0){
      kill(pid);
      swap_out_all();
    } else {
      swap_out_all();
      kill(pid);
    }
    int st;
    if(wait(&st) != pid || st != -1)
      fail("the killed filler exited with %d", st);
  }
}

// ---- mshare: regions whose page tables unrelated processes attach ---------

#define MS_BASE (64UL << 30)        // 64 GiB: a multiple of MSHARE_ALIGN, far from the rest
#define MS_SIZE MSHARE_ALIGN
#define MS_PAGES 1024               // the 4 MiB of shared memory most tests map inside
#define MS_NAME "/mshare/vmtest"
#define MS_WORKERS 8
#define MS_HART_ROUNDS 4
#define MS_FLUSH_ROUNDS 40          // unmap-and-reuse rounds of mshare-shootdown
#define MS_SPINS 2000000            // loads a waiting side spins for before it gives up
#define MS_INJECT_MAX 12            // allocations made to fail, one run each

// Make the region MS_NAME at MS_BASE, with MS_SIZE bytes; the caller is
// attached read-write. Its open file.
static int
ms_create(void)
{
  unlink(MS_NAME);             // left by a test that failed
  int fd = open(MS_NAME, O_CREATE | O_RDWR);
  if(fd < 0 || mshare(fd, (char *)MS_BASE, MS_SIZE) != 0)
    fail("mshare of %s at %p failed", MS_NAME, (void *)MS_BASE);
  return fd;
}

// Add npages of shared memory to the region at MS_BASE + off; with
// stamp, store page i's byte (plus delta) into each.
static char *
ms_map(uint64 off, int npages, int stamp, int delta)
{
  char *p = map_anon((char *)MS_BASE + off, npages, MAP_RW, SHARED_ANON | MAP_FIXED);
  for(int i = 0; stamp && i < npages; i++)
    p[i * PGSIZE] = shpt_byte(i) + delta;
  return p;
}

// Each of npages pages at p holds its byte plus delta.
static void
ms_check(char *p, int npages, int delta, const char *who)
{
  for(int i = 0; i < npages; i++)
    if(p[i * PGSIZE] != (char)(shpt_byte(i) + delta))
      fail("%s reads %d at page %d, not %d", who, p[i * PGSIZE], i, (char)(shpt_byte(i) + delta));
}

// Attach MS_NAME as an unrelated process would: open it (mode), map it
// whole with prot. The address, or MMAP_FAILED.
static char *
ms_attach(int mode, int prot)
{
  int fd = xopen(MS_NAME, mode);
  char *p = mmap(0, MS_SIZE, prot, MAP_SHARED, fd, 0);
  close(fd);
  return p;
}

// Read npages at p, which another process stamped, and find them all in
// the region's tables: no fault, and no page-table page added (attaching
// included, when attach).
static void
ms_read_shared(char *p, int npages, int attach, const char *who)
{
  struct memstat a, b;
  get_memstat(&a);
  if(attach && ms_attach(O_RDWR, MAP_RW) != (char *)MS_BASE)
    fail("%s could not attach %s", who, MS_NAME);
  ms_check(p, npages, 0, who);
  get_memstat(&b);
  if(b.p_file_faults != a.p_file_faults)
    fail("%s took %d faults to read %d pages already mapped in the region", who,
         (int)(b.p_file_faults - a.p_file_faults), npages);
  if(b.pt_pages != a.pt_pages)
    fail("%s's attach and reads added %d page-table pages", who, (int)(b.pt_pages - a.pt_pages));
}

// Write one byte to fd, or read one and check it.
static void
ms_signal(int fd)
{
  if(write(fd, "x", 1) != 1)
    fail("pipe write failed");
}

static void
ms_wait(int fd)
{
  char c;
  if(read(fd, &c, 1) != 1)
    fail("pipe read failed");
}

// A process that did not inherit the region attaches it and finds what
// the owner mapped and stored there without a fault or a page-table page
// of its own; its stores are the owner's; a mapping the owner adds later
// is there for it at once, again without a fault; and so is a page the
// owner puts in place of one it unmapped.
static void
mshare_attach_test(void)
{
  int go[2], ready[2];
  if(pipe(go) != 0 || pipe(ready) != 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    ms_wait(go[0]);              // the region exists, and holds stamped pages
    char *p = (char *)MS_BASE;
    ms_read_shared(p, MS_PAGES, 1, "the attaching process");
    for(int i = 0; i < MS_PAGES; i++)
      p[i * PGSIZE] += 1;
    ms_signal(ready[1]);
    ms_wait(go[0]);              // the owner added a mapping at 8 MiB
    ms_read_shared(p + 2 * MS_PAGES * PGSIZE, MS_PAGES, 0, "the attached process");
    ms_signal(ready[1]);
    ms_wait(go[0]);              // the owner put a new page 0 in place of the old
    if(p[0] != (char)(shpt_byte(0) + 5))
      fail("the attached process reads %d at page 0, not the owner's new page's %d", p[0],
           (char)(shpt_byte(0) + 5));
    exit(0);
  }
  int fd = ms_create();
  char *p = ms_map(0, MS_PAGES, 1, 0);
  ms_signal(go[1]);
  ms_wait(ready[0]);
  ms_check(p, MS_PAGES, 1, "the owner, after the other's stores");
  ms_map(2 * MS_PAGES * PGSIZE, MS_PAGES, 1, 0);
  ms_signal(go[1]);
  ms_wait(ready[0]);
  if(munmap(p, PGSIZE) != 0)
    fail("munmap inside the region failed");
  ms_map(0, 1, 1, 5);
  ms_signal(go[1]);
  reap(1);
  if(xfork() == 0){              // one attaching now finds the same
    if(munmap(p, MS_SIZE) != 0 || ms_attach(O_RDWR, MAP_RW) != p)
      fail("a late attach failed");
    for(int i = 1; i < MS_PAGES; i++)
      if(p[i * PGSIZE] != (char)(shpt_byte(i) + 1))
        fail("a late attacher reads %d at page %d", p[i * PGSIZE], i);
    if(p[0] != (char)(shpt_byte(0) + 5))
      fail("a late attacher reads %d at page 0, not %d", p[0], (char)(shpt_byte(0) + 5));
    exit(0);
  }
  reap(1);
  close(fd);
  if(unlink(MS_NAME) != 0)
    fail("unlink %s failed", MS_NAME);
}

// A read-only attacher's store to the region: it is killed.
static void
ms_store_readonly(uint64 unused)
{
  munmap((char *)MS_BASE, MS_SIZE);
  char *p = ms_attach(O_RDONLY, PROT_READ);
  if(p != (char *)MS_BASE)
    fail("read-only attach failed");
  p[0] = 1;
}

// A process with the file open only for reading may attach only for
// reading: it reads the owner's stores, and may neither store nor change
// the region's mappings.
static void
mshare_readonly(void)
{
  int fd = ms_create();
  char *p = ms_map(0, 16, 1, 0);
  if(xfork() == 0){
    if(munmap((char *)MS_BASE, MS_SIZE) != 0)
      fail("detach failed");
    if(ms_attach(O_RDONLY, MAP_RW) != MMAP_FAILED)
      fail("a file open for reading attached read-write");
    if(ms_attach(O_RDONLY, PROT_READ) != (char *)MS_BASE)
      fail("read-only attach failed");
    ms_check(p, 16, 0, "the read-only process");
    if(mmap(p + 64 * PGSIZE, PGSIZE, MAP_RW, SHARED_ANON | MAP_FIXED, -1, 0) != MMAP_FAILED ||
       munmap(p, PGSIZE) == 0 || mprotect(p, PGSIZE, MAP_RW) == 0)
      fail("a read-only attacher changed the region's mappings");
    exit(0);
  }
  reap(1);
  // The owner's stores after a read-only attach are seen there too.
  if(xfork() == 0){
    if(munmap((char *)MS_BASE, MS_SIZE) != 0 || ms_attach(O_RDONLY, PROT_READ) != (char *)MS_BASE)
      fail("detach and read-only attach failed");
    ms_check(p, 16, 0, "the read-only process");
    exit(0);
  }
  reap(1);
  expect_killed(ms_store_readonly, 0, "a store through a read-only attachment");
  close(fd);
  unlink(MS_NAME);
}

// Bad calls get -1 and change nothing: sizes and addresses that are not
// multiples of 1 GiB, or reach past user space, or overlap a region; a
// file outside /mshare, open only for reading, not a file, or naming a
// region already; attaching at another address or size, privately or at
// an offset; ranges that cut an attachment; private mappings inside.
static void
mshare_bad(void)
{
  unlink(MS_NAME);
  int fd = open(MS_NAME, O_CREATE | O_RDWR);
  int other = open("msnot", O_CREATE | O_RDWR);
  int ro = open(MS_NAME, O_RDONLY);
  int dir = open("/mshare", O_RDONLY);
  int pfd[2];
  if(fd < 0 || other < 0 || ro < 0 || dir < 0 || pipe(pfd) != 0)
    fail("open or pipe failed");
  char *base = (char *)MS_BASE;
  struct { int fd; uint64 addr, size; const char *what; } bad[] = {
    { fd, MS_BASE + PGSIZE, MS_SIZE, "an address not a multiple of 1 GiB" },
    { fd, MS_BASE, MS_SIZE + PGSIZE, "a size not a multiple of 1 GiB" },
    { fd, MS_BASE, 0, "size 0" },
    { fd, MAXVA - MS_SIZE, MS_SIZE, "the gigabyte of the trampoline" },
    { fd, MS_BASE, -MS_SIZE, "a size that wraps" },
    { other, MS_BASE, MS_SIZE, "a file outside /mshare" },
    { ro, MS_BASE, MS_SIZE, "a file open for reading only" },
    { dir, MS_BASE, MS_SIZE, "a folder" },
    { pfd[0], MS_BASE, MS_SIZE, "a pipe" },
    { -1, MS_BASE, MS_SIZE, "fd -1" },
  };
  for(int i = 0; i < NELEM(bad); i++)
    if(mshare(bad[i].fd, (char *)bad[i].addr, bad[i].size) != -1)
      fail("mshare of %s did not fail", bad[i].what);
  map_anon(base + MS_SIZE - PGSIZE, 1, MAP_RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  if(mshare(fd, base, MS_SIZE) != -1)
    fail("mshare over a mapping did not fail");
  if(munmap(base + MS_SIZE - PGSIZE, PGSIZE) != 0 || mshare(fd, base, MS_SIZE) != 0)
    fail("mshare failed");
  if(mshare(fd, base + MS_SIZE, MS_SIZE) != -1)
    fail("a second region of one name did not fail");
  int again = open(MS_NAME, O_CREATE | O_RDWR);
  char *wrong[] = {
    mmap(0, MS_SIZE, MAP_RW, MAP_SHARED, again, 0),                  // attached there already
    mmap(base + MS_SIZE, MS_SIZE, MAP_RW, MAP_SHARED, again, 0),     // another address
    mmap(0, MS_SIZE / 2, MAP_RW, MAP_SHARED, again, 0),              // another size
    mmap(0, MS_SIZE, MAP_RW, MAP_PRIVATE, again, 0),                 // private
    mmap(0, MS_SIZE, MAP_RW, MAP_SHARED, again, PGSIZE),             // an offset
    mmap(base, PGSIZE, MAP_RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), // private inside
    mmap(base - PGSIZE, 2 * PGSIZE, MAP_RW, SHARED_ANON | MAP_FIXED, -1, 0),    // cuts the edge
  };
  for(int i = 0; i < NELEM(wrong); i++)
    if(wrong[i] != MMAP_FAILED)
      fail("bad mmap %d around the region did not fail", i);
  if(munmap(base - PGSIZE, 2 * PGSIZE) == 0 || mprotect(base - PGSIZE, 2 * PGSIZE, PROT_READ) == 0 ||
     msync(base - PGSIZE, 2 * PGSIZE, MS_SYNC) == 0)
    fail("a call on a range cutting the attachment's edge did not fail");
  ms_map(0, 4, 1, 0);
  if(mmap(base + 2 * PGSIZE, 4 * PGSIZE, MAP_RW, SHARED_ANON | MAP_FIXED, -1, 0) != MMAP_FAILED)
    fail("a mapping over one the region has did not fail");
  ms_check(base, 4, 0, "the owner, after the bad calls");
  close(again);
  close(fd);
  close(other);
  close(ro);
  close(dir);
  close(pfd[0]);
  close(pfd[1]);
  unlink("msnot");
  unlink(MS_NAME);
}

// A child touching the region after its parent detached: killed.
static void
ms_touch(uint64 unused)
{
  *(volatile char *)MS_BASE = 1;
}

// The region outlives its name while attached; fork's child stays
// attached (and links the tables at its first fault); exec and exit
// detach; the last detach frees everything (checked by the runner's
// count of free pages).
static void
mshare_life(void)
{
  int fd = ms_create();
  char *p = ms_map(0, 64, 1, 0);
  close(fd);
  if(unlink(MS_NAME) != 0 || open(MS_NAME, O_RDWR) >= 0)
    fail("unlink of %s failed", MS_NAME);
  ms_check(p, 64, 0, "the owner, after unlink");
  if(xfork() == 0){
    ms_check(p, 64, 0, "fork's child");
    for(int i = 0; i < 64; i++)
      p[i * PGSIZE] += 1;
    exit(0);
  }
  reap(1);
  ms_check(p, 64, 1, "the owner, after its child's stores");
  char out[64];
  int st;
  char *argv[] = { "echo", "detached", 0 };
  if(exec_output("/echo", argv, out, sizeof(out), &st) <= 0 || st != 0)
    fail("exec of echo in an attached child failed");
  if(munmap((char *)MS_BASE, MS_SIZE) != 0)
    fail("detach failed");
  expect_killed(ms_touch, 0, "a touch after the region was detached");
}

// Worker w of mshare_harts: attach anew, then fault into every page of
// the region's memory (its level-0 tables are all shared), storing each
// page's byte.
static void
ms_worker(uint64 w)
{
  if(munmap((char *)MS_BASE, MS_SIZE) != 0 || ms_attach(O_RDWR, MAP_RW) != (char *)MS_BASE)
    fail("worker %d could not attach", (int)w);
  char *p = (char *)MS_BASE;
  for(int k = 0; k < MS_PAGES; k++){
    int i = (k + (int)w * (MS_PAGES / MS_WORKERS)) % MS_PAGES;
    if(p[i * PGSIZE] != 0 && p[i * PGSIZE] != shpt_byte(i))
      fail("worker %d reads %d at page %d", (int)w, p[i * PGSIZE], i);
    p[i * PGSIZE] = shpt_byte(i);
  }
}

// Processes on several harts fault into one region's tables at once,
// while its owner maps and unmaps memory beside theirs; fresh memory
// each round.
static void
mshare_harts(void)
{
  int fd = ms_create();
  for(int r = 0; r < MS_HART_ROUNDS; r++){
    char *p = ms_map(0, MS_PAGES, 0, 0);
    for(int w = 0; w < MS_WORKERS; w++)
      start_child(ms_worker, w);
    for(int k = 0; k < 16; k++){
      char *q = ms_map(MS_SIZE / 2, 16, 1, k);
      ms_check(q, 16, k, "the owner");
      if(munmap(q, 16 * PGSIZE) != 0)
        fail("munmap inside the region failed");
    }
    reap(MS_WORKERS);
    ms_check(p, MS_PAGES, 0, "the owner");
    if(munmap(p, MS_PAGES * PGSIZE) != 0)
      fail("munmap inside the region failed");
  }
  close(fd);
  unlink(MS_NAME);
}

// The word the shootdown test's reader polls: the round it has reached
// (in a page the test never unmaps), and the page it reads.
#define MS_FLAG ((volatile int *)MS_BASE)
#define MS_DATA ((volatile int *)(MS_BASE + 2 * SUPERPGSIZE))

// Wait until *w reaches r, spinning: a system call or a sleep would
// trap, and every trap flushes the hart's TLB. (On one hart the timer
// takes the spinner off it, and the other side runs.) 1 if it came
// within MS_SPINS loads: the other side ran on another hart meanwhile.
static int
ms_await(volatile int *w, int r)
{
  int spins = 0;
  while(*w < r)
    spins++;
  return spins < MS_SPINS;
}

// The reader read round r's page wrongly: let the owner go on (it waits
// for the reader's word), and exit with r.
static void
ms_reader_fail(int r)
{
  MS_FLAG[1] = MS_FLUSH_ROUNDS + 1;
  exit(r);
}

// The reader: load the data page (so that its hart holds the
// translation), say so, and wait (on the flag page, which stays) until
// the owner has put a new page in its place holding the round's number;
// then load the data page again. Exits with the first round that read
// something else, or 0.
static void
ms_reader(uint64 unused)
{
  for(int r = 1; r <= MS_FLUSH_ROUNDS; r++){
    if(MS_DATA[0] != r - 1)
      ms_reader_fail(r);
    MS_FLAG[1] = r;              // ready for round r
    ms_await(&MS_FLAG[0], r);
  }
  if(MS_DATA[0] != MS_FLUSH_ROUNDS)
    ms_reader_fail(MS_FLUSH_ROUNDS + 1);
  exit(0);
}

// A hart that keeps using a translation of the region's tables must drop
// it when the owner unmaps the page and maps other memory in its place:
// the reader, on another hart, would otherwise go on reading the old
// page (freed, and perhaps reused). So the owner's munmap flushes every
// hart that may hold it (the TLB shootdown). On one hart every switch
// flushes anyway: nothing to tell.
static void
mshare_shootdown(void)
{
  int fd = ms_create();
  ms_map(0, 1, 0, 0);
  ms_map(2 * SUPERPGSIZE, 1, 0, 0);
  MS_DATA[0] = 0;
  char *sink = map_anon(0, MS_FLUSH_ROUNDS, MAP_RW, MAP_PRIVATE | MAP_ANONYMOUS);
  int pid = start_child(ms_reader, 0);
  int told = 0;
  for(int r = 1; r <= MS_FLUSH_ROUNDS; r++){
    told += ms_await(&MS_FLAG[1], r);   // the reader runs on another hart now
    if(munmap((char *)MS_DATA, PGSIZE) != 0)
      fail("munmap of the data page failed");
    // The page just freed is the next one handed out: let the owner's
    // own memory take it, so that a reader still holding the old
    // translation reads the owner's private page, not the new one.
    sink[(r - 1) * PGSIZE] = -7;
    ms_map(2 * SUPERPGSIZE, 1, 0, 0);
    MS_DATA[0] = r;
    MS_FLAG[0] = r;
  }
  int st;
  if(wait(&st) != pid)
    fail("wait failed");
  if(st != 0)
    fail("round %d: the reader read its old page after the owner unmapped it (%d rounds on two harts)",
         st, told);
  close(fd);
  unlink(MS_NAME);
}

// A file mapped into the region: an attacher's stores reach the file at
// the owner's msync, and a read-only attacher reads them.
static void
mshare_file(void)
{
  make_filled("msf", 16 * PGSIZE, 9);
  int fd = ms_create();
  int f = xopen("msf", O_RDWR);
  char *p = mmap((char *)MS_BASE, 16 * PGSIZE, MAP_RW, MAP_SHARED | MAP_FIXED, f, 0);
  close(f);
  if(p != (char *)MS_BASE)
    fail("mmap of a file into the region failed");
  if(xfork() == 0){
    if(munmap(p, MS_SIZE) != 0 || ms_attach(O_RDWR, MAP_RW) != p)
      fail("attach failed");
    for(int i = 0; i < 16; i++)
      p[i * PGSIZE] = shpt_byte(i);
    exit(0);
  }
  reap(1);
  struct memstat a, b;
  get_memstat(&a);
  if(msync(p, 16 * PGSIZE, MS_SYNC) != 0)
    fail("msync inside the region failed");
  get_memstat(&b);
  if(a.file_dirty < 16 || b.file_dirty > a.file_dirty - 16)
    fail("msync left %d of %d dirty pages dirty", (int)b.file_dirty, (int)a.file_dirty);
  if(xfork() == 0){
    if(munmap(p, MS_SIZE) != 0 || ms_attach(O_RDONLY, PROT_READ) != p)
      fail("read-only attach failed");
    ms_check(p, 16, 0, "the read-only process");
    exit(0);
  }
  reap(1);
  if(munmap(p, 16 * PGSIZE) != 0)
    fail("munmap of the file inside the region failed");
  f = xopen("msf", O_RDONLY);
  static char page[PGSIZE];
  for(int i = 0; i < 16; i++)
    if(read(f, page, PGSIZE) != PGSIZE || page[0] != shpt_byte(i))
      fail("the file holds %d at page %d, not the attacher's %d", page[0], i, shpt_byte(i));
  close(f);
  close(fd);
  unlink(MS_NAME);
  unlink("msf");
}

// A child whose n-th allocation fails while it makes a region (-1,
// nothing changed), maps memory into it (-1), or attaches and faults
// (killed, out of memory); or that succeeds.
static void
ms_inject_child(uint64 n)
{
  unlink(MS_NAME);
  int fd = open(MS_NAME, O_CREATE | O_RDWR);
  kfail(n);
  int made = mshare(fd, (char *)MS_BASE, MS_SIZE) == 0;
  char *p = made ? mmap((char *)MS_BASE, 4 * PGSIZE, MAP_RW, SHARED_ANON | MAP_FIXED, -1, 0) : 0;
  if(p == (char *)MS_BASE)
    for(int i = 0; i < 4; i++)
      p[i * PGSIZE] = 1;
  kfail(0);
  unlink(MS_NAME);
  exit(p == (char *)MS_BASE ? 0 : 3);
}

// Allocation failures while making, filling and attaching regions kill
// only the child or fail its call; nothing leaks (the runner counts free
// pages).
static void
mshare_inject(void)
{
  int refused = 0, killed = 0;
  for(int n = 1; n <= MS_INJECT_MAX; n++){
    int st = child_status(ms_inject_child, n);
    if(st != 0 && st != -1 && st != 3)
      fail("allocation %d failing: the child exited with %d", n, st);
    refused += st == 3;
    killed += st == -1;
  }
  unlink(MS_NAME);             // a killed child's region
  if(refused == 0 || killed == 0)
    fail("%d calls refused and %d children killed: a failure never showed", refused, killed);
}

static void t_mshare_attach(void) { spt_run(mshare_attach_test); }
static void t_mshare_readonly(void) { spt_run(mshare_readonly); }
static void t_mshare_bad(void) { spt_run(mshare_bad); }
static void t_mshare_life(void) { spt_run(mshare_life); }
static void t_mshare_harts(void) { spt_run(mshare_harts); }
static void t_mshare_shootdown(void) { spt_run(mshare_shootdown); }
static void t_mshare_file(void) { spt_run(mshare_file); }
static void t_mshare_inject(void) { spt_run(mshare_inject); }

static struct test tests[] = {
  { "cow-bigfork", t_cow_bigfork, "cow", "fork of over half of memory: eager fails, cow works" },
  { "cow-three", t_cow_three, "cow", "three processes write the same shared pages" },
  { "cow-read", t_cow_read, "cow", "read() from a file and a pipe into shared pages" },
  { "cow-pipefds", t_cow_pipefds, "cow", "pipe() stores its descriptors into a shared page" },
  { "cow-wait", t_cow_wait, "cow", "wait() stores the status into a shared page" },
  { "cow-gens", t_cow_gens, "cow", "three generations share, write and check" },
  { "cow-isolation", t_cow_isolation, "cow", "a child's stores leave the parent's memory alone" },
  { "cow-stats", t_cow_stats, "cow", "cow fault and copy counters; the last holder copies nothing" },
  { "cow-harts", t_cow_harts, "cow", "processes on several harts break sharing at once" },
  { "lazy-huge", t_lazy_huge, "lazy", "sbrklazy(1 GiB), sparse touches, shrink frees all" },
  { "lazy-sparse", t_lazy_sparse, "lazy", "one page in 64 of a 1 GiB lazy heap, on any RAM size" },
  { "lazy-zero", t_lazy_zero, "lazy", "sbrklazy costs nothing until touched; reads zero" },
  { "lazy-shrink", t_lazy_shrink, "lazy", "touching a shrunk heap kills the child only" },
  { "lazy-top", t_lazy_top, "lazy", "a heap reserved up to the trapframe (or USYSCALL)" },
  { "lazy-copy", t_lazy_copy, "lazy", "the kernel's copies fill untouched heap pages" },
  { "lazy-exec", t_lazy_exec, "lazy", "exec with arguments in untouched heap pages" },
  { "lazy-badfault", t_lazy_badfault, "lazy", "faults outside the heap kill the child only" },
  { "oom-lazy", t_oom_lazy, "oom", "touching more than all memory kills the toucher" },
  { "oom-eagerfork", t_oom_eagerfork, "oom", "a failed eager fork leaves the parent intact" },
  { "oom-cowbreak", t_oom_cowbreak, "oom", "running out while breaking sharing kills the breaker" },
  { "oom-sbrkall", t_oom_sbrkall, "oom", "sbrk a page until it fails: no memory is left free" },
  { "oom-sbrkfail", t_oom_sbrkfail, "oom", "sbrk(1 GiB) on less RAM fails, changing nothing" },
  { "inject-fork", t_inject_fork, "inject", "fork with each allocation failing, both modes" },
  { "inject-exec", t_inject_exec, "inject", "exec with each allocation failing" },
  { "inject-sbrk", t_inject_sbrk, "inject", "eager sbrk with each allocation failing" },
  { "inject-pipe", t_inject_pipe, "inject", "pipe() with each allocation failing" },
  { "inject-fault", t_inject_fault, "inject", "lazy and cow faults with each allocation failing" },
  { "inject-open", t_inject_open, "inject", "open(O_CREATE) of a name in a lazy page, failing" },
  { "acct-sysinfo", t_acct_sysinfo, "acct", "sysinfo: free memory and process count" },
  { "acct-pt", t_acct_pt, "acct", "page-table pages follow processes and touches" },
  { "acct-shared", t_acct_shared, "acct", "shared pages follow a copy-on-write fork" },
  { "acct-memstat", t_acct_memstat, "acct", "memstat's numbers agree; bad buffers" },
  { "pgtbl-ugetpid", t_pgtbl_ugetpid, "pgtbl", "ugetpid() and the USYSCALL page (usyscall=on)" },
  { "pgtbl-pgpte", t_pgtbl_pgpte, "pgtbl", "pgpte on heap, text, top pages and unmapped" },
  { "pgtbl-kpgtbl", t_pgtbl_kpgtbl, 0, "kpgtbl prints the page table (the grader checks it)" },
  { "pgpte-lazy", t_pgpte_lazy, 0, "pgpte on a lazy heap page, untouched and touched" },
  { "pgtbl-pgaccess", t_pgtbl_pgaccess, "pgtbl", "pgaccess reports and clears accessed bits" },
  { "oc-oom", t_oc_oom, "overcommit", "overcommit=on: sbrk reserves until a fault finds no page" },
  { "spt-gens", t_spt_gens, "sharedpt", "three generations share tables; each sees its own stores" },
  { "spt-shrink", t_spt_shrink, "sharedpt", "the parent shrinks shared tables away under a child" },
  { "spt-last", t_spt_last, "sharedpt", "the last sharer stores without copying" },
  { "spt-harts", t_spt_harts, "sharedpt", "children fault in one shared table on several harts" },
  { "spt-inject", t_spt_inject, "sharedpt", "allocation failures while unsharing kill only the child" },
  { "spt-ptpages", t_spt_ptpages, "sharedpt", "16 children of 32 MiB: at most a fifth of cow's table pages" },
  { "super-sbrk", t_super_sbrk, "super", "an 8 MiB sbrk is four megapages, zeroed" },
  { "super-lazy", t_super_lazy, "super", "lazy faults fill a 2 MiB reservation; 1 in 8, or 4 in order, promote it" },
  { "super-unreserve", t_super_unreserve, "super", "a shrunk reservation frees its 2 MiB block" },
  { "super-fork", t_super_fork, "super", "SUPER_COW: fork shares megapages; stores split the child's" },
  { "super-forkcopy", t_super_forkcopy, "super", "SUPER_ON: every fork mode copies megapages whole" },
  { "super-forkbig", t_super_forkbig, "super", "fork of megapages filling 2/3 of memory; all store" },
  { "super-shrink", t_super_shrink, "super", "a shrink that cuts a megapage splits it" },
  { "super-off", t_super_off, "super", "superpages(SUPER_OFF) keeps the heap in 4 KiB pages" },
  { "regions-layout", t_regions_layout, "regions", "exec's regions in order; the heap follows sbrk and touches" },
  { "regions-other", t_regions_other, "regions", "maps() of another process; bad arguments fail" },
  { "regions-fork", t_regions_fork, "regions", "a child has its parent's regions; megapages show" },
  { "regions-mmap", t_regions_mmap, "regions", "mmap of zeroed pages; munmap cuts a region, the hole faults" },
  { "regions-mmapbad", t_regions_mmapbad, "regions", "what mmap and munmap refuse; PROT_READ and PROT_NONE" },
  { "regions-fixed", t_regions_fixed, "regions", "MAP_FIXED replaces mappings with zeros; fork copies" },
  { "regions-random", t_regions_random, "regions", "random mmap, munmap, MAP_FIXED, stores and forks against a model" },
  { "mmap-private", t_mmap_private, "mmap", "a private file mapping: file pages, copied on store; past the end faults" },
  { "mmap-shared", t_mmap_shared, "mmap", "a shared file mapping is the file: read() and write() agree" },
  { "mmap-procs", t_mmap_procs, "mmap", "processes mapping one file share its physical page" },
  { "mmap-fork", t_mmap_fork, "mmap", "every fork mode: shared mappings stay shared, private ones copy" },
  { "mmap-exit", t_mmap_exit, "mmap", "exit and exec write a shared mapping's stores back" },
  { "mmap-msync", t_mmap_msync, "mmap", "msync writes dirty pages back; bad ranges and flags" },
  { "mmap-unlink", t_mmap_unlink, "mmap", "a mapping keeps an unlinked file" },
  { "mmap-mprotect", t_mmap_mprotect, "mmap", "mprotect splits and merges regions; PROT_NONE; bad calls" },
  { "mmap-exec", t_mmap_exec, "mmap", "PROT_EXEC runs code, anonymous or from a file; else a jump faults" },
  { "mmap-merge", t_mmap_merge, "mmap", "alike neighbours merge; maps shows file, name, offset" },
  { "mmap-bad", t_mmap_bad, "mmap", "what mmap refuses for files and shared memory" },
  { "mmap-kcopy", t_mmap_kcopy, "mmap", "read, write, pipe and wait copy into untouched file mappings" },
  { "mmap-megapages", t_mmap_megapages, "mmap", "anonymous mappings of whole 2 MiB blocks use megapages; shared memory does not" },
  { "mmap-many", t_mmap_many, "mmap", "MAX_MAP_COUNT regions: mmap fails past them, changing nothing" },
  { "mmap-reclaim", t_mmap_reclaim, "mmap", "out of memory: unmapped file pages are dropped, shared memory's kept" },
  { "mmap-inject", t_mmap_inject, "mmap", "file and shared mappings with each allocation failing" },
  { "mmap-harts", t_mmap_harts, "mmap", "processes on several harts store to one shared file page" },
  { "shpt-link", t_shpt_link, "shpt", "a child links its parent's level-0 tables of shared memory" },
  { "shpt-unshare", t_shpt_unshare, "shpt", "mprotect and munmap of part of a shared table unshare it" },
  { "shpt-builder", t_shpt_builder, "shpt", "the process that built the tables exits; another keeps them" },
  { "shpt-harts", t_shpt_harts, "shpt", "workers on several harts fault into one shared table" },
  { "shpt-inject", t_shpt_inject, "shpt", "allocation failures while linking and unsharing" },
  { "shpt-dirty", t_shpt_dirty, "shpt", "msync's D-bit harvest flushes a writer's hart (TLB shootdown)" },
  { "shpt-prot", t_shpt_prot, "shpt", "a read-only mapping links no writable mapping's table" },
  { "mshare-attach", t_mshare_attach, "mshare", "an unrelated process attaches a region: no fault, no table" },
  { "mshare-readonly", t_mshare_readonly, "mshare", "read-only attachments read, and may not store or change" },
  { "mshare-bad", t_mshare_bad, "mshare", "bad sizes, addresses, files and ranges get -1" },
  { "mshare-life", t_mshare_life, "mshare", "unlink, fork, exec and detach; the last frees the region" },
  { "mshare-harts", t_mshare_harts, "mshare", "8 processes fault into one region while its owner maps" },
  { "mshare-shootdown", t_mshare_shootdown, "mshare", "unmapping a page another hart reads flushes that hart" },
  { "mshare-file", t_mshare_file, "mshare", "a file in a region: attachers' stores reach it at msync" },
  { "mshare-inject", t_mshare_inject, "mshare", "allocation failures making, filling and attaching regions" },
  { "swap-fill", t_swap_fill, "swap", "3 processes fill 3 x RAM with checksummed pages, all intact" },
  { "swap-fork", t_swap_fork, "swap", "a child reads swapped pages, the parent finds them cached" },
  { "swap-clock", t_swap_clock, "swap", "the clock keeps hot pages in memory; FIFO does not" },
  { "swap-megapage", t_swap_megapage, "swap", "a megapage is split and swapped out a page at a time" },
  { "swap-inject", t_swap_inject, "swap", "failed swap writes and slots keep the page; a failed read kills" },
  { "swap-exit", t_swap_exit, "swap", "kill and exit during swapping: no page or slot leaks" },
  { "swap-file", t_swap_file, "swap", "a shared file mapping's stores are written back, not swapped" },
  { "swap-oom", t_swap_oom, "swapfull", "swap full: the OOM killer ends the largest process" },
  { "swap-sbrk", t_swap_sbrk, "swapsbrk", "overcommit=swap: eager sbrk counts swap as memory" },
};

// The fork mode called name (eager, cow, sharedpt); exits if there is none.
static int
fork_mode_named(const char *name)
{
  static const char *names[] = { [FORK_EAGER] "eager", [FORK_COW] "cow",
                                 [FORK_SHAREDPT] "sharedpt" };
  for(int m = 0; m < NELEM(names); m++)
    if(strcmp(name, names[m]) == 0)
      return m;
  printf("vmtest: no fork mode %s (eager, cow or sharedpt)\n", name);
  exit(2);
}

#define SYNC_PAGES 4

// vmtest --map-sync FILE: create FILE, map it shared, fill its pages,
// msync, say "synced", store to the first page again (never synced) and
// wait for the power to go (grade-tests.py's mmap crash test).
static int
map_sync(const char *name)
{
  static char zeros[SYNC_PAGES * PGSIZE];
  make_file(name, zeros, sizeof(zeros));
  int fd = open(name, O_RDWR);
  char *p = mmap(0, sizeof(zeros), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if(fd < 0 || p == MMAP_FAILED){
    printf("map-sync: cannot map %s\n", name);
    return 1;
  }
  close(fd);
  for(int i = 0; i < SYNC_PAGES; i++)
    fill(p + i * PGSIZE, PGSIZE, 40 + i);
  if(msync(p, sizeof(zeros), MS_SYNC) != 0){
    printf("map-sync: msync failed\n");
    return 1;
  }
  printf("synced\n");
  memset(p, 'N', PGSIZE);
  for(;;)
    pause(100);
}

// vmtest --map-check FILE: does FILE hold what map_sync synced?
static int
map_check(const char *name)
{
  static char got[SYNC_PAGES * PGSIZE];
  int fd = open(name, O_RDONLY);
  if(fd < 0 || read(fd, got, sizeof(got)) != sizeof(got)){
    printf("map-check: cannot read %s\n", name);
    return 1;
  }
  close(fd);
  for(int i = 0; i < SYNC_PAGES * PGSIZE; i++){
    char want = filled_byte(40 + i / PGSIZE, i % PGSIZE);
    if(got[i] != want){
      printf("map-check: byte %d is %d, not %d\n", i, got[i], want);
      return 1;
    }
  }
  printf("map-check: OK\n");
  return 0;
}

// vmtest --echo ARGS...: print each argument on a line of its own.
static int
echo_args(int argc, char *argv[])
{
  return print_args(argc, argv) == 0 ? 0 : 97;
}

int
main(int argc, char *argv[])
{
  if(argc >= 2 && strcmp(argv[1], ECHO_ARGS) == 0)
    return echo_args(argc, argv);
  if(argc >= 2 && strcmp(argv[1], INJECT_EXEC) == 0)
    return inject_exec_child(argc, argv);
  if(argc == 3 && strcmp(argv[1], MAP_SYNC) == 0)
    return map_sync(argv[2]);
  if(argc == 3 && strcmp(argv[1], MAP_CHECK) == 0)
    return map_check(argv[2]);
  stack_top = PGROUNDUP(r_sp());
  // The tests count faults and pages one 4 KiB page at a time; the super
  // group turns megapages back on for itself.
  superpages(SUPER_OFF);
  share_mode = forkmode(FORK_QUERY);
  char *mode_name = "(the default)";
  if(argc >= 3 && strcmp(argv[1], "-m") == 0){
    mode_name = argv[2];
    share_mode = fork_mode_named(mode_name);
    argv[2] = argv[0];
    argc -= 2;
    argv += 2;
  }
  int old = forkmode(share_mode);
  if(old < 0){
    printf("vmtest: this kernel has no fork mode %s (forkmode refused it)\n", mode_name);
    exit(1);
  }
  int status = run_tests("vmtest", "/vt", tests, NELEM(tests), argc, argv);
  forkmode(old);
  return status;
}

// systest: Atlas's own system-call test program.
//
//   systest            run every test
//   systest NAME...    run the named tests; a group name stands for all of
//                      its tests: "syscalls" for the system calls, "fs"
//                      for the file system, "stress" for the stress tests,
//                      "robust" for what one process must not be able to
//                      do to others or to the kernel; "sysinfo" and "trace"
//                      for the system-call lab's calls, "pgtbl" for the
//                      page-table lab's pgaccess
//   systest -l         list the tests
//
// Every test runs in a child process of its own, with a fresh directory
// /stNN as its working directory, so a test that the kernel kills is
// reported as a failure and the run goes on. A test reports why it failed
// through a pipe to systest, which prints one line per test:
//   test NAME: OK
//   test NAME: FAILED (reason)
// After each test systest checks that the free-page count is back where it
// was (no pages leaked by the kernel). At the end it prints
//   free pages: START -> END
// and ALL TESTS PASSED or SOME TESTS FAILED (exit status 0 or 1).
//
// The tests call every system call with good and bad arguments: pointers
// that are unmapped, belong to the kernel or are read-only, buffers that
// run off the end of memory, negative and huge sizes, bad descriptors and
// over-long paths. Bad arguments must give -1, never a kernel panic. Other
// tests check that user faults kill the faulting process with status -1,
// and the stress tests run many processes at once on every hart. The
// robust tests check that floating-point registers stay private, that
// init cannot be killed, that running out of buffers only makes readers
// wait, and that padding and ELF headers from user space are checked.
// The lab groups test the calls of the system-call lab (trace, sysinfo)
// and the page-table lab (pgaccess).

#include <stddef.h>

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/sysinfo.h"
#include "kernel/vm.h"
#include "kernel/syscall.h"
#include "kernel/fs.h"
#include "kernel/elf.h"
#include "user/user.h"
#include "user/testlib.h"

#define SELF "/systest"          // this program, for the exec tests
#define EXEC_CHILD "--exec-child" // argv[1] that makes systest echo its args
#define BIGBUF 8192

static uint64 stack_top;         // top of the user stack, found in main
static char buf[BIGBUF];         // scratch buffer for the tests
static char buf2[BIGBUF];        // a second one, for comparisons
static const char rodata[] = "read-only data";
static volatile int sink;        // keeps fault-making loads alive

// ---- Helpers --------------------------------------------------------------

static uint32 rnd_state = 1;

// Seed the pseudo-random generator (xorshift32).
static void
rnd_seed(uint32 seed)
{
  rnd_state = seed * 2654435761U + 12345;
  if(rnd_state == 0)
    rnd_state = 1;
}

// A pseudo-random number in 0..n-1.
static uint
rnd(uint n)
{
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 17;
  rnd_state ^= rnd_state << 5;
  return rnd_state % n;
}

// The unmapped (or user-inaccessible) guard page below the user stack.
static uint64
guard_page(void)
{
  return stack_top - USERSTACK * PGSIZE - PGSIZE;
}

// Make the break page-aligned, grow it by one touched page and return it:
// the bytes just below the result are mapped and writable, the bytes from
// the result on are not. For buffers that run off the end of memory.
static char *
mem_edge(void)
{
  uint64 cur = (uint64)sbrk(0);
  if(sbrk(PGROUNDUP(cur) - cur + PGSIZE) == (char*)-1)
    fail("sbrk(%d) failed", (int)(PGROUNDUP(cur) - cur + PGSIZE));
  char *e = sbrk(0);
  memset(e - PGSIZE, 'e', PGSIZE);
  return e;
}

// An address that a user buffer must not use, and its name for messages.
struct addr {
  uint64 va;
  const char *name;
};
#define MAXBAD 20

// Fill v with addresses that no user buffer may start at: unmapped ones,
// the kernel's, and pages mapped without PTE_U. With kwrite set (for calls
// in which the kernel stores into the buffer), also read-only pages of the
// program itself. Returns the number of addresses. The break moves with
// mem_edge(), so call this after it.
static int
bad_addresses(struct addr *v, int kwrite)
{
  int n = 0;
  uint64 brk = PGROUNDUP((uint64)sbrk(0));

  v[n++] = (struct addr){ guard_page(), "the stack guard page" };
  v[n++] = (struct addr){ brk, "the break" };
  v[n++] = (struct addr){ brk + 10 * PGSIZE, "break+10 pages" };
  v[n++] = (struct addr){ KERNBASE, "KERNBASE" };
  v[n++] = (struct addr){ KERNLINK, "the kernel's text" };
  v[n++] = (struct addr){ PHYSTOP - PGSIZE, "the top of RAM" };
  v[n++] = (struct addr){ TRAPFRAME, "TRAPFRAME" };
  v[n++] = (struct addr){ TRAMPOLINE, "TRAMPOLINE" };
  v[n++] = (struct addr){ MAXVA - 8, "MAXVA-8" };
  v[n++] = (struct addr){ MAXVA, "MAXVA" };
  v[n++] = (struct addr){ 1UL << 63, "1<<63" };
  v[n++] = (struct addr){ -(uint64)PGSIZE, "the last page" };
  v[n++] = (struct addr){ ~0UL, "0xffffffffffffffff" };
  if(kwrite){
    v[n++] = (struct addr){ (uint64)&fail, "the program's text" };
    v[n++] = (struct addr){ (uint64)rodata, "read-only data" };
  }
  return n;
}

// Lengths used with each bad buffer: one byte, a few, and over a page.
static const int badlens[] = { 1, 64, PGSIZE + 16 };

// Decimal text of v in out (at least 12 bytes).
static void
itoa(int v, char *out)
{
  format(out, 12, "%d", v);
}

// The lowest free file descriptor (checked by dup, then closed again).
static int
lowest_free_fd(void)
{
  int fd = dup(0);
  if(fd >= 0)
    close(fd);
  return fd;
}

// ---- fork, exit, wait, getpid ----------------------------------------------

static volatile int fork_global = 1;

static void
t_fork(void)
{
  enum { N = 8 };
  int pids[N], seen[N];
  int me = getpid();

  for(int i = 0; i < N; i++){
    pids[i] = xfork();
    if(pids[i] == 0)
      exit(getpid() == me ? 100 : 10 + i);
    seen[i] = 0;
  }
  for(int i = 0; i < N; i++){
    int st = -99;
    int pid = wait(&st);
    int j = 0;
    while(j < N && pids[j] != pid)
      j++;
    if(j == N)
      fail("wait returned %d, which is not a child's pid", pid);
    if(seen[j]++)
      fail("wait returned pid %d twice", pid);
    if(st != 10 + j)
      fail("child exited with %d but wait saw %d", 10 + j, st);
  }
  if(wait(0) != -1)
    fail("wait with no children did not return -1");

  // The child gets a copy of the parent's memory, data and heap alike.
  enum { HEAP = 40 };
  char *heap = sbrk(HEAP * PGSIZE);
  if(heap == (char*)-1)
    fail("sbrk failed");
  for(int i = 0; i < HEAP; i++)
    heap[i * PGSIZE + i] = (char)(i + 1);
  int pid = xfork();
  if(pid == 0){
    for(int i = 0; i < HEAP; i++)
      if(heap[i * PGSIZE + i] != (char)(i + 1))
        exit(1);
    if(fork_global != 1)
      exit(2);
    fork_global = 2;
    heap[0] = 'c';
    exit(0);
  }
  int st = -99;
  if(wait(&st) != pid || st != 0)
    fail("child saw the wrong memory contents (status %d)", st);
  if(fork_global != 1 || heap[0] != 1)
    fail("the child's stores changed the parent's memory");
  if(getpid() != me)
    fail("getpid changed after fork");
}

static void
t_exit(void)
{
  static const int codes[] = { 0, 1, 42, 255, 256, -1, -42, 0x7fffffff,
                               (int)0x80000000 };
  for(int i = 0; i < NELEM(codes); i++){
    int pid = xfork();
    if(pid == 0)
      exit(codes[i]);
    int st = 12345;
    if(wait(&st) != pid)
      fail("wait did not return the child's pid");
    if(st != codes[i])
      fail("exit(%d) but wait saw %d", codes[i], st);
  }

  // A process that returns from main exits with main's result.
  char *argv[] = { "systest", EXEC_CHILD, "9", 0 };
  int st = 0;
  exec_output(SELF, argv, buf, sizeof(buf), &st);
  if(st != 9)
    fail("exec'd program returning 9 from main gave status %d", st);

  // An orphan is adopted (and reaped) by init, not by its grandparent.
  int pid = xfork();
  if(pid == 0){
    if(fork() == 0){
      sleep(2);
      exit(0);
    }
    exit(7);
  }
  if(wait(&st) != pid || st != 7)
    fail("parent of an orphan exited 7, wait saw %d", st);
  if(wait(0) != -1)
    fail("wait returned a grandchild");

  // exit() closes files: a pipe's reader sees end-of-file.
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  pid = xfork();
  if(pid == 0){
    close(p[0]);
    exit(0);
  }
  close(p[1]);
  if(read(p[0], buf, 1) != 0)
    fail("the pipe's writer exited but read did not return 0");
  close(p[0]);
  wait(0);
}

static void
t_wait(void)
{
  struct addr bad[MAXBAD];
  char *edge = mem_edge();
  int n = bad_addresses(bad, 1);
  bad[n++] = (struct addr){ (uint64)edge - 2, "an int that runs off memory" };

  for(int i = 0; i < n; i++){
    int pid = xfork();
    if(pid == 0)
      exit(3);
    int r = wait((int*)bad[i].va);
    if(r != -1)
      fail("wait(%s) returned %d", bad[i].name, r);
    // The child may or may not have been reaped; either way, exactly once.
    int st = -99;
    r = wait(&st);
    if(r != -1 && (r != pid || st != 3))
      fail("wait after wait(%s) returned %d, status %d", bad[i].name, r, st);
    if(wait(0) != -1)
      fail("a child was reaped twice");
  }

  // wait(0) reaps without a status.
  int pid = xfork();
  if(pid == 0)
    exit(0);
  if(wait(0) != pid)
    fail("wait(0) did not return the child's pid");
}

static void
t_getpid(void)
{
  enum { N = 6 };
  int p[2];
  int pids[N];
  int me = getpid();

  if(me <= 0)
    fail("getpid returned %d", me);
  if(pipe(p) < 0)
    fail("pipe failed");
  for(int i = 0; i < N; i++){
    pids[i] = xfork();
    if(pids[i] == 0){
      int id = getpid();
      write(p[1], &id, sizeof(id));
      exit(0);
    }
    if(pids[i] <= 0 || pids[i] == me)
      fail("fork returned pid %d", pids[i]);
    for(int j = 0; j < i; j++)
      if(pids[j] == pids[i])
        fail("two children got pid %d", pids[i]);
  }
  for(int i = 0; i < N; i++){
    int id;
    read_all(p[0], (char*)&id, sizeof(id));
    int j = 0;
    while(j < N && pids[j] != id)
      j++;
    if(j == N)
      fail("a child's getpid returned %d, not what fork said", id);
  }
  reap(N);
  close(p[0]);
  close(p[1]);
  if(getpid() != me)
    fail("getpid changed");
}

// Block until the pipe fd has something to read or is closed, then exit.
static void
block_on_read(uint64 fd)
{
  char c;
  read(fd, &c, 1);
  exit(0);
}

// Fork children until fork fails; return how many it made. Each child
// waits on the pipe p and exits when it reads a byte or finds the pipe's
// writers gone.
static int
fill_proc_table(int p[2])
{
  int n = 0;
  for(;;){
    int pid = fork();
    if(pid < 0)
      return n;
    if(pid == 0){
      close(p[1]);
      block_on_read(p[0]);
    }
    if(++n > NPROC)
      fail("fork made more than NPROC processes");
  }
}

static void
t_forkfull(void)
{
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  int n = fill_proc_table(p);
  // The full table stopped fork, not memory: with one child gone, one
  // fork fits again and the next fails.
  if(write(p[1], "x", 1) != 1 || wait(0) < 0)
    fail("a child of %d did not exit when told", n);
  int pid = fork();
  if(pid == 0){
    close(p[1]);
    block_on_read(p[0]);
  }
  if(pid < 0)
    fail("fork failed with a slot freed");
  pid = fork();
  if(pid == 0)
    exit(0);
  if(pid >= 0)
    fail("fork succeeded with the table full again");
  close(p[1]);
  close(p[0]);
  reap(n);
  if(wait(0) != -1)
    fail("wait found an extra child");
  pid = xfork();
  if(pid == 0)
    exit(0);
  reap(1);
}

// ---- kill --------------------------------------------------------------------

static void
spin_forever(uint64 unused)
{
  volatile uint64 x = 0;
  for(;;)
    x++;
}

static void
sleep_forever(uint64 unused)
{
  for(;;)
    sleep(1000000);
}

static void
write_forever(uint64 fd)
{
  memset(buf, 'w', sizeof(buf));
  for(;;)
    write(fd, buf, sizeof(buf));
}

// Fork a grandchild that sleeps for ever, send its pid down fd, then wait.
static void
wait_forever(uint64 fd)
{
  int g = fork();
  if(g == 0)
    sleep_forever(0);
  write(fd, &g, sizeof(g));
  for(;;)
    wait(0);
}

// Kill pid, which must then exit with status -1.
static void
kill_and_check(int pid, const char *what)
{
  if(kill(pid) != 0)
    fail("kill(%s child) failed", what);
  int st = 0;
  if(wait(&st) != pid)
    fail("wait did not return the killed %s child", what);
  if(st != -1)
    fail("killed %s child exited with %d, not -1", what, st);
}

static void
self_kill(uint64 unused)
{
  kill(getpid());
  // The kill takes effect on the way back to user space at the latest by
  // the next timer interrupt.
  int t0 = uptime();
  while(uptime() - t0 < 100)
    ;
  exit(0);
}

static void
t_kill(void)
{
  static const int badpids[] = { -1, 0, 100000, 0x7fffffff, (int)0x80000000 };
  for(int i = 0; i < NELEM(badpids); i++)
    if(kill(badpids[i]) != -1)
      fail("kill(%d) did not return -1", badpids[i]);

  int p[2], q[2];
  if(pipe(p) < 0 || pipe(q) < 0)
    fail("pipe failed");

  kill_and_check(start_child(spin_forever, 0), "spinning");

  int pid = start_child(sleep_forever, 0);
  sleep(1);
  int t0 = uptime();
  kill_and_check(pid, "sleeping");
  if(uptime() - t0 > 50)
    fail("a killed sleeping process took %d ticks to die", uptime() - t0);

  pid = start_child(block_on_read, p[0]);
  sleep(1);
  kill_and_check(pid, "pipe-reading");

  pid = start_child(write_forever, q[1]);
  sleep(1);
  kill_and_check(pid, "pipe-writing");

  int r[2];
  if(pipe(r) < 0)
    fail("pipe failed");
  pid = start_child(wait_forever, r[1]);
  int g = 0;
  read_all(r[0], (char*)&g, sizeof(g));
  kill_and_check(pid, "waiting");
  if(kill(g) != 0)
    fail("kill of an orphaned grandchild failed");
  close(r[0]);
  close(r[1]);

  expect_killed(self_kill, 0, "kill(getpid())");

  // Killing a zombie does not change its exit status.
  pid = xfork();
  if(pid == 0){
    close(p[0]);
    exit(5);
  }
  close(p[1]);
  read(p[0], buf, 1);   // end-of-file once the child has exited
  kill(pid);
  int st = 0;
  if(wait(&st) != pid || st != 5)
    fail("killed zombie had status %d, not its own 5", st);
  close(p[0]);
  close(q[0]);
  close(q[1]);
}

// ---- pipes -------------------------------------------------------------------

static void
t_pipe(void)
{
  struct addr bad[MAXBAD];
  char *edge = mem_edge();
  int n = bad_addresses(bad, 1);
  bad[n++] = (struct addr){ (uint64)edge - 4, "an array that runs off memory" };
  int lowfd = lowest_free_fd();

  for(int i = 0; i < n; i++){
    if(pipe((int*)bad[i].va) != -1)
      fail("pipe(%s) did not return -1", bad[i].name);
    if(lowest_free_fd() != lowfd)
      fail("pipe(%s) leaked a descriptor", bad[i].name);
  }

  // Ends used the wrong way round, negative sizes, bad buffers.
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  if(read(p[1], buf, 1) != -1)
    fail("read from a pipe's write end did not return -1");
  if(write(p[0], "x", 1) != -1)
    fail("write to a pipe's read end did not return -1");
  if(write(p[1], "abcde", 5) != 5)
    fail("write to a pipe failed");
  if(read(p[0], buf, -1) != -1)
    fail("read(pipe, buf, -1) did not return -1");
  if(write(p[1], buf, -1) != -1)
    fail("write(pipe, buf, -1) did not return -1");
  n = bad_addresses(bad, 1);
  for(int i = 0; i < n; i++){
    if(read(p[0], (char*)bad[i].va, 5) != -1)
      fail("read(pipe, %s, 5) did not return -1", bad[i].name);
  }
  if(read(p[0], buf, 5) != 5 || memcmp(buf, "abcde", 5) != 0)
    fail("a failed read into a bad buffer lost pipe data");
  n = bad_addresses(bad, 0);
  for(int i = 0; i < n; i++){
    if(write(p[1], (char*)bad[i].va, 5) != -1)
      fail("write(pipe, %s, 5) did not return -1", bad[i].name);
  }
  if(write(p[1], "xyz", 3) != 3 || read(p[0], buf, 10) != 3 ||
     memcmp(buf, "xyz", 3) != 0)
    fail("a failed write from a bad buffer put data in the pipe");
  close(p[0]);
  if(write(p[1], "x", 1) != -1)
    fail("write to a pipe with no reader did not return -1");
  close(p[1]);

  // Buffers that run off the end of memory: -1, or the bytes that fit.
  if(pipe(p) < 0)
    fail("pipe failed");
  int r = write(p[1], edge - 10, 100);
  if(r != -1 && r != 10)
    fail("write(pipe, 10 bytes before the end, 100) returned %d", r);
  close(p[0]);
  close(p[1]);
  if(pipe(p) < 0)
    fail("pipe failed");
  write(p[1], buf2, 100);
  r = read(p[0], edge - 10, 100);
  if(r != -1 && (r < 1 || r > 10))
    fail("read(pipe, 10 bytes before the end, 100) returned %d", r);
  close(p[0]);
  close(p[1]);

  // End-of-file comes only when every copy of the write end is closed.
  if(pipe(p) < 0)
    fail("pipe failed");
  int d = dup(p[1]);
  close(p[1]);
  if(write(d, "z", 1) != 1 || read(p[0], buf, 1) != 1)
    fail("a duplicated write end does not work");
  close(d);
  if(read(p[0], buf, 1) != 0)
    fail("read after every write end closed did not return 0");
  close(p[0]);

  // A writer blocked on a full pipe wakes with an error when the reader
  // goes away.
  if(pipe(p) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    close(p[0]);
    memset(buf, 'f', sizeof(buf));
    int r = write(p[1], buf, sizeof(buf));
    exit(r == -1 || (r >= 0 && r < sizeof(buf)) ? 0 : 1);
  }
  close(p[1]);
  read_all(p[0], buf2, 100);
  close(p[0]);
  int st = -99;
  if(wait(&st) != pid || st != 0)
    fail("a writer whose reader closed the pipe exited with %d", st);

  // A large transfer in odd-sized pieces arrives intact and in order.
  enum { TOTAL = 30000 };
  if(pipe(p) < 0)
    fail("pipe failed");
  pid = xfork();
  if(pid == 0){
    close(p[0]);
    rnd_seed(7);
    for(int sent = 0; sent < TOTAL; ){
      int k = 1 + rnd(700);
      if(k > TOTAL - sent)
        k = TOTAL - sent;
      for(int j = 0; j < k; j++)
        buf[j] = (char)((sent + j) * 7 + 3);
      if(write(p[1], buf, k) != k)
        fail("pipe write of %d bytes failed", k);
      sent += k;
    }
    exit(0);
  }
  close(p[1]);
  rnd_seed(11);
  int got = 0;
  for(;;){
    int k = read(p[0], buf, 1 + rnd(900));
    if(k < 0)
      fail("pipe read failed");
    if(k == 0)
      break;
    for(int j = 0; j < k; j++)
      if(buf[j] != (char)((got + j) * 7 + 3))
        fail("pipe byte %d is wrong", got + j);
    got += k;
  }
  if(got != TOTAL)
    fail("pipe delivered %d bytes, not %d", got, TOTAL);
  close(p[0]);
  reap(1);
}

static void
t_pipefds(void)
{
  // Fill the descriptor table but for one slot: pipe needs two.
  int fds[NOFILE];
  int n = 0;
  int fd;
  while((fd = dup(0)) >= 0)
    fds[n++] = fd;
  if(n == 0)
    fail("dup(0) failed");
  close(fds[--n]);
  int p[2];
  if(pipe(p) != -1)
    fail("pipe with one free descriptor did not return -1");
  fd = dup(0);
  if(fd < 0)
    fail("pipe took a descriptor when it failed");
  close(fd);
  close(fds[--n]);
  if(pipe(p) != 0)
    fail("pipe with two free descriptors failed");
  close(p[0]);
  close(p[1]);
  while(n > 0)
    close(fds[--n]);
}

// ---- files: open, read, write, close, dup, fstat ---------------------------

static void
fill_pattern(char *p, int n, int seed)
{
  for(int i = 0; i < n; i++)
    p[i] = (char)(i * 13 + seed + (i >> 8));
}

#define FIRST_DINDIRECT ((int)(NDIRECT + NINDIRECT))  // a file's first block
                                                    // under the doubly-indirect one

// Fill p with block b of a test file: the pattern seeded with b, which
// repeats every 256 blocks, with b itself in the first bytes, so that no
// two blocks of a file are alike.
static void
fill_block(char *p, int b)
{
  fill_pattern(p, BSIZE, b);
  memmove(p, &b, sizeof(b));
}

// Size of the file fd refers to.
static uint64
fsize(int fd)
{
  struct stat st;
  if(fstat(fd, &st) < 0)
    fail("fstat failed");
  return st.size;
}

static void
t_rw(void)
{
  enum { N = 5000 };
  fill_pattern(buf, N, 1);
  make_file("f", buf, N);

  int fd = open("f", O_RDONLY);
  if(fd < 0)
    fail("open f failed");
  if(fsize(fd) != N)
    fail("size of f is %ld, not %d", fsize(fd), N);
  int got = 0;
  for(int k = 1; got < N; k = k * 3 + 1){
    int r = read(fd, buf2 + got, k);
    if(r <= 0)
      fail("read returned %d at offset %d", r, got);
    got += r;
  }
  if(got != N || memcmp(buf, buf2, N) != 0)
    fail("read back the wrong data");
  if(read(fd, buf2, 10) != 0)
    fail("read at end of file did not return 0");
  if(write(fd, "x", 1) != -1)
    fail("write to a read-only descriptor did not return -1");
  close(fd);

  fd = open("f", O_WRONLY);
  if(fd < 0)
    fail("open f O_WRONLY failed");
  if(read(fd, buf2, 10) != -1)
    fail("read from a write-only descriptor did not return -1");
  close(fd);

  fd = open("f", O_RDWR | O_TRUNC);
  if(fd < 0 || fsize(fd) != 0)
    fail("O_TRUNC did not empty the file");
  if(write(fd, "0123456789", 10) != 10)
    fail("write failed");
  close(fd);

  // Negative and huge sizes.
  fd = open("f", O_RDWR);
  if(read(fd, buf2, -1) != -1)
    fail("read(fd, buf, -1) did not return -1");
  if(read(fd, buf2, (int)0x80000000) != -1)
    fail("read(fd, buf, INT_MIN) did not return -1");
  if(write(fd, buf2, -1) != -1)
    fail("write(fd, buf, -1) did not return -1");
  int r = read(fd, buf2, 0x7fffffff);
  if(r != 10 && r != -1)
    fail("read(fd, buf, INT_MAX) of a 10-byte file returned %d", r);
  if(fsize(fd) != 10)
    fail("failed calls changed the file size to %ld", fsize(fd));
  close(fd);

  // Bad buffers: -1, and the file (and the offset) stay as they were.
  struct addr bad[MAXBAD];
  char *edge = mem_edge();
  int n = bad_addresses(bad, 1);
  fd = open("f", O_RDWR);
  for(int i = 0; i < n; i++){
    for(int j = 0; j < NELEM(badlens); j++){
      if(read(fd, (char*)bad[i].va, badlens[j]) != -1)
        fail("read(fd, %s, %d) did not return -1", bad[i].name, badlens[j]);
    }
  }
  if(read(fd, buf2, 3) != 3 || memcmp(buf2, "012", 3) != 0)
    fail("a failed read moved the file offset");
  n = bad_addresses(bad, 0);
  for(int i = 0; i < n; i++){
    for(int j = 0; j < NELEM(badlens); j++){
      if(write(fd, (char*)bad[i].va, badlens[j]) != -1)
        fail("write(fd, %s, %d) did not return -1", bad[i].name, badlens[j]);
    }
  }
  if(fsize(fd) != 10)
    fail("failed writes changed the file size to %ld", fsize(fd));
  close(fd);

  // Buffers that run off the end of memory: -1, or the bytes that fit.
  fd = open("f", O_RDONLY);
  r = read(fd, edge - 4, 10);
  if(r != -1 && (r < 1 || r > 4))
    fail("read of 10 bytes into 4 mapped ones returned %d", r);
  close(fd);
  fd = open("f", O_WRONLY | O_TRUNC);
  r = write(fd, edge - 16, 0x7fffffff);
  if(r != -1 && r != 16)
    fail("write of INT_MAX bytes from 16 mapped ones returned %d", r);
  if(fsize(fd) > 16)
    fail("write from 16 mapped bytes made a %ld-byte file", fsize(fd));
  close(fd);
  if(unlink("f") != 0)
    fail("unlink f failed");
}

static void
t_console(void)
{
  struct addr bad[MAXBAD];
  mem_edge();
  int n = bad_addresses(bad, 0);
  for(int fd = 1; fd <= 2; fd++){
    for(int i = 0; i < n; i++){
      if(write(fd, (char*)bad[i].va, 10) != -1)
        fail("write(%d, %s, 10) did not return -1", fd, bad[i].name);
    }
    if(write(fd, buf, -1) != -1)
      fail("write(%d, buf, -1) did not return -1", fd);
    if(write(fd, buf, 0) != 0)
      fail("write(%d, buf, 0) did not return 0", fd);
  }
}

// A file through the direct blocks, the indirect block and two indirect
// blocks under the doubly-indirect one reads back block by block; once
// unlinked it stays readable while open.
static void
t_bigfile(void)
{
  enum { BLOCKS = FIRST_DINDIRECT + NINDIRECT + 1 };
  int fd = open("big", O_CREATE | O_RDWR);
  if(fd < 0)
    fail("cannot create big");
  for(int b = 0; b < BLOCKS; b++){
    fill_block(buf, b);
    if(write(fd, buf, BSIZE) != BSIZE)
      fail("write of block %d failed", b);
  }
  if(fsize(fd) != BLOCKS * BSIZE)
    fail("big has %ld bytes", fsize(fd));
  close(fd);
  fd = open("big", O_RDONLY);
  for(int b = 0; b < BLOCKS; b++){
    read_all(fd, buf2, BSIZE);
    fill_block(buf, b);
    if(memcmp(buf, buf2, BSIZE) != 0)
      fail("block %d of big read back wrong", b);
  }
  if(read(fd, buf2, 1) != 0)
    fail("read past the end of big did not return 0");
  // An unlinked file stays readable while open.
  if(unlink("big") != 0)
    fail("unlink big failed");
  if(open("big", O_RDONLY) != -1)
    fail("big can still be opened after unlink");
  close(fd);
}

// Descriptor numbers that are never valid, plus the closed descriptor c.
static int
bad_fds(int *v, int c)
{
  int n = 0;
  v[n++] = -1;
  v[n++] = NOFILE;
  v[n++] = NOFILE + 1;
  v[n++] = NOFILE - 1;   // valid number, not open
  v[n++] = 1000;
  v[n++] = 0x7fffffff;
  v[n++] = (int)0x80000000;
  v[n++] = c;
  return n;
}

static void
t_fds(void)
{
  int fd = open("/README", O_RDONLY);
  if(fd < 0)
    fail("cannot open /README");
  close(fd);
  int bad[10];
  int n = bad_fds(bad, fd);
  struct stat st;
  for(int i = 0; i < n; i++){
    if(read(bad[i], buf, 1) != -1)
      fail("read(%d) did not return -1", bad[i]);
    if(write(bad[i], buf, 1) != -1)
      fail("write(%d) did not return -1", bad[i]);
    if(fstat(bad[i], &st) != -1)
      fail("fstat(%d) did not return -1", bad[i]);
    if(dup(bad[i]) != -1)
      fail("dup(%d) did not return -1", bad[i]);
    if(close(bad[i]) != -1)
      fail("close(%d) did not return -1", bad[i]);
  }

  // open takes the lowest free descriptor, up to NOFILE of them.
  int fds[NOFILE + 1];
  int k = 0;
  int low = lowest_free_fd();
  while(k <= NOFILE && (fd = open("/README", O_RDONLY)) >= 0)
    fds[k++] = fd;
  if(k == 0 || k > NOFILE || fds[0] != low)
    fail("open gave %d descriptors, the first %d", k, fds[0]);
  if(fds[k - 1] != NOFILE - 1)
    fail("the last descriptor was %d, not NOFILE-1", fds[k - 1]);
  if(dup(fds[0]) != -1)
    fail("dup with a full table did not return -1");
  close(fds[3]);
  if((fd = open("/README", O_RDONLY)) != fds[3])
    fail("open did not reuse the lowest free descriptor");
  while(k > 0)
    if(close(fds[--k]) != 0)
      fail("close(%d) failed", fds[k]);
  if(close(low) != -1)
    fail("closing a descriptor twice did not return -1");
}

static void
t_dup(void)
{
  int fd = open("f", O_CREATE | O_RDWR);
  if(fd < 0)
    fail("cannot create f");
  int low = lowest_free_fd();
  int d = dup(fd);
  if(d != low)
    fail("dup returned %d, not the lowest free descriptor %d", d, low);
  // A duplicate shares the file offset.
  if(write(fd, "ab", 2) != 2 || write(d, "cd", 2) != 2)
    fail("write failed");
  close(fd);
  if(write(d, "ef", 2) != 2)
    fail("write through the duplicate after closing the original failed");
  close(d);

  // So does a descriptor inherited through fork.
  fd = open("f", O_RDWR);
  read_all(fd, buf, 6);
  int pid = xfork();
  if(pid == 0){
    if(write(fd, "child", 5) != 5)
      exit(1);
    exit(0);
  }
  reap(1);
  if(write(fd, "parent", 6) != 6)
    fail("write failed");
  close(fd);
  fd = open("f", O_RDONLY);
  int r = read(fd, buf, sizeof(buf));
  close(fd);
  if(r != 17 || memcmp(buf, "abcdefchildparent", 17) != 0)
    fail("shared offsets gave the wrong file contents");
  unlink("f");
}

static void
t_fstat(void)
{
  make_file("f", "hello", 5);
  if(mkdir("d") != 0)
    fail("mkdir failed");
  struct stat st;
  int fd = open("f", O_RDONLY);
  if(fstat(fd, &st) != 0 || st.type != T_FILE || st.size != 5 || st.nlink != 1)
    fail("fstat of a 5-byte file gave type %d size %ld nlink %d",
         st.type, st.size, st.nlink);
  int dfd = open("d", O_RDONLY);
  if(fstat(dfd, &st) != 0 || st.type != T_DIR)
    fail("fstat of a directory gave type %d", st.type);
  uint dino = st.ino;
  if(stat("d/.", &st) != 0 || st.ino != dino)
    fail("d/. is not d");
  close(dfd);

  struct addr bad[MAXBAD];
  char *edge = mem_edge();
  int n = bad_addresses(bad, 1);
  bad[n++] = (struct addr){ (uint64)edge - 8, "a stat that runs off memory" };
  for(int i = 0; i < n; i++)
    if(fstat(fd, (struct stat*)bad[i].va) != -1)
      fail("fstat(fd, %s) did not return -1", bad[i].name);
  close(fd);
  unlink("f");
  unlink("d");
}

// ---- paths: open, mkdir, chdir, link, unlink, mknod ------------------------

// Put in p a path that is too long: n bytes of 'a', NUL-terminated.
static void
long_path(char *p, int n)
{
  memset(p, 'a', n);
  p[n] = '\0';
}

// Fill v with bad path pointers: the bad addresses (not the text, which
// is readable), a string that runs off memory, an over-long path, and one
// with no NUL in its first MAXPATH bytes. Returns the number of paths.
static int
bad_paths(struct addr *v)
{
  char *edge = mem_edge();
  memmove(edge - 3, "abc", 3);
  int n = bad_addresses(v, 0);
  v[n++] = (struct addr){ (uint64)edge - 3, "a path that runs off memory" };
  long_path(buf2, 300);
  v[n++] = (struct addr){ (uint64)buf2, "a 300-byte path" };
  long_path(buf2 + 400, MAXPATH);
  v[n++] = (struct addr){ (uint64)(buf2 + 400), "a MAXPATH-byte path" };
  return n;
}

// Every bad path given to fn must make it return -1; what names the call.
static void
check_bad_paths(int (*fn)(const char *), char *what)
{
  struct addr bad[MAXBAD + 3];
  int n = bad_paths(bad);
  for(int i = 0; i < n; i++)
    if(fn((char*)bad[i].va) != -1)
      fail("%s(%s) did not return -1", what, bad[i].name);
}

static void
t_open(void)
{
  struct addr bad[MAXBAD + 3];
  int n = bad_paths(bad);
  for(int i = 0; i < n; i++){
    if(open((char*)bad[i].va, O_RDONLY) != -1)
      fail("open(%s) did not return -1", bad[i].name);
    if(open((char*)bad[i].va, O_CREATE | O_RDWR) != -1)
      fail("open(%s, O_CREATE) did not return -1", bad[i].name);
  }
  char trunc[DIRSIZ + 1];
  long_path(trunc, DIRSIZ);
  if(open(trunc, O_RDONLY) != -1)
    fail("a failed open(O_CREATE) of a long path created a file");

  if(open("nonexistent", O_RDONLY) != -1)
    fail("open of a missing file did not return -1");
  if(mkdir("d") != 0)
    fail("mkdir failed");
  if(open("d", O_WRONLY) != -1 || open("d", O_RDWR) != -1)
    fail("open of a directory for writing did not return -1");
  if(open("d", O_CREATE | O_RDWR) != -1)
    fail("open(O_CREATE) of an existing directory did not return -1");
  int fd = open("d", O_RDONLY);
  if(fd < 0)
    fail("open of a directory for reading failed");
  if(write(fd, "x", 1) != -1)
    fail("write to a directory did not return -1");
  close(fd);
  if(open("nodir/f", O_CREATE | O_RDWR) != -1)
    fail("open(O_CREATE) in a missing directory did not return -1");
  if(open("", O_CREATE | O_RDWR) != -1)
    fail("open(\"\", O_CREATE) did not return -1");
  make_file("f", "data", 4);
  if(open("f/x", O_CREATE | O_RDWR) != -1 || open("f/x", O_RDONLY) != -1)
    fail("a file was used as a directory");
  fd = open("f", O_CREATE | O_RDWR);
  if(fd < 0 || fsize(fd) != 4)
    fail("O_CREATE of an existing file failed or truncated it");
  close(fd);
  fd = open("d/../f", O_RDONLY);
  if(fd < 0)
    fail("open(d/../f) failed");
  close(fd);
  unlink("f");
  unlink("d");
}

static void
t_mkdir(void)
{
  check_bad_paths(mkdir, "mkdir");

  if(mkdir("d") != 0 || mkdir("d/e") != 0 || mkdir("d/e/f") != 0)
    fail("mkdir of a nested directory failed");
  if(mkdir("d") != -1)
    fail("mkdir of an existing directory did not return -1");
  make_file("file", "x", 1);
  if(mkdir("file") != -1)
    fail("mkdir over an existing file did not return -1");
  if(mkdir("nodir/d") != -1)
    fail("mkdir in a missing directory did not return -1");
  if(mkdir("file/d") != -1)
    fail("mkdir inside a file did not return -1");
  if(mkdir("") != -1)
    fail("mkdir(\"\") did not return -1");

  // A new directory holds . and .. and the names made in it.
  make_file("d/a", "a", 1);
  make_file("d/b", "b", 1);
  struct stat st, st2;
  if(stat("d/e/f/../..", &st) != 0 || stat("d", &st2) != 0 || st.ino != st2.ino)
    fail("d/e/f/../.. is not d");
  int fd = open("d", O_RDONLY);
  struct dirent de;
  int found = 0;
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    if(strcmp(de.name, ".") == 0) found |= 1;
    else if(strcmp(de.name, "..") == 0) found |= 2;
    else if(strcmp(de.name, "a") == 0) found |= 4;
    else if(strcmp(de.name, "b") == 0) found |= 8;
    else if(strcmp(de.name, "e") == 0) found |= 16;
    else fail("unexpected name in a new directory");
  }
  close(fd);
  if(found != 31)
    fail("a directory listing missed entries (%x)", found);
  if(unlink("d/a") != 0 || stat("d/a", &st) != -1)
    fail("unlink d/a failed");
  unlink("d/b");
  unlink("d/e/f");
  unlink("d/e");
  unlink("d");
  unlink("file");
}

static void
t_chdir(void)
{
  check_bad_paths(chdir, "chdir");
  if(chdir("nonexistent") != -1)
    fail("chdir to a missing directory did not return -1");
  make_file("f", "x", 1);
  if(chdir("f") != -1)
    fail("chdir to a file did not return -1");

  if(mkdir("d") != 0)
    fail("mkdir failed");
  if(chdir("d") != 0)
    fail("chdir d failed");
  make_file("inside", "y", 1);
  if(chdir("..") != 0)
    fail("chdir .. failed");
  int fd = open("d/inside", O_RDONLY);
  if(fd < 0)
    fail("a file made after chdir is not where it should be");
  close(fd);

  // A child's chdir does not move its parent.
  int pid = xfork();
  if(pid == 0){
    if(chdir("/") != 0)
      exit(1);
    int fd = open("README", O_RDONLY);
    exit(fd < 0 ? 2 : 0);
  }
  reap(1);
  if(open("f", O_RDONLY) < 0)
    fail("the child's chdir moved the parent");
  unlink("d/inside");
  unlink("d");
  unlink("f");
}

// A process whose working directory is removed under it (and the parent
// with it) must get -1 for every lookup there, never a freed inode.
static void
t_rmcwd(void)
{
  if(mkdir("a") != 0 || mkdir("a/b") != 0)
    fail("mkdir a/b failed");
  int ready[2], go[2];
  if(pipe(ready) < 0 || pipe(go) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    char c = 0;
    if(chdir("a/b") != 0)
      exit(1);
    write(ready[1], &c, 1);
    read(go[0], &c, 1);                 // the parent has removed a/b and a
    if(open("..", O_RDONLY) >= 0 || open(".", O_RDONLY) >= 0)
      exit(2);
    if(open("../c", O_CREATE | O_RDWR) >= 0 || open("c", O_CREATE | O_RDWR) >= 0)
      exit(3);
    if(mkdir("d") != -1 || chdir("..") != -1)
      exit(4);
    exit(0);
  }
  char c;
  if(read(ready[0], &c, 1) != 1)
    fail("the child could not chdir into a/b");
  if(unlink("a/b") != 0 || unlink("a") != 0)
    fail("cannot remove a/b and a");
  write(go[1], &c, 1);
  int st = -9;
  wait(&st);
  if(st != 0)
    fail("in a removed directory, lookups did not all fail (child status %d)", st);
  close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
}

// A write that runs off the end of memory fails with -1, as xv6 programs
// expect, but the bytes before the bad page are written and stay written.
static void
t_partialwrite(void)
{
  make_file("f", "A", 1);
  char *edge = mem_edge();
  edge[-1] = 'X';
  int fd = open("f", O_RDWR);
  if(fd < 0)
    fail("cannot open f");
  if(write(fd, edge - 1, 2) != -1)
    fail("a write running off memory did not return -1");
  close(fd);
  fd = open("f", O_RDONLY);
  char b = 0;
  if(fd < 0 || read(fd, &b, 1) != 1 || b != 'X')
    fail("the byte before the bad page was not written (read %c)", b);
  close(fd);
  unlink("f");
}

static void
t_link(void)
{
  struct addr bad[MAXBAD + 3];
  int n = bad_paths(bad);
  make_file("f", "linked", 6);
  for(int i = 0; i < n; i++){
    if(link((char*)bad[i].va, "g") != -1)
      fail("link(%s, g) did not return -1", bad[i].name);
    if(link("f", (char*)bad[i].va) != -1)
      fail("link(f, %s) did not return -1", bad[i].name);
  }
  if(link("nonexistent", "g") != -1)
    fail("link of a missing file did not return -1");
  if(link("f", "f") != -1)
    fail("link to an existing name did not return -1");
  if(link("f", "nodir/g") != -1)
    fail("link into a missing directory did not return -1");
  if(link("f", "f/g") != -1)
    fail("link inside a file did not return -1");
  if(mkdir("d") != 0)
    fail("mkdir failed");
  if(link("d", "d2") != -1 || link(".", "d3") != -1)
    fail("link of a directory did not return -1");

  struct stat st;
  if(stat("f", &st) != 0 || st.nlink != 1)
    fail("failed links changed nlink to %d", st.nlink);
  if(link("f", "d/g") != 0)
    fail("link f d/g failed");
  if(stat("f", &st) != 0 || st.nlink != 2)
    fail("nlink after link is %d", st.nlink);
  if(unlink("f") != 0)
    fail("unlink f failed");
  int fd = open("d/g", O_RDONLY);
  if(fd < 0 || read(fd, buf, 10) != 6 || memcmp(buf, "linked", 6) != 0)
    fail("the link lost the data");
  if(fstat(fd, &st) != 0 || st.nlink != 1)
    fail("nlink after unlink is %d", st.nlink);
  close(fd);
  unlink("d/g");
  unlink("d");
}

static void
t_unlink(void)
{
  check_bad_paths(unlink, "unlink");
  if(unlink("nonexistent") != -1)
    fail("unlink of a missing file did not return -1");
  if(mkdir("d") != 0)
    fail("mkdir failed");
  make_file("d/f", "x", 1);
  if(unlink("d") != -1)
    fail("unlink of a non-empty directory did not return -1");
  if(unlink("d/.") != -1 || unlink("d/..") != -1 || unlink(".") != -1 ||
     unlink("..") != -1)
    fail("unlink of . or .. did not return -1");
  if(unlink("/") != -1)
    fail("unlink(\"/\") did not return -1");
  if(unlink("d/f/x") != -1)
    fail("unlink inside a file did not return -1");
  if(unlink("d/f") != 0)
    fail("unlink d/f failed");
  if(unlink("d") != 0)
    fail("unlink of an empty directory failed");
  struct stat st;
  if(stat("d", &st) != -1)
    fail("d still exists");

  // Names can be reused at once, many times over.
  for(int i = 0; i < 20; i++){
    make_file("again", buf, 100 + i);
    int fd = open("again", O_RDONLY);
    if(fd < 0 || fsize(fd) != 100 + i)
      fail("recreated file has the wrong size");
    close(fd);
    if(unlink("again") != 0)
      fail("unlink again failed");
  }
}

static void
t_mknod(void)
{
  struct addr bad[MAXBAD + 3];
  int n = bad_paths(bad);
  for(int i = 0; i < n; i++)
    if(mknod((char*)bad[i].va, 1, 0) != -1)
      fail("mknod(%s) did not return -1", bad[i].name);

  if(mknod("cons", 1, 0) != 0)
    fail("mknod cons failed");
  struct stat st;
  if(stat("cons", &st) != 0 || st.type != T_DEVICE)
    fail("a device node has type %d", st.type);
  if(mknod("cons", 1, 0) != -1)
    fail("mknod over an existing name did not return -1");
  if(mknod("nodir/cons", 1, 0) != -1)
    fail("mknod in a missing directory did not return -1");

  // Majors without a driver: the node may exist, but it cannot be used.
  static const short majors[] = { -1, NDEV, 99, 0x7fff, NDEV - 1 };
  for(int i = 0; i < NELEM(majors); i++){
    char name[16];
    format(name, sizeof(name), "dev%d", i);
    if(mknod(name, majors[i], 0) != 0)
      continue;
    int fd = open(name, O_RDWR);
    if(fd >= 0){
      if(read(fd, buf, 1) != -1 || write(fd, "x", 1) != -1)
        fail("a device with major %d could be read or written", majors[i]);
      close(fd);
    }
    if(unlink(name) != 0)
      fail("unlink of a device node failed");
  }
  unlink("cons");
}

// ---- the file system at its limits -----------------------------------------
// The largest file, a directory of many blocks, a full disk and a full
// inode table. Running out must give -1, never a panic, and what was
// taken must all come back when the files are removed.

#define MAXBYTES ((int)(MAXFILE * BSIZE))   // size of the largest file
#define DIRENTS_PER_BLOCK (BSIZE / (int)sizeof(struct dirent))
#define WRITE_BLOCKS (BIGBUF / BSIZE)       // blocks one write moves

// Read and drop n bytes of fd, to move its offset (there is no lseek).
static void
skip_bytes(int fd, int n)
{
  while(n > 0){
    int chunk = n < BIGBUF ? n : BIGBUF;
    read_all(fd, buf2, chunk);
    n -= chunk;
  }
}

// Fill buf with blocks first .. first+n-1 (n <= WRITE_BLOCKS).
static void
fill_blocks(int first, int n)
{
  for(int i = 0; i < n; i++)
    fill_block(buf + i * BSIZE, first + i);
}

// Append blocks first .. end-1 (fill_block's contents) to fd, the file
// name, WRITE_BLOCKS a write.
static void
write_blocks(int fd, const char *name, int first, int end)
{
  for(int b = first; b < end; b += WRITE_BLOCKS){
    int n = end - b < WRITE_BLOCKS ? end - b : WRITE_BLOCKS;
    fill_blocks(b, n);
    if(write(fd, buf, n * BSIZE) != n * BSIZE)
      fail("write of blocks %d to %d of %s failed", b, b + n - 1, name);
  }
}

// Create file name holding nblocks blocks, block b made by fill_block.
static void
make_blocks(const char *name, int nblocks)
{
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    fail("cannot create %s", name);
  write_blocks(fd, name, 0, nblocks);
  close(fd);
}

// Check that file name holds nblocks blocks of make_blocks() and
// nothing after them.
static void
check_blocks(const char *name, int nblocks)
{
  int fd = open(name, O_RDONLY);
  if(fd < 0)
    fail("cannot open %s", name);
  if(fsize(fd) != (uint64)nblocks * BSIZE)
    fail("%s has %ld bytes, not %d blocks", name, fsize(fd), nblocks);
  for(int b = 0; b < nblocks; b += WRITE_BLOCKS){
    int n = nblocks - b < WRITE_BLOCKS ? nblocks - b : WRITE_BLOCKS;
    read_all(fd, buf2, n * BSIZE);
    fill_blocks(b, n);
    for(int i = 0; i < n; i++)
      if(memcmp(buf + i * BSIZE, buf2 + i * BSIZE, BSIZE) != 0)
        fail("block %d of %s read back wrong", b + i, name);
  }
  if(read(fd, buf2, 1) != 0)
    fail("read past the end of %s did not return 0", name);
  close(fd);
}

// A file of MAXFILE blocks (make_blocks' contents: direct, indirect and
// doubly-indirect ones) reads back right; writing past that fails and
// leaves the file as it was.
static void
t_maxfile(void)
{
  enum { STRADDLE = 10 };   // bytes of a write on each side of the limit
  int fd = open("max", O_CREATE | O_WRONLY);
  if(fd < 0)
    fail("cannot create max");
  write_blocks(fd, "max", 0, MAXFILE - 1);
  fill_block(buf, MAXFILE - 1);
  if(write(fd, buf, BSIZE - STRADDLE) != BSIZE - STRADDLE)
    fail("write of the last block of max failed");
  // buf holds the last block. A write across the limit gives -1, or just
  // the bytes below it; those are the last block's own bytes.
  char *tail = buf + BSIZE - STRADDLE;
  int r = write(fd, tail, 2 * STRADDLE);
  if(r != -1 && r != STRADDLE)
    fail("a write across the end of the largest file returned %d", r);
  if(r == -1 && fsize(fd) == MAXBYTES - STRADDLE &&
     write(fd, tail, STRADDLE) != STRADDLE)
    fail("the last bytes of the largest file cannot be written");
  if(fsize(fd) != MAXBYTES)
    fail("the largest file has %ld bytes, not %d", fsize(fd), MAXBYTES);
  r = write(fd, "x", 1);
  if(r != -1 && r != 0)
    fail("a write past the largest file returned %d", r);
  if(fsize(fd) != MAXBYTES)
    fail("a write past the largest file made it %ld bytes", fsize(fd));
  close(fd);
  check_blocks("max", MAXFILE);
  if(unlink("max") != 0)
    fail("unlink max failed");
}

// Names in bigdir's directory d: with "." and ".." they fill three
// blocks and spill into a fourth. They name BIGDIR_FILES files (which
// divides BIGDIR_NAMES): name i is a link to file i % BIGDIR_FILES.
#define BIGDIR_NAMES 200
#define BIGDIR_FILES 20

// Name i of bigdir, without the directory, in out (16 bytes).
static void
bigdir_entry(int i, char *out)
{
  format(out, 16, "f%d", i);
}

// Path of bigdir's name i in out (16 bytes).
static void
bigdir_path(int i, char *out)
{
  format(out, 16, "d/f%d", i);
}

// Check that name i of bigdir opens file i % BIGDIR_FILES, whose inode
// number is ino[i % BIGDIR_FILES] and which holds that number as text.
static void
bigdir_check(int i, const uint *ino)
{
  char name[16], want[12];
  struct stat st;

  bigdir_path(i, name);
  itoa(i % BIGDIR_FILES, want);
  int fd = open(name, O_RDONLY);
  if(fd < 0)
    fail("cannot open %s", name);
  int n = read(fd, buf2, sizeof(buf2));
  if(fstat(fd, &st) != 0)
    fail("fstat of %s failed", name);
  close(fd);
  if(st.type != T_FILE || st.ino != ino[i % BIGDIR_FILES])
    fail("%s is inode %d of type %d", name, st.ino, st.type);
  if(st.nlink != BIGDIR_NAMES / BIGDIR_FILES)
    fail("%s has %d links, not %d", name, st.nlink, BIGDIR_NAMES / BIGDIR_FILES);
  if(n != strlen(want) || memcmp(buf2, want, n) != 0)
    fail("%s holds the wrong data", name);
}

// Read directory d and check that it lists ".", ".." and bigdir's names
// first .. BIGDIR_NAMES-1, each once, and nothing else.
static void
bigdir_list(int first)
{
  char seen[BIGDIR_NAMES];
  struct dirent de;
  int n = 0;

  memset(seen, 0, sizeof(seen));
  int fd = open("d", O_RDONLY);
  if(fd < 0)
    fail("cannot open d");
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    char name[DIRSIZ + 1], want[16];
    if(de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';
    n++;
    if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    int i = atoi(name + 1);
    bigdir_entry(i, want);
    if(strcmp(name, want) != 0 || i < first || i >= BIGDIR_NAMES || seen[i])
      fail("d lists %s unexpectedly", name);
    seen[i] = 1;
  }
  close(fd);
  if(n != BIGDIR_NAMES - first + 2)
    fail("d lists %d entries, not %d", n, BIGDIR_NAMES - first + 2);
}

// A directory of BIGDIR_NAMES entries: every name can be looked up,
// opened and listed, and removed; the directory can be removed only once
// the last name is gone.
static void
t_bigdir(void)
{
  uint ino[BIGDIR_FILES];
  char name[16], target[16];
  struct stat st;

  if(mkdir("d") != 0)
    fail("mkdir d failed");
  for(int i = 0; i < BIGDIR_NAMES; i++){
    bigdir_path(i, name);
    if(i < BIGDIR_FILES){
      itoa(i, buf);
      make_file(name, buf, strlen(buf));
      if(stat(name, &st) != 0)
        fail("stat(%s) failed", name);
      ino[i] = st.ino;
    } else {
      bigdir_path(i % BIGDIR_FILES, target);
      if(link(target, name) != 0)
        fail("link %s %s failed", target, name);
    }
  }
  if(stat("d", &st) != 0 || st.size < (BIGDIR_NAMES + 2) * sizeof(struct dirent))
    fail("d has %ld bytes, too few for its entries", st.size);
  for(int i = 0; i < BIGDIR_NAMES; i++)
    bigdir_check(i, ino);
  bigdir_list(0);

  // Remove every name but the last, which sits in the last block.
  for(int i = 0; i < BIGDIR_NAMES - 1; i++){
    bigdir_path(i, name);
    if(unlink(name) != 0)
      fail("unlink %s failed", name);
  }
  bigdir_list(BIGDIR_NAMES - 1);
  if(unlink("d") != -1)
    fail("unlink of d with a name left in its last block did not return -1");
  bigdir_path(BIGDIR_NAMES - 1, name);
  if(unlink(name) != 0)
    fail("unlink %s failed", name);
  if(unlink("d") != 0 || stat("d", &st) != -1)
    fail("cannot remove the emptied d");
}

// More files of MAXFILE blocks than the largest disk mkfs makes (4 GiB)
// can hold: fill_disk() gives up after that many.
#define MAXFILLS 66

// Create file name and write to it until it has MAXFILE blocks or a
// write fails. Returns the number of blocks it got.
static int
fill_file(const char *name)
{
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    fail("cannot create %s", name);
  memset(buf, 'F', BIGBUF);
  for(int size = 0; size < MAXBYTES; ){
    int n = MAXBYTES - size < BIGBUF ? MAXBYTES - size : BIGBUF;
    if(write(fd, buf, n) != n)
      break;
    size += n;
  }
  uint64 size = fsize(fd);
  close(fd);
  if(size % BSIZE != 0)
    fail("%s has %ld bytes, not whole blocks", name, size);
  return size / BSIZE;
}

// Fill the disk with files full0, full1, ... Returns the number of data
// blocks written and sets *nfiles.
static int
fill_disk(int *nfiles)
{
  char name[16];
  int total = 0;

  for(int i = 0; i < MAXFILLS; i++){
    format(name, sizeof(name), "full%d", i);
    int got = fill_file(name);
    total += got;
    if(got < MAXFILE){
      *nfiles = i + 1;
      return total;
    }
  }
  fail("the disk never filled up (%d blocks written)", total);
}

// On the full disk, a new file gets an inode but no data block.
static void
full_new_file(void)
{
  int fd = open("empty", O_CREATE | O_RDWR);
  if(fd < 0)
    fail("open(O_CREATE) failed on a full disk");
  if(write(fd, "x", 1) != -1)
    fail("write to a new file on a full disk did not return -1");
  if(fsize(fd) != 0)
    fail("a failed write made a %ld-byte file", fsize(fd));
  close(fd);
  if(unlink("empty") != 0)
    fail("unlink empty failed");
}

// On the full disk, mkdir needs a block for "." and "..": it fails and
// leaves no name behind.
static void
full_mkdir(void)
{
  struct stat st;

  if(mkdir("nodisk") != -1)
    fail("mkdir on a full disk did not return -1");
  if(stat("nodisk", &st) != -1)
    fail("a failed mkdir left a name behind");
}

// On the full disk, directory g (one block) takes names until that block
// is full; one more needs a new block and fails. Then the names go again.
static void
full_dir_growth(void)
{
  char name[16];
  int n;

  for(n = 0; n <= DIRENTS_PER_BLOCK; n++){
    format(name, sizeof(name), "g/l%d", n);
    if(link("direct", name) != 0)
      break;
  }
  if(n != DIRENTS_PER_BLOCK - 2)
    fail("a one-block directory on a full disk took %d names, not %d",
         n, DIRENTS_PER_BLOCK - 2);
  while(n-- > 0){
    format(name, sizeof(name), "g/l%d", n);
    if(unlink(name) != 0)
      fail("unlink %s failed", name);
  }
}

// One-block files removed to free blocks on the full disk: one for the
// indirect block of "direct", two for the index blocks of "edge".
#define SPARES 3

// On the full disk, with spare files first .. first+nfree-1 removed, a
// write of block nblocks of the nblocks-block file name needs nfree index
// blocks and a data block: it gets the first ones but fails for lack of
// the last; the file keeps its size and contents.
static void
full_index(const char *name, int nblocks, int first, int nfree)
{
  char spare[16];

  for(int i = first; i < first + nfree; i++){
    format(spare, sizeof(spare), "spare%d", i);
    if(unlink(spare) != 0)
      fail("unlink %s failed", spare);
  }
  int fd = open(name, O_RDWR);
  if(fd < 0)
    fail("cannot open %s", name);
  skip_bytes(fd, nblocks * BSIZE);
  if(write(fd, buf, BSIZE) != -1)
    fail("a write of block %d of %s with %d blocks free did not return -1",
         nblocks, name, nfree);
  close(fd);
  check_blocks(name, nblocks);
}

// One round of diskfull: fill the disk, check that what needs a block
// fails cleanly, then remove everything. Returns the data blocks that
// the filling took.
static int
diskfull_round(void)
{
  char name[16];
  int nfiles;

  make_blocks("direct", NDIRECT);           // just the direct blocks
  make_blocks("edge", FIRST_DINDIRECT);     // up to the doubly-indirect ones
  for(int i = 0; i < SPARES; i++){
    format(name, sizeof(name), "spare%d", i);
    make_blocks(name, 1);
  }
  if(mkdir("g") != 0)
    fail("mkdir g failed");
  int blocks = fill_disk(&nfiles);
  full_new_file();
  full_mkdir();
  full_dir_growth();
  full_index("direct", NDIRECT, 0, 1);
  full_index("edge", FIRST_DINDIRECT, 1, SPARES - 1);
  for(int i = 0; i < nfiles; i++){
    format(name, sizeof(name), "full%d", i);
    if(unlink(name) != 0)
      fail("unlink %s failed", name);
  }
  if(unlink("g") != 0 || unlink("direct") != 0 || unlink("edge") != 0)
    fail("cannot remove g, direct and edge");
  return blocks;
}

// Fill the disk twice: every way of running out fails with -1, and
// removing the files gives every block back, index blocks included.
// Says how many blocks the files took, for the grader to compare across
// a power cut (fs/bigcrash).
static void
t_diskfull(void)
{
  int first = diskfull_round();
  if(first <= FIRST_DINDIRECT)
    fail("the disk filled up after %d blocks, before a file reached the "
         "doubly-indirect ones", first);
  int second = diskfull_round();
  if(second != first)
    fail("the disk took %d blocks, after removing them %d: blocks leaked",
         first, second);
  printf("diskfull: the files took %d blocks\n", first);
}

// More files than any Atlas disk has inodes for (inode numbers are 16
// bits, but mkfs makes far fewer).
#define MAXCREATES 1000
// Directories the files of inodes are spread over, so that each stays
// small and lookups in it quick.
#define INODE_DIRS 8

// Path of file i of inodes in out (16 bytes).
static void
inodes_path(int i, char *out)
{
  format(out, 16, "d%d/i%d", i % INODE_DIRS, i);
}

// Create empty files 0, 1, ... until that fails. Returns how many.
static int
create_until_full(void)
{
  char name[16];

  for(int n = 0; n < MAXCREATES; n++){
    inodes_path(n, name);
    int fd = open(name, O_CREATE | O_RDWR);
    if(fd < 0)
      return n;
    close(fd);
  }
  fail("created %d files and the inodes never ran out", MAXCREATES);
}

// Remove files 0 .. n-1.
static void
remove_created(int n)
{
  char name[16];

  for(int i = 0; i < n; i++){
    inodes_path(i, name);
    if(unlink(name) != 0)
      fail("unlink %s failed", name);
  }
}

// With no inode left (n files made), what needs one fails and leaves no
// name behind; a new name for an old inode needs none.
static void
full_inodes(int n)
{
  char name[16], first[16];
  struct stat st, st2;

  inodes_path(n, name);
  if(stat(name, &st) != -1)
    fail("a failed open(O_CREATE) left %s behind", name);
  if(mkdir("x") != -1 || stat("x", &st) != -1)
    fail("mkdir with no free inode did not fail cleanly");
  if(mknod("dev", 1, 0) != -1 || stat("dev", &st) != -1)
    fail("mknod with no free inode did not fail cleanly");
  inodes_path(0, first);
  if(link(first, "alias") != 0)
    fail("link with no free inode failed");
  if(stat("alias", &st) != 0 || stat(first, &st2) != 0 || st.ino != st2.ino)
    fail("alias is not %s", first);
  if(unlink("alias") != 0)
    fail("unlink alias failed");
}

// Use up the disk's inodes twice: running out fails cleanly, and
// removing the files gives every inode back.
static void
t_inodes(void)
{
  char dir[16];

  for(int d = 0; d < INODE_DIRS; d++){
    format(dir, sizeof(dir), "d%d", d);
    if(mkdir(dir) != 0)
      fail("mkdir %s failed", dir);
  }
  int first = create_until_full();
  if(first == 0)
    fail("no file could be created");
  full_inodes(first);
  remove_created(first);
  int second = create_until_full();
  remove_created(second);
  if(second != first)
    fail("%d files could be made, after removing them %d: inodes leaked",
         first, second);
  for(int d = 0; d < INODE_DIRS; d++){
    format(dir, sizeof(dir), "d%d", d);
    if(unlink(dir) != 0)
      fail("unlink %s failed", dir);
  }
}

// ---- a power cut while a big file grows --------------------------------------
// The grader (fs/bigcrash) runs systest --crash-writer, cuts the power
// once the file it writes reaches the doubly-indirect blocks, boots again
// and runs the test crashcheck.

#define CRASH_WRITER "--crash-writer"   // argv[1]: the grader's writer
#define CRASH_FILE "/crashbig"
#define CRASH_BLOCKS (FIRST_DINDIRECT + 3 * (int)NINDIRECT)  // three
                                        // indirect blocks under the doubly-indirect one

// systest --crash-writer: write CRASH_FILE one block a write (so one log
// operation each), make_blocks' contents, then remove it, and again
// until the power goes. Says when the file first reaches the
// doubly-indirect blocks. Returns only when a call fails.
static int
crash_writer(void)
{
  for(int round = 0; ; round++){
    int fd = open(CRASH_FILE, O_CREATE | O_WRONLY);
    if(fd < 0){
      printf("crash-writer: cannot create %s\n", CRASH_FILE);
      return 1;
    }
    for(int b = 0; b < CRASH_BLOCKS; b++){
      fill_block(buf, b);
      if(write(fd, buf, BSIZE) != BSIZE){
        printf("crash-writer: write of block %d failed\n", b);
        return 1;
      }
      if(round == 0 && b == FIRST_DINDIRECT)
        printf("crash-writer: in the doubly-indirect blocks\n");
    }
    close(fd);
    if(unlink(CRASH_FILE) != 0){
      printf("crash-writer: cannot remove %s\n", CRASH_FILE);
      return 1;
    }
  }
}

// After the power cut: CRASH_FILE is gone (the power went between its
// removal and its creation) or holds whole blocks of what crash_writer
// wrote, each write having been all or nothing. It can be removed, and a
// new file as big can be written and read back.
static void
t_crashcheck(void)
{
  int fd = open(CRASH_FILE, O_RDONLY);
  if(fd >= 0){
    uint64 size = fsize(fd);
    close(fd);
    if(size % BSIZE != 0 || size > CRASH_BLOCKS * BSIZE)
      fail("%s has %ld bytes, not whole blocks of the %d written",
           CRASH_FILE, size, CRASH_BLOCKS);
    check_blocks(CRASH_FILE, size / BSIZE);
    printf("crashcheck: %s survived with %ld blocks\n", CRASH_FILE, size / BSIZE);
    if(unlink(CRASH_FILE) != 0)
      fail("unlink %s failed", CRASH_FILE);
  } else {
    printf("crashcheck: no %s\n", CRASH_FILE);
  }
  make_blocks("after", CRASH_BLOCKS);
  check_blocks("after", CRASH_BLOCKS);
}

// ---- exec --------------------------------------------------------------------

static volatile int exec_canary = 0;

// What the exec'd child prints for argv: each argument and a newline.
static int
expected_output(char **argv, char *out)
{
  int n = 0;
  for(int i = 0; argv[i] != 0; i++){
    int len = strlen(argv[i]);
    memmove(out + n, argv[i], len);
    n += len;
    out[n++] = '\n';
  }
  return n;
}

// exec must fail with -1 and leave the process as it was. The exec runs
// in a child, which reports through a pipe what exec returned, so an exec
// that wrongly succeeds is reported as such.
static void
exec_fails(const char *path, char **argv, const char *what)
{
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    close(p[0]);
    exec_canary = getpid();
    int r = exec(path, argv);
    if(exec_canary != getpid() || buf2[0] != 'k')
      r = -2;
    write(p[1], &r, sizeof(r));
    exit(0);
  }
  close(p[1]);
  int r = 0;
  int n = read(p[0], &r, sizeof(r));
  close(p[0]);
  int st = 0;
  if(wait(&st) != pid)
    fail("wait failed");
  if(n != sizeof(r))
    fail("exec with %s did not fail: the program ran (status %d)", what, st);
  if(r == -2)
    fail("a failed exec with %s changed memory", what);
  if(r != -1)
    fail("exec with %s returned %d", what, r);
}

static void
t_exec(void)
{
  // Arguments arrive intact, the empty one included; the status returns.
  char *argv[MAXARG + 8];
  char *good[] = { "systest", EXEC_CHILD, "7", "alpha", "", "beta", 0 };
  int st = 0;
  int n = exec_output(SELF, good, buf, sizeof(buf), &st);
  int want = expected_output(good, buf2);
  if(st != 7 || n != want || memcmp(buf, buf2, n) != 0)
    fail("exec'd child gave status %d and %d bytes of output", st, n);

  // MAXARG-1 arguments fit.
  argv[0] = "systest";
  argv[1] = EXEC_CHILD;
  argv[2] = "0";
  for(int i = 3; i < MAXARG - 1; i++)
    argv[i] = "x";
  argv[MAXARG - 1] = 0;
  n = exec_output(SELF, argv, buf, sizeof(buf), &st);
  want = expected_output(argv, buf2);
  if(st != 0 || n != want || memcmp(buf, buf2, n) != 0)
    fail("exec with MAXARG-1 arguments gave status %d", st);

  buf2[0] = 'k';
  char *plain[] = { "systest", 0 };
  exec_fails("/README", plain, "a text file");
  exec_fails("/", plain, "a directory");
  exec_fails("nonexistent", plain, "a missing file");

  struct addr bad[MAXBAD + 3];
  n = bad_paths(bad);
  buf2[0] = 'k';
  for(int i = 0; i < n; i++)
    exec_fails((char*)bad[i].va, plain, bad[i].name);

  char *edge = mem_edge();
  n = bad_addresses(bad, 0);
  for(int i = 0; i < n; i++){
    exec_fails(SELF, (char**)bad[i].va, bad[i].name);
    char *badarg[] = { "systest", (char*)bad[i].va, 0 };
    exec_fails(SELF, badarg, bad[i].name);
  }
  char **unterminated = (char**)(edge - sizeof(char*));
  unterminated[0] = "systest";
  exec_fails(SELF, unterminated, "an argv that runs off memory");
  memmove(edge - 3, "abc", 3);
  char *offend[] = { "systest", edge - 3, 0 };
  exec_fails(SELF, offend, "an argument that runs off memory");

  // Too many arguments, an argument over a page, more than the stack holds.
  for(int i = 0; i < MAXARG + 1; i++)
    argv[i] = "x";
  argv[MAXARG + 1] = 0;
  exec_fails(SELF, argv, "MAXARG+1 arguments");
  char *huge = sbrk(PGSIZE + 2);
  long_path(huge, PGSIZE + 1);
  char *hugearg[] = { "systest", huge, 0 };
  exec_fails(SELF, hugearg, "an argument longer than a page");
  char *big = sbrk(2000);
  long_path(big, 1999);
  int k = 0;
  argv[k++] = "systest";
  for(int used = 0; used <= USERSTACK * PGSIZE; used += 2000)
    argv[k++] = big;
  argv[k] = 0;
  exec_fails(SELF, argv, "arguments larger than the stack");
}

// Write an ELF file to path: a header whose one program header is ph,
// found at phoff; the file is len bytes long.
static void
write_elf(const char *path, struct proghdr *ph, uint64 phoff, uint64 entry,
          int len)
{
  static char img[PGSIZE];   // the user stack is only a page
  struct elfhdr *eh = (struct elfhdr*)img;

  memset(img, 0, sizeof(img));
  eh->magic = ELF_MAGIC;
  eh->elf[ELF_IDENT_CLASS] = ELF_CLASS64;
  eh->elf[ELF_IDENT_DATA] = ELF_DATA_LSB;
  eh->elf[ELF_IDENT_VERSION] = ELF_VERSION_CURRENT;
  eh->type = ELF_TYPE_EXEC;
  eh->machine = ELF_MACHINE_RISCV;
  eh->version = ELF_VERSION_CURRENT;
  eh->entry = entry;
  eh->phoff = phoff;
  eh->ehsize = sizeof(struct elfhdr);
  eh->phentsize = sizeof(struct proghdr);
  eh->phnum = 1;
  memmove(img + sizeof(struct elfhdr), ph, sizeof(*ph));
  make_file(path, img, len);
}

static void
exec_file(uint64 path)
{
  char *argv[] = { "bad", 0 };
  exec((char*)path, argv);
  exit(-1);
}

static void
t_execelf(void)
{
  struct elfcase {
    const char *what;
    uint64 phoff, off, vaddr, filesz, memsz;
    int len;
  } cases[] = {
    { "a truncated header", 64, 0, 0, 120, PGSIZE, 20 },
    { "program headers past the end", PGSIZE, 0, 0, 120, PGSIZE, 120 },
    { "memsz < filesz", 64, 0, 0, 120, 16, 120 },
    { "a segment that wraps around", 64, 0, -(uint64)PGSIZE, 0, 2 * PGSIZE, 120 },
    { "a segment over TRAPFRAME", 64, 0, TRAPFRAME, 0, PGSIZE, 120 },
    { "segment data past the end", 64, 0, 0, 100000, 100000, 120 },
    { "a huge file offset", 64, 0xffffffff00000000UL, 0, 16, PGSIZE, 120 },
  };
  char *argv[] = { "bad", 0 };

  buf2[0] = 'k';
  for(int i = 0; i < NELEM(cases); i++){
    struct proghdr ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = ELF_PROG_LOAD;
    ph.flags = ELF_PROG_FLAG_READ | ELF_PROG_FLAG_EXEC;
    ph.off = cases[i].off;
    ph.vaddr = cases[i].vaddr;
    ph.filesz = cases[i].filesz;
    ph.memsz = cases[i].memsz;
    ph.align = PGSIZE;
    write_elf("bad", &ph, cases[i].phoff, 0, cases[i].len);
    exec_fails("bad", argv, cases[i].what);
  }

  // A well-formed file whose entry point is not mapped: exec may refuse
  // it or run it, and then the program dies of a page fault.
  struct proghdr ph;
  memset(&ph, 0, sizeof(ph));
  ph.type = ELF_PROG_LOAD;
  ph.flags = ELF_PROG_FLAG_READ | ELF_PROG_FLAG_EXEC;
  ph.filesz = 120;
  ph.memsz = PGSIZE;
  ph.align = PGSIZE;
  write_elf("bad", &ph, 64, 0x100000, 120);
  expect_killed(exec_file, (uint64)"bad", "exec of an unmapped entry point");
  unlink("bad");
}

// ---- sbrk and memory -----------------------------------------------------------

// Shrink the heap below its start; the kernel must refuse.
static void
shrink_into_text(uint64 unused)
{
  char *cur = sbrk(0);
  char *r = sbrk(-(int)((uint64)cur - PGSIZE));
  exit(r == cur && sbrk(0) == cur ? 0 : 2);
}

static void
t_sbrk(void)
{
  char *a = sbrk(0);
  if(sbrk(1) != a || sbrk(0) != a + 1)
    fail("sbrk(1) did not move the break by one byte");
  if(sbrk(PGSIZE - 1) != a + 1 || sbrk(0) != a + PGSIZE)
    fail("sbrk(PGSIZE-1) gave the wrong break");
  a[0] = 1;
  a[PGSIZE - 1] = 1;

  // New memory is zero, even memory given back and taken again.
  enum { N = 5 };
  char *p = sbrk(N * PGSIZE);
  if(p != a + PGSIZE)
    fail("sbrk returned %p, not the old break", p);
  for(int i = 0; i < N * PGSIZE; i++)
    if(p[i] != 0)
      fail("new heap byte %d is not zero", i);
  memset(p, 0x5a, N * PGSIZE);
  if(sbrk(-N * PGSIZE) != p + N * PGSIZE || sbrk(0) != p)
    fail("shrinking gave the wrong break");
  if(sbrk(N * PGSIZE) != p)
    fail("sbrk after a shrink returned the wrong address");
  for(int i = 0; i < N * PGSIZE; i++)
    if(p[i] != 0)
      fail("heap byte %d kept its old value after shrink and grow", i);
  if(a[0] != 1 || a[PGSIZE - 1] != 1)
    fail("memory below the shrunk part changed");

  // Shrinking by more than the heap (below zero, or into the program)
  // changes nothing and returns the old break, as xv6's sbrk does.
  char *brk = sbrk(0);
  if(sbrk(-(int)(uint64)brk - PGSIZE) != brk)
    fail("shrinking the break below 0 did not return the old break");
  if(sbrk((int)0x80000000) != brk)
    fail("sbrk(INT_MIN) did not return the old break");
  if(sbrk(0) != brk)
    fail("too-large shrinks moved the break");
  int st = child_status(shrink_into_text, 0);
  if(st != 0)
    fail("shrinking the heap into the program's text gave status %d", st);

  // A huge request either fails or (with lazy allocation) succeeds; then
  // its last byte is usable and it can be given back.
  char *h = sbrk(0x7fffffff);
  if(h != (char*)-1){
    if(h != brk)
      fail("sbrk(INT_MAX) returned %p, not the old break", h);
    h[0x7fffffff - 1] = 'z';
    if(h[0x7fffffff - 1] != 'z')
      fail("the last byte of a huge heap did not hold a value");
    if(sbrk(-0x7fffffff) != h + 0x7fffffff)
      fail("shrinking a huge heap failed");
  }
  if(sbrk(0) != brk)
    fail("the break is %p after a huge sbrk, not %p", sbrk(0), brk);
}

static void
t_sbrklazy(void)
{
  // System calls may use heap memory the program has not touched yet.
  char *p = sbrk(6 * PGSIZE);
  if(p == (char*)-1)
    fail("sbrk failed");
  int fd = open("/README", O_RDONLY);
  if(fd < 0)
    fail("cannot open /README");
  int r = read(fd, p + PGSIZE + 100, 500);
  if(r <= 0)
    fail("read into untouched heap memory returned %d", r);
  close(fd);
  fd = open("/README", O_RDONLY);
  if(read(fd, buf, r) != r || memcmp(buf, p + PGSIZE + 100, r) != 0)
    fail("read into untouched heap memory got the wrong data");
  close(fd);

  int *fds = (int*)(p + 2 * PGSIZE);
  if(pipe(fds) != 0)
    fail("pipe into untouched heap memory failed");
  if(write(fds[1], p + 3 * PGSIZE, 100) != 100)
    fail("write from untouched heap memory failed");
  if(read(fds[0], buf, 100) != 100)
    fail("read failed");
  for(int i = 0; i < 100; i++)
    if(buf[i] != 0)
      fail("untouched heap memory was not zero");
  close(fds[0]);
  close(fds[1]);
  if(fstat(0, (struct stat*)(p + 4 * PGSIZE)) != 0)
    fail("fstat into untouched heap memory failed");

  // A child gets its own copy of untouched memory.
  int pid = xfork();
  if(pid == 0){
    if(p[5 * PGSIZE] != 0)
      exit(1);
    p[5 * PGSIZE] = 'c';
    exit(0);
  }
  reap(1);
  if(p[5 * PGSIZE] != 0)
    fail("the child's store reached the parent");
}

static void
touch_after_shrink(uint64 store)
{
  char *e = mem_edge();
  sbrk(-PGSIZE);
  if(store)
    e[-PGSIZE] = 2;
  else
    sink = e[-PGSIZE];
}

static void
touch_past_break(uint64 pages)
{
  uint64 brk = PGROUNDUP((uint64)sbrk(0));
  sink = *(volatile char*)(brk + pages * PGSIZE);
}

static void
t_sbrkfault(void)
{
  expect_killed(touch_after_shrink, 0, "load from a shrunk heap page");
  expect_killed(touch_after_shrink, 1, "store to a shrunk heap page");
  expect_killed(touch_past_break, 0, "load at the break");
  expect_killed(touch_past_break, 10, "load 10 pages past the break");
}

static void
t_outofmem(void)
{
  // Allocate until memory runs out: either sbrk fails, or with lazy
  // allocation the kernel kills the process. No panic, no leak.
  int pid = xfork();
  if(pid == 0){
    for(int chunk = 64 * PGSIZE; chunk >= PGSIZE; ){
      char *p = sbrk(chunk);
      if(p == (char*)-1){
        chunk /= 2;
        continue;
      }
      for(int i = 0; i < chunk; i += PGSIZE)
        p[i] = 1;
    }
    // Out of memory: calls that need memory fail cleanly.
    int c = fork();
    if(c == 0)
      exit(0);
    if(c > 0)
      wait(0);
    int q[2];
    if(pipe(q) == 0){
      close(q[0]);
      close(q[1]);
    }
    exit(0);
  }
  int st = 0;
  if(wait(&st) != pid)
    fail("wait failed");
  if(st != 0 && st != -1)
    fail("the memory hog exited with %d", st);
  pid = xfork();
  if(pid == 0)
    exit(0);
  reap(1);
}

static void
t_kpages(void)
{
  int k0 = kpages();
  if(k0 <= 0 || (uint64)k0 * PGSIZE > MAXPHYSMEM)
    fail("kpages returned %d", k0);
  enum { N = 16 };
  char *p = sbrk(N * PGSIZE);
  for(int i = 0; i < N; i++)
    p[i * PGSIZE] = 1;
  int k1 = kpages();
  if(k1 > k0 - N)
    fail("touching %d new pages took only %d", N, k0 - k1);
  sbrk(-N * PGSIZE);
  int k2 = kpages();
  if(k2 < k0 - 2)   // page-table pages may stay
    fail("freeing %d pages gave back only %d", N, k2 - k1);
  int pid = xfork();
  if(pid == 0)
    exit(kpages() < k2 ? 0 : 1);
  reap(1);
  int k3 = kpages();
  for(int i = 0; i < 10 && k3 != k2; i++){
    sleep(1);
    k3 = kpages();
  }
  if(k3 != k2)
    fail("free pages %d before fork, %d after wait", k2, k3);
}

static void
t_sysinfo(void)
{
  struct addr bad[MAXBAD];
  char *edge = mem_edge();
  int n = bad_addresses(bad, 1);
  bad[n++] = (struct addr){ (uint64)edge - 8, "a struct that runs off memory" };
  for(int i = 0; i < n; i++)
    if(sysinfo((struct sysinfo*)bad[i].va) != -1)
      fail("sysinfo(%s) did not return -1", bad[i].name);

  struct sysinfo si;
  struct memstat st;
  int k = kpages();
  if(sysinfo(&si) != 0 || memstat(&st) != 0)
    fail("sysinfo or memstat failed");
  if(si.freemem != (uint64)(k - st.kernel_pages) * PGSIZE)
    fail("freemem is %ld but kpages says %d pages, %d of them the kernel's",
         si.freemem, k, (int)st.kernel_pages);
  uint64 n0 = si.nproc;
  if(n0 < 3 || n0 > NPROC)
    fail("nproc is %ld", n0);

  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    close(p[1]);
    block_on_read(p[0]);
  }
  sysinfo(&si);
  if(si.nproc != n0 + 1)
    fail("nproc went from %ld to %ld after fork", n0, si.nproc);
  close(p[1]);
  close(p[0]);
  reap(1);
  sysinfo(&si);
  if(si.nproc != n0)
    fail("nproc is %ld after wait, not %ld", si.nproc, n0);

  uint64 before = si.freemem;
  char *m = sbrk(10 * PGSIZE);
  for(int i = 0; i < 10; i++)
    m[i * PGSIZE] = 1;
  sysinfo(&si);
  if(si.freemem + 10 * PGSIZE > before)
    fail("freemem fell by %ld bytes after touching 10 pages", before - si.freemem);
}

// With the process table full, sysinfo counts NPROC processes.
static void
t_sysinfo_full(void)
{
  struct sysinfo si;
  if(sysinfo(&si) != 0)
    fail("sysinfo failed");
  uint64 n0 = si.nproc;
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  int n = fill_proc_table(p);
  if(sysinfo(&si) != 0 || si.nproc != NPROC || n0 + n != NPROC)
    fail("nproc %ld, then %ld after %d forks filled the table of NPROC (%d)",
         n0, si.nproc, n, NPROC);
  close(p[1]);
  close(p[0]);
  reap(n);
  if(sysinfo(&si) != 0 || si.nproc != n0)
    fail("nproc %ld after the children, not %ld", si.nproc, n0);
}

// ---- time ----------------------------------------------------------------------

static void
t_sleep(void)
{
  int t0 = uptime();
  if(sleep(0) != 0)
    fail("sleep(0) failed");
  int r = sleep(-1);
  if(r != 0 && r != -1)
    fail("sleep(-1) returned %d", r);
  r = sleep((int)0x80000000);
  if(r != 0 && r != -1)
    fail("sleep(INT_MIN) returned %d", r);
  if(uptime() - t0 > 20)
    fail("sleeps of no time took %d ticks", uptime() - t0);
  t0 = uptime();
  if(sleep(3) != 0)
    fail("sleep(3) failed");
  int t1 = uptime();
  if(t1 - t0 < 3)
    fail("sleep(3) slept %d ticks", t1 - t0);
  if(pause(2) != 0)
    fail("pause(2) failed");
  if(uptime() - t1 < 2)
    fail("pause(2) slept %d ticks", uptime() - t1);
}

static void
t_uptime(void)
{
  int prev = uptime();
  if(prev < 0)
    fail("uptime returned %d", prev);
  for(int i = 0; i < 2000; i++){
    int t = uptime();
    if(t < prev)
      fail("uptime went back from %d to %d", prev, t);
    prev = t;
  }
  // Time passes while a program computes without making system calls.
  int start = uptime();
  volatile uint64 spins = 0;
  while(uptime() - start < 2)
    spins++;
}

// ---- faults and bad system calls -----------------------------------------------

static void
do_load(uint64 va)
{
  sink = *(volatile char*)va;
}

static void
do_store(uint64 va)
{
  *(volatile char*)va = 1;
}

static void
do_jump(uint64 va)
{
  ((void (*)(void))va)();
}

// Recurse until the stack runs into its guard page.
static int
recurse(int depth)
{
  volatile char frame[256];
  frame[0] = (char)depth;
  if(depth > 1000000)
    return 0;
  return recurse(depth + 1) + frame[0];
}

static void
overflow_stack(uint64 unused)
{
  sink = recurse(0);
}

static void
illegal_instruction(uint64 unused)
{
  asm volatile(".2byte 0");
}

static void
supervisor_csr(uint64 unused)
{
  uint64 x;
  asm volatile("csrr %0, sstatus" : "=r" (x));
  sink = (int)x;
}

static void
breakpoint(uint64 unused)
{
  asm volatile("ebreak");
}

static void
t_faults(void)
{
  char here;
  if((uint64)&here < guard_page() + PGSIZE || (uint64)&here >= stack_top)
    fail("the stack is not where systest expects it");

  struct { uint64 va; const char *name; int load, store, jump; } cases[] = {
    { guard_page(), "the stack guard page", 1, 1, 1 },
    { PGROUNDUP((uint64)sbrk(0)) + 10 * PGSIZE, "break+10 pages", 1, 1, 1 },
    { KERNBASE, "KERNBASE", 1, 1, 1 },
    { KERNLINK, "the kernel's text", 1, 1, 1 },
    { TRAPFRAME, "TRAPFRAME", 1, 1, 1 },
    { TRAMPOLINE, "TRAMPOLINE", 1, 1, 1 },
    { MAXVA - 1, "MAXVA-1", 1, 1, 0 },
    { MAXVA, "MAXVA", 1, 1, 1 },
    { 1UL << 63, "1<<63", 1, 1, 0 },
    { ~0UL, "0xffffffffffffffff", 1, 1, 1 },
    { (uint64)&fail, "the program's text", 0, 1, 0 },
    { (uint64)rodata, "read-only data", 0, 1, 0 },
  };
  for(int i = 0; i < NELEM(cases); i++){
    char what[80];
    if(cases[i].load){
      format(what, sizeof(what), "load from %s", cases[i].name);
      expect_killed(do_load, cases[i].va, what);
    }
    if(cases[i].store){
      format(what, sizeof(what), "store to %s", cases[i].name);
      expect_killed(do_store, cases[i].va, what);
    }
    if(cases[i].jump){
      format(what, sizeof(what), "jump to %s", cases[i].name);
      expect_killed(do_jump, cases[i].va, what);
    }
  }
  expect_killed(overflow_stack, 0, "stack overflow");
  expect_killed(illegal_instruction, 0, "illegal instruction");
  expect_killed(supervisor_csr, 0, "reading sstatus");
  expect_killed(breakpoint, 0, "ebreak");
}

// A system call with number num and arguments a0..a2, made directly.
static long
raw_syscall(long num, long a0, long a1, long a2)
{
  register long r_a0 asm("a0") = a0;
  register long r_a1 asm("a1") = a1;
  register long r_a2 asm("a2") = a2;
  register long r_a7 asm("a7") = num;
  asm volatile("ecall"
               : "+r" (r_a0)
               : "r" (r_a1), "r" (r_a2), "r" (r_a7)
               : "memory");
  return r_a0;
}

static void
t_badsyscall(void)
{
  // 0, the numbers xv6 leaves to lab system calls, and far beyond.
  static const long nums[] = { 0, 24, 29, 63, 64, 1000, -1, 0x7fffffff,
                               -0x80000000L };
  for(int i = 0; i < NELEM(nums); i++){
    long r = raw_syscall(nums[i], 1, 2, 3);
    if(r != -1)
      fail("system call %ld returned %ld, not -1", nums[i], r);
  }
  if(raw_syscall(SYS_getpid, 0, 0, 0) != getpid())
    fail("a direct getpid system call did not work");
}

// ---- trace: the calls of a mask printed as they return -------------------------
// The tests make calls whose printout (kernel/trap/syscall.c) grade-tests.py
// checks on the console: the comments give the lines each call must print.

#define TRACED(call) (1 << (call))

// A mask of several calls: each prints its result, and only those. A
// call to trace() prints if the mask it sets has trace's bit.
static void
t_trace_calls(void)
{
  if(trace(0) != 0)
    fail("trace(0) failed");
  if(trace(TRACED(SYS_getpid) | TRACED(SYS_dup) | TRACED(SYS_close)) != 0)
    fail("trace failed");
  getpid();                          // PID: syscall getpid -> PID
  int fd = dup(0);                   // PID: syscall dup -> FD
  if(fd < 0 || close(fd) != 0)       // PID: syscall close -> 0
    fail("dup or close failed");
  if(close(fd) != -1)                // PID: syscall close -> -1
    fail("closing a closed descriptor did not fail");
  uptime();
  if(trace(TRACED(SYS_uptime)) != 0)
    fail("trace failed");
  getpid();
  uptime();                          // PID: syscall uptime -> TICKS
  trace(0);
  uptime();
}

// The mask goes to children with fork; a child's trace() changes only
// its own.
static void
t_trace_fork(void)
{
  if(trace(TRACED(SYS_fork) | TRACED(SYS_getpid)) != 0)
    fail("trace failed");
  int pid = xfork();                 // PID: syscall fork -> CHILD
  if(pid == 0){
    getpid();                        // CHILD: syscall getpid -> CHILD
    if(xfork() == 0){                // CHILD: syscall fork -> GRANDCHILD
      if(trace(TRACED(SYS_uptime)) != 0)
        exit(1);
      getpid();
      uptime();                      // GRANDCHILD: syscall uptime -> TICKS
      exit(0);
    }
    reap(1);
    getpid();                        // CHILD: syscall getpid -> CHILD
    exit(0);
  }
  reap(1);
  getpid();                          // PID: syscall getpid -> PID
}

// A negative mask is refused and changes nothing; bits that name no call,
// and calls numbered TRACE_CALLS and up, print nothing.
static void
t_trace_bad(void)
{
  static const long unknown[] = { 0, 24, 29, 63, 64, 1000, -1 };
  if(trace(-1) != -1 || trace((int)0x80000000) != -1)
    fail("trace accepted a negative mask");
  if(trace(TRACED(SYS_getpid)) != 0)
    fail("trace failed");
  if(trace(-1) != -1)
    fail("trace accepted -1");
  getpid();                          // PID: syscall getpid -> PID
  if(trace(0x7fffffff) != 0)         // PID: syscall trace -> 0 (the new mask's)
    fail("trace(0x7fffffff) failed");
  for(int i = 0; i < NELEM(unknown); i++)
    if(raw_syscall(unknown[i], 0, 0, 0) != -1)
      fail("system call %ld did not return -1", unknown[i]);
  if(kpages() <= 0 || timefreq() == 0 || pgpte((void *)-1L) != 0)  // calls 31, 35, 36
    fail("kpages, timefreq or pgpte failed");
  trace(0);
  getpid();
}

// ---- many processes at once --------------------------------------------------

static void
t_filetable(void)
{
  // Processes together open more files than the kernel's table holds.
  int ctl[2], res[2];
  if(pipe(ctl) < 0 || pipe(res) < 0)
    fail("pipe failed");
  // Each child has 0, 1, 2, the report pipe, ctl[0] and res[1] open.
  int nchild = NFILE / (NOFILE - 6) + 2;
  if(nchild > NPROC - 8)
    nchild = NPROC - 8;
  for(int i = 0; i < nchild; i++){
    if(xfork() == 0){
      close(ctl[1]);
      close(res[0]);
      // Report how many files were opened and the last descriptor.
      int got[2] = { 0, -1 };
      int fd;
      while((fd = open("/README", O_RDONLY)) >= 0){
        got[0]++;
        got[1] = fd;
      }
      write(res[1], got, sizeof(got));
      block_on_read(ctl[0]);
    }
  }
  close(res[1]);
  int total = 0, limited = 0;
  for(int i = 0; i < nchild; i++){
    int got[2];
    read_all(res[0], (char*)got, sizeof(got));
    // A child stopped by its own descriptor table ends at NOFILE-1.
    if(got[1] != NOFILE - 1)
      limited = 1;
    total += got[0];
  }
  if(total > NFILE)
    fail("%d files open at once, more than NFILE", total);
  if(!limited)
    fail("the file table never filled up");
  close(ctl[1]);
  close(ctl[0]);
  close(res[0]);
  reap(nchild);
  int fd = open("/README", O_RDONLY);
  if(fd < 0)
    fail("open failed after the file table emptied");
  close(fd);
}

// ---- stress tests ---------------------------------------------------------------

// Each round: fork several children at once (some fork a grandchild of
// their own), then reap them all, checking every exit status.
static void
forkstress_worker(uint64 arg)
{
  int w = arg;
  enum { ROUNDS = 40, AT_ONCE = 4 };
  for(int round = 0; round < ROUNDS; round++){
    int pids[AT_ONCE], codes[AT_ONCE];
    for(int i = 0; i < AT_ONCE; i++){
      codes[i] = (w * 37 + round * AT_ONCE + i) & 0x7f;
      pids[i] = xfork();
      if(pids[i] == 0){
        if(i == 0){
          int g = fork();
          if(g < 0)
            exit(120);
          if(g == 0)
            exit(0);
          int st = -99;
          if(wait(&st) != g || st != 0)
            exit(121);
        }
        exit(codes[i]);
      }
    }
    for(int n = 0; n < AT_ONCE; n++){
      int st = -99;
      int pid = wait(&st);
      int i = 0;
      while(i < AT_ONCE && pids[i] != pid)
        i++;
      if(i == AT_ONCE)
        fail("worker %d: wait returned %d, not a child", w, pid);
      if(st != codes[i])
        fail("worker %d: child exited with %d, wait saw %d", w, codes[i], st);
      pids[i] = 0;
    }
  }
}

static void
t_forkstress(void)
{
  enum { W = 4, BURST = 30 };
  run_workers(forkstress_worker, W);
  // Many sleepers wake on every hart at about the same time.
  for(int i = 0; i < BURST; i++){
    if(xfork() == 0){
      sleep(i % 3);
      exit(0);
    }
  }
  reap(BURST);
}

static void
execstress_worker(uint64 arg)
{
  int w = arg;
  char code[12], num[12];
  for(int i = 0; i < 8; i++){
    itoa((w * 10 + i) & 0x7f, code);
    itoa(i, num);
    char *argv[] = { "systest", EXEC_CHILD, code, "worker", num, 0 };
    char out[128], want[128];
    int st = -99;
    int n = exec_output(SELF, argv, out, sizeof(out), &st);
    int k = expected_output(argv, want);
    if(n != k || memcmp(out, want, k) != 0 || st != ((w * 10 + i) & 0x7f))
      fail("worker %d: exec %d gave status %d and %d bytes", w, i, st, n);
  }
}

static void
t_execstress(void)
{
  run_workers(execstress_worker, 3);
}

enum { PS_WRITERS = 3, PS_READERS = 3, PS_BYTES = 250000 };

// What one pipestress reader saw: bytes and sum of sequence numbers per writer.
struct tally {
  uint64 count[PS_WRITERS];
  uint64 sum[PS_WRITERS];
};

static int ps_data[2], ps_result[2];

// Writer w sends PS_BYTES bytes, each holding w+1 in its top two bits and
// its sequence number modulo 64 in the others.
static void
pipe_writer(int w)
{
  char chunk[400];
  rnd_seed(100 + w);
  for(int seq = 0; seq < PS_BYTES; ){
    int k = 1 + rnd(sizeof(chunk));
    if(k > PS_BYTES - seq)
      k = PS_BYTES - seq;
    for(int j = 0; j < k; j++)
      chunk[j] = (char)(((w + 1) << 6) | ((seq + j) & 63));
    int r = write(ps_data[1], chunk, k);
    if(r != k)
      fail("writer %d: write of %d bytes returned %d", w, k, r);
    seq += k;
  }
}

static void
pipe_reader(int r)
{
  struct tally t;
  char chunk[600];
  memset(&t, 0, sizeof(t));
  rnd_seed(200 + r);
  for(;;){
    int n = read(ps_data[0], chunk, 1 + rnd(sizeof(chunk)));
    if(n < 0)
      fail("reader %d: read failed", r);
    if(n == 0)
      break;
    for(int j = 0; j < n; j++){
      int w = ((uchar)chunk[j] >> 6) - 1;
      if(w < 0 || w >= PS_WRITERS)
        fail("reader %d: corrupt byte %x", r, (uchar)chunk[j]);
      t.count[w]++;
      t.sum[w] += chunk[j] & 63;
    }
  }
  if(write(ps_result[1], &t, sizeof(t)) != sizeof(t))
    fail("reader %d: cannot report", r);
}

static void
t_pipestress(void)
{
  if(pipe(ps_data) < 0 || pipe(ps_result) < 0)
    fail("pipe failed");
  for(int r = 0; r < PS_READERS; r++){
    if(xfork() == 0){
      close(ps_data[1]);
      close(ps_result[0]);
      pipe_reader(r);
      exit(0);
    }
  }
  for(int w = 0; w < PS_WRITERS; w++){
    if(xfork() == 0){
      close(ps_data[0]);
      close(ps_result[0]);
      close(ps_result[1]);
      pipe_writer(w);
      exit(0);
    }
  }
  close(ps_data[0]);
  close(ps_data[1]);
  close(ps_result[1]);
  struct tally total;
  memset(&total, 0, sizeof(total));
  for(int r = 0; r < PS_READERS; r++){
    struct tally t;
    read_all(ps_result[0], (char*)&t, sizeof(t));
    for(int w = 0; w < PS_WRITERS; w++){
      total.count[w] += t.count[w];
      total.sum[w] += t.sum[w];
    }
  }
  close(ps_result[0]);
  reap(PS_READERS + PS_WRITERS);
  uint64 want = 0;
  for(int s = 0; s < PS_BYTES; s++)
    want += s & 63;
  for(int w = 0; w < PS_WRITERS; w++)
    if(total.count[w] != PS_BYTES || total.sum[w] != want)
      fail("writer %d sent %d bytes, readers got %ld (sum %ld, want %ld)",
           w, PS_BYTES, total.count[w], total.sum[w], want);
}

static void
fsstress_worker(uint64 arg)
{
  int w = arg;
  char dir[8], name[16], other[16], sub[16], inner[24];
  char *data = buf, *back = buf2;   // each worker has its own copies

  format(dir, sizeof(dir), "w%d", w);
  if(mkdir(dir) != 0 || chdir(dir) != 0)
    fail("worker %d: cannot make its directory", w);
  for(int r = 0; r < 8; r++){
    int size = 300 + r * 350 + w * 50;
    format(name, sizeof(name), "f%d", r);
    format(other, sizeof(other), "g%d", r);
    format(sub, sizeof(sub), "d%d", r);
    format(inner, sizeof(inner), "d%d/x", r);
    fill_pattern(data, size, w * 16 + r);

    int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
    if(fd < 0)
      fail("worker %d: cannot create %s", w, name);
    if(write(fd, data, size / 2) != size / 2 ||
       write(fd, data + size / 2, size - size / 2) != size - size / 2)
      fail("worker %d: write to %s failed", w, name);
    close(fd);
    fd = open(name, O_RDONLY);
    if(fd < 0 || fsize(fd) != size)
      fail("worker %d: %s has the wrong size", w, name);
    read_all(fd, back, size);
    close(fd);
    if(memcmp(data, back, size) != 0)
      fail("worker %d: %s read back wrong", w, name);

    if(link(name, other) != 0 || unlink(name) != 0)
      fail("worker %d: link or unlink failed", w);
    fd = open(other, O_RDONLY);
    if(fd < 0)
      fail("worker %d: the link vanished", w);
    read_all(fd, back, 100);
    close(fd);
    if(memcmp(data, back, 100) != 0)
      fail("worker %d: the link has the wrong data", w);
    if(unlink(other) != 0 || open(name, O_RDONLY) != -1)
      fail("worker %d: unlinked files are still there", w);

    if(mkdir(sub) != 0)
      fail("worker %d: mkdir %s failed", w, sub);
    make_file(inner, data, 50);
    if(unlink(sub) != -1)
      fail("worker %d: unlinked a non-empty directory", w);
    if(unlink(inner) != 0 || unlink(sub) != 0)
      fail("worker %d: cannot remove %s", w, sub);
  }
  if(chdir("..") != 0 || unlink(dir) != 0)
    fail("worker %d: cannot remove its directory", w);
}

static void
t_fsstress(void)
{
  run_workers(fsstress_worker, 3);
}

// Grow the heap by a few pages, stamp and check them, sometimes fork,
// shrink again; now and then take and give back 2 MB at once.
static void
sbrkstress_worker(uint64 arg)
{
  int w = arg;
  rnd_seed(300 + w);
  for(int i = 0; i < 600; i++){
    int n = i % 25 == 24 ? 512 : 1 + rnd(24);
    char *p = sbrk(n * PGSIZE);
    if(p == (char*)-1)
      fail("worker %d: sbrk(%d pages) failed", w, n);
    for(int j = 0; j < n; j++){
      uint64 *first = (uint64*)(p + j * PGSIZE);
      uint64 *last = (uint64*)(p + (j + 1) * PGSIZE) - 1;
      if(*first != 0 || *last != 0)
        fail("worker %d: new heap memory is not zero", w);
      *first = *last = ((uint64)w << 32) | (i << 12) | j;
    }
    if(i % 40 == 0){
      int pid = xfork();
      if(pid == 0){
        for(int j = 0; j < n; j++)
          if(*(uint64*)(p + j * PGSIZE) != (((uint64)w << 32) | (i << 12) | j))
            exit(1);
        memset(p, 0, n * PGSIZE);
        exit(0);
      }
      reap(1);
    }
    for(int j = 0; j < n; j++){
      uint64 want = ((uint64)w << 32) | (i << 12) | j;
      if(*(uint64*)(p + j * PGSIZE) != want ||
         *((uint64*)(p + (j + 1) * PGSIZE) - 1) != want)
        fail("worker %d: heap page lost its contents", w);
    }
    if(sbrk(-n * PGSIZE) != p + n * PGSIZE || sbrk(0) != p)
      fail("worker %d: shrinking gave the wrong break", w);
  }
}

static void
t_sbrkstress(void)
{
  run_workers(sbrkstress_worker, 3);
}

// Fork and reap children for ever.
static void
fork_forever(uint64 unused)
{
  for(;;){
    int pid = fork();
    if(pid == 0)
      exit(0);
    if(pid > 0)
      wait(0);
  }
}

// Grow and shrink the heap for ever.
static void
sbrk_forever(uint64 unused)
{
  for(;;){
    char *p = sbrk(4 * PGSIZE);
    if(p != (char*)-1){
      p[0] = 1;
      p[3 * PGSIZE] = 1;
      sbrk(-4 * PGSIZE);
    }
  }
}

static void
t_killstress(void)
{
  enum { ROUNDS = 10, KINDS = 6 };
  int p[2], q[2];
  if(pipe(p) < 0 || pipe(q) < 0)
    fail("pipe failed");
  for(int round = 0; round < ROUNDS; round++){
    int pids[KINDS];
    pids[0] = start_child(spin_forever, 0);
    pids[1] = start_child(sleep_forever, 0);
    pids[2] = start_child(block_on_read, p[0]);
    pids[3] = start_child(write_forever, q[1]);
    pids[4] = start_child(fork_forever, 0);
    pids[5] = start_child(sbrk_forever, 0);
    if(round & 1)
      sleep(1);
    for(int i = 0; i < KINDS; i++)
      if(kill(pids[i]) != 0)
        fail("kill failed");
    for(int i = 0; i < KINDS; i++){
      int st = 0;
      int pid = wait(&st);
      if(pid < 0)
        fail("wait failed");
      if(st != -1)
        fail("a killed child exited with %d", st);
    }
    // Empty the pipe the writer filled.
    close(q[0]);
    close(q[1]);
    if(pipe(q) < 0)
      fail("pipe failed");
  }
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
}

// ---- robust: what one process must not do to others or to the kernel ---------

// --- floating-point registers are process state

#define FP_TAG 0xF5UL            // top byte of every value the tests load
#define FP_PARENT 100            // "worker" numbers of a test's own processes
#define FP_CHILD 101

// A process's floating-point state as user code sees it.
struct fpstate {
  uint64 f[NFREGS];
  uint64 fcsr;
};

// The values worker w loads in round r. Each names its worker, round and
// register (FP_TAG, then w, r and the register number in bits 47..40,
// 39..8 and 7..0), so a value that leaked says whose it was; fcsr gets a
// valid rounding mode and some exception flags.
static void
fp_pattern(struct fpstate *s, int w, int r)
{
  for(int i = 0; i < NFREGS; i++)
    s->f[i] = FP_TAG << 56 | (uint64)w << 40 | (uint64)r << 8 | i;
  s->fcsr = (w + r) % FCSR_NFRM << FCSR_FRM_SHIFT | (w * 7 + r) % (FCSR_FFLAGS + 1);
}

// Load f0-f31 and fcsr from s. Nothing else in systest uses floating
// point, so they keep these values until the next fp_set(), unless the
// kernel loses them or lets another process's values in.
static void
fp_set(const struct fpstate *s)
{
  asm volatile(FREGS_IRP
               "ld t0, 8*\\i(%0)\n"
               "fmv.d.x f\\i, t0\n"
               ".endr\n"
               "fscsr %1\n"
               : : "r"(s->f), "r"(s->fcsr) : "t0", "memory");
}

// Store f0-f31 and fcsr into s.
static void
fp_get(struct fpstate *s)
{
  uint64 fcsr;
  asm volatile(FREGS_IRP
               "fmv.x.d t0, f\\i\n"
               "sd t0, 8*\\i(%1)\n"
               ".endr\n"
               "frcsr %0\n"
               : "=&r"(fcsr) : "r"(s->f) : "t0", "memory");
  s->fcsr = fcsr;
}

// Load worker w's values of round r.
static void
fp_load(int w, int r)
{
  struct fpstate s;
  fp_pattern(&s, w, r);
  fp_set(&s);
}

// Fail unless the registers hold worker w's values of round r; a wrong
// value names the worker it belongs to, if it is one of the tests'.
static void
fp_expect(int w, int r)
{
  struct fpstate want, got;
  fp_pattern(&want, w, r);
  fp_get(&got);
  for(int i = 0; i < NFREGS; i++){
    if(got.f[i] == want.f[i])
      continue;
    if(got.f[i] >> 56 == FP_TAG)
      fail("worker %d round %d: f%d holds worker %d's value %p", w, r, i,
           (int)(got.f[i] >> 40 & 0xFF), (void*)got.f[i]);
    fail("worker %d round %d: f%d is %p, not %p", w, r, i, (void*)got.f[i],
         (void*)want.f[i]);
  }
  if(got.fcsr != want.fcsr)
    fail("worker %d round %d: fcsr is %x, not %x", w, r, (int)got.fcsr,
         (int)want.fcsr);
}

enum { FP_WORKERS = 12, FP_ROUNDS = 40 };

// One worker of a token ring: FP_ROUNDS times, wait for the token on in,
// check that its registers still hold its last values, load new ones and
// pass the token on through out (except the last worker's last token:
// the first has finished). Each wait lets the others run, on this hart
// or another, and load theirs.
static void
fp_ring_worker(int w, int in, int out)
{
  char token;
  fp_load(w, 0);
  for(int r = 1; r <= FP_ROUNDS; r++){
    if(read(in, &token, 1) != 1)
      fail("worker %d: the ring broke", w);
    fp_expect(w, r - 1);
    fp_load(w, r);
    if((w < FP_WORKERS - 1 || r < FP_ROUNDS) && write(out, &token, 1) != 1)
      fail("worker %d: cannot pass the token", w);
  }
  fp_expect(w, FP_ROUNDS);
  exit(0);
}

// FP_WORKERS processes pass a token round a ring of pipes, each keeping
// its own values in every f register and fcsr: none may see another's.
static void
t_fpswitch(void)
{
  int first[2], next[2];
  if(pipe(first) < 0)
    fail("pipe failed");
  int in = first[0];
  for(int w = 0; w < FP_WORKERS; w++){
    int last = w == FP_WORKERS - 1;
    if(!last && pipe(next) < 0)
      fail("pipe failed");
    int out = last ? first[1] : next[1];
    if(xfork() == 0){
      if(!last)
        close(first[1]);   // a broken ring then ends in end-of-file
      fp_ring_worker(w, in, out);
    }
    close(in);
    if(!last){
      close(next[1]);
      in = next[0];
    }
  }
  char token = 't';
  if(write(first[1], &token, 1) != 1)
    fail("cannot start the ring");
  close(first[1]);
  reap(FP_WORKERS);
}

enum { FP_SPINNERS = 10, FP_SPIN_TICKS = 5 };

// Load, compute a while, check, until tick `end` (arg: worker | end << 8).
// The clock interrupts and preempts it in the middle.
static void
fp_spinner(uint64 arg)
{
  int w = arg & 0xFF, end = arg >> 8;
  for(int r = 0; uptime() < end; r++){
    fp_load(w, r);
    for(volatile int i = 0; i < 100000; i++)
      ;
    fp_expect(w, r);
  }
}

// More busy processes than harts, each with its own register values,
// preempted by the clock rather than sleeping.
static void
t_fppreempt(void)
{
  uint64 end = uptime() + FP_SPIN_TICKS;
  for(int w = 0; w < FP_SPINNERS; w++)
    start_child(fp_spinner, w | end << 8);
  reap(FP_SPINNERS);
}

// fork gives the child a copy of the parent's registers; what the child
// then loads stays its own.
static void
t_fpfork(void)
{
  fp_load(FP_PARENT, 0);
  int pid = xfork();
  if(pid == 0){
    fp_expect(FP_PARENT, 0);
    fp_load(FP_CHILD, 0);
    sleep(1);
    fp_expect(FP_CHILD, 0);
    exit(0);
  }
  sleep(1);
  fp_expect(FP_PARENT, 0);
  reap(1);
  fp_expect(FP_PARENT, 0);
}

#define FP_ZERO_CHILD "--fp-zero"  // argv[1] that makes systest check its registers

// The program exec'd by t_fpexec: exit 0 if every f register and fcsr
// are zero, else print the first that is not and exit 1.
static int
fp_zero_child(void)
{
  struct fpstate s;
  fp_get(&s);
  for(int i = 0; i < NFREGS; i++){
    if(s.f[i] != 0){
      printf("f%d = %p", i, (void*)s.f[i]);
      return 1;
    }
  }
  if(s.fcsr != 0){
    printf("fcsr = %x", (int)s.fcsr);
    return 1;
  }
  return 0;
}

// A program exec'd by a process with values in its registers starts with
// all of them zero.
static void
t_fpexec(void)
{
  fp_load(FP_PARENT, 1);
  char *argv[] = { "systest", FP_ZERO_CHILD, 0 };
  int st = 0;
  int n = exec_output(SELF, argv, buf, sizeof(buf) - 1, &st);
  buf[n] = '\0';
  if(st != 0)
    fail("an exec'd program started with %s (status %d)", buf, st);
  fp_expect(FP_PARENT, 1);
}

// --- init

// kill(1) is refused: the kernel cannot go on without init.
static void
t_killinit(void)
{
  if(kill(1) != -1)
    fail("kill(1) did not return -1");
}

#define STARVE_INIT "--starve-init"  // argv[1]: the grader's init test
#define STARVE_HOLD 30               // ticks the table stays full

// Fork a child that holds its process slot for STARVE_HOLD ticks; return
// fork's result.
static int
slot_holder(void)
{
  int pid = fork();
  if(pid == 0){
    sleep(STARVE_HOLD);
    exit(0);
  }
  return pid;
}

// systest --starve-init PID, run by the grader (robust/init-fork): fill
// the process table, kill the shell PID (the parent), and take the slot
// it frees when init reaps it, so that init's fork of a new shell fails
// until the slot holders exit. Gives up on taking the slot after a
// while (an init that forks at once gets it first).
static int
starve_init(int shell)
{
  int n = 0;
  while(slot_holder() > 0)
    n++;
  printf("starve-init: %d slot holders; killing the shell, pid %d\n", n, shell);
  if(kill(shell) != 0)
    return 1;
  int giveup = uptime() + STARVE_HOLD / 2;
  while(slot_holder() < 0 && uptime() < giveup)
    ;
  while(wait(0) > 0)
    ;
  return 0;
}

// --- the buffer cache runs out

enum { NREADERS = 60 };   // readers, each of a one-block file of its own

// The byte that fills reader i's file.
static char
reader_byte(int i)
{
  return 'A' + i % 52;
}

// Open reader i's file ("r<i>"); -1 if that fails.
static int
reader_open(int i)
{
  char name[8];
  format(name, sizeof(name), "r%d", i);
  return open(name, O_RDONLY);
}

// Read reader i's file through fd, or, if fd is -1, open it first: when
// the inode table (NINODE) is full, open fails until another reader
// closes its file. Check what it holds.
static void
reader_read(int i, int fd)
{
  for(int tries = 0; fd < 0; tries++){
    if(tries == 100)
      fail("reader %d: cannot open its file", i);
    sleep(1);
    fd = reader_open(i);
  }
  read_all(fd, buf, BSIZE);
  for(int k = 0; k < BSIZE; k++)
    if(buf[k] != reader_byte(i))
      fail("reader %d: byte %d of its file is %x", i, k, buf[k]);
  close(fd);
}

// Read all of SELF, which is bigger than the buffer cache, so the cache
// no longer holds the blocks of the files written before.
static void
flush_buffer_cache(void)
{
  int fd = open(SELF, O_RDONLY);
  if(fd < 0)
    fail("cannot open %s", SELF);
  while(read(fd, buf, sizeof(buf)) > 0)
    ;
  close(fd);
}

// NREADERS processes (more than NBUF) read a file each at once, each
// block from the disk, and each holds a buffer while it waits for the
// disk. Every reader opens its file first, if the inode table has room
// (the read of an open file then waits for nothing but a buffer and the
// disk), and a gate lets them all go at once. When every buffer is
// taken, the next reader must wait for one.
static void
t_manyreaders(void)
{
  for(int i = 0; i < NREADERS; i++){
    char name[8];
    memset(buf, reader_byte(i), BSIZE);
    format(name, sizeof(name), "r%d", i);
    make_file(name, buf, BSIZE);
  }
  flush_buffer_cache();
  int gate[2], ready[2];
  if(pipe(gate) < 0 || pipe(ready) < 0)
    fail("pipe failed");
  for(int i = 1; i < NREADERS; i++){
    if(xfork() == 0){
      close(gate[1]);
      int fd = reader_open(i);
      write(ready[1], "r", 1);
      read(gate[0], buf, 1);     // end-of-file when the parent closes it
      reader_read(i, fd);
      exit(0);
    }
  }
  close(ready[1]);
  for(int i = 1; i < NREADERS; i++)
    if(read(ready[0], buf, 1) != 1)
      fail("a reader died before reading");
  close(ready[0]);
  int fd = reader_open(0);
  close(gate[0]);
  close(gate[1]);
  reader_read(0, fd);
  reap(NREADERS - 1);
  for(int i = 0; i < NREADERS; i++){
    char name[8];
    format(name, sizeof(name), "r%d", i);
    unlink(name);
  }
}

// --- ranges near the top of the address space

// pgaccess refuses ranges that wrap around or leave the user address
// space, at once.
static void
t_pgaccessrange(void)
{
  static const struct {
    uint64 base;
    int npages;
    const char *what;
  } cases[] = {
    { -(uint64)PGSIZE, 1, "the last page below 2^64" },
    { -(uint64)(PGACCESS_MAX / 2) * PGSIZE, PGACCESS_MAX, "a range that wraps past 2^64" },
    { MAXVA - PGSIZE, 2, "a range that runs past MAXVA" },
    { MAXVA, 1, "MAXVA" },
    { 1UL << 63, PGACCESS_MAX, "1<<63" },
    { -(uint64)SUPERPGSIZE + 3 * PGSIZE, PGACCESS_MAX, "the last 2 MiB below 2^64" },
  };
  char *page = sbrk(PGSIZE);
  if(page == SBRK_ERROR)
    fail("sbrk failed");
  *page = 1;
  uint64 mask = 0;
  if(pgaccess(page, 1, &mask) != 0 || mask != 1)
    fail("pgaccess of a page just touched: bitmask %p", (void*)mask);
  sbrk(-PGSIZE);
  for(int i = 0; i < NELEM(cases); i++){
    int t0 = uptime();
    int r = pgaccess((void*)cases[i].base, cases[i].npages, &mask);
    if(r != -1)
      fail("pgaccess of %s returned %d", cases[i].what, r);
    if(uptime() - t0 > TICKS_PER_SEC)
      fail("pgaccess of %s took %d ticks", cases[i].what, uptime() - t0);
  }
}

// A child that shares its parent's page tables (FORK_SHAREDPT) and clears
// A bits with pgaccess does so in its own copy: the parent still sees the
// pages it touched. The pages have a 2 MiB region (a level-0 table) to
// themselves, which the parent does not store into after the fork, so
// its own copy-on-write faults do not unshare their table first.
static void
t_pgaccessshared(void)
{
  enum { N = 8, TOUCHED = 0x0F };
  int oldmode = forkmode(FORK_SHAREDPT);
  uint64 brk = (uint64)sbrk(0);
  if(sbrklazy(SUPERPGROUNDUP(brk) - brk) == SBRK_ERROR)
    fail("sbrklazy failed");
  char *p = sbrk(N * PGSIZE);
  if(p == SBRK_ERROR)
    fail("sbrk failed");
  for(int i = 0; i < N; i++)
    p[i * PGSIZE] = i;
  uint64 mask = 0;
  if(pgaccess(p, N, &mask) != 0 || mask != (1 << N) - 1)
    fail("pgaccess after touching every page: %p", (void*)mask);
  for(int i = 0; i < N; i++)
    if(TOUCHED & (1 << i))
      sink = p[i * PGSIZE];
  int pid = xfork();
  if(pid == 0){
    if(pgaccess(p, N, &mask) != 0 || mask != TOUCHED)
      fail("the child sees %p accessed, not %p", (void*)mask, (void*)TOUCHED);
    if(pgaccess(p, N, &mask) != 0 || mask != 0)
      fail("the child's pgaccess did not clear its A bits: %p", (void*)mask);
    exit(0);
  }
  reap(1);
  if(pgaccess(p, N, &mask) != 0 || mask != TOUCHED)
    fail("after the child's pgaccess the parent sees %p accessed, not %p",
         (void*)mask, (void*)TOUCHED);
  forkmode(oldmode);
}

// --- a long console write can be killed

#define CONSOLE_FLOOD (1 << 20)   // bytes: minutes at the UART's speed

// Write CONSOLE_FLOOD zero bytes (invisible) to the console.
static void
console_flood(uint64 unused)
{
  char *p = sbrklazy(CONSOLE_FLOOD);
  if(p == SBRK_ERROR)
    fail("sbrklazy failed");
  write(1, p, CONSOLE_FLOOD);
}

// A process killed in the middle of a long console write dies at once.
static void
t_consolekill(void)
{
  int pid = start_child(console_flood, 0);
  sleep(2);
  int t0 = uptime();
  if(kill(pid) != 0)
    fail("kill failed");
  int st = 0;
  if(wait(&st) != pid)
    fail("wait failed");
  int took = uptime() - t0;
  write(1, "\n", 1);      // after the zeros, so the next line starts a line
  if(took > TICKS_PER_SEC)
    fail("killed in a console write, it took %d ticks to die", took);
  if(st != -1)
    fail("killed in a console write, it exited with %d", st);
}

// --- fstat's padding

// Is byte i of struct stat inside one of its fields?
static int
in_stat_field(int i)
{
  static const struct { int off, size; } fields[] = {
    { offsetof(struct stat, dev), sizeof(((struct stat*)0)->dev) },
    { offsetof(struct stat, ino), sizeof(((struct stat*)0)->ino) },
    { offsetof(struct stat, type), sizeof(((struct stat*)0)->type) },
    { offsetof(struct stat, nlink), sizeof(((struct stat*)0)->nlink) },
    { offsetof(struct stat, size), sizeof(((struct stat*)0)->size) },
  };
  for(int f = 0; f < NELEM(fields); f++)
    if(i >= fields[f].off && i < fields[f].off + fields[f].size)
      return 1;
  return 0;
}

// fstat writes zeros, not kernel memory, into the padding of struct stat.
// Before it, a failing open puts a path of 'J's on the kernel stack.
static void
t_fstatpad(void)
{
  make_file("f", "hello", 5);
  int fd = open("f", O_RDONLY);
  char junk[MAXPATH];
  memset(junk, 'J', MAXPATH - 1);
  junk[MAXPATH - 1] = '\0';
  struct stat st;
  uchar *bytes = (uchar*)&st;
  for(int round = 0; round < 3; round++){
    if(open(junk, O_RDONLY) != -1)
      fail("open of a missing file succeeded");
    memset(&st, 0xA5, sizeof(st));
    if(fstat(fd, &st) != 0)
      fail("fstat failed");
    for(int i = 0; i < sizeof(st); i++)
      if(!in_stat_field(i) && bytes[i] != 0)
        fail("byte %d of struct stat, padding, is %x", i, bytes[i]);
  }
  close(fd);
  unlink("f");
}

// --- exec checks the whole ELF header

// Read the file path into memory from malloc; its size goes in *n.
static char *
read_file(const char *path, int *n)
{
  struct stat st;
  int fd = open(path, O_RDONLY);
  if(fd < 0 || fstat(fd, &st) < 0)
    fail("cannot open %s", path);
  char *data = malloc(st.size);
  if(data == 0)
    fail("malloc(%d) failed", (int)st.size);
  read_all(fd, data, st.size);
  close(fd);
  *n = st.size;
  return data;
}

// A copy of /echo runs; copies of it with one field of the ELF header
// wrong (a program for another machine, another word size or byte order,
// not an executable) do not.
static void
t_execheader(void)
{
  static const struct {
    const char *what;
    int off, size;    // the field in struct elfhdr
    uint64 value;     // the wrong value
  } fields[] = {
    { "a 32-bit class", offsetof(struct elfhdr, elf) + ELF_IDENT_CLASS, 1, ELF_CLASS32 },
    { "big-endian data", offsetof(struct elfhdr, elf) + ELF_IDENT_DATA, 1, ELF_DATA_MSB },
    { "ident version 0", offsetof(struct elfhdr, elf) + ELF_IDENT_VERSION, 1, 0 },
    { "version 0", offsetof(struct elfhdr, version), 4, 0 },
    { "version 2", offsetof(struct elfhdr, version), 4, ELF_VERSION_CURRENT + 1 },
    { "an x86-64 program", offsetof(struct elfhdr, machine), 2, ELF_MACHINE_X86_64 },
    { "an AArch64 program", offsetof(struct elfhdr, machine), 2, ELF_MACHINE_AARCH64 },
    { "a relocatable file", offsetof(struct elfhdr, type), 2, ELF_TYPE_REL },
    { "a shared object", offsetof(struct elfhdr, type), 2, ELF_TYPE_DYN },
    { "program headers of 48 bytes", offsetof(struct elfhdr, phentsize), 2, 48 },
    { "program headers of 0 bytes", offsetof(struct elfhdr, phentsize), 2, 0 },
  };
  int n;
  char *good = read_file("/echo", &n);
  char *img = malloc(n);
  if(img == 0)
    fail("malloc failed");
  make_file("e", good, n);
  char *argv[] = { "e", "copied", 0 };
  int st = 0;
  int len = exec_output("e", argv, buf, sizeof(buf), &st);
  if(st != 0 || len != 7 || memcmp(buf, "copied\n", 7) != 0)
    fail("a copy of /echo does not run (status %d)", st);

  buf2[0] = 'k';
  for(int i = 0; i < NELEM(fields); i++){
    memmove(img, good, n);
    memmove(img + fields[i].off, &fields[i].value, fields[i].size);
    make_file("e", img, n);
    exec_fails("e", argv, fields[i].what);
  }
  unlink("e");
  free(img);
  free(good);
}

// ---- the test table and the runner ---------------------------------------------

// ---- malloc: the user library's heap allocator ------------------------------

#define NBLOCKS 1500

static char *blocks[NBLOCKS];
static uint block_len[NBLOCKS];

// Allocate block i with a random length and fill it with its own byte.
static void
malloc_one_block(int i)
{
  block_len[i] = 1 + rnd(6000);
  blocks[i] = malloc(block_len[i]);
  if(blocks[i] == 0)
    fail("malloc(%d) failed", block_len[i]);
  if((uint64)blocks[i] % 16 != 0)
    fail("malloc returned %p, not 16-byte aligned", blocks[i]);
  memset(blocks[i], i & 0xff, block_len[i]);
}

// Every live block still holds its own byte: no two overlap.
static void
check_heap_blocks(void)
{
  for(int i = 0; i < NBLOCKS; i++)
    for(uint j = 0; blocks[i] && j < block_len[i]; j++)
      if((uchar)blocks[i][j] != (i & 0xff))
        fail("block %d (%d bytes) byte %d changed", i, block_len[i], j);
}

// Blocks of random sizes never overlap, however they are freed and
// reused; freed neighbours merge, so that memory freed as small blocks
// serves one large one without growing the heap.
static void
t_malloc(void)
{
  rnd_seed(7);
  for(int i = 0; i < NBLOCKS; i++)
    malloc_one_block(i);
  check_heap_blocks();
  for(int i = 0; i < NBLOCKS; i += 2){
    free(blocks[i]);
    blocks[i] = 0;
  }
  for(int i = 0; i < NBLOCKS; i += 2)
    malloc_one_block(i);
  check_heap_blocks();
  for(int i = 0; i < NBLOCKS; i++){
    free(blocks[NBLOCKS - 1 - i]);     // newest first, as usertests frees
    blocks[NBLOCKS - 1 - i] = 0;
  }
  free(0);
  char *brk = sbrk(0);
  char *big = malloc(2 * 1024 * 1024);
  if(big == 0 || sbrk(0) != brk)
    fail("2 MiB did not fit in the freed blocks' merged memory (break %p -> %p)",
         brk, sbrk(0));
  memset(big, 1, 2 * 1024 * 1024);
  free(big);
}

static struct test tests[] = {
  { "fork", t_fork, "syscalls", "fork, memory copies, wait in any order" },
  { "exit", t_exit, "syscalls", "exit statuses, orphans, files closed" },
  { "wait", t_wait, "syscalls", "wait with bad status pointers" },
  { "getpid", t_getpid, "syscalls", "process ids" },
  { "forkfull", t_forkfull, "syscalls", "fork until the process table is full" },
  { "kill", t_kill, "syscalls", "kill in every state, bad pids" },
  { "pipe", t_pipe, "syscalls", "pipes: bad arguments, a large transfer" },
  { "pipefds", t_pipefds, "syscalls", "pipe with a full descriptor table" },
  { "rw", t_rw, "syscalls", "read and write: modes, sizes, bad buffers" },
  { "console", t_console, "syscalls", "console write with bad buffers" },
  { "fds", t_fds, "syscalls", "bad descriptors, a full descriptor table" },
  { "dup", t_dup, "syscalls", "dup and shared offsets" },
  { "exec", t_exec, "syscalls", "exec: arguments, bad paths and argv" },
  { "execelf", t_execelf, "syscalls", "exec of malformed ELF files" },
  { "sbrk", t_sbrk, "syscalls", "sbrk: growth, shrinking, bad sizes" },
  { "malloc", t_malloc, "syscalls", "malloc/free: no overlaps, freed neighbours merge" },
  { "sbrklazy", t_sbrklazy, "syscalls", "system calls on untouched heap memory" },
  { "sbrkfault", t_sbrkfault, "syscalls", "touching memory past the break" },
  { "faults", t_faults, "syscalls", "user faults kill the process" },
  { "badsyscall", t_badsyscall, "syscalls", "unknown system call numbers" },
  { "sleep", t_sleep, "syscalls", "sleep and pause" },
  { "uptime", t_uptime, "syscalls", "uptime" },
  { "kpages", t_kpages, "syscalls", "kpages follows allocation" },
  { "filetable", t_filetable, "syscalls", "the system-wide file table fills up" },
  { "outofmem", t_outofmem, "syscalls", "running out of physical memory" },
  { "sysinfo-calls", t_sysinfo, "sysinfo", "sysinfo results and bad buffers" },
  { "sysinfo-full", t_sysinfo_full, "sysinfo", "sysinfo counts NPROC with the table full" },
  { "trace-calls", t_trace_calls, "trace", "a mask of several calls; only they print" },
  { "trace-fork", t_trace_fork, "trace", "children inherit the mask, keep their own" },
  { "trace-bad", t_trace_bad, "trace", "negative masks; bits and numbers of no call" },
  { "bigfile", t_bigfile, "fs", "a file into the doubly-indirect blocks" },
  { "fstat", t_fstat, "fs", "fstat results and bad buffers" },
  { "open", t_open, "fs", "open: bad paths and modes" },
  { "mkdir", t_mkdir, "fs", "mkdir and directory contents" },
  { "chdir", t_chdir, "fs", "chdir" },
  { "rmcwd", t_rmcwd, "fs", "lookups in a removed working directory" },
  { "partialwrite", t_partialwrite, "fs", "a write that runs off memory" },
  { "link", t_link, "fs", "link" },
  { "unlink", t_unlink, "fs", "unlink" },
  { "mknod", t_mknod, "fs", "mknod and devices without drivers" },
  { "bigdir", t_bigdir, "fs", "a directory of many blocks" },
  { "inodes", t_inodes, "fs", "using up the inodes, twice: none leaks" },
  { "maxfile", t_maxfile, 0, "a file of MAXFILE blocks (64 MiB); writes past it fail" },
  { "crashcheck", t_crashcheck, 0, "after systest --crash-writer and a power cut" },
  { "diskfull", t_diskfull, 0, "filling the disk, twice: no block leaks" },
  { "forkstress", t_forkstress, "stress", "concurrent fork, exit and wait" },
  { "execstress", t_execstress, "stress", "concurrent exec" },
  { "pipestress", t_pipestress, "stress", "several writers and readers on a pipe" },
  { "fsstress", t_fsstress, "stress", "concurrent file system work" },
  { "sbrkstress", t_sbrkstress, "stress", "concurrent heap growth and shrinking" },
  { "killstress", t_killstress, "stress", "killing busy processes" },
  { "fpswitch", t_fpswitch, "robust", "FP registers stay private across switches" },
  { "fppreempt", t_fppreempt, "robust", "FP registers stay private under preemption" },
  { "fpfork", t_fpfork, "robust", "fork copies the FP registers" },
  { "fpexec", t_fpexec, "robust", "exec starts with zeroed FP registers" },
  { "killinit", t_killinit, "robust", "kill(1) is refused" },
  { "manyreaders", t_manyreaders, "robust", "more readers than buffers at once" },
  { "consolekill", t_consolekill, "robust", "kill ends a long console write" },
  { "fstatpad", t_fstatpad, "robust", "fstat zeroes struct stat's padding" },
  { "execheader", t_execheader, "robust", "exec checks every ELF header field" },
  { "pgaccessrange", t_pgaccessrange, "pgtbl", "pgaccess: a good range; ranges past MAXVA or 2^64" },
  { "pgaccessshared", t_pgaccessshared, 0, "pgaccess in a child sharing page tables" },
};

// The program exec'd by the exec tests: print each argument on a line of
// its own in one write, then return atoi(argv[2]) as main's result.
static int
exec_child(int argc, char *argv[])
{
  if(argv[argc] != 0)
    exit(96);
  if(print_args(argc, argv) < 0)
    exit(97);
  return atoi(argv[2]);
}

int
main(int argc, char *argv[])
{
  if(argc >= 3 && strcmp(argv[1], EXEC_CHILD) == 0)
    return exec_child(argc, argv);
  if(argc == 2 && strcmp(argv[1], FP_ZERO_CHILD) == 0)
    return fp_zero_child();
  if(argc == 3 && strcmp(argv[1], STARVE_INIT) == 0)
    return starve_init(atoi(argv[2]));
  if(argc == 2 && strcmp(argv[1], CRASH_WRITER) == 0)
    return crash_writer();
  stack_top = PGROUNDUP(r_sp());
  return run_tests("systest", "/st", tests, NELEM(tests), argc, argv);
}

// Test runner and helpers shared by Atlas's test programs (see
// user/testlib.h): formatting failure reports, child processes that must
// exit cleanly or be killed, files, and the loop that runs each test in a
// child and checks the free-page count around it.

#include <stdarg.h>

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/vm.h"
#include "user/user.h"
#include "user/testlib.h"

static int report_fd = -1;       // where a test writes why it failed

// ---- Formatting and reporting -------------------------------------------

// Append character c to out (size bytes) at *n, if there is room.
static void
put(char *out, int size, int *n, char c)
{
  if(*n < size)
    out[(*n)++] = c;
}

// Append v in the given base, with a leading '-' when neg is set.
static void
put_num(char *out, int size, int *n, uint64 v, int base, int neg)
{
  char digits[24];
  int k = 0;

  if(neg)
    put(out, size, n, '-');
  do {
    digits[k++] = "0123456789abcdef"[v % base];
    v /= base;
  } while(v != 0);
  while(k > 0)
    put(out, size, n, digits[--k]);
}

// A small vsnprintf: %d %u %x (with an optional l), %p, %s and %c.
// Returns the number of bytes stored in out (no terminator is added).
static int
vformat(char *out, int size, const char *fmt, va_list ap)
{
  int n = 0;

  for(; *fmt != '\0'; fmt++){
    if(*fmt != '%'){
      put(out, size, &n, *fmt);
      continue;
    }
    fmt++;
    int lng = 0;
    while(*fmt == 'l'){
      lng = 1;
      fmt++;
    }
    switch(*fmt){
    case 'd': {
      long v = lng ? va_arg(ap, long) : va_arg(ap, int);
      put_num(out, size, &n, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0);
      break;
    }
    case 'u':
      put_num(out, size, &n, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0);
      break;
    case 'x':
      put_num(out, size, &n, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0);
      break;
    case 'p':
      put(out, size, &n, '0');
      put(out, size, &n, 'x');
      put_num(out, size, &n, (uint64)va_arg(ap, void*), 16, 0);
      break;
    case 's': {
      const char *s = va_arg(ap, const char*);
      if(s == 0)
        s = "(null)";
      while(*s != '\0')
        put(out, size, &n, *s++);
      break;
    }
    case 'c':
      put(out, size, &n, (char)va_arg(ap, int));
      break;
    case '\0':
      return n;
    default:
      put(out, size, &n, '%');
      put(out, size, &n, *fmt);
      break;
    }
  }
  return n;
}

// Format into out (size bytes, NUL-terminated). Returns the length.
int
format(char *out, int size, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  int n = vformat(out, size - 1, fmt, ap);
  va_end(ap);
  out[n] = '\0';
  return n;
}

// Report why the running test failed and end this process. Any process of
// a test (the test itself or one of its workers) may call it.
void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
  char msg[200];
  va_list ap;

  va_start(ap, fmt);
  int n = vformat(msg, sizeof(msg) - 1, fmt, ap);
  va_end(ap);
  msg[n++] = '\n';
  if(report_fd >= 0)
    write(report_fd, msg, n);
  else
    write(2, msg, n);
  exit(1);
}

// ---- Child processes and files ------------------------------------------

// Fork, failing the test if that is impossible.
int
xfork(void)
{
  int pid = fork();
  if(pid < 0)
    fail("fork failed");
  return pid;
}

// Wait for n children, all of which must exit with status 0.
void
reap(int n)
{
  for(int i = 0; i < n; i++){
    int st = 0;
    int pid = wait(&st);
    if(pid < 0)
      fail("wait returned -1 with %d children left", n - i);
    if(st != 0)
      fail("child %d exited with status %d", pid, st);
  }
}

// Start fn(arg) in a child and return its pid.
int
start_child(void (*fn)(uint64), uint64 arg)
{
  int pid = xfork();
  if(pid == 0){
    fn(arg);
    exit(0);
  }
  return pid;
}

// Run fn(0) .. fn(n-1) in n children at once and wait for them all.
void
run_workers(void (*fn)(uint64), int n)
{
  for(int w = 0; w < n; w++)
    start_child(fn, w);
  reap(n);
}

// Run fn(arg) in a child and return the child's exit status (0 if fn
// returns).
int
child_status(void (*fn)(uint64), uint64 arg)
{
  int pid = start_child(fn, arg);
  int st = 12345;
  if(wait(&st) != pid)
    fail("wait did not return the child's pid");
  return st;
}

// Run exec(path, argv) in a child whose standard output is a pipe, and
// read up to size bytes of what it prints into out. Returns the number of
// bytes read; *status gets the child's exit status (98 if exec failed).
int
exec_output(const char *path, char **argv, char *out, int size, int *status)
{
  int p[2];
  if(pipe(p) < 0)
    fail("pipe failed");
  int pid = xfork();
  if(pid == 0){
    close(1);
    dup(p[1]);
    close(p[0]);
    close(p[1]);
    exec(path, argv);
    exit(98);
  }
  close(p[1]);
  int n = 0, r;
  while(n < size && (r = read(p[0], out + n, size - n)) > 0)
    n += r;
  close(p[0]);
  if(wait(status) != pid)
    fail("wait did not return the exec'd child");
  return n;
}

// Run fn(arg) in a child, which the kernel must kill (status -1).
void
expect_killed(void (*fn)(uint64), uint64 arg, const char *what)
{
  int st = child_status(fn, arg);
  if(st != -1)
    fail("%s: child exited with %d, expected to be killed (-1)", what, st);
}

// Create file path holding n bytes of data.
void
make_file(const char *path, const void *data, int n)
{
  int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    fail("cannot create %s", path);
  if(write(fd, data, n) != n)
    fail("write to %s failed", path);
  close(fd);
}

// Read exactly n bytes from fd, failing the test on error or early EOF.
void
read_all(int fd, char *p, int n)
{
  while(n > 0){
    int r = read(fd, p, n);
    if(r <= 0)
      fail("read returned %d with %d bytes still expected", r, n);
    p += r;
    n -= r;
  }
}

// Remove path and, if it is a directory, everything in it.
// Returns 0 on success, -1 if path could not be removed.
int
remove_tree(const char *path)
{
  struct stat st;

  if(stat(path, &st) == 0 && st.type == T_DIR){
    int fd = open(path, O_RDONLY);
    if(fd < 0)
      return -1;
    struct dirent de;
    while(read(fd, &de, sizeof(de)) == sizeof(de)){
      char name[DIRSIZ + 1];
      char child[MAXPATH];
      if(de.inum == 0)
        continue;
      memmove(name, de.name, DIRSIZ);
      name[DIRSIZ] = '\0';
      if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        continue;
      if(strlen(path) + 1 + strlen(name) + 1 > MAXPATH ||
         (format(child, sizeof(child), "%s/%s", path, name),
          remove_tree(child) < 0)){
        close(fd);
        return -1;
      }
    }
    close(fd);
  }
  return unlink(path);
}


// ---- The runner -----------------------------------------------------------

// The free-page count less the swap slots in use, plus the pages in the
// swap cache (each a copy of a slot's page): what a leaked page or slot
// lowers, and what reclaim leaves as it was, wherever it moves the pages
// of other processes. A page out on swap holds a slot and no page; one
// in memory a page and no slot; one in the swap cache both, counted once.
int
free_pages_net(void)
{
  struct memstat st;
  if(memstat(&st) != 0)
    return kpages();
  return st.free_pages - st.swap_used + st.swap_cached;
}

// Wait up to a second for free_pages_net() to come back to want
// (init may still be reaping orphans, reclaim finishing a batch).
// Returns the last count seen.
int
settle_pages(int want)
{
  int k = free_pages_net();
  for(int i = 0; i < TICKS_PER_SEC && k != want; i++){
    sleep(1);
    k = free_pages_net();
  }
  return k;
}

// Start test t in a child whose working directory is dir, reporting
// through the pipe p. Returns the child's pid, or -1.
static int
start_test(struct test *t, const char *dir, int *p)
{
  int pid = fork();
  if(pid != 0)
    return pid;
  close(p[0]);
  report_fd = p[1];
  if(chdir(dir) != 0)
    fail("cannot chdir to %s", dir);
  t->fn();
  exit(0);
}

// Read the report pipe fd to end-of-file, which comes when the test and
// every process it started have exited; keep the first line in msg.
static void
read_report(int fd, char *msg, int size)
{
  int n = 0, r;
  char chunk[64];
  while((r = read(fd, chunk, sizeof(chunk))) > 0){
    for(int i = 0; i < r && n < size - 1; i++)
      msg[n++] = chunk[i];
  }
  msg[n] = '\0';
  char *nl = strchr(msg, '\n');
  if(nl)
    *nl = '\0';
}

// Print the verdict on test t from its report msg and exit status st.
// Returns 1 if it passed.
static int
verdict(struct test *t, const char *msg, int st)
{
  if(msg[0] != '\0')
    printf("test %s: FAILED (%s)\n", t->name, msg);
  else if(st == -1)
    printf("test %s: FAILED (killed)\n", t->name);
  else if(st != 0)
    printf("test %s: FAILED (exit status %d)\n", t->name, st);
  else
    return 1;
  return 0;
}

// Remove the test's directory and check that the free-page count is back
// to before. Returns 1 if all is well; prints a failure for a test that
// had passed (ok) otherwise.
static int
clean_up(struct test *t, const char *dir, int before, int ok)
{
  if(remove_tree(dir) != 0){
    if(ok)
      printf("test %s: FAILED (cannot remove %s)\n", t->name, dir);
    return 0;
  }
  int after = settle_pages(before);
  if(after != before){
    if(ok)
      printf("test %s: FAILED (free pages %d before, %d after)\n",
             t->name, before, after);
    return 0;
  }
  return 1;
}

// Run test t in a child, in a fresh directory dir; print its name as it
// starts, so that a hang or a panic says which test it came in, and its
// result. Returns 1 if it passed.
static int
run_test(struct test *t, const char *dir)
{
  char msg[300];
  int p[2];

  printf("test %s: start\n", t->name);
  remove_tree(dir);
  if(mkdir(dir) != 0){
    printf("test %s: FAILED (cannot make %s)\n", t->name, dir);
    return 0;
  }
  int before = free_pages_net();
  if(pipe(p) < 0){
    printf("test %s: FAILED (pipe failed)\n", t->name);
    return 0;
  }
  int pid = start_test(t, dir, p);
  close(p[1]);
  if(pid < 0){
    printf("test %s: FAILED (fork failed)\n", t->name);
    close(p[0]);
    return 0;
  }
  read_report(p[0], msg, sizeof(msg));
  close(p[0]);
  int st = 0;
  if(wait(&st) != pid){
    printf("test %s: FAILED (wait failed)\n", t->name);
    return 0;
  }
  int ok = verdict(t, msg, st);
  ok = clean_up(t, dir, before, ok) && ok;
  if(ok)
    printf("test %s: OK\n", t->name);
  return ok;
}

// Does the name of t already say its group, as "cow-bigfork" does for
// "cow"? ("fstat" does not say "fs".)
static int
name_says_group(struct test *t)
{
  int n = strlen(t->group);
  return memcmp(t->name, t->group, n) == 0 && t->name[n] == '-';
}

// Print one line per test: its name, its group when the name does not
// already say it, and what it tests.
static void
list_tests(struct test *tests, int ntests)
{
  for(int i = 0; i < ntests; i++){
    char name[40];
    struct test *t = &tests[i];
    int n = format(name, sizeof(name), "%s", t->name);
    if(t->group && !name_says_group(t))
      n = format(name, sizeof(name), "%s (%s)", t->name, t->group);
    while(n < 22)
      name[n++] = ' ';
    name[n] = '\0';
    printf("%s%s\n", name, t->what);
  }
}

// Mark in chosen the tests that the arguments name, by name or group
// (all when there are none). Returns 0, or -1 for an unknown name.
static int
choose_tests(const char *prog, struct test *tests, int ntests, int argc,
             char *argv[], char *chosen)
{
  memset(chosen, argc == 1, ntests);
  for(int a = 1; a < argc; a++){
    int found = 0;
    for(int i = 0; i < ntests; i++){
      if(strcmp(argv[a], tests[i].name) == 0 ||
         (tests[i].group && strcmp(argv[a], tests[i].group) == 0)){
        chosen[i] = 1;
        found = 1;
      }
    }
    if(!found){
      fprintf(2, "%s: no test named %s (%s -l lists them)\n", prog, argv[a], prog);
      return -1;
    }
  }
  return 0;
}

// Run the tests the arguments choose (see user/testlib.h); print a line
// for each, then the free-page totals and the overall result. Returns the
// exit status: 0 if every test passed.
int
run_tests(const char *prog, const char *dirprefix, struct test *tests,
          int ntests, int argc, char *argv[])
{
  if(argc == 2 && strcmp(argv[1], "-l") == 0){
    list_tests(tests, ntests);
    return 0;
  }
  char chosen[ntests];
  if(choose_tests(prog, tests, ntests, argc, argv, chosen) < 0)
    return 2;

  int n = 0;
  for(int i = 0; i < ntests; i++)
    n += chosen[i];
  printf("%s: running %d tests\n", prog, n);   // the grader scores each
  int start = free_pages_net();
  int passed = 0, failed = 0;
  for(int i = 0; i < ntests; i++){
    char dir[16];
    if(!chosen[i])
      continue;
    format(dir, sizeof(dir), "%s%d", dirprefix, i);
    if(run_test(&tests[i], dir))
      passed++;
    else
      failed++;
  }
  int end = settle_pages(start);
  printf("free pages: %d -> %d\n", start, end);
  if(end != start){
    printf("%s: the kernel leaked %d pages\n", prog, start - end);
    failed++;
  }
  printf("%s: %d of %d tests passed\n", prog, passed, passed + failed);
  printf(failed == 0 ? "ALL TESTS PASSED\n" : "SOME TESTS FAILED\n");
  return failed == 0 ? 0 : 1;
}

// Print each of the argc arguments on a line of its own, in one write,
// so the output of exec'd test children cannot interleave. Returns 0, or
// -1 if they do not fit in 4 KiB.
int
print_args(int argc, char *argv[])
{
  static char out[4096];
  int n = 0;
  for(int i = 0; i < argc; i++){
    int len = strlen(argv[i]);
    if(n + len + 1 > sizeof(out))
      return -1;
    memmove(out + n, argv[i], len);
    n += len;
    out[n++] = '\n';
  }
  write(1, out, n);
  return 0;
}

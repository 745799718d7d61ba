// The test runner and helpers shared by Atlas's test programs (systest,
// vmtest), in user/lib/testlib.c.
//
// A program lists its tests in a table of struct test and hands it, with
// its arguments, to run_tests(). Every test runs in a child process of its
// own, in a fresh directory, and reports why it failed with fail(). After
// each test the runner checks that the free-page count, less the swap
// slots in use and plus the swap cache's pages, is back where it was (a
// leaked page or slot lowers it). The output, which grade-tests.py reads (and scores test by test):
//   PROG: running N tests
//   test NAME: start
//   test NAME: OK
//   test NAME: FAILED (reason)
//   free pages: START -> END
//   ALL TESTS PASSED  or  SOME TESTS FAILED
#ifndef ATLAS_TESTLIB_H
#define ATLAS_TESTLIB_H

#define NELEM(x) ((int)(sizeof(x) / sizeof((x)[0])))

struct test {
  const char *name;
  void (*fn)(void);
  const char *group;   // a name that selects a set of tests, or 0
  const char *what;    // one line for the listing
};

// Run the tests chosen by argv (none: all; NAME or GROUP: those; -l: list
// them) in directories dirprefix0, dirprefix1, ... Returns the exit status.
int run_tests(const char *prog, const char *dirprefix, struct test *tests,
              int ntests, int argc, char *argv[]);

// Report why the running test failed and end this process.
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

// Format into out (size bytes, NUL-terminated); %d %u %x (with l), %p, %s, %c.
int format(char *out, int size, const char *fmt, ...);

int xfork(void);
void reap(int n);
int start_child(void (*fn)(uint64), uint64 arg);
void run_workers(void (*fn)(uint64), int n);
int child_status(void (*fn)(uint64), uint64 arg);
void expect_killed(void (*fn)(uint64), uint64 arg, const char *what);
int exec_output(const char *path, char **argv, char *out, int size, int *status);
void make_file(const char *path, const void *data, int n);
int print_args(int argc, char *argv[]);
void read_all(int fd, char *p, int n);
int remove_tree(const char *path);
int free_pages_net(void);
int settle_pages(int want);

#endif

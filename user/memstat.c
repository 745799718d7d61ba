// memstat: the memory system's counters as a table.
//
//   memstat              the system's counters, then this process's own
//   memstat CMD ARGS...  run CMD and show how the system's counters moved
//                        while it ran: what the command cost
//
// The numbers come from the memstat() system call (kernel/vm.h).

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vm.h"
#include "user/user.h"

#define LABEL_WIDTH 22   // the first column: what a row counts
#define NUM_WIDTH 10     // every other column

// A line of output, built cell by cell and printed in one write.
struct line {
  char text[128];
  int len;
};

// Append s to the line, padded with spaces to width characters: on the
// right of s, or on its left when right is set (for numbers).
static void
cell(struct line *l, const char *s, int width, int right)
{
  int n = strlen(s);
  int pad = width > n ? width - n : 0;
  if(l->len + pad + n >= sizeof(l->text))
    return;
  if(right){
    memset(l->text + l->len, ' ', pad);
    l->len += pad;
  }
  memmove(l->text + l->len, s, n);
  l->len += n;
  if(!right){
    memset(l->text + l->len, ' ', pad);
    l->len += pad;
  }
}

// Print the line and start it again.
static void
emit(struct line *l)
{
  l->text[l->len] = '\0';
  printf("%s\n", l->text);
  l->len = 0;
}

// The decimal digits of v, after a sign if sign is given ('+' or '-').
static char *
num(char *out, uint64 v, char sign)
{
  char digits[24];
  int k = 0, n = 0;
  do {
    digits[k++] = '0' + v % 10;
    v /= 10;
  } while(v != 0);
  if(sign)
    out[n++] = sign;
  while(k > 0)
    out[n++] = digits[--k];
  out[n] = '\0';
  return out;
}

// pages as MiB, with one decimal.
static char *
mib(char *out, uint64 pages)
{
  uint64 tenths = pages * PGSIZE * 10 / (1024 * 1024);
  num(out, tenths / 10, 0);
  int n = strlen(out);
  out[n] = '.';
  out[n + 1] = '0' + tenths % 10;
  out[n + 2] = '\0';
  return out;
}

// A row: a label, a number, and the number as MiB when it counts pages.
static void
row(const char *label, uint64 v, int pages)
{
  struct line l = { .len = 0 };
  char s[32];
  cell(&l, label, LABEL_WIDTH, 0);
  cell(&l, num(s, v, 0), NUM_WIDTH, 1);
  if(pages)
    cell(&l, mib(s, v), NUM_WIDTH, 1);
  emit(&l);
}

// A row whose value is a word (a policy's name), where a number would be.
static void
word_row(const char *label, const char *word)
{
  struct line l = { .len = 0 };
  cell(&l, label, LABEL_WIDTH, 0);
  cell(&l, word, NUM_WIDTH, 1);
  emit(&l);
}

// A heading: a title and the names of the columns.
static void
heading(const char *title, const char *col1, const char *col2, const char *col3)
{
  struct line l = { .len = 0 };
  cell(&l, title, LABEL_WIDTH, 0);
  cell(&l, col1, NUM_WIDTH, 1);
  if(col2)
    cell(&l, col2, NUM_WIDTH, 1);
  if(col3)
    cell(&l, col3, NUM_WIDTH, 1);
  emit(&l);
}

// The whole table: the system, then this process.
static void
print_table(struct memstat *st)
{
  char title[40], pid[24];
  heading("system", "pages", "MiB", 0);
  row("  free", st->free_pages, 1);
  row("    kernel's share", st->kernel_pages, 1);
  row("    reserved (2 MiB)", st->reserved_pages, 1);
  row("  total", st->total_pages, 1);
  row("  shared", st->shared_pages, 1);
  row("  page tables", st->pt_pages, 1);
  row("  page cache", st->file_pages, 1);
  row("    mapped", st->file_mapped, 1);
  row("    dirty", st->file_dirty, 1);
  row("  reclaim list", st->lru_pages, 1);
  row("  swap used", st->swap_used, 1);
  row("    in swap cache", st->swap_cached, 1);
  row("  swap total", st->swap_total, 1);
  word_row("  replacement", st->reclaim_policy == RECLAIM_FIFO ? "fifo" : "clock");
  heading("events since boot", "count", 0, 0);
  row("  lazy faults", st->lazy_faults, 0);
  row("  cow faults", st->cow_faults, 0);
  row("  cow copies", st->cow_copies, 0);
  row("  promotions", st->promotions, 0);
  row("  file faults", st->file_faults, 0);
  row("  swap-ins", st->swap_ins, 0);
  row("  swap cache hits", st->swap_cache_hits, 0);
  row("  swap-outs", st->swap_outs, 0);
  row("  reclaimed", st->reclaimed, 0);
  row("  OOM kills", st->oom_kills, 0);
  strcpy(title, "process ");
  strcpy(title + strlen(title), num(pid, getpid(), 0));
  strcpy(title + strlen(title), " (memstat)");
  heading(title, "pages", "MiB", 0);
  row("  size", PGROUNDUP(st->p_size) / PGSIZE, 1);
  row("  resident", st->p_resident, 1);
  row("  page tables", st->p_pt_pages, 1);
  row("  lazy faults", st->p_lazy_faults, 0);
  row("  cow faults", st->p_cow_faults, 0);
  row("  cow copies", st->p_cow_copies, 0);
  row("  file faults", st->p_file_faults, 0);
  row("  swapped out", st->p_swapped, 1);
  row("  swap-ins", st->p_swap_ins, 0);
}

// A row of the before/after table.
static void
change_row(const char *label, uint64 before, uint64 after)
{
  struct line l = { .len = 0 };
  char s[32];
  cell(&l, label, LABEL_WIDTH, 0);
  cell(&l, num(s, before, 0), NUM_WIDTH, 1);
  cell(&l, num(s, after, 0), NUM_WIDTH, 1);
  if(after >= before)
    num(s, after - before, '+');
  else
    num(s, before - after, '-');
  cell(&l, s, NUM_WIDTH, 1);
  emit(&l);
}

// Run argv[0] with its arguments in a child and wait for it. Returns its
// exit status.
static int
run(char *argv[])
{
  int pid = fork();
  if(pid < 0){
    fprintf(2, "memstat: fork failed\n");
    exit(1);
  }
  if(pid == 0){
    exec(argv[0], argv);
    fprintf(2, "memstat: cannot run %s\n", argv[0]);
    exit(127);
  }
  int st = 0;
  wait(&st);
  return st;
}

// Run the command argv and print the system's counters before and after.
static void
cost_of(char *argv[])
{
  struct memstat a, b;
  memstat(&a);
  int st = run(argv);
  memstat(&b);
  printf("%s: exit status %d\n", argv[0], st);
  heading("counter", "before", "after", "change");
  change_row("  free pages", a.free_pages, b.free_pages);
  change_row("  shared pages", a.shared_pages, b.shared_pages);
  change_row("  page-table pages", a.pt_pages, b.pt_pages);
  change_row("  lazy faults", a.lazy_faults, b.lazy_faults);
  change_row("  cow faults", a.cow_faults, b.cow_faults);
  change_row("  cow copies", a.cow_copies, b.cow_copies);
  change_row("  file faults", a.file_faults, b.file_faults);
  change_row("  page-cache pages", a.file_pages, b.file_pages);
  change_row("  swap used", a.swap_used, b.swap_used);
  change_row("  swap-ins", a.swap_ins, b.swap_ins);
  change_row("  swap-outs", a.swap_outs, b.swap_outs);
  change_row("  reclaimed", a.reclaimed, b.reclaimed);
  change_row("  OOM kills", a.oom_kills, b.oom_kills);
}

int
main(int argc, char *argv[])
{
  if(argc > 1){
    cost_of(argv + 1);
    return 0;
  }
  struct memstat st;
  if(memstat(&st) != 0){
    fprintf(2, "memstat: memstat() failed\n");
    return 1;
  }
  print_table(&st);
  return 0;
}

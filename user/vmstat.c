// vmstat: the memory system's activity, one line per interval, as Unix's
// vmstat prints it.
//
//   vmstat [interval_ticks [count]]
//
// interval_ticks is in clock ticks (TICKS_PER_SEC make a second; the
// default is a second), count the number of lines (the default: until
// killed, so run it in the background, `vmstat &`, and stop it with
// kill). The first line counts the events since boot, each later one
// those of the interval before it, so that a column adds up to the
// counter's total.
// The columns, all in pages or events:
//   free  physical pages free now
//   swpd  swap slots in use now
//   si    pages read back from swap
//   so    pages written to swap
//   recl  pages reclaim freed
//   flt   page faults that mapped a page (lazy, copy-on-write and file)
//   oom   processes the OOM killer ended
// The numbers come from the memstat() system call (kernel/vm.h).

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/vm.h"
#include "user/user.h"

#define WIDTH 8           // every column's characters
#define NCOLUMNS 7
#define MAX_ARG 100000000 // the largest interval or count taken

// Print the usage message and exit with status 1.
static void
usage(void)
{
  fprintf(2, "usage: vmstat [interval_ticks [count]]\n");
  exit(1);
}

// s as a number from 1 to MAX_ARG, or usage() if it is anything else.
static int
positive(const char *s)
{
  int n = 0;
  if(*s == '\0')
    usage();
  for(; *s; s++){
    if(*s < '0' || *s > '9' || n > MAX_ARG / 10)
      usage();
    n = n * 10 + (*s - '0');
  }
  if(n < 1 || n > MAX_ARG)
    usage();
  return n;
}

// A line of output, built column by column and printed in one write, so
// that it does not mix with what the programs it watches print.
struct line {
  char text[NCOLUMNS * 24];    // room for 20-digit numbers
  int len;
};

// Append s to the line, right-aligned in a column (with a space before
// it however long it is).
static void
cell(struct line *l, const char *s)
{
  int n = strlen(s);
  int pad = n < WIDTH ? WIDTH - n : 1;
  if(l->len + pad + n + 1 > sizeof(l->text))
    return;
  memset(l->text + l->len, ' ', pad);
  memmove(l->text + l->len + pad, s, n);
  l->len += pad + n;
}

// Append v to the line, right-aligned in a column.
static void
column(struct line *l, uint64 v)
{
  char digits[24], s[24];
  int k = 0, n = 0;
  do {
    digits[k++] = '0' + v % 10;
    v /= 10;
  } while(v != 0);
  while(k > 0)
    s[n++] = digits[--k];
  s[n] = '\0';
  cell(l, s);
}

// Print the line.
static void
emit(struct line *l)
{
  l->text[l->len++] = '\n';
  write(1, l->text, l->len);
  l->len = 0;
}

// Faults that mapped a page, since boot.
static uint64
faults(struct memstat *st)
{
  return st->lazy_faults + st->cow_faults + st->file_faults;
}

// One line: the state now, and the events from prev to now.
static void
report(struct memstat *prev, struct memstat *now)
{
  struct line l = { .len = 0 };
  column(&l, now->free_pages);
  column(&l, now->swap_used);
  column(&l, now->swap_ins - prev->swap_ins);
  column(&l, now->swap_outs - prev->swap_outs);
  column(&l, now->reclaimed - prev->reclaimed);
  column(&l, faults(now) - faults(prev));
  column(&l, now->oom_kills - prev->oom_kills);
  emit(&l);
}

// The header: the columns' names.
static void
header(void)
{
  static const char *names[NCOLUMNS] = { "free", "swpd", "si", "so", "recl", "flt", "oom" };
  struct line l = { .len = 0 };
  for(int i = 0; i < NCOLUMNS; i++)
    cell(&l, names[i]);
  emit(&l);
}

int
main(int argc, char *argv[])
{
  int interval = TICKS_PER_SEC, count = 0;   // count 0: until killed
  if(argc > 3)
    usage();
  if(argc > 1)
    interval = positive(argv[1]);
  if(argc > 2)
    count = positive(argv[2]);
  struct memstat prev, now;
  memset(&prev, 0, sizeof(prev));
  header();
  for(int line = 0; count == 0 || line < count; line++){
    if(line > 0)
      sleep(interval);
    if(memstat(&now) != 0){
      fprintf(2, "vmstat: memstat() failed\n");
      exit(1);
    }
    report(&prev, &now);
    prev = now;
  }
  exit(0);
}

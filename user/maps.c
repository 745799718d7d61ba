// maps [PID]: list a process's regions (the caller's own by default),
// one line each, like Linux's /proc/PID/maps:
//
//   0000000000-0000002000 r-xp anon text       2 pages  4K
//   3fffff9000-3fffffb000 rw-s file notes+0x2000 2 pages  4K
//
// the range [start, end), the permissions (r, w, x, then p for private,
// s for shared), how faults in it are resolved (anon, file, shm), its
// name (a file mapping's: the file's, and the offset in the file where
// the region starts), the pages mapped now, and the largest page size
// mapping it (4K or 2M; - if none).
#include "kernel/types.h"
#include "kernel/vm.h"
#include "user/user.h"

#define MAXREGIONS 64
#define ADDR_DIGITS 10          // hexadecimal digits of a user address (< 2^40)

// Print v in hexadecimal, zero-padded to ADDR_DIGITS digits.
static void
print_addr(uint64 v)
{
  char buf[ADDR_DIGITS + 1];
  for(int i = ADDR_DIGITS - 1; i >= 0; i--, v >>= 4)
    buf[i] = "0123456789abcdef"[v & 0xf];
  buf[ADDR_DIGITS] = 0;
  printf("%s", buf);
}

// Print s, then spaces up to width characters.
static void
print_padded(char *s, int width)
{
  printf("%s", s);
  for(int n = strlen(s); n < width; n++)
    printf(" ");
}

// The page size as a short word: 4K, 2M, or - for none.
static char *
size_name(uint64 pagesize)
{
  if(pagesize >= (1UL << 20))
    return pagesize == (2UL << 20) ? "2M" : "1G";
  return pagesize ? "4K" : "-";
}

static void
print_region(struct vmregion *r)
{
  char perm[5] = {
    r->prot & VM_READ ? 'r' : '-',
    r->prot & VM_WRITE ? 'w' : '-',
    r->prot & VM_EXEC ? 'x' : '-',
    r->flags & VMA_PRIVATE ? 'p' : 's',
    0,
  };
  print_addr(r->start);
  printf("-");
  print_addr(r->end);
  printf(" %s ", perm);
  print_padded(r->kind, 5);
  if(strcmp(r->kind, "file") == 0){
    printf("%s+0x%lx ", r->name, r->offset);
  } else {
    print_padded(r->name, 9);
  }
  printf("%d pages  %s\n", (int)r->resident, size_name(r->pagesize));
}

int
main(int argc, char *argv[])
{
  static struct vmregion regions[MAXREGIONS];
  if(argc > 2){
    fprintf(2, "usage: maps [pid]\n");
    exit(1);
  }
  int pid = argc == 2 ? atoi(argv[1]) : 0;
  int n = maps(pid, regions, MAXREGIONS);
  if(n < 0){
    fprintf(2, "maps: no process %s\n", argv[1]);
    exit(1);
  }
  for(int i = 0; i < n && i < MAXREGIONS; i++)
    print_region(&regions[i]);
  if(n > MAXREGIONS)
    printf("... and %d more\n", n - MAXREGIONS);
  exit(0);
}

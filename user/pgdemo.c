// pgdemo: a process with a page table worth looking at, for the GDB
// commands of tools/gdb/ (README: "Stepping a page walk in GDB") and
// their test. It grows its heap by a few pages, forks a child that keeps
// them shared copy-on-write, writes into one of them (which gets its own
// copy again), maps the second page of the file README and reads it,
// and then prints its page table with kpgtbl(): a break on sys_kpgtbl
// stops the kernel at that point, with every kind of page in place.
// Prints the addresses it used so a reader can walk them.
// `pgdemo swap` instead sends a heap page out to swap before kpgtbl(), so
// that its entry is a swap entry (needs a swap disk).
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vm.h"
#include "user/user.h"

#define HEAP_PAGES 3
#define MARK 0xA71A5000UL      // word i of the heap pages holds MARK + i
#define MAPPED_FILE "README"   // mapped from its second page
#define SWAP_MARK 0x5A4B5000UL // word 0 of the page `pgdemo swap` sends out
#define SWAP_TRIES 3           // rounds of aging and reclaim before giving up
#define RECLAIM_ALL (1 << 20)  // "as many pages as reclaim can get"

// pgdemo swap: a heap page written to swap. Every page is aged and
// reclaim takes all it can, until the page is mapped no more (its leaf is
// a swap entry now); then kpgtbl() (where to stop), and the page is read
// back, intact.
static void
swap_demo(void)
{
  volatile uint64 *page = (uint64 *)sbrk(PGSIZE);
  if(page == (uint64 *)SBRK_ERROR){
    fprintf(2, "pgdemo: out of memory\n");
    exit(1);
  }
  *page = SWAP_MARK;
  for(int i = 0; i < SWAP_TRIES && pgpte((void *)page) != 0; i++){
    swapctl(SWAPCTL_AGE, 0);
    swapctl(SWAPCTL_RECLAIM, RECLAIM_ALL);
  }
  if(pgpte((void *)page) != 0){
    fprintf(2, "pgdemo: page %p stayed in memory (no swap disk?)\n", page);
    exit(1);
  }
  printf("pgdemo: pid %d, heap page %p holding %p: swapped out\n", getpid(), page,
         (void *)SWAP_MARK);
  kpgtbl();
  if(*page != SWAP_MARK){
    fprintf(2, "pgdemo: page %p came back from swap holding %p\n", page, (void *)*page);
    exit(1);
  }
  printf("pgdemo: page %p read back from swap\n", page);
  exit(0);
}

int
main(int argc, char *argv[])
{
  int p[2];
  if(argc == 2 && strcmp(argv[1], "swap") == 0)
    swap_demo();
  if(argc != 1){
    fprintf(2, "usage: pgdemo [swap]\n");
    exit(1);
  }
  char *heap = sbrk(HEAP_PAGES * PGSIZE);
  if(heap == SBRK_ERROR || pipe(p) < 0){
    fprintf(2, "pgdemo: out of memory\n");
    exit(1);
  }
  for(int i = 0; i < HEAP_PAGES; i++)
    *(uint64 *)(heap + i * PGSIZE) = MARK + i;

  int pid = fork();
  if(pid < 0){
    fprintf(2, "pgdemo: fork failed\n");
    exit(1);
  }
  if(pid == 0){                // the child holds the shared pages
    char c;
    close(p[1]);
    read(p[0], &c, 1);
    exit(0);
  }
  close(p[0]);
  *(uint64 *)(heap + PGSIZE) = MARK + HEAP_PAGES;   // page 1: a private copy again

  printf("pgdemo: pid %d, heap %p: page 0 shared copy-on-write, page 1 private, "
         "unmapped from %p\n", getpid(), heap, heap + HEAP_PAGES * PGSIZE);
  printf("pgdemo: pgpte(shared) %p = %p\n", heap, (void *)pgpte(heap));
  printf("pgdemo: pgpte(private) %p = %p\n", heap + PGSIZE, (void *)pgpte(heap + PGSIZE));
  int fd = open(MAPPED_FILE, O_RDONLY);
  volatile char *file = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, PGSIZE);
  if(fd < 0 || file == (char *)-1){
    fprintf(2, "pgdemo: cannot map %s\n", MAPPED_FILE);
    exit(1);
  }
  close(fd);
  printf("pgdemo: %s+0x%x mapped at %p: '%c'\n", MAPPED_FILE, PGSIZE, file, file[0]);
  kpgtbl();
  close(p[1]);                 // let the child go
  wait(0);
  exit(0);
}

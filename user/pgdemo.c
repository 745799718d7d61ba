// pgdemo: a process with a page table worth looking at, for the GDB
// commands of tools/gdb/ (README: "Stepping a page walk in GDB") and
// their test. It grows its heap by a few pages, forks a child that keeps
// them shared copy-on-write, writes into one of them (which gets its own
// copy again), maps the second page of the file README and reads it,
// and then prints its page table with kpgtbl(): a break on sys_kpgtbl
// stops the kernel at that point, with every kind of page in place.
// Prints the addresses it used so a reader can walk them.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define HEAP_PAGES 3
#define MARK 0xA71A5000UL      // word i of the heap pages holds MARK + i
#define MAPPED_FILE "README"   // mapped from its second page

int
main(void)
{
  int p[2];
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

// The swap disk: the virtio disk in slot 1 (DISK_SWAP), seen as an array
// of 4 KiB pages for the memory system to page out to. It bypasses the
// buffer cache: each transfer moves one page straight between the disk
// and a physical page. QEMU may have no swap disk (make SWAP=0): then it
// holds no pages.
#include "types.h"
#include "riscv.h"
#include "param.h"
#include "memlayout.h"
#include "defs.h"

// Announce the swap disk at boot, if there is one; say nothing if not.
void
swapdisk_init(void)
{
  uint64 pages = swapdisk_pages();

  if(pages > 0)
    printf("swap: virtio disk %d, %lu pages (%lu MiB)\n", DISK_SWAP, pages,
           pages * PGSIZE >> 20);
}

// How many pages the swap disk holds (0 with no swap disk).
uint64
swapdisk_pages(void)
{
  return virtio_disk_size(DISK_SWAP) / PGSIZE;
}

// Read (write == 0) or write swap page `page` from or to the physical
// page pa, and return when the disk is done: 0, or -1 if the disk
// reports an error or there is no such page. Sleeps, so only a process
// may call it, holding no spinlock; several may at once.
int
swapdisk_rw(uint64 page, void *pa, int write)
{
  if((uint64)pa % PGSIZE || (uint64)pa < KERNBASE || (uint64)pa >= PHYSTOP)
    panic("swapdisk_rw: not a page of RAM");
  if(page >= swapdisk_pages())
    return -1;
  return virtio_disk_request(DISK_SWAP, page * PGSIZE, pa, PGSIZE, write);
}

// The kernel's address space: one page table shared by all harts while
// they run kernel code. RAM and the devices are mapped at their physical
// addresses; the trampoline and the per-process kernel stacks sit at the
// top. No page is both writable and executable.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"
#include "mm/internal.h"

pagetable_t kernel_pagetable;

extern char etext[];        // end of kernel text (linker)
extern char erodata[];      // end of kernel read-only data (linker)
extern char _trampoline[];  // trampoline.S, one page inside the text

// Add a mapping to the kernel page table while it is being built, with
// 2 MiB megapages wherever alignment allows (RAM past the kernel image,
// the PLIC): fewer table pages and TLB entries. The kernel cannot run
// without it, so failure panics.
void
kvmmap(pagetable_t kpt, uint64 va, uint64 pa, uint64 size, int perm)
{
  if(map_range(kpt, va, size, pa, perm, PT_LEVEL1) != 0)
    panic("kvmmap: out of memory");
}

// Build the kernel page table.
void
kvminit(void)
{
  pagetable_t kpt = pagetable_alloc();
  if(kpt == 0)
    panic("kvminit: out of memory");

  kvmmap(kpt, SIFIVE_TEST, SIFIVE_TEST, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, UART0, UART0, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, VIRTIO0, VIRTIO0, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, VIRTIO1, VIRTIO1, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, PLIC, PLIC, PLIC_SIZE, PTE_R | PTE_W);

  uint64 text = KERNLINK, rodata = (uint64)etext, data = (uint64)erodata;
  kvmmap(kpt, text, text, rodata - text, PTE_R | PTE_X);
  kvmmap(kpt, rodata, rodata, data - rodata, PTE_R);
  kvmmap(kpt, data, data, phystop - data, PTE_R | PTE_W);

  kvmmap(kpt, TRAMPOLINE, (uint64)_trampoline, PGSIZE, PTE_R | PTE_X);
  proc_mapstacks(kpt);
  kernel_pagetable = kpt;
}

// Switch this hart to the kernel page table (turning paging on).
void
kvminithart(void)
{
  sfence_vma();              // finish earlier stores to page tables
  w_satp(MAKE_SATP(kernel_pagetable));
  sfence_vma();              // drop stale translations
}

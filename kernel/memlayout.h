// Physical and virtual memory layout of Atlas on QEMU's virt machine.
//
// Physical memory (QEMU virt, -bios default):
//   0x00100000  sifive_test (used by OpenSBI for power-off)
//   0x0C000000  PLIC
//   0x10000000  UART 16550
//   0x10001000  virtio-mmio slot 0: the file system's disk
//   0x10002000  virtio-mmio slot 1: the swap disk (may be empty)
//   0x80000000  start of RAM: OpenSBI firmware (M-mode, PMP-protected)
//   0x80200000  kernel image: text, rodata, data, bss
//   end         free pages, handed out by the page allocator
//   PHYSTOP     end of RAM (read from the device tree at boot)
//
// Kernel virtual memory: RAM and devices are mapped at their physical
// addresses (a "direct map"); in addition, at the top:
//   TRAMPOLINE          user entry/exit code (same VA in every space)
//   below it            kernel stacks, each with an unmapped guard page
//
// User virtual memory, from address 0 up:
//   text, data, bss, a guard page, the user stack, the heap (sbrk)
//   ...
//   USYSCALL            per-process facts, read-only (usyscall=on only)
//   TRAPFRAME           per-process trapframe (kernel-only)
//   TRAMPOLINE          trampoline code (kernel-only)
#ifndef ATLAS_MEMLAYOUT_H
#define ATLAS_MEMLAYOUT_H

// QEMU virt devices.
#define SIFIVE_TEST 0x100000L  // test finisher: powers QEMU off with a status
#define UART0      0x10000000L
#define UART0_IRQ  10
// QEMU virt has eight virtio-mmio slots, one page of registers each;
// Atlas drives the first two.
#define VIRTIO0    0x10001000L   // slot 0: the file system's disk
#define VIRTIO0_IRQ 1
#define VIRTIO1    0x10002000L   // slot 1: the swap disk
#define VIRTIO1_IRQ 2
#define PLIC       0x0c000000L
#define PLIC_SIZE  0x400000L
#define PLIC_PRIORITY    (PLIC + 0x0)
#define PLIC_PENDING     (PLIC + 0x1000)
// S-mode context of hart h is 2h+1.
#define PLIC_SENABLE(hart)   (PLIC + 0x2080 + (hart)*0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart)*0x2000)
#define PLIC_SCLAIM(hart)    (PLIC + 0x201004 + (hart)*0x2000)

// RAM: the kernel manages KERNBASE..PHYSTOP (less OpenSBI and the kernel
// image at the bottom). The kernel learns the real end of RAM from the
// device tree. Programs outside the kernel (xv6 lab tests size their
// work from PHYSTOP - KERNBASE) see the default machine's RAM, the
// memory a program can count on.
#define KERNBASE   0x80000000L
#define KERNLINK   0x80200000L   // where OpenSBI enters the kernel
#define MAXPHYSMEM (1L << 30)    // 1 GiB: the most RAM Atlas will use
#define DEFAULTMEM (128L << 20)  // 128 MiB: `make qemu`'s MEM
#if defined(ATLAS_KERNEL) && !defined(__ASSEMBLER__)
extern unsigned long phystop;
#define PHYSTOP phystop
#else
#define PHYSTOP (KERNBASE + DEFAULTMEM)
#endif

// The trampoline page sits at the highest user address, in both user and
// kernel page tables.
#define TRAMPOLINE (MAXVA - PGSIZE)

// Kernel stack of process slot p, below the trampoline; each stack is
// followed (below) by an unmapped guard page.
#define KSTACK_PAGES 1
#define KSTACK(p) (TRAMPOLINE - ((p)+1) * (KSTACK_PAGES+1) * PGSIZE)

// Per-process trapframe, just below the trampoline in the user page table.
#define TRAPFRAME (TRAMPOLINE - PGSIZE)

// Below the trapframe, with the boot option usyscall=on (the page-table
// lab's), a page the process may read but not write, where the kernel
// leaves facts a program can learn without a system call (ugetpid() in
// the user library). Filled when the process is created.
#define USYSCALL (TRAPFRAME - PGSIZE)

// The end of a process's own memory: text, data, stack and heap all lie
// below; the pages from here up belong to the kernel's bookkeeping. The
// heap reaches the trapframe, as in current xv6, unless the USYSCALL page
// is mapped (then USERTOP is USYSCALL: the kernel decides at boot).
#if defined(ATLAS_KERNEL) && !defined(__ASSEMBLER__)
extern unsigned long usertop;
#define USERTOP usertop
#else
#define USERTOP TRAPFRAME
#endif

#ifndef __ASSEMBLER__
struct usyscall {
  int pid;        // the process's pid
};
#endif

#endif

// Kernel start-up: kmain() on the boot hart brings up every subsystem,
// then starts the other harts, which run kmain_secondary().
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"

extern char _secondary_entry[];

// Start every other hart through SBI HSM. They enter _secondary_entry
// with paging off, at the kernel's physical (= linked) address.
static void
start_other_harts(int boot_hart)
{
  for(int h = 0; h < machine.nharts && h < NCPU; h++){
    if(h == boot_hart)
      continue;
    if(sbi_hart_start(h, (uint64)_secondary_entry, 0) != 0)
      printf("hart %d: could not start\n", h);
  }
}

// Where a trap goes while a hart boots, before trapinithart() installs
// kernelvec: there is nothing to resume, so say what happened and stop.
// (stvec needs a 4-byte-aligned address.)
__attribute__((aligned(4))) void
boot_trap(void)
{
  printf("hart %d: trap during boot: scause %p sepc %p stval %p\n", (int)r_tp(),
         (void *)r_scause(), (void *)r_sepc(), (void *)r_stval());
  panic("boot_trap");
}

// The boot hart: whichever hart OpenSBI picked; a0 = hart id, a1 = the
// device tree. Interrupts are off and paging is off.
void
kmain(uint64 hartid, uint64 dtb)
{
  consoleinit();
  printfinit();
  fdt_parse(dtb);          // before kinit(): the tree lies in free RAM
  printf("\nAtlas: RISC-V Sv39 kernel, %d harts, %d MiB RAM, boot hart %d, timer %s\n",
         machine.nharts, (int)(machine.ram_size >> 20), (int)hartid,
         machine.sstc ? "sstc" : "sbi");
  if(machine.bootargs[0])
    printf("Atlas: command line: %s\n", machine.bootargs);
  bootargs_parse();        // kconfig: the memory policies
  set_forkmode(kconfig.forkmode);
  kinit();                 // physical page allocator
  kvminit();               // kernel page table
  kvminithart();           // turn on paging
  procinit();              // process table
  trapinithart();          // install kernel trap vector
  fpuinithart();           // the kernel runs with floating point off
  timerinit();
  timerinithart();         // first timer interrupt
  plicinit();              // interrupt controller
  plicinithart(1);         // this hart takes the device interrupts
  binit();                 // buffer cache
  iinit();                 // inode table
  fileinit();              // file table
  virtio_disk_init();      // the disk
  userinit();              // first user process
  __sync_synchronize();    // setup is visible before other harts run
  start_other_harts(hartid);
  scheduler();
}

// Every other hart, started by the boot hart once the kernel is set up,
// so only per-hart state is left to initialise.
void
kmain_secondary(uint64 hartid)
{
  kvminithart();
  trapinithart();
  fpuinithart();
  timerinithart();
  plicinithart(0);
  scheduler();
}

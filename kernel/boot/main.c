// Kernel start-up: kmain() on the boot hart brings up every subsystem,
// then starts the other harts, which run kmain_secondary().
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

extern char _secondary_entry[];

// How many harts the kernel runs on: every hart of the machine, up to
// the NCPU slots of cpus[].
int
harts_used(void)
{
  return machine.nharts < NCPU ? machine.nharts : NCPU;
}

// Start the other harts the kernel uses through SBI HSM: the first ones
// by hart id (QEMU's virt numbers them 0..nharts-1), skipping this one;
// a hart that fails to start leaves its slot to the next.
// They enter _secondary_entry with paging off, at the kernel's physical
// (= linked) address, and take the free slots of cpus[].
static void
start_other_harts(int boot_hart)
{
  int others = harts_used() - 1;
  for(int h = 0; h < machine.nharts && others > 0; h++){
    if(h == boot_hart)
      continue;
    if(sbi_hart_start(h, (uint64)_secondary_entry, 0) == 0)
      others--;
    else
      printf("hart %d: could not start\n", h);
  }
}

// Where a trap goes while a hart boots, before trapinithart() installs
// kernelvec: there is nothing to resume, so say what happened and stop.
// (stvec needs a 4-byte-aligned address.)
__attribute__((aligned(4))) void
boot_trap(void)
{
  printf("hart %d: trap during boot: scause %p sepc %p stval %p\n", mycpu()->hartid,
         (void *)r_scause(), (void *)r_sepc(), (void *)r_stval());
  panic("boot_trap");
}

// Say what the kernel runs on: of the machine's harts and RAM, how much
// it uses (at most NCPU harts, RAM up to PHYSTOP).
static void
print_banner(void)
{
  printf("\nAtlas: RISC-V Sv39 kernel, using %d of %d harts and %d of %d MiB RAM, "
         "boot hart %d, timer %s\n", harts_used(), machine.nharts,
         (int)((PHYSTOP - machine.ram_base) >> 20), (int)(machine.ram_size >> 20),
         mycpu()->hartid, machine.sstc ? "sstc" : "sbi");
}

// The boot hart: whichever hart OpenSBI picked, in slot 0 of cpus[];
// a0 = hart id, a1 = the device tree. Interrupts are off and paging is off.
void
kmain(uint64 hartid, uint64 dtb)
{
  mycpu()->hartid = hartid;
  consoleinit();
  printfinit();
  fdt_parse(dtb);          // before kinit(): the tree lies in free RAM
  kinit();                 // physical page allocator, up to PHYSTOP
  print_banner();
  if(machine.bootargs[0])
    printf("Atlas: command line: %s\n", machine.bootargs);
  bootargs_parse();        // kconfig: the memory policies
  set_forkmode(kconfig.forkmode);
  kvminit();               // kernel page table
  mm_init();               // address spaces and their regions
  pcache_init();           // the page cache
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
  virtio_disk_init();      // the disks
  swapdisk_init();         // the swap disk, if QEMU has one
  swap_init();             // swap space, on the second disk
  kswapd_start();          // the kernel thread that keeps memory free
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
  mycpu()->hartid = hartid;
  kvminithart();
  trapinithart();
  fpuinithart();
  timerinithart();
  plicinithart(0);
  scheduler();
}

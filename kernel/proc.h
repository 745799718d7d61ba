// Harts, processes and the state saved when they stop running.
#ifndef ATLAS_PROC_H
#define ATLAS_PROC_H

// Callee-saved registers, saved by swtch() when a kernel thread gives up
// its hart.
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

// Per-hart state, in the slot of cpus[] the hart took at boot; cpuid() is
// the index of that slot, not the hart id.
struct cpu {
  struct proc *proc;          // process running on this hart, or null
  struct context context;     // swtch() here to enter scheduler()
  int noff;                   // depth of push_off() nesting
  int intena;                 // were interrupts enabled before push_off()?
  int hartid;                 // the hart's id, for SBI calls and the PLIC
  int pt_depth;               // depth of pt_enter() nesting (mm/ptlock.c)
  int pt_inside;              // in a page-table section: reclaim's freeze waits
};

extern struct cpu cpus[NCPU];

// Saved user registers and the few kernel values the trampoline needs, in
// a page of its own mapped at TRAPFRAME in the user page table (and not
// accessible from user mode). The byte offsets are used by trampoline.S.
struct trapframe {
  /*   0 */ uint64 kernel_satp;   // kernel page table
  /*   8 */ uint64 kernel_sp;     // top of process's kernel stack
  /*  16 */ uint64 kernel_trap;   // usertrap()
  /*  24 */ uint64 epc;           // saved user program counter
  /*  32 */ uint64 kernel_hartid; // saved kernel tp
  /*  40 */ uint64 ra;
  /*  48 */ uint64 sp;
  /*  56 */ uint64 gp;
  /*  64 */ uint64 tp;
  /*  72 */ uint64 t0;
  /*  80 */ uint64 t1;
  /*  88 */ uint64 t2;
  /*  96 */ uint64 s0;
  /* 104 */ uint64 s1;
  /* 112 */ uint64 a0;
  /* 120 */ uint64 a1;
  /* 128 */ uint64 a2;
  /* 136 */ uint64 a3;
  /* 144 */ uint64 a4;
  /* 152 */ uint64 a5;
  /* 160 */ uint64 a6;
  /* 168 */ uint64 a7;
  /* 176 */ uint64 s2;
  /* 184 */ uint64 s3;
  /* 192 */ uint64 s4;
  /* 200 */ uint64 s5;
  /* 208 */ uint64 s6;
  /* 216 */ uint64 s7;
  /* 224 */ uint64 s8;
  /* 232 */ uint64 s9;
  /* 240 */ uint64 s10;
  /* 248 */ uint64 s11;
  /* 256 */ uint64 t3;
  /* 264 */ uint64 t4;
  /* 272 */ uint64 t5;
  /* 280 */ uint64 t6;
};

// A process's floating-point registers, saved by trap/fpu.c.
struct fpstate {
  uint64 f[NFREGS];   // f0..f31
  uint64 fcsr;
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// Memory-system events counted per process (and system-wide, mm/stats.c).
enum vm_event { VM_LAZY_FAULT, VM_COW_FAULT, VM_COW_COPY, VM_PROMOTION, VM_FILE_FAULT,
                VM_SWAP_IN, VM_SWAP_CACHED, VM_SWAP_OUT, VM_RECLAIM, VM_FILE_RECLAIM,
                VM_OOM_KILL, NVMEVENTS };

// Per-process state.
struct proc {
  struct spinlock lock;

  // p->lock must be held when using these:
  enum procstate state;        // Process state
  void *chan;                  // If non-zero, sleeping on chan
  int killed;                  // If non-zero, have been killed
  int xstate;                  // Exit status to be returned to parent's wait
  int pid;                     // Process ID

  // wait_lock must be held when using this:
  struct proc *parent;         // Parent process

  // these are private to the process, so p->lock need not be held.
  uint64 kstack;               // Virtual address of kernel stack
  struct mm *mm;               // its address space (mm.h); p->lock to change
  struct trapframe *trapframe; // data page for trampoline.S
  struct usyscall *usyscall;   // the read-only page mapped at USYSCALL
  struct context context;      // swtch() here to run process
  struct fpstate fp;           // f registers and fcsr (trap/fpu.c)
  int fploaded;                // its hart's f registers hold fp (trap/fpu.c)
  struct file *ofile[NOFILE];  // Open files
  struct inode *cwd;           // Current directory
  char name[16];               // Process name (debugging)
  uint64 vm_events[NVMEVENTS]; // memory-system events (mm/stats.c)
  uint64 fork_copy_ns;         // time its forks spent copying memory (memstat)
  int kfail_after;             // >0: that many kallocs from now, one fails
  // lab syscall: begin
  int tracemask;               // bit n set: print what call n returns (trace())
  // lab syscall: end
  int ilocks;                  // inodes it has locked (ilock): a page fault
                               // then may not wait for a file's lock
  void (*kthread)(void);       // a kernel thread's work (kthread_start), or 0
};

#endif

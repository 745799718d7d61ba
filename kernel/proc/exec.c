// exec(): replace the current process's memory with a program loaded
// from an ELF file, and start it with the given arguments.
//
// The new address space (struct mm), from 0 up, one region each:
//   each loadable segment ("text" if executable, else "data"), with the
//   permissions its ELF flags ask for;
//   a guard page (no user access), the USERSTACK stack pages;
//   the heap, empty until sbrk grows it.
// The old space is freed only once the new one is complete, so a failed
// exec leaves the caller as it was.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "defs.h"
#include "elf.h"
#include "vm.h"
#include "mm.h"

// A segment's region permissions (VM_*) for its ELF flags: always
// readable, as in xv6.
static int
flags2prot(int flags)
{
  int prot = VM_READ;
  if(flags & ELF_PROG_FLAG_EXEC)
    prot |= VM_EXEC;
  if(flags & ELF_PROG_FLAG_WRITE)
    prot |= VM_WRITE;
  return prot;
}

// Read sz bytes at offset off of ip into the user pages of mm at va
// (already mapped), holding each page while the disk is read into it.
// Returns 0, or -1 on a short read.
static int
loadseg(struct mm *mm, uint64 va, struct inode *ip, uint off, uint sz)
{
  for(uint i = 0; i < sz; i += PGSIZE){
    uint64 pa = mm_page_get(mm, va + i);
    if(pa == 0)
      panic("loadseg: page not mapped");
    uint n = sz - i < PGSIZE ? sz - i : PGSIZE;
    int got = readi(ip, 0, pa, off + i, n);
    kfree((void *)PGROUNDDOWN(pa));
    if(got != n)
      return -1;
  }
  return 0;
}

// Is elf the header of a program this machine can run: a 64-bit,
// little-endian, current-version RISC-V executable whose program headers
// are the size exec reads?
static int
header_ok(struct elfhdr *elf)
{
  return elf->magic == ELF_MAGIC &&
         elf->elf[ELF_IDENT_CLASS] == ELF_CLASS64 &&
         elf->elf[ELF_IDENT_DATA] == ELF_DATA_LSB &&
         elf->elf[ELF_IDENT_VERSION] == ELF_VERSION_CURRENT &&
         elf->version == ELF_VERSION_CURRENT &&
         elf->machine == ELF_MACHINE_RISCV &&
         elf->type == ELF_TYPE_EXEC &&
         elf->phentsize == sizeof(struct proghdr);
}

// File offsets are 32-bit inside the file system (readi takes a uint).
#define MAXFILEOFF 0xFFFFFFFFUL

// Is program header ph a segment we can load? Rejects overflowing sizes,
// file ranges past what a file can hold, unaligned addresses and anything
// reaching the trapframe.
static int
segment_ok(struct proghdr *ph)
{
  return ph->memsz >= ph->filesz &&
         ph->off <= MAXFILEOFF && ph->filesz <= MAXFILEOFF - ph->off &&
         ph->vaddr + ph->memsz >= ph->vaddr &&
         ph->vaddr % PGSIZE == 0 &&
         ph->vaddr + ph->memsz <= USERTOP;
}

// Map and load every PT_LOAD segment of the ELF file ip into mm, each a
// region of its own; *szp gets the end of the last. Segments must come
// in address order. Returns 0, or -1 on any error (the caller frees mm).
static int
load_segments(struct mm *mm, struct inode *ip, struct elfhdr *elf, uint64 *szp)
{
  if(elf->phoff > MAXFILEOFF - elf->phnum * sizeof(struct proghdr))
    return -1;
  for(int i = 0; i < elf->phnum; i++){
    struct proghdr ph;
    uint off = elf->phoff + i * sizeof(ph);
    if(readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if(ph.type != ELF_PROG_LOAD)
      continue;
    if(!segment_ok(&ph) || ph.vaddr < *szp)
      return -1;
    int prot = flags2prot(ph.flags);
    if(mm_map_anon(mm, ph.vaddr, PGROUNDUP(ph.vaddr + ph.memsz), prot, 0,
                   prot & VM_EXEC ? "text" : "data") == 0)
      return -1;
    *szp = ph.vaddr + ph.memsz;
    if(loadseg(mm, ph.vaddr, ip, ph.off, ph.filesz) < 0)
      return -1;
  }
  return 0;
}

// Copy the argument strings and then the argv array onto the user stack
// whose top is sp and bottom stackbase. Returns the new sp (which is
// argv's address), or 0 if they do not fit.
static uint64
push_args(pagetable_t pt, uint64 sp, uint64 stackbase, char **argv, int *argcp)
{
  uint64 ustack[MAXARG + 1];
  int argc;
  for(argc = 0; argv[argc]; argc++){
    if(argc >= MAXARG)
      return 0;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16;                        // riscv sp must be 16-byte aligned
    if(sp < stackbase || copyout(pt, sp, argv[argc], strlen(argv[argc]) + 1) < 0)
      return 0;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc + 1) * sizeof(uint64);
  sp -= sp % 16;
  if(sp < stackbase || copyout(pt, sp, (char *)ustack, (argc + 1) * sizeof(uint64)) < 0)
    return 0;
  *argcp = argc;
  return sp;
}

// The last element of a path (the program's name for debugging).
static char *
last_elem(char *path)
{
  char *last = path;
  for(char *s = path; *s; s++)
    if(*s == '/')
      last = s + 1;
  return last;
}

// Run the program at path with arguments argv (kernel strings). Returns
// argc (which the program receives in a0), or -1, leaving the process
// unchanged.
int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfhdr elf;
  struct mm *mm = 0;
  uint64 sz = 0;

  begin_op();
  struct inode *ip = namei(path);
  if(ip == 0){
    end_op();
    return -1;
  }
  ilock(ip);
  if(readi(ip, 0, (uint64)&elf, 0, sizeof(elf)) != sizeof(elf) ||
     !header_ok(&elf))
    goto bad;
  if((mm = mm_create(p->trapframe, p->usyscall)) == 0)
    goto bad;
  mm->superpages = p->mm->superpages;
  if(load_segments(mm, ip, &elf, &sz) < 0 || sz == 0)
    goto bad;
  iunlockput(ip);
  end_op();
  ip = 0;

  // A guard page, the stack, then the heap.
  uint64 guard = PGROUNDUP(sz), stack = guard + PGSIZE, top = stack + USERSTACK*PGSIZE;
  if(top > USERTOP ||
     mm_map_anon(mm, guard, stack, 0, VMA_GUARD, "guard") == 0 ||
     mm_map_anon(mm, stack, top, VM_READ | VM_WRITE, VMA_STACK, "stack") == 0 ||
     mm_heap_init(mm, top) != 0)
    goto bad;
  int argc;
  uint64 sp = push_args(mm->pagetable, top, stack, argv, &argc);
  if(sp == 0)
    goto bad;

  // Commit: from here on the process runs the new program.
  safestrcpy(p->name, last_elem(path), sizeof(p->name));
  struct mm *old = proc_switch_mm(p, mm);
  p->trapframe->epc = elf.entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp;            // argv
  fpu_reset(p);
  mm_put(old);
  return argc;

 bad:
  if(mm)
    mm_put(mm);
  if(ip){
    iunlockput(ip);
    end_op();
  }
  return -1;
}

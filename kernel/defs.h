// Functions shared between kernel source files, grouped by the file that
// defines them.
#ifndef ATLAS_DEFS_H
#define ATLAS_DEFS_H

struct buf;
struct context;
struct file;
struct inode;
struct pipe;
struct proc;
struct spinlock;
struct sleeplock;
struct stat;
struct superblock;

// ---- boot/ -------------------------------------------------------------
// fdt.c: what the device tree says about this machine
struct machine {
  uint64 ram_base;      // first byte of RAM
  uint64 ram_size;      // bytes of RAM
  int    nharts;        // harts present
  uint64 timebase;      // timer ticks per second
  int    sstc;          // harts implement the Sstc extension (stimecmp)
  char   bootargs[BOOTARGS_MAX];  // the kernel command line, "" if none
};
extern struct machine machine;
void            fdt_parse(uint64 dtb_pa);
// bootargs.c: the kernel command line's options
struct kconfig {
  int overcommit;       // sbrk may promise memory it cannot back now
  int megapages;        // init's superpages() mode, inherited by all
  int forkmode;         // the fork mode at boot (forkmode() changes it)
  int usyscall;         // map the page-table lab's USYSCALL page
  int vmprint;          // how vmprint writes addresses (VMPRINT_*)
  int reclaim;          // page replacement: RECLAIM_CLOCK or RECLAIM_FIFO (vm.h)
};
#define VMPRINT_TRUE 0  // the address an entry maps
#define VMPRINT_XV6  1  // its low 32 bits sign-extended, as MIT's pgtbl grader expects
extern struct kconfig kconfig;
void            bootargs_parse(void);
// main.c: the start
int             harts_used(void);
// sbi.c: calls into the OpenSBI firmware
void            sbi_set_timer(uint64 when);
int             sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque);
int             sbi_remote_sfence_vma(uint64 hart_mask, uint64 base, uint64 start, uint64 size);
void            sbi_shutdown(void);

// ---- lib/ --------------------------------------------------------------
// printf.c
int             printf(char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void            panic(char *s) __attribute__((noreturn));
void            printfinit(void);
extern volatile int panicking;  // printf stops taking its lock
extern volatile int panicked;   // other harts spin quietly

// string.c
#define MIN(a, b) ((a) < (b) ? (a) : (b))
int             memcmp(const void*, const void*, uint);
void*           memmove(void*, const void*, uint);
void*           memcpy(void*, const void*, uint);
void*           memset(void*, int, uint);
char*           safestrcpy(char*, const char*, int);
int             strlen(const char*);
int             strncmp(const char*, const char*, uint);
char*           strncpy(char*, const char*, int);
// spinlock.c
void            acquire(struct spinlock*);
int             holding(struct spinlock*);
int             holding_spinlocks(void);
void            initlock(struct spinlock*, char*);
void            release(struct spinlock*);
int             tryacquire(struct spinlock*);
void            push_off(void);
void            pop_off(void);
// sleeplock.c
void            acquiresleep(struct sleeplock*);
void            releasesleep(struct sleeplock*);
int             holdingsleep(struct sleeplock*);
void            initsleeplock(struct sleeplock*, char*);

// ---- dev/ --------------------------------------------------------------
// console.c
void            consoleinit(void);
void            consoleintr(int);
void            consputc(int);
// uart.c
void            uartinit(void);
void            uartintr(void);
void            uartputc(int);
void            uartputc_sync(int);
// power.c
void            poweroff(int failure) __attribute__((noreturn));
// plic.c
void            plicinit(void);
void            plicinithart(int);
int             plic_claim(void);
void            plic_complete(int);
// timer.c
extern uint     ticks;
extern struct spinlock tickslock;
void            timerinit(void);
uint64          time_ns(void);
void            timerinithart(void);
void            clockintr(void);
// virtio_disk.c: the virtio block disks, numbered by virtio-mmio slot
#define DISK_FS   0     // VIRTIO0: the file system's disk, always there
#define DISK_SWAP 1     // VIRTIO1: the swap disk, if QEMU was given one
void            virtio_disk_init(void);
uint64          virtio_disk_size(int);
int             virtio_disk_request(int, uint64 off, void *, uint32 len, int write);
void            virtio_disk_rw(struct buf *, int write);
void            virtio_disk_intr(int irq);
// swapdisk.c: the swap disk in pages
void            swapdisk_init(void);
uint64          swapdisk_pages(void);
int             swapdisk_rw(uint64 page, void *pa, int write);

// ---- mm/ ---------------------------------------------------------------
// The memory system's interface to the rest of the kernel; what only
// mm/ uses is in mm/internal.h, struct mm and struct vma in mm.h.
struct mm;
struct vma;
struct vm_object;
// kalloc.c: physical page allocator
void            kinit(void);
void*           kalloc(void);
void            kalloc_failpoint(int (*)(void));
uint64          kuserpages(void);
void            kfree(void *);
uint64          kfreepages(void);
// pagetable.c: Sv39 page tables (xv6's walk, walkaddr, mappages)
pte_t *         walk(pagetable_t, uint64, int);
uint64          walkaddr(pagetable_t, uint64);
int             mappages(pagetable_t, uint64, uint64, uint64, int);
// tlb.c: which harts may hold an address space's translations
void            tlb_enter_user(struct mm *);
void            tlb_leave_user(struct mm *);
// kvm.c: the kernel's address space
void            kvminit(void);
void            kvminithart(void);
void            kvmmap(pagetable_t, uint64, uint64, uint64, int);
// mm.c: address spaces (xv6's uvmcreate, uvmalloc, uvmdealloc, uvmfree)
void            mm_init(void);
struct mm *     mm_create(void *trapframe, void *usyscall);
void            mm_get(struct mm *);
void            mm_put(struct mm *);
struct vma *    mm_map_anon(struct mm *, uint64, uint64, int prot, int flags, char *name);
int             mm_heap_init(struct mm *, uint64);
int             mm_sbrk(struct mm *, int, int);
int             mm_copy(struct mm *, struct mm *, uint64 *ns);
uint64          mm_page_get(struct mm *, uint64 va);
uint64          mm_badness(struct mm *, uint64 *resident, uint64 *swapped);
// swap.c: swap space, on the second disk
void            swap_init(void);
// reclaim.c: page replacement, swapping out, kswapd
void            reclaim_init(void);
int             reclaim(int want);
int             reclaim_policy(int);
void            kswapd_start(void);
// pagecache.c: the pages of files and shared memory
void            pcache_init(void);
// filemap.c: the page cache's side of files (read, write, truncate)
uint64          filemap_page(struct inode *, uint64 index);
void            filemap_written(struct inode *, uint off, void *src, uint n);
void            filemap_truncate(struct inode *);
void            filemap_release(struct inode *);
// mshare.c: regions whose page tables processes attach
void            mshare_unlinked(struct inode *);
// fork.c: fork's copy of memory (xv6's uvmcopy)
int             set_forkmode(int);
// fault.c: page faults from user mode
void            page_fault(uint64 scause, uint64 stval);
// usercopy.c: moving bytes between kernel and user memory
int             copyout(pagetable_t, uint64, char *, uint64);
int             copyin(pagetable_t, char *, uint64, uint64);
int             copyinstr(pagetable_t, char *, uint64, uint64);
int             either_copyout(int user_dst, uint64 dst, void *src, uint64 len);
int             either_copyin(void *dst, int user_src, uint64 src, uint64 len);
void            uvm_prefault(uint64 va, uint64 len, int write);
struct uhold {                  // user pages held for a copy under a spin lock
  uint64 pa[2];
  int n;
};
void            uvm_hold(uint64 va, uint64 len, int write, struct uhold *);
void            uvm_release(struct uhold *);
// inspect.c: the memory system seen from outside
void            vmprint(pagetable_t);

// ---- proc/ -------------------------------------------------------------
// proc.c
int             cpuid(void);
void            exit(int) __attribute__((noreturn));
int             fork(void);
void            proc_mapstacks(pagetable_t);
struct mm *     proc_mm(int pid);
struct mm *     proc_switch_mm(struct proc *, struct mm *);
int             kill(int);
int             killed(struct proc*);
void            setkilled(struct proc*);
struct cpu*     mycpu(void);
struct proc*    myproc(void);
void            procinit(void);
void            scheduler(void) __attribute__((noreturn));
void            sched(void);
void            sleep(void*, struct spinlock*);
void            userinit(void);
int             wait(uint64);
void            wakeup(void*);
void            yield(void);
void            procdump(void);
int             oom_kill(void);
void            kthread_start(char *name, void (*fn)(void));
// lab syscall: begin
uint64          nproc_used(void);
// lab syscall: end
// swtch.S
void            swtch(struct context*, struct context*);
// exec.c
int             exec(char*, char**);

// ---- trap/ -------------------------------------------------------------
// trap.c
void            trapinithart(void);
void            usertrapret(void);
// fpu.c: floating-point registers as process state
void            fpuinithart(void);
void            fpu_reset(struct proc*);
void            fpu_usertrap(struct proc*);
void            fpu_usertrapret(struct proc*);
// syscall.c
void            argint(int, int*);
int             argstr(int, char*, int);
void            argaddr(int, uint64 *);
int             fetchstr(uint64, char*, int);
int             fetchaddr(uint64, uint64*);
void            syscall(void);

// ---- fs/ ---------------------------------------------------------------
// bio.c
void            binit(void);
struct buf*     bread(uint, uint);
void            brelse(struct buf*);
void            bwrite(struct buf*);
void            bpin(struct buf*);
void            bunpin(struct buf*);
// log.c
void            initlog(int, struct superblock*);
void            log_write(struct buf*);
void            begin_op(void);
void            end_op(void);
// fs.c
void            fsinit(int);
int             dirlink(struct inode*, char*, uint);
struct inode*   dirlookup(struct inode*, char*, uint*);
struct inode*   ialloc(uint, short);
struct inode*   idup(struct inode*);
void            iinit(void);
void            ilock(struct inode*);
void            iput(struct inode*);
void            iunlock(struct inode*);
void            iunlockput(struct inode*);
void            iupdate(struct inode*);
int             namecmp(const char*, const char*);
struct inode*   namei(char*);
struct inode*   nameiparent(char*, char*);
void            last_element(char *path, char *name);
int             readi(struct inode*, int, uint64, uint, uint);
void            stati(struct inode*, struct stat*);
int             writei(struct inode*, int, uint64, uint, uint);
void            itrunc(struct inode*);
// file.c
struct file*    filealloc(void);
void            fileclose(struct file*);
struct file*    filedup(struct file*);
void            fileinit(void);
int             fileread(struct file*, uint64, int n);
int             filestat(struct file*, uint64 addr);
int             filewrite(struct file*, uint64, int n);
// sysfile.c
int             argfd(int n, int *pfd, struct file **pf);
// pipe.c
int             pipealloc(struct file**, struct file**);
void            pipeclose(struct pipe*, int);
int             piperead(struct pipe*, uint64, int);
int             pipewrite(struct pipe*, uint64, int);

// number of elements in fixed-size array
#define NELEM(x) (sizeof(x)/sizeof((x)[0]))

#endif

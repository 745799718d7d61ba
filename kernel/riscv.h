// RISC-V hardware facts, named once: CSR fields, Sv39 page-table entries
// and address fields, and small inline wrappers for the CSR instructions.
#ifndef ATLAS_RISCV_H
#define ATLAS_RISCV_H

// ---- Pages and Sv39 addresses ------------------------------------------

#define PGSIZE  4096                 // bytes per page
#define PGSHIFT 12                   // bits of offset within a page

#define PGROUNDUP(sz)  (((sz)+PGSIZE-1) & ~((uint64)PGSIZE-1))
#define PGROUNDDOWN(a) (((a)) & ~((uint64)PGSIZE-1))
#define SUPERPGSIZE (1L << 21)       // bytes per 2 MiB megapage (a level-1 leaf)
#define SUPERPGROUNDUP(sz)  (((sz)+SUPERPGSIZE-1) & ~((uint64)SUPERPGSIZE-1))
#define SUPERPGROUNDDOWN(a) (((a)) & ~((uint64)SUPERPGSIZE-1))

// Page-table entry bits (privileged spec, section "Sv39").
#define PTE_V (1L << 0)   // valid
#define PTE_R (1L << 1)   // readable
#define PTE_W (1L << 2)   // writable
#define PTE_X (1L << 3)   // executable
#define PTE_U (1L << 4)   // accessible from user mode
#define PTE_G (1L << 5)   // global mapping
#define PTE_A (1L << 6)   // accessed
#define PTE_D (1L << 7)   // dirty
#define PTE_RSW0 (1L << 8)  // reserved for software
#define PTE_RSW1 (1L << 9)  // reserved for software

#define PTE_PPN_SHIFT 10                 // PPN starts at bit 10 of a PTE
#define PTE_FLAG_BITS 0x3FF              // bits 9..0 hold the flags

// physical address <-> PTE
#define PA2PTE(pa) ((((uint64)pa) >> PGSHIFT) << PTE_PPN_SHIFT)
#define PTE2PA(pte) (((pte) >> PTE_PPN_SHIFT) << PGSHIFT)
#define PTE_FLAGS(pte) ((pte) & PTE_FLAG_BITS)

// Each level of the tree is indexed by 9 bits of the virtual address:
// level 2 (root) by bits 38..30, level 1 by 29..21, level 0 by 20..12.
#define PXMASK          0x1FF            // 9 bits
#define PXSHIFT(level)  (PGSHIFT+(9*(level)))
#define PX(level, va) ((((uint64) (va)) >> PXSHIFT(level)) & PXMASK)

// One past the highest user virtual address. Sv39 allows 39 bits, but
// addresses with bit 38 set would have to be sign-extended; Atlas (like
// xv6) simply does not use them.
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

// satp: MODE in bits 63..60, ASID in 59..44, root table PPN in 43..0.
#define SATP_SV39 (8L << 60)
#define MAKE_SATP(pagetable) (SATP_SV39 | (((uint64)pagetable) >> PGSHIFT))

// ---- sstatus -----------------------------------------------------------
#define SSTATUS_SPP  (1L << 8)   // previous mode: 1 = supervisor, 0 = user
#define SSTATUS_SPIE (1L << 5)   // supervisor previous interrupt enable
#define SSTATUS_UPIE (1L << 4)   // user previous interrupt enable
#define SSTATUS_SIE  (1L << 1)   // supervisor interrupt enable
#define SSTATUS_UIE  (1L << 0)   // user interrupt enable
#define SSTATUS_SUM  (1L << 18)  // permit supervisor access to user memory

// sstatus.FS (bits 14..13): the state of the floating-point unit. Off makes
// every floating-point instruction trap; the hardware turns Initial or
// Clean into Dirty when an f register or fcsr changes. SD (bit 63) is a
// read-only summary: FS (or another extension's state) is Dirty.
#define SSTATUS_FS         (3L << 13)  // the field
#define SSTATUS_FS_OFF     (0L << 13)
#define SSTATUS_FS_INITIAL (1L << 13)
#define SSTATUS_FS_CLEAN   (2L << 13)
#define SSTATUS_FS_DIRTY   (3L << 13)
#define SSTATUS_SD         (1UL << 63)

// fcsr: the accrued exception flags in bits 4..0 and the rounding mode in
// bits 7..5, of which 0..4 are defined modes.
#define FCSR_FFLAGS    0x1F
#define FCSR_FRM_SHIFT 5
#define FCSR_NFRM      5

// The floating-point registers f0..f31, and the head of an assembler
// loop over their numbers (\i in its body; end it with .endr).
#define NFREGS 32
#define FREGS_IRP ".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21," \
                  "22,23,24,25,26,27,28,29,30,31\n"

// ---- sie / sip ---------------------------------------------------------
#define SIE_SSIE (1L << 1)   // software
#define SIE_STIE (1L << 5)   // timer
#define SIE_SEIE (1L << 9)   // external

// ---- scause ------------------------------------------------------------
#define SCAUSE_INTR          (1UL << 63)  // set for interrupts
#define SCAUSE_CODE(c)       ((c) & ~SCAUSE_INTR)
#define IRQ_S_SOFT           1
#define IRQ_S_TIMER          5
#define IRQ_S_EXT            9
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

// scounteren: let user mode read the time CSR
#define SCOUNTEREN_TM (1L << 1)

// CSR number of stimecmp (Sstc extension); the assembler may not know the name.
#define CSR_STIMECMP 0x14D

#ifndef __ASSEMBLER__

typedef uint64 pte_t;
typedef uint64 *pagetable_t;   // 512 PTEs

#define csr_read(name) ({ uint64 __v; \
  asm volatile("csrr %0, " #name : "=r" (__v)); __v; })
#define csr_write(name, v) ({ \
  asm volatile("csrw " #name ", %0" : : "r" ((uint64)(v))); })
#define csr_set(name, v) ({ \
  asm volatile("csrs " #name ", %0" : : "r" ((uint64)(v))); })
#define csr_clear(name, v) ({ \
  asm volatile("csrc " #name ", %0" : : "r" ((uint64)(v))); })

// xv6's accessor names, for programs and code written against them.
static inline uint64 r_sstatus(void) { return csr_read(sstatus); }
static inline void   w_sstatus(uint64 x) { csr_write(sstatus, x); }
static inline uint64 r_sip(void) { return csr_read(sip); }
static inline void   w_sip(uint64 x) { csr_write(sip, x); }
static inline uint64 r_sie(void) { return csr_read(sie); }
static inline void   w_sie(uint64 x) { csr_write(sie, x); }
static inline uint64 r_sepc(void) { return csr_read(sepc); }
static inline void   w_sepc(uint64 x) { csr_write(sepc, x); }
static inline void   w_stvec(uint64 x) { csr_write(stvec, x); }
static inline uint64 r_stvec(void) { return csr_read(stvec); }
static inline uint64 r_satp(void) { return csr_read(satp); }
static inline void   w_satp(uint64 x) { csr_write(satp, x); }
static inline uint64 r_scause(void) { return csr_read(scause); }
static inline uint64 r_stval(void) { return csr_read(stval); }
static inline uint64 r_time(void) { return csr_read(time); }

static inline uint64 r_sp(void) { uint64 x; asm volatile("mv %0, sp" : "=r" (x)); return x; }
static inline uint64 r_tp(void) { uint64 x; asm volatile("mv %0, tp" : "=r" (x)); return x; }
static inline void   w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r" (x)); }
static inline uint64 r_ra(void) { uint64 x; asm volatile("mv %0, ra" : "=r" (x)); return x; }

// Turn device interrupts on or off, or ask whether they are on.
static inline void intr_on(void)  { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline int  intr_get(void) { return (r_sstatus() & SSTATUS_SIE) != 0; }

// Flush this hart's whole TLB.
static inline void sfence_vma(void) { asm volatile("sfence.vma zero, zero"); }

#endif // __ASSEMBLER__
#endif

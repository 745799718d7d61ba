// Calls from the S-mode kernel into the SBI firmware (OpenSBI), which runs
// in M-mode. An SBI call is an ecall with the extension id in a7, the
// function id in a6 and arguments in a0..a5; the firmware returns an
// error code in a0 and a value in a1.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "defs.h"

// Extension ids (SBI specification v1.0).
#define SBI_EXT_TIME   0x54494D45   // "TIME"
#define SBI_EXT_HSM    0x48534D     // "HSM"
#define SBI_EXT_SRST   0x53525354   // "SRST"
#define SBI_EXT_RFENCE 0x52464E43   // "RFNC"

#define SBI_TIME_SET_TIMER            0
#define SBI_HSM_HART_START            0
#define SBI_SRST_SYSTEM_RESET         0
#define SBI_SRST_TYPE_SHUTDOWN        0
#define SBI_SRST_REASON_NONE          0
#define SBI_RFENCE_REMOTE_SFENCE_VMA  1

struct sbiret {
  long error;
  long value;
};

// Make one SBI call with up to four arguments.
static struct sbiret
sbi_call4(uint64 ext, uint64 fid, uint64 arg0, uint64 arg1, uint64 arg2, uint64 arg3)
{
  register uint64 a0 asm("a0") = arg0;
  register uint64 a1 asm("a1") = arg1;
  register uint64 a2 asm("a2") = arg2;
  register uint64 a3 asm("a3") = arg3;
  register uint64 a6 asm("a6") = fid;
  register uint64 a7 asm("a7") = ext;
  asm volatile("ecall"
               : "+r"(a0), "+r"(a1)
               : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
               : "memory");
  struct sbiret ret = { (long)a0, (long)a1 };
  return ret;
}

// An SBI call with up to three arguments.
static struct sbiret
sbi_call(uint64 ext, uint64 fid, uint64 arg0, uint64 arg1, uint64 arg2)
{
  return sbi_call4(ext, fid, arg0, arg1, arg2, 0);
}

// Ask for a supervisor timer interrupt when the time CSR reaches `when`.
void
sbi_set_timer(uint64 when)
{
  sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, when, 0, 0);
}

// Start a stopped hart at physical address start_pa (paging off), with
// a0 = hartid and a1 = opaque. Returns 0 or the SBI error code.
int
sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque)
{
  return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_pa, opaque).error;
}

// Make the harts in hart_mask (bit i stands for hart base + i) execute
// sfence.vma for [start, start + size), or for everything when both are
// 0 (SBI RFENCE). The firmware returns once they have. 0, or the SBI
// error code.
int
sbi_remote_sfence_vma(uint64 hart_mask, uint64 base, uint64 start, uint64 size)
{
  return sbi_call4(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA, hart_mask, base,
                   start, size).error;
}

// Ask the firmware to power the machine off (SBI SRST); QEMU then exits
// with status 0. (power.c handles failures, which OpenSBI 1.1 cannot
// report to QEMU.)
void
sbi_shutdown(void)
{
  sbi_call(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_SHUTDOWN,
           SBI_SRST_REASON_NONE, 0);
}

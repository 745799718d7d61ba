// Driver for the 16550 UART on QEMU virt: the console's wire.
// Output from user writes goes through a small ring buffer drained by the
// transmit interrupt; kernel printf and input echo write synchronously.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

// 16550 registers, as byte offsets from UART0.
#define RHR 0                  // receive holding register (read)
#define THR 0                  // transmit holding register (write)
#define IER 1                  // interrupt enable register
#define   IER_RX_ENABLE (1<<0)
#define   IER_TX_ENABLE (1<<1)
#define FCR 2                  // FIFO control register (write)
#define   FCR_FIFO_ENABLE (1<<0)
#define   FCR_FIFO_CLEAR (3<<1)
#define ISR 2                  // interrupt status register (read)
#define LCR 3                  // line control register
#define   LCR_EIGHT_BITS (3<<0)
#define   LCR_BAUD_LATCH (1<<7)
#define LSR 5                  // line status register
#define   LSR_RX_READY (1<<0)
#define   LSR_TX_IDLE (1<<5)

#define Reg(reg) ((volatile uchar *)(UART0 + (reg)))
#define ReadReg(reg) (*(Reg(reg)))
#define WriteReg(reg, v) (*(Reg(reg)) = (v))

#define TX_BUF_SIZE 32
static struct spinlock tx_lock;
static char tx_buf[TX_BUF_SIZE];
static uint64 tx_w;   // next slot to fill: tx_buf[tx_w % TX_BUF_SIZE]
static uint64 tx_r;   // next slot to send

static void uartstart(void);
static int uartgetc(void);

// Program the UART: 38.4K baud, 8 data bits, FIFOs on, interrupts on.
void
uartinit(void)
{
  WriteReg(IER, 0x00);
  WriteReg(LCR, LCR_BAUD_LATCH);   // divisor latch mode
  WriteReg(0, 0x03);               // divisor LSB: 38.4K
  WriteReg(1, 0x00);               // divisor MSB
  WriteReg(LCR, LCR_EIGHT_BITS);   // leave latch mode, 8N1
  WriteReg(FCR, FCR_FIFO_ENABLE | FCR_FIFO_CLEAR);
  WriteReg(IER, IER_TX_ENABLE | IER_RX_ENABLE);
  initlock(&tx_lock, "uart");
}

// Queue a character for output, sleeping while the buffer is full. Only
// for process context (console writes), never from interrupts.
void
uartputc(int c)
{
  acquire(&tx_lock);
  while(tx_w == tx_r + TX_BUF_SIZE)
    sleep(&tx_r, &tx_lock);
  tx_buf[tx_w % TX_BUF_SIZE] = c;
  tx_w++;
  uartstart();
  release(&tx_lock);
}

// Send a character now, spinning until the UART takes it. Used by printf
// and to echo typed characters; works with interrupts off.
void
uartputc_sync(int c)
{
  push_off();
  while((ReadReg(LSR) & LSR_TX_IDLE) == 0)
    ;
  WriteReg(THR, c);
  pop_off();
}

// Move buffered characters to the UART while it can take them.
// Caller holds tx_lock.
static void
uartstart(void)
{
  while(tx_r != tx_w && (ReadReg(LSR) & LSR_TX_IDLE)){
    WriteReg(THR, tx_buf[tx_r % TX_BUF_SIZE]);
    tx_r++;
    wakeup(&tx_r);           // uartputc may be waiting for room
  }
}

// One received character, or -1 if none is waiting.
static int
uartgetc(void)
{
  if(ReadReg(LSR) & LSR_RX_READY)
    return ReadReg(RHR);
  return -1;
}

// UART interrupt: input arrived, the transmitter is ready, or both.
void
uartintr(void)
{
  ReadReg(ISR);              // acknowledge
  int c;
  while((c = uartgetc()) >= 0)
    consoleintr(c);
  acquire(&tx_lock);
  uartstart();
  release(&tx_lock);
}

// The console device: line-buffered keyboard input with simple editing,
// and output to the UART. User programs reach it as device major CONSOLE.
//   Backspace/Delete  erase a character     Ctrl-U  erase the line
//   Ctrl-D            end of file           Ctrl-P  list processes
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "memlayout.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

#define BACKSPACE 0x100         // consputc: erase the last character
#define CTRL(x)   ((x) - '@')   // the control key combined with x
#define DEL       0x7f

#define INPUT_BUF 128
static struct {
  struct spinlock lock;
  char buf[INPUT_BUF];
  uint r;   // next byte read() returns
  uint w;   // end of the lines read() may have
  uint e;   // end of what has been typed (edit point)
} cons;

// Write one character to the screen, synchronously.
void
consputc(int c)
{
  if(c == BACKSPACE){
    uartputc_sync('\b');
    uartputc_sync(' ');
    uartputc_sync('\b');
  } else {
    uartputc_sync(c);
  }
}

// write() on the console: n bytes from src to the UART. The UART is
// slow (about 10 KB a second under QEMU), so a big write takes minutes:
// it stops when the writer is killed. Returns the bytes written before a
// bad address or the kill, or -1 if there were none.
static int
consolewrite(int user_src, uint64 src, int n)
{
  int i;
  for(i = 0; i < n; i++){
    char c;
    if(killed(myproc()) || either_copyin(&c, user_src, src + i, 1) == -1)
      return i > 0 ? i : -1;
    uartputc(c);
  }
  return i;
}

// read() on the console: wait for a whole line (or Ctrl-D), then copy up
// to n bytes of it to dst. Returns the number of bytes, -1 if killed.
static int
consoleread(int user_dst, uint64 dst, int n)
{
  int want = n;
  acquire(&cons.lock);
  while(n > 0){
    while(cons.r == cons.w){
      if(killed(myproc())){
        release(&cons.lock);
        return -1;
      }
      sleep(&cons.r, &cons.lock);
    }
    int c = cons.buf[cons.r++ % INPUT_BUF];
    if(c == CTRL('D')){
      if(n < want)
        cons.r--;          // keep the ^D: the next read returns 0
      break;
    }
    char cbuf = c;
    release(&cons.lock);         // a fault on dst may read a file, and sleep
    int bad = either_copyout(user_dst, dst, &cbuf, 1) == -1;
    acquire(&cons.lock);
    if(bad)
      break;
    dst++;
    n--;
    if(c == '\n')
      break;
  }
  release(&cons.lock);
  return want - n;
}

// A character arrived from the keyboard (UART interrupt).
void
consoleintr(int c)
{
  acquire(&cons.lock);
  switch(c){
  case CTRL('P'):
    procdump();
    break;
  case CTRL('U'):
    while(cons.e != cons.w && cons.buf[(cons.e-1) % INPUT_BUF] != '\n'){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  case CTRL('H'):
  case DEL:
    if(cons.e != cons.w){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  default:
    if(c != 0 && cons.e - cons.r < INPUT_BUF){
      c = (c == '\r') ? '\n' : c;
      consputc(c);
      cons.buf[cons.e++ % INPUT_BUF] = c;
      if(c == '\n' || c == CTRL('D') || cons.e - cons.r == INPUT_BUF){
        cons.w = cons.e;   // a line is complete: readers may have it
        wakeup(&cons.r);
      }
    }
    break;
  }
  release(&cons.lock);
}

// Set up the UART and hook the console into the device switch.
void
consoleinit(void)
{
  initlock(&cons.lock, "cons");
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
}

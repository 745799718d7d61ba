// Formatted output to the console, and panic().
#include <stdarg.h>

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"

volatile int panicking = 0;  // a panic is printing: printf stops locking
volatile int panicked = 0;   // the panic message is out: others stop

// Serialises printf so lines from different harts do not mix.
static struct spinlock pr_lock;

static const char digits[] = "0123456789abcdef";

// Print x in the given base; sign says whether x is a signed value.
static void
printint(long long x, int base, int sign)
{
  char buf[24];
  unsigned long long u = x;
  if(sign && x < 0)
    u = -x;
  int i = 0;
  do {
    buf[i++] = digits[u % base];
    u /= base;
  } while(u != 0);
  if(sign && x < 0)
    buf[i++] = '-';
  while(--i >= 0)
    consputc(buf[i]);
}

// Print a pointer as 0x and 16 hex digits.
static void
printptr(uint64 x)
{
  consputc('0');
  consputc('x');
  for(int i = 0; i < 16; i++, x <<= 4)
    consputc(digits[x >> 60]);
}

// Print one conversion whose letter is c, with `longs` 'l' modifiers.
static void
printarg(char c, int longs, va_list *ap)
{
  switch(c){
  case 'd':
    printint(longs ? va_arg(*ap, long) : va_arg(*ap, int), 10, 1);
    break;
  case 'u':
    printint(longs ? va_arg(*ap, uint64) : va_arg(*ap, uint), 10, 0);
    break;
  case 'x':
    printint(longs ? va_arg(*ap, uint64) : va_arg(*ap, uint), 16, 0);
    break;
  case 'p':
    printptr(va_arg(*ap, uint64));
    break;
  case 'c':
    consputc(va_arg(*ap, int));
    break;
  case 's': {
    const char *s = va_arg(*ap, const char *);
    for(s = s ? s : "(null)"; *s; s++)
      consputc(*s);
    break;
  }
  case '%':
    consputc('%');
    break;
  default:                 // unknown conversion: show it as written
    consputc('%');
    consputc(c);
  }
}

// Print to the console. Knows %d %u %x (each with l or ll), %p, %s, %c, %%.
int
printf(char *fmt, ...)
{
  va_list ap;
  int locking = !panicking;
  if(locking)
    acquire(&pr_lock);
  va_start(ap, fmt);
  for(int i = 0; fmt[i]; i++){
    if(fmt[i] != '%'){
      consputc(fmt[i]);
      continue;
    }
    int longs = 0;
    while(fmt[i+1] == 'l'){
      longs++;
      i++;
    }
    if(fmt[i+1] == 0)
      break;
    i++;
    printarg(fmt[i], longs, &ap);
  }
  va_end(ap);
  if(locking)
    release(&pr_lock);
  return 0;
}

// Report a kernel bug and power the machine off with a failure status
// (so a test run sees it). Other harts stop printing.
void
panic(char *s)
{
  panicking = 1;
  printf("panic: %s\n", s);
  panicked = 1;
  poweroff(1);
}

void
printfinit(void)
{
  initlock(&pr_lock, "pr");
}

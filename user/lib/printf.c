// Formatted output for Atlas user programs: printf and fprintf.
//
// Output is collected in a buffer on the caller's stack and handed to
// write() when the buffer fills and once at the end of the call, so a
// typical line reaches the kernel in one write and lines printed by
// concurrent processes rarely get mixed together.

#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

#define OUTBUF 256   // bytes collected before a write()

// Pending output for one printf call.
struct out {
  int fd;              // destination file descriptor
  int len;             // bytes waiting in buf
  char buf[OUTBUF];
};

static const char hexdigits[] = "0123456789abcdef";

// Write whatever is pending in o to its file descriptor.
static void
out_flush(struct out *o)
{
  if(o->len > 0)
    write(o->fd, o->buf, o->len);
  o->len = 0;
}

// Append one character, flushing first if the buffer is full.
static void
out_char(struct out *o, char c)
{
  if(o->len == OUTBUF)
    out_flush(o);
  o->buf[o->len++] = c;
}

// Append a NUL-terminated string; a null pointer prints as "(null)".
static void
out_str(struct out *o, const char *s)
{
  if(s == 0)
    s = "(null)";
  while(*s != '\0')
    out_char(o, *s++);
}

// Append v written in the given base (10 or 16) with no sign.
static void
out_unsigned(struct out *o, uint64 v, int base)
{
  char digits[24];   // 2^64 has 20 decimal digits
  int n = 0;
  do {
    digits[n++] = hexdigits[v % base];
    v /= base;
  } while(v != 0);
  while(n > 0)
    out_char(o, digits[--n]);
}

// Append the signed decimal value v.
static void
out_signed(struct out *o, long v)
{
  if(v < 0){
    out_char(o, '-');
    out_unsigned(o, -(uint64)v, 10);
  } else {
    out_unsigned(o, v, 10);
  }
}

// Append a pointer as "0x" and sixteen hexadecimal digits.
static void
out_pointer(struct out *o, uint64 p)
{
  out_str(o, "0x");
  for(int shift = 60; shift >= 0; shift -= 4)
    out_char(o, hexdigits[(p >> shift) & 0xf]);
}

// Append one conversion: conv is the conversion letter and longs the
// number of 'l' modifiers before it. Unknown conversions are echoed.
static void
out_conversion(struct out *o, char conv, int longs, va_list *ap)
{
  switch(conv){
  case 'd':
    out_signed(o, longs ? va_arg(*ap, long) : va_arg(*ap, int));
    break;
  case 'u':
    out_unsigned(o, longs ? va_arg(*ap, uint64) : va_arg(*ap, uint), 10);
    break;
  case 'x':
    out_unsigned(o, longs ? va_arg(*ap, uint64) : va_arg(*ap, uint), 16);
    break;
  case 'p':
    out_pointer(o, (uint64)va_arg(*ap, void*));
    break;
  case 's':
    out_str(o, va_arg(*ap, const char*));
    break;
  case 'c':
    out_char(o, (char)va_arg(*ap, int));
    break;
  case '%':
    out_char(o, '%');
    break;
  default:
    out_char(o, '%');
    while(longs-- > 0)
      out_char(o, 'l');
    if(conv != '\0')
      out_char(o, conv);
    break;
  }
}

// Format fmt with the arguments in ap into o.
static void
out_format(struct out *o, const char *fmt, va_list *ap)
{
  while(*fmt != '\0'){
    if(*fmt != '%'){
      out_char(o, *fmt++);
      continue;
    }
    fmt++;
    int longs = 0;
    while(*fmt == 'l'){
      longs++;
      fmt++;
    }
    out_conversion(o, *fmt, longs, ap);
    if(*fmt != '\0')
      fmt++;
  }
}

// Print a formatted message to file descriptor fd.
void
fprintf(int fd, const char *fmt, ...)
{
  struct out o;
  va_list ap;

  o.fd = fd;
  o.len = 0;
  va_start(ap, fmt);
  out_format(&o, fmt, &ap);
  va_end(ap);
  out_flush(&o);
}

// Print a formatted message to standard output.
void
printf(const char *fmt, ...)
{
  struct out o;
  va_list ap;

  o.fd = 1;
  o.len = 0;
  va_start(ap, fmt);
  out_format(&o, fmt, &ap);
  va_end(ap);
  out_flush(&o);
}

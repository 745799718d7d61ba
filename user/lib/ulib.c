// Small C library for Atlas user programs: the program entry point,
// string and memory helpers, and a few conveniences built on system calls.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/vm.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

int main(int argc, char *argv[]);

// Program entry point (ENTRY(start) in linker/user.ld). The kernel's exec
// jumps here with a0 = argc and a1 = argv; main's result becomes the exit
// status, so a program may simply return from main.
void
start(int argc, char *argv[])
{
  exit(main(argc, argv));
}

// Fill *st with the metadata of the file named by path.
// Returns 0 on success, -1 if the file cannot be opened or examined.
int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
}

// Copy the NUL-terminated string src, terminator included, to dst.
char*
strcpy(char *dst, const char *src)
{
  char *d = dst;
  while((*d++ = *src++) != '\0')
    ;
  return dst;
}

// Compare two strings as unsigned bytes: <0, 0 or >0 like the C library.
int
strcmp(const char *a, const char *b)
{
  while(*a != '\0' && *a == *b){
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

// Number of bytes in s before its NUL terminator.
uint
strlen(const char *s)
{
  const char *end = s;
  while(*end != '\0')
    end++;
  return end - s;
}

// Pointer to the first occurrence of c in s, or 0 if there is none.
char*
strchr(const char *s, char c)
{
  for(; *s != '\0'; s++){
    if(*s == c)
      return (char*)s;
  }
  return 0;
}

// Set the n bytes at dst to the byte value c. The stores go through a
// volatile pointer so the optimiser cannot turn this loop back into a
// call to memset itself.
void*
memset(void *dst, int c, uint n)
{
  volatile uchar *d = dst;
  while(n-- > 0)
    *d++ = (uchar)c;
  return dst;
}

// Copy n bytes from src to dst; the two areas may overlap.
void*
memmove(void *dst, const void *src, int n)
{
  uchar *d = dst;
  const uchar *s = src;
  if(n <= 0 || d == s)
    return dst;
  if(d < s){
    while(n-- > 0)
      *d++ = *s++;
  } else {
    // Copy from the end so an overlapping source is read before it is
    // overwritten.
    d += n;
    s += n;
    while(n-- > 0)
      *--d = *--s;
  }
  return dst;
}

// Compare n bytes of a and b as unsigned values: <0, 0 or >0.
int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a;
  const uchar *q = b;
  for(; n > 0; n--, p++, q++){
    if(*p != *q)
      return *p - *q;
  }
  return 0;
}

// Copy n bytes from src to dst. Overlap is tolerated (it uses memmove),
// and the compiler may emit calls to this for structure copies.
void*
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

// Read a line from standard input into buf, keeping the newline, and
// NUL-terminate it. Stops after max-1 bytes, at '\n' or '\r', or at end of
// input; an empty result therefore means end of input.
char*
gets(char *buf, int max)
{
  int n = 0;
  char c;
  while(n + 1 < max && read(0, &c, 1) == 1){
    buf[n++] = c;
    if(c == '\n' || c == '\r')
      break;
  }
  buf[n] = '\0';
  return buf;
}

// Convert the decimal number at the start of s, with an optional leading
// '-', to an int. Parsing stops at the first non-digit.
int
atoi(const char *s)
{
  int sign = 1;
  int n = 0;
  if(*s == '-'){
    sign = -1;
    s++;
  }
  while(*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return sign * n;
}

// Grow the heap by n bytes (or shrink it, n < 0). The kernel allocates
// the pages now when it has them, and otherwise reserves the range for
// page faults to fill. Returns the old end of the heap, or SBRK_ERROR.
char*
sbrk(int n)
{
  return sys_sbrk(n, SBRK_EAGER);
}

// Grow the heap by n bytes without allocating anything: each page is
// allocated, zeroed, when it is first touched.
char*
sbrklazy(int n)
{
  return sys_sbrk(n, SBRK_LAZY);
}

// Nanoseconds since boot. User mode may read the time CSR directly
// (the kernel allows it through scounteren); its frequency is asked of
// the kernel once.
uint64
nsec(void)
{
  static uint64 freq;
  if(freq == 0)
    freq = timefreq();
  uint64 t;
  asm volatile("rdtime %0" : "=r" (t));
  return (t / freq) * 1000000000UL + (t % freq) * 1000000000UL / freq;
}

// The caller's pid, read from the USYSCALL page the kernel maps
// read-only into every process: no system call.
int
ugetpid(void)
{
  return ((struct usyscall *)USYSCALL)->pid;
}

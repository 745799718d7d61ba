// Byte and string helpers for the kernel (there is no libc).
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "defs.h"

// Are p and q both 8-byte aligned, and n a multiple of 8? Then the
// functions below can move whole words, 8 times fewer steps: pages, the
// common case, always qualify.
static int
word_aligned(const void *p, const void *q, uint n)
{
  return (((uint64)p | (uint64)q | n) & 7) == 0;
}

// Fill n bytes at dst with the byte c.
void*
memset(void *dst, int c, uint n)
{
  if(word_aligned(dst, dst, n)){
    uint64 w = (uchar)c * 0x0101010101010101UL;
    uint64 *d = dst;
    for(uint i = 0; i < n / 8; i++)
      d[i] = w;
    return dst;
  }
  char *d = dst;
  for(uint i = 0; i < n; i++)
    d[i] = c;
  return dst;
}

// Compare n bytes; <0, 0, >0 like the C library.
int
memcmp(const void *v1, const void *v2, uint n)
{
  const uchar *a = v1, *b = v2;
  for(uint i = 0; i < n; i++)
    if(a[i] != b[i])
      return a[i] - b[i];
  return 0;
}

// Copy n bytes; the regions may overlap.
void*
memmove(void *dst, const void *src, uint n)
{
  const char *s = src;
  char *d = dst;
  if(n == 0)
    return dst;
  if(s < d && s + n > d){
    while(n-- > 0)          // overlap with dst above src: copy backwards
      d[n] = s[n];
  } else if(word_aligned(dst, src, n)){
    const uint64 *ws = src;
    uint64 *wd = dst;
    for(uint i = 0; i < n / 8; i++)
      wd[i] = ws[i];
  } else {
    for(uint i = 0; i < n; i++)
      d[i] = s[i];
  }
  return dst;
}

// The compiler may emit calls to memcpy; it is memmove here.
void*
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

// Compare at most n characters of two strings.
int
strncmp(const char *p, const char *q, uint n)
{
  for(; n > 0 && *p && *p == *q; n--, p++, q++)
    ;
  if(n == 0)
    return 0;
  return (uchar)*p - (uchar)*q;
}

// Copy at most n characters; pad with NULs like the C library.
char*
strncpy(char *s, const char *t, int n)
{
  int i = 0;
  for(; i < n && t[i]; i++)
    s[i] = t[i];
  for(; i < n; i++)
    s[i] = 0;
  return s;
}

// Copy at most n-1 characters and always NUL-terminate.
char*
safestrcpy(char *s, const char *t, int n)
{
  if(n <= 0)
    return s;
  int i = 0;
  for(; i < n - 1 && t[i]; i++)
    s[i] = t[i];
  s[i] = 0;
  return s;
}

// Length of a NUL-terminated string.
int
strlen(const char *s)
{
  int n = 0;
  while(s[n])
    n++;
  return n;
}

// trace: run a command with some of its system calls traced.
//
//   trace MASK COMMAND [ARG...]
//
// MASK is a decimal number with bit n (1 << n) set for each system call
// number n (kernel/syscall.h) to trace: as such a call returns, in the
// command or in any process it forks, the kernel prints
// "PID: syscall NAME -> RESULT". trace 32 traces read (SYS_read is 5).

#include "kernel/types.h"
#include "user/user.h"

// The decimal number s (an optional '-', then digits) in *n if it fits
// an int. 0, or -1 if s is not such a number.
static int
parse_int(const char *s, int *n)
{
  int neg = *s == '-';
  long v = 0;
  s += neg;
  if(*s == '\0')
    return -1;
  for(; *s; s++){
    if(*s < '0' || *s > '9')
      return -1;
    v = v * 10 + (*s - '0');
    if(v > 0x80000000L)
      return -1;
  }
  v = neg ? -v : v;
  if(v > 0x7fffffffL)
    return -1;
  *n = v;
  return 0;
}

// Set the mask, which the command inherits through exec, and run it.
int
main(int argc, char *argv[])
{
  int mask;
  if(argc < 3 || parse_int(argv[1], &mask) < 0){
    fprintf(2, "usage: trace mask command [arg ...]\n");
    exit(1);
  }
  if(trace(mask) < 0){
    fprintf(2, "trace: trace(%d) failed\n", mask);
    exit(1);
  }
  exec(argv[2], argv + 2);
  fprintf(2, "trace: cannot run %s\n", argv[2]);
  exit(1);
}

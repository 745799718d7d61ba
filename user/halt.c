// halt: power the machine off.

#include "kernel/types.h"
#include "user/user.h"

// Ask the kernel to shut down; reaching the end means it refused.
int
main(void)
{
  halt();
  fprintf(2, "halt: failed\n");
  return 1;
}

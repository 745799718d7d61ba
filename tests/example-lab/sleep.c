// sleep TICKS: pause for that many clock ticks. A sample solution of the
// first exercise of xv6's util lab, graded by grade-util.py.
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  if(argc != 2){
    fprintf(2, "usage: sleep ticks\n");
    exit(1);
  }
  sleep(atoi(argv[1]));
  exit(0);
}

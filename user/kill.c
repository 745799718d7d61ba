// kill: ask the kernel to terminate each process whose id is given.

#include "kernel/types.h"
#include "user/user.h"

// Kill every process id on the command line.
int
main(int argc, char *argv[])
{
  if(argc < 2){
    fprintf(2, "usage: kill pid...\n");
    exit(1);
  }
  for(int i = 1; i < argc; i++){
    if(kill(atoi(argv[i])) < 0)
      fprintf(2, "kill: cannot kill %s\n", argv[i]);
  }
  return 0;
}

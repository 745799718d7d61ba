// mkdir: create each named directory.

#include "kernel/types.h"
#include "user/user.h"

// Create the directories named on the command line, stopping at a failure.
int
main(int argc, char *argv[])
{
  if(argc < 2){
    fprintf(2, "usage: mkdir dir...\n");
    exit(1);
  }
  for(int i = 1; i < argc; i++){
    if(mkdir(argv[i]) < 0){
      fprintf(2, "mkdir: %s failed to create\n", argv[i]);
      exit(1);
    }
  }
  return 0;
}

// echo: print the arguments separated by spaces and followed by a newline.

#include "kernel/types.h"
#include "user/user.h"

// Write each argument, then the separator or final newline that follows it.
int
main(int argc, char *argv[])
{
  for(int i = 1; i < argc; i++){
    write(1, argv[i], strlen(argv[i]));
    if(i + 1 < argc)
      write(1, " ", 1);
  }
  write(1, "\n", 1);
  return 0;
}

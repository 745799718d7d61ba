// cat: copy each named file, or standard input if none, to standard output.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[512];

// Copy everything readable from fd to standard output.
static void
copy(int fd)
{
  int n;
  while((n = read(fd, buf, sizeof(buf))) > 0){
    if(write(1, buf, n) != n){
      fprintf(2, "cat: write error\n");
      exit(1);
    }
  }
  if(n < 0){
    fprintf(2, "cat: read error\n");
    exit(1);
  }
}

// Concatenate the files named on the command line.
int
main(int argc, char *argv[])
{
  if(argc < 2){
    copy(0);
    return 0;
  }
  for(int i = 1; i < argc; i++){
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      exit(1);
    }
    copy(fd);
    close(fd);
  }
  return 0;
}

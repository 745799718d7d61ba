// pingpong: the parent sends a byte to its child over one pipe, the child
// answers over another; each says what it received. A sample solution
// for the util lab, graded by grade-util.py.
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  int to_child[2], to_parent[2];
  char byte = 'p';

  if(pipe(to_child) < 0 || pipe(to_parent) < 0){
    fprintf(2, "pingpong: pipe failed\n");
    exit(1);
  }
  int pid = fork();
  if(pid < 0){
    fprintf(2, "pingpong: fork failed\n");
    exit(1);
  }
  if(pid == 0){
    if(read(to_child[0], &byte, 1) != 1)
      exit(1);
    printf("%d: received ping\n", getpid());
    write(to_parent[1], &byte, 1);
    exit(0);
  }
  write(to_child[1], &byte, 1);
  if(read(to_parent[0], &byte, 1) != 1)
    exit(1);
  printf("%d: received pong\n", getpid());
  wait(0);
  exit(0);
}

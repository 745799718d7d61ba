// init: the first user program. It connects file descriptors 0, 1 and 2
// to the console, then keeps a shell running forever, collecting any
// orphaned processes that the kernel hands to it along the way.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1   // device number of the console (kernel/file.h)

static char *shell_argv[] = { "sh", 0 };

// Open the console as file descriptor 0, creating its device node if it
// does not exist yet, and duplicate it onto descriptors 1 and 2.
static void
open_console(void)
{
  if(open("console", O_RDWR) < 0){
    mknod("console", CONSOLE_MAJOR, 0);
    open("console", O_RDWR);
  }
  dup(0);
  dup(0);
}

// Start a shell and return its process id.
static int
start_shell(void)
{
  int pid = fork();
  if(pid < 0){
    fprintf(2, "init: fork failed\n");
    exit(1);
  }
  if(pid == 0){
    exec("sh", shell_argv);
    fprintf(2, "init: exec sh failed\n");
    exit(1);
  }
  return pid;
}

// Wait until the shell shellpid exits, reaping orphans that exit meanwhile.
static void
wait_for_shell(int shellpid)
{
  for(;;){
    int pid = wait(0);
    if(pid == shellpid)
      return;
    if(pid < 0){
      fprintf(2, "init: wait returned an error\n");
      exit(1);
    }
  }
}

// Set up the console, then run shells one after another for ever.
int
main(void)
{
  open_console();
  for(;;){
    printf("init: starting sh\n");
    wait_for_shell(start_shell());
  }
}

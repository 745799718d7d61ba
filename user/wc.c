// wc: count lines, words and bytes in each named file or standard input.
// Output is "lines words bytes name" for each input.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[512];

// True for the characters that separate words.
static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

// Count the contents of fd and print the totals labelled with name.
static void
count(int fd, const char *name)
{
  int lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    bytes += n;
    for(int i = 0; i < n; i++){
      if(buf[i] == '\n')
        lines++;
      if(is_space(buf[i])){
        in_word = 0;
      } else if(!in_word){
        in_word = 1;
        words++;
      }
    }
  }
  if(n < 0){
    fprintf(2, "wc: read error\n");
    exit(1);
  }
  printf("%d %d %d %s\n", lines, words, bytes, name);
}

// Count standard input, or each file named on the command line.
int
main(int argc, char *argv[])
{
  if(argc < 2){
    count(0, "");
    return 0;
  }
  for(int i = 1; i < argc; i++){
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      exit(1);
    }
    count(fd, argv[i]);
    close(fd);
  }
  return 0;
}

// grep: print the lines of the named files (or standard input) that match
// a pattern. Patterns are a small subset of regular expressions:
//   c   any ordinary character matches itself
//   .   matches any single character
//   x*  matches zero or more repetitions of x (an ordinary character or .)
//   ^   at the start, anchors the match to the beginning of the line
//   $   at the end, anchors the match to the end of the line

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[1024];

static int match_at(const char *re, const char *text);

// True if the single pattern character pc matches the text character c.
static int
char_matches(char pc, char c)
{
  return c != '\0' && (pc == '.' || pc == c);
}

// Match "pc*" followed by the pattern rest against the start of text.
// Takes as many repetitions as possible, then gives them back one at a
// time until the rest of the pattern matches.
static int
match_repeat(char pc, const char *rest, const char *text)
{
  const char *end = text;
  while(char_matches(pc, *end))
    end++;
  for(;;){
    if(match_at(rest, end))
      return 1;
    if(end == text)
      return 0;
    end--;
  }
}

// True if the pattern re matches a prefix of text.
static int
match_at(const char *re, const char *text)
{
  for(;;){
    if(re[0] == '\0')
      return 1;
    if(re[1] == '*')
      return match_repeat(re[0], re + 2, text);
    if(re[0] == '$' && re[1] == '\0')
      return *text == '\0';
    if(!char_matches(re[0], *text))
      return 0;
    re++;
    text++;
  }
}

// True if the pattern re matches anywhere in the line text.
static int
match(const char *re, const char *text)
{
  if(re[0] == '^')
    return match_at(re + 1, text);
  for(;; text++){
    if(match_at(re, text))
      return 1;
    if(*text == '\0')
      return 0;
  }
}

// Print line (of length len, without its newline) if it matches pattern.
// The byte after the line is borrowed for a terminator and restored.
static void
check_line(const char *pattern, char *line, int len)
{
  char saved = line[len];
  line[len] = '\0';
  int hit = match(pattern, line);
  line[len] = saved;
  if(hit){
    write(1, line, len);
    write(1, "\n", 1);
  }
}

// Search every line read from fd for pattern.
static void
grep(const char *pattern, int fd)
{
  int held = 0;   // bytes of an unfinished line at the start of buf
  int n;

  while((n = read(fd, buf + held, sizeof(buf) - 1 - held)) > 0){
    held += n;
    int start = 0;
    for(int i = 0; i < held; i++){
      if(buf[i] == '\n'){
        check_line(pattern, buf + start, i - start);
        start = i + 1;
      }
    }
    if(start == 0 && held == sizeof(buf) - 1){
      // A line longer than the buffer: treat what we have as one line.
      check_line(pattern, buf, held);
      start = held;
    }
    held -= start;
    memmove(buf, buf + start, held);
  }
  if(held > 0)
    check_line(pattern, buf, held);
}

// grep PATTERN [FILE...]
int
main(int argc, char *argv[])
{
  if(argc < 2){
    fprintf(2, "usage: grep pattern [file ...]\n");
    exit(1);
  }
  char *pattern = argv[1];
  if(argc == 2){
    grep(pattern, 0);
    return 0;
  }
  for(int i = 2; i < argc; i++){
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      exit(1);
    }
    grep(pattern, fd);
    close(fd);
  }
  return 0;
}

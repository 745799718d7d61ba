// sh: the Atlas command shell.
//
// Each input line goes through three stages:
//   1. lex:   split the line into words and the symbols < > | & ; ( )
//   2. parse: build a command tree with a recursive-descent parser
//   3. run:   walk the tree, forking a process for each command
//
// Grammar (a list is the whole line or the inside of parentheses):
//   list     = pipeline [ ( ';' | '&' ) [ list ] ]
//   pipeline = command [ '|' pipeline ]
//   command  = '(' list ')' { redirect }
//            | ( WORD | redirect ) { WORD | redirect }
//   redirect = ( '<' | '>' ) WORD
//
// A pipeline followed by '&' runs in the background. Background jobs are
// started through an intermediate process that exits at once, so the job
// is adopted (and eventually reaped) by init rather than left to the shell.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define LINEMAX   128            // longest input line, newline included
#define MAXTOKENS LINEMAX        // a line cannot hold more tokens than bytes

// Token kinds. Symbols use their own character as their kind.
#define TOK_END   0
#define TOK_WORD  'w'

// Command tree node kinds.
enum kind { EXEC, PIPE, SEQ, BACK, GROUP };

struct token {
  int kind;      // TOK_END, TOK_WORD or one of the symbol characters
  char *text;    // the word, NUL-terminated (TOK_WORD only)
};

// One redirection: reopen file descriptor fd as file with open mode mode.
struct redirect {
  char *file;
  int mode;
  int fd;
};

// A node of the command tree.
struct cmd {
  enum kind kind;
  char **argv;                // EXEC: null-terminated argument list
  struct cmd *left;           // PIPE, SEQ: first part; BACK, GROUP: body
  struct cmd *right;          // PIPE, SEQ: second part
  struct redirect *redirs;    // EXEC, GROUP: redirections, applied in order
  int nredir;
};

// Storage for one line. Everything is reset before each line is parsed,
// so nothing needs freeing and the shell never grows.
static char line[LINEMAX];
static struct token tokens[MAXTOKENS + 1];
static struct cmd nodes[2 * MAXTOKENS];     // at most two nodes per token
static char *args[2 * MAXTOKENS];          // words plus one null per command
static struct redirect redirs[MAXTOKENS];
static int ntokens, nnodes, nargs, nredirs;
static int pos;   // parser's index into tokens

// ---------------------------------------------------------------- lexing

// True if c separates words without being a token itself.
static int
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

// True if c is one of the shell's symbol characters.
static int
is_symbol(char c)
{
  return c != '\0' && strchr("<>|&;()", c) != 0;
}

// Split line into tokens, ending the list with TOK_END. Words are
// NUL-terminated in place once every token has been classified, since a
// terminator may overwrite the symbol that follows a word.
static void
lex(void)
{
  char *ends[MAXTOKENS];
  char *s = line;

  ntokens = 0;
  for(;;){
    while(is_blank(*s))
      s++;
    if(*s == '\0')
      break;
    struct token *t = &tokens[ntokens];
    if(is_symbol(*s)){
      t->kind = *s++;
      t->text = 0;
    } else {
      t->kind = TOK_WORD;
      t->text = s;
      while(*s != '\0' && !is_blank(*s) && !is_symbol(*s))
        s++;
    }
    ends[ntokens++] = s;
  }
  tokens[ntokens].kind = TOK_END;

  for(int i = 0; i < ntokens; i++){
    if(tokens[i].kind == TOK_WORD)
      *ends[i] = '\0';
  }
}

// --------------------------------------------------------------- parsing

// Kind of the token the parser is looking at.
static int
peek(void)
{
  return tokens[pos].kind;
}

// Consume the current token if it has the given kind; true if it did.
static int
accept(int kind)
{
  if(peek() != kind)
    return 0;
  pos++;
  return 1;
}

// True if the current token can begin a command.
static int
starts_command(void)
{
  int k = peek();
  return k == TOK_WORD || k == '(' || k == '<' || k == '>';
}

// A fresh, zeroed tree node of the given kind.
static struct cmd*
new_node(enum kind kind)
{
  struct cmd *c = &nodes[nnodes++];
  memset(c, 0, sizeof(*c));
  c->kind = kind;
  return c;
}

// A node joining left and right (PIPE or SEQ).
static struct cmd*
new_pair(enum kind kind, struct cmd *left, struct cmd *right)
{
  struct cmd *c = new_node(kind);
  c->left = left;
  c->right = right;
  return c;
}

// Parse a redirection if one is next and append it to node c.
// Returns 1 if one was parsed, 0 if none is next, -1 on a syntax error.
static int
parse_redirect(struct cmd *c)
{
  int sym = peek();
  if(sym != '<' && sym != '>')
    return 0;
  pos++;
  if(peek() != TOK_WORD){
    fprintf(2, "sh: missing file name after %c\n", sym);
    return -1;
  }
  struct redirect *r = &redirs[nredirs++];
  r->file = tokens[pos++].text;
  if(sym == '<'){
    r->mode = O_RDONLY;
    r->fd = 0;
  } else {
    r->mode = O_WRONLY | O_CREATE | O_TRUNC;
    r->fd = 1;
  }
  if(c->nredir == 0)
    c->redirs = r;
  c->nredir++;
  return 1;
}

// Parse all redirections that follow; false on a syntax error.
static int
parse_redirects(struct cmd *c)
{
  int r;
  while((r = parse_redirect(c)) == 1)
    ;
  return r == 0;
}

static struct cmd *parse_list(void);

// Parse '(' list ')' followed by redirections into a GROUP node.
static struct cmd*
parse_group(void)
{
  pos++;   // the '('
  struct cmd *c = new_node(GROUP);
  c->left = parse_list();
  if(c->left == 0)
    return 0;
  if(!accept(')')){
    fprintf(2, "sh: missing )\n");
    return 0;
  }
  return parse_redirects(c) ? c : 0;
}

// Parse a simple command: words and redirections in any order. The words
// go, in order, into consecutive slots of args, followed by a null.
static struct cmd*
parse_simple(void)
{
  struct cmd *c = new_node(EXEC);
  c->argv = &args[nargs];
  for(;;){
    int r = parse_redirect(c);
    if(r < 0)
      return 0;
    if(r > 0)
      continue;
    if(peek() != TOK_WORD)
      break;
    args[nargs++] = tokens[pos++].text;
  }
  args[nargs++] = 0;
  if(c->argv[0] == 0 && c->nredir == 0){
    fprintf(2, "sh: missing command\n");
    return 0;
  }
  return c;
}

// Parse one command: a parenthesised group or a simple command.
static struct cmd*
parse_command(void)
{
  if(peek() == '(')
    return parse_group();
  return parse_simple();
}

// Parse commands joined by '|'.
static struct cmd*
parse_pipeline(void)
{
  struct cmd *left = parse_command();
  if(left == 0 || !accept('|'))
    return left;
  struct cmd *right = parse_pipeline();
  return right ? new_pair(PIPE, left, right) : 0;
}

// Parse pipelines separated by ';' or '&'; '&' marks the pipeline before
// it as a background job. A separator may end the list.
static struct cmd*
parse_list(void)
{
  struct cmd *first = parse_pipeline();
  if(first == 0)
    return 0;
  if(accept('&')){
    struct cmd *bg = new_node(BACK);
    bg->left = first;
    first = bg;
  } else if(!accept(';')){
    return first;
  }
  if(!starts_command())
    return first;
  struct cmd *rest = parse_list();
  return rest ? new_pair(SEQ, first, rest) : 0;
}

// Parse the tokens of the current line. Returns the command tree, or 0
// for an empty line or a syntax error (which has been reported).
static struct cmd*
parse(void)
{
  pos = nnodes = nargs = nredirs = 0;
  if(peek() == TOK_END)
    return 0;
  struct cmd *c = parse_list();
  if(c != 0 && peek() != TOK_END){
    fprintf(2, "sh: syntax error\n");
    return 0;
  }
  return c;
}

// ------------------------------------------------------------- execution

static void run(struct cmd *c);
static void become(struct cmd *c) __attribute__((noreturn));

// fork(), giving up on the whole shell process if it fails.
static int
fork_or_die(void)
{
  int pid = fork();
  if(pid < 0){
    fprintf(2, "sh: fork failed\n");
    exit(1);
  }
  return pid;
}

// Wait for the child pid, reaping any other children that exit first.
static void
wait_for(int pid)
{
  int w;
  while((w = wait(0)) >= 0 && w != pid)
    ;
}

// The built-in cd: change this process's directory (default "/").
static void
change_dir(char **argv)
{
  const char *dir = argv[1] ? argv[1] : "/";
  if(chdir(dir) < 0)
    fprintf(2, "cannot cd %s\n", dir);
}

// True if c is a plain "cd" command, which must run inside the shell.
static int
is_cd(struct cmd *c)
{
  return c->kind == EXEC && c->nredir == 0 && c->argv[0] != 0 &&
         strcmp(c->argv[0], "cd") == 0;
}

// Apply c's redirections to this process, exiting if one fails.
static void
apply_redirects(struct cmd *c)
{
  for(int i = 0; i < c->nredir; i++){
    struct redirect *r = &c->redirs[i];
    close(r->fd);
    if(open(r->file, r->mode) != r->fd){
      fprintf(2, "open %s failed\n", r->file);
      exit(1);
    }
  }
}

// Make file descriptor fd a copy of pipe end p, then close both pipe ends.
static void
attach_pipe(int fd, int p[2], int end)
{
  close(fd);
  dup(p[end]);
  close(p[0]);
  close(p[1]);
}

// Run the two sides of a pipe in child processes and wait for both.
static void
run_pipe(struct cmd *c)
{
  int p[2];
  if(pipe(p) < 0){
    fprintf(2, "sh: pipe failed\n");
    exit(1);
  }
  int writer = fork_or_die();
  if(writer == 0){
    attach_pipe(1, p, 1);
    become(c->left);
  }
  int reader = fork_or_die();
  if(reader == 0){
    attach_pipe(0, p, 0);
    become(c->right);
  }
  close(p[0]);
  close(p[1]);
  wait_for(writer);
  wait_for(reader);
}

// Become the command c in this (already forked) process; never returns.
static void __attribute__((noreturn))
become(struct cmd *c)
{
  apply_redirects(c);
  switch(c->kind){
  case EXEC:
    if(c->argv[0] == 0)
      exit(0);
    exec(c->argv[0], c->argv);
    fprintf(2, "exec %s failed\n", c->argv[0]);
    exit(1);
  case PIPE:
    run_pipe(c);
    break;
  case GROUP:
    run(c->left);
    break;
  case SEQ:
  case BACK:
    // These need no process of their own; run them from this one.
    run(c);
    break;
  }
  exit(0);
}

// Start c in the background: a child forks the job and exits immediately,
// so the job becomes init's child and the shell need not reap it.
static void
run_background(struct cmd *c)
{
  int pid = fork_or_die();
  if(pid == 0){
    if(fork_or_die() == 0)
      become(c);
    exit(0);
  }
  wait_for(pid);
}

// Run c to completion (or, for background jobs, just start it) and return.
// Sequences and cd run in this process; everything else in a child.
static void
run(struct cmd *c)
{
  switch(c->kind){
  case SEQ:
    run(c->left);
    run(c->right);
    break;
  case BACK:
    run_background(c->left);
    break;
  default:
    if(is_cd(c)){
      change_dir(c->argv);
    } else {
      int pid = fork_or_die();
      if(pid == 0)
        become(c);
      wait_for(pid);
    }
    break;
  }
}

// ------------------------------------------------------------------ main

// Make sure descriptors 0, 1 and 2 are open, using the console if not.
static void
ensure_std_fds(void)
{
  int fd;
  while((fd = open("console", O_RDWR)) >= 0){
    if(fd > 2){
      close(fd);
      break;
    }
  }
}

// Prompt on standard error and read a line; false at end of input.
static int
read_line(void)
{
  fprintf(2, "$ ");
  memset(line, 0, sizeof(line));
  gets(line, sizeof(line));
  return line[0] != '\0';
}

// Read, parse and run commands until end of input.
int
main(void)
{
  ensure_std_fds();
  while(read_line()){
    lex();
    struct cmd *c = parse();
    if(c != 0)
      run(c);
  }
  return 0;
}

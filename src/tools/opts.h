/* Command-line options of the shipped tools. Each tool describes its options once, in static tables
 * (cj_opt / cj_cmd / cj_prog); the same tables drive the parser, --help, --version, and the hidden modes
 * `--print-completion bash` and `--print-man` from which CMake generates the installed bash completion
 * and man page. No tool keeps a second, hand-written list of its options.
 *
 * Rules the parser enforces for every tool:
 *  - options may come before or after the subcommand, as `--name VALUE` or `--name=VALUE`; `--` ends them;
 *  - an unknown option, a missing value, an unknown command or a stray argument is reported on stderr
 *    (nothing on stdout) with exit status 2;
 *  - `-h`/`--help` (program or subcommand usage) and `--version` print on stdout and exit 0. */
#ifndef CJ_TOOLS_OPTS_H
#define CJ_TOOLS_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    CJ_OPT_REPEAT = 1u,     /* meant to be given several times; every option keeps each value, in order, and a
                             * single-valued one is read last-wins by its tool */
    CJ_OPT_DEPRECATED = 2u, /* old name kept for scripts; listed in --help and the man page as such */
    CJ_OPT_HIDDEN = 4u,     /* not in --help, completion or man page */
};

typedef struct cj_opt {
    int id;               /* the tool's own code for the option (0 ends a table) */
    const char *name;     /* long name without the leading dashes, e.g. "key-file" */
    char short_name;      /* e.g. 'o' for -o, or 0 */
    const char *arg;      /* value placeholder, e.g. "FILE"; NULL for a flag without value */
    const char *help;     /* one line, defaults included */
    unsigned flags;       /* CJ_OPT_* */
    const char *complete; /* completion of the value: "@file", "@dir", a space-separated word list, or NULL */
} cj_opt;

typedef struct cj_cmd {
    const char *name;          /* subcommand (NULL ends a table) */
    const char *args;          /* synopsis of the positional arguments, e.g. "[latest|HEIGHT|HASH]", or NULL */
    const char *help;          /* one-line summary */
    const cj_opt *opts;        /* the command's own options (terminated by {0}), or NULL */
    int min_args, max_args;    /* number of positional arguments accepted */
    const char *complete_args; /* completion of the positional arguments (like cj_opt.complete) */
    const char *details;       /* longer text for `COMMAND --help` and the man page, or NULL */
} cj_cmd;

typedef struct cj_prog {
    const char *name;        /* program name, e.g. "coinjecture-cli" */
    const char *summary;     /* one line (man page NAME section) */
    const char *description; /* paragraph(s) for --help and the man page */
    const cj_opt *opts;      /* global options (terminated by {0}); -h/--help and --version are implicit */
    const cj_cmd *cmds;      /* subcommands (terminated by {NULL}), or NULL for a program without them */
    const char *args;        /* without subcommands: synopsis of the positional arguments, or NULL */
    int min_args, max_args;  /* without subcommands: number of positional arguments accepted */
    const char *notes;       /* closing text (environment, examples), or NULL */
    const char *examples;    /* example command lines, one per line, or NULL */
    const char *default_cmd; /* the command run when none is named (e.g. "run"), or NULL: a command is required */
} cj_prog;

typedef struct {
    const cj_opt *opt;
    const char *val; /* NULL for flags */
} cj_optval;

typedef struct {
    const cj_cmd *cmd; /* the subcommand, NULL for a program without subcommands */
    cj_optval *opts;   /* in command-line order */
    size_t nopts;
    const char **args; /* positional arguments */
    size_t nargs;
} cj_parsed;

/* Parses argv. Returns -1 to continue with *out filled (free it with cj_opts_free), or the exit status to
 * return at once: 0 after --help, --version or a --print-* mode (output on stdout), 2 after a usage error
 * (reported on stderr). */
int cj_opts_parse(const cj_prog *p, int argc, char **argv, cj_parsed *out);

/* Frees what cj_opts_parse allocated. */
void cj_opts_free(cj_parsed *out);

/* Reports a usage error ("PROG: [CMD: ]message" and a hint to --help) on stderr and returns 2. */
int cj_opts_error(const cj_prog *p, const cj_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parses a decimal unsigned value of opt within [min, max]; on error reports it (cj_opts_error) and
 * returns 2, else 0. */
int cj_opts_u64(const cj_prog *p, const cj_cmd *cmd, const cj_optval *ov, uint64_t min, uint64_t max,
                uint64_t *out);

/* Writes the help text of the program (cmd NULL) or of one subcommand. */
void cj_opts_help(const cj_prog *p, const cj_cmd *cmd, FILE *f);

#endif

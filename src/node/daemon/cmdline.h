/* coinjectured's command line (daemon/cmdline.c). The options are one table built from the configuration
 * table (config.c: every key has a long flag) plus the daemon's own few; the same table parses argv and,
 * through src/tools/opts.c, writes --help, the bash completion and the man page, so none of them can drift
 * from what the daemon accepts.
 *
 * Rules (as for every shipped program, opts.h): options before or after the command, `--name VALUE` or
 * `--name=VALUE`; an unknown option, command or stray argument is a usage error on stderr with exit 2 and
 * nothing else happens; -h/--help and --version print on stdout and exit 0. */
#ifndef CJ_DAEMON_CMDLINE_H
#define CJ_DAEMON_CMDLINE_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

typedef enum { CJ_CMDLINE_RUN, CJ_CMDLINE_INIT, CJ_CMDLINE_RESET_SIGN_STATE } cj_cmdline_command;

typedef struct {
    cj_cmdline_command cmd;
    const char *config_path; /* -c/--config, or NULL (then env COINJECTURE_CONFIG) */
    int print_config, sample_config, dev;
    int height_given;   /* reset-sign-state --height H */
    uint64_t height;
    size_t nsets;       /* configuration keys set on the command line, in order (last wins) */
    long *set_idx;      /* their index in the configuration table */
    const char **set_val;
} cj_cmdline;

/* Parses argv into *a.
 * Returns: -1 to go on with *a filled (release it with cj_cmdline_free), or the exit status to return at
 *          once: 0 after --help/--version/--print-completion/--print-man (output on stdout), 1 when out of
 *          memory, 2 after a usage error (reported on stderr as "coinjectured: ..."); *a is then empty.
 * In:      argc, argv as given to main. */
int cj_cmdline_parse(int argc, char **argv, cj_cmdline *a) __attribute__((warn_unused_result, nonnull));

/* Builds the configuration from file, environment and command line, in that order of increasing precedence,
 * then checks it as a whole.
 * Returns: 0, or -1 with a message in err (cfg must still be released with cj_config_free).
 * In:      a (parsed command line), envp (the environment). Out: cfg. */
int cj_cmdline_config(const cj_cmdline *a, char **envp, cj_config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result, nonnull));

/* Releases what cj_cmdline_parse allocated; harmless on an empty or already released *a. */
void cj_cmdline_free(cj_cmdline *a) __attribute__((nonnull));

#endif

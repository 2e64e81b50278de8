/* Option tables of the shipped tools: parser, --help, --version, bash completion and man page (opts.h). */
#include "opts.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"

#ifndef COINJECTURE_TOOLS_VERSION
#define COINJECTURE_TOOLS_VERSION "unknown"
#endif

enum { B_HELP = -1, B_VERSION = -2, B_COMPLETION = -3, B_MAN = -4 };

/* Options every program and every subcommand accepts. */
static const cj_opt builtin[] = {
    {B_HELP, "help", 'h', NULL, "print this help on stdout and exit", 0, NULL},
    {B_VERSION, "version", 0, NULL, "print the version on stdout and exit", 0, NULL},
    {B_COMPLETION, "print-completion", 0, "SHELL", "print the completion script for SHELL (bash) and exit",
     CJ_OPT_HIDDEN, "bash"},
    {B_MAN, "print-man", 0, NULL, "print the man page (roff) and exit", CJ_OPT_HIDDEN, NULL},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

#define FOR_OPTS(o, table) for (const cj_opt *o = (table); o != NULL && o->id != 0; o++)

/* ---- parsing ---- */

/* Finds an option by long name (len bytes of name) or, with len 0, by short name c. */
static const cj_opt *find_in(const cj_opt *table, const char *name, size_t len, char c)
{
    FOR_OPTS(o, table) {
        if (len == 0 ? (c != 0 && o->short_name == c)
                     : (strlen(o->name) == len && strncmp(o->name, name, len) == 0))
            return o;
    }
    return NULL;
}

/* The option an argument names: the subcommand's own, then the global ones, then the built-in ones. */
static const cj_opt *find_opt(const cj_prog *p, const cj_cmd *cmd, const char *name, size_t len, char c)
{
    const cj_opt *o = cmd ? find_in(cmd->opts, name, len, c) : NULL;
    if (o == NULL)
        o = find_in(p->opts, name, len, c);
    if (o == NULL)
        o = find_in(builtin, name, len, c);
    return o;
}

/* "PROG" or "PROG CMD" for messages. */
static void where(const cj_prog *p, const cj_cmd *cmd, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", p->name, cmd ? " " : "", cmd ? cmd->name : "");
}

/* Reports a usage error from a va_list (cj_opts_error and the parser's own errors share it). */
static int verror(const cj_prog *p, const cj_cmd *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int verror(const cj_prog *p, const cj_cmd *cmd, const char *fmt, va_list ap)
{
    char w[128];
    fprintf(stderr, "%s: %s%s", p->name, cmd ? cmd->name : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    where(p, cmd, w, sizeof w);
    fprintf(stderr, "\nTry '%s --help'.\n", w);
    return 2;
}

/* Reports a usage error the same way for every tool (opts.h). */
int cj_opts_error(const cj_prog *p, const cj_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(p, cmd, fmt, ap);
    va_end(ap);
    return rc;
}

/* Parses a bounded unsigned option value, reporting a bad one like every other usage error (opts.h); plain
 * decimal digits only, without leading zeros, so "010" cannot mean 8 to one reader and 10 to another. */
int cj_opts_u64(const cj_prog *p, const cj_cmd *cmd, const cj_optval *ov, uint64_t min, uint64_t max,
                uint64_t *out)
{
    const char *s = ov->val ? ov->val : "";
    uint64_t v = 0;
    int ok = *s != '\0' && !(s[0] == '0' && s[1] != '\0');
    for (; ok && *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
            ok = 0;
            break;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (!ok || v < min || v > max) {
        if (max == UINT64_MAX)
            return cj_opts_error(p, cmd, "--%s: expected an integer >= %llu, got '%s'", ov->opt->name,
                                 (unsigned long long)min, ov->val ? ov->val : "");
        return cj_opts_error(p, cmd, "--%s: expected an integer from %llu to %llu, got '%s'", ov->opt->name,
                             (unsigned long long)min, (unsigned long long)max, ov->val ? ov->val : "");
    }
    *out = v;
    return 0;
}

static void print_completion(const cj_prog *p, FILE *f);
static void print_man(const cj_prog *p, FILE *f);

/* Frees what the parser allocated, then reports a usage error about cmd: every error of the parser leaves
 * nothing to free. Returns 2. */
static int parse_error(const cj_prog *p, const cj_cmd *cmd, cj_parsed *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int parse_error(const cj_prog *p, const cj_cmd *cmd, cj_parsed *out, const char *fmt, ...)
{
    va_list ap;
    cj_opts_free(out);
    va_start(ap, fmt);
    int rc = verror(p, cmd, fmt, ap);
    va_end(ap);
    return rc;
}

/* What the built-in options asked for (acted on once the whole command line is read). */
typedef struct {
    int help, version, man;
    const char *completion;
} builtin_req;

/* Reads the option argv[*i] (with its value, which may be the next argument) into out, or into b for a
 * built-in one. Returns -1 to go on, else the exit status of a usage error (out freed). */
static int parse_option(const cj_prog *p, int argc, char **argv, int *i, cj_parsed *out, builtin_req *b)
{
    const char *a = argv[*i];
    const cj_opt *o;
    const char *val = NULL;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        o = len ? find_opt(p, out->cmd, a + 2, len, 0) : NULL;
        if (eq && o) {
            if (o->arg == NULL)
                return parse_error(p, out->cmd, out, "option '--%s' takes no value", o->name);
            val = eq + 1;
        }
    } else
        o = a[2] == '\0' ? find_opt(p, out->cmd, NULL, 0, a[1]) : NULL;
    if (o == NULL)
        return parse_error(p, out->cmd, out, "unknown option '%s'", a);
    if (o->arg != NULL && val == NULL) {
        if (*i + 1 >= argc)
            return parse_error(p, out->cmd, out, "option '%s' needs a value (%s)", a, o->arg);
        val = argv[++*i];
    }
    if (o->flags & CJ_OPT_DEPRECATED)
        fprintf(stderr, "%s: warning: %s is deprecated (%s)\n", p->name, a, o->help);
    switch (o->id) {
    case B_HELP:
        b->help = 1;
        break;
    case B_VERSION:
        b->version = 1;
        break;
    case B_COMPLETION:
        b->completion = val;
        break;
    case B_MAN:
        b->man = 1;
        break;
    default:
        out->opts[out->nopts].opt = o;
        out->opts[out->nopts++].val = val;
    }
    return -1;
}

/* Acts on the built-in options (completion, man page, help, version: in that precedence) on stdout.
 * Returns -1 if none was given, else the exit status (out freed). */
static int run_builtins(const cj_prog *p, const builtin_req *b, cj_parsed *out)
{
    if (b->completion != NULL || b->man) {
        if (b->completion != NULL && strcmp(b->completion, "bash") != 0)
            return parse_error(p, NULL, out, "--print-completion: only 'bash' is supported");
        if (b->completion != NULL)
            print_completion(p, stdout);
        else
            print_man(p, stdout);
    } else if (b->help) {
        cj_opts_help(p, out->cmd, stdout);
    } else if (b->version) {
        printf("%s %s (libcoinjecture_core %s)\n", p->name, COINJECTURE_TOOLS_VERSION, coinjecture_library_version());
    } else {
        return -1;
    }
    cj_opts_free(out);
    return 0;
}

/* Checks that a command was named (when the program has commands) and that the positional arguments
 * number what it accepts. Returns -1 when they do, else 2 (reported, out freed). */
static int check_args(const cj_prog *p, cj_parsed *out)
{
    if (p->cmds != NULL && out->cmd == NULL && p->default_cmd != NULL)
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++)
            if (strcmp(c->name, p->default_cmd) == 0)
                out->cmd = c;
    if (p->cmds != NULL && out->cmd == NULL)
        return parse_error(p, NULL, out, "missing command");
    int min = out->cmd ? out->cmd->min_args : p->min_args, max = out->cmd ? out->cmd->max_args : p->max_args;
    const char *syn = out->cmd ? out->cmd->args : p->args;
    if ((int)out->nargs > max)
        return parse_error(p, out->cmd, out, "unexpected argument '%s'", out->args[max]);
    if ((int)out->nargs < min)
        return parse_error(p, out->cmd, out, "missing argument (expected %s)", syn ? syn : "more arguments");
    return -1;
}

/* Parses argv (opts.h): the options, command and arguments in one pass, then the built-in modes, then the
 * argument count, so every tool reports the same errors the same way. */
int cj_opts_parse(const cj_prog *p, int argc, char **argv, cj_parsed *out)
{
    int only_args = 0;
    builtin_req b = {0, 0, 0, NULL};
    memset(out, 0, sizeof *out);
    out->opts = calloc((size_t)argc + 1, sizeof *out->opts);
    out->args = calloc((size_t)argc + 1, sizeof *out->args);
    if (out->opts == NULL || out->args == NULL) {
        fprintf(stderr, "%s: out of memory\n", p->name);
        cj_opts_free(out);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = 1;
            continue;
        }
        if (!only_args && a[0] == '-' && a[1] != '\0') {
            int rc = parse_option(p, argc, argv, &i, out, &b);
            if (rc >= 0)
                return rc;
            continue;
        }
        if (p->cmds != NULL && out->cmd == NULL) {
            for (const cj_cmd *c = p->cmds; c->name != NULL; c++)
                if (strcmp(c->name, a) == 0)
                    out->cmd = c;
            if (out->cmd == NULL)
                return parse_error(p, NULL, out, "unknown command '%s'", a);
            continue;
        }
        out->args[out->nargs++] = a;
    }
    int rc = run_builtins(p, &b, out);
    return rc >= 0 ? rc : check_args(p, out);
}

/* Frees the parser's arrays and empties *out, so a second call is harmless. */
void cj_opts_free(cj_parsed *out)
{
    free(out->opts);
    free((void *)out->args);
    out->opts = NULL;
    out->args = NULL;
    out->nopts = out->nargs = 0;
}

/* ---- --help ---- */

/* Writes text wrapped at 79 columns, each line indented by indent spaces (the first line continues at
 * column col when col > 0). Newlines in text are kept. */
static void wrap(FILE *f, const char *text, int indent, int col)
{
    const char *s = text;
    if (col == 0) {
        fprintf(f, "%*s", indent, "");
        col = indent;
    }
    while (*s) {
        if (*s == '\n') {
            fputc('\n', f);
            s++;
            if (*s && *s != '\n')
                fprintf(f, "%*s", indent, "");
            col = indent;
            continue;
        }
        size_t w = strcspn(s, " \n");
        if (col > indent && col + 1 + (int)w > 79) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(s, 1, w, f);
        col += (int)w;
        s += w;
        while (*s == ' ')
            s++;
    }
    fputc('\n', f);
}

/* One option line: "  -h, --help   text". */
static void help_opt(FILE *f, const cj_opt *o)
{
    char left[128], text[2048];
    if (o->short_name)
        snprintf(left, sizeof left, "  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    else
        snprintf(left, sizeof left, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    snprintf(text, sizeof text, "%s%s", (o->flags & CJ_OPT_DEPRECATED) ? "deprecated: " : "", o->help);
    fputs(left, f);
    int col = (int)strlen(left);
    if (col + 2 > 30) {
        fputc('\n', f);
        col = 0;
    } else {
        fprintf(f, "%*s", 30 - col, "");
        col = 30;
    }
    wrap(f, text, 30, col);
}

/* Lists the visible options of a table. */
static void help_opts(FILE *f, const cj_opt *table)
{
    FOR_OPTS(o, table) {
        if (!(o->flags & CJ_OPT_HIDDEN))
            help_opt(f, o);
    }
}

/* Whether a table has a visible option. */
static int any_visible(const cj_opt *table)
{
    FOR_OPTS(o, table) {
        if (!(o->flags & CJ_OPT_HIDDEN))
            return 1;
    }
    return 0;
}

/* Writes --help from the option tables, so the help never drifts from what the parser accepts. */
void cj_opts_help(const cj_prog *p, const cj_cmd *cmd, FILE *f)
{
    if (cmd != NULL) {
        fprintf(f, "usage: %s %s [OPTIONS]%s%s\n\n", p->name, cmd->name, cmd->args ? " " : "",
                cmd->args ? cmd->args : "");
        wrap(f, cmd->help, 0, 0);
        if (cmd->details) {
            fputc('\n', f);
            wrap(f, cmd->details, 0, 0);
        }
        if (any_visible(cmd->opts)) {
            fprintf(f, "\noptions:\n");
            help_opts(f, cmd->opts);
        }
        fprintf(f, "\nglobal options (before or after the command):\n");
        help_opts(f, p->opts);
        help_opts(f, builtin);
        return;
    }
    if (p->cmds != NULL && p->default_cmd != NULL)
        fprintf(f, "usage: %s [OPTIONS] [COMMAND] [COMMAND OPTIONS] [ARGS]  (default command: %s)\n\n", p->name,
                p->default_cmd);
    else if (p->cmds != NULL)
        fprintf(f, "usage: %s [OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS]\n\n", p->name);
    else
        fprintf(f, "usage: %s [OPTIONS]%s%s\n\n", p->name, p->args ? " " : "", p->args ? p->args : "");
    wrap(f, p->description, 0, 0);
    if (p->cmds != NULL) {
        fprintf(f, "\ncommands:\n");
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++) {
            char left[160];
            snprintf(left, sizeof left, "  %s%s%s", c->name, c->args ? " " : "", c->args ? c->args : "");
            fputs(left, f);
            int col = (int)strlen(left);
            if (col + 2 > 30) {
                fputc('\n', f);
                col = 0;
            } else {
                fprintf(f, "%*s", 30 - col, "");
                col = 30;
            }
            wrap(f, c->help, 30, col);
        }
        fprintf(f, "\noptions (before or after the command):\n");
    } else
        fprintf(f, "\noptions:\n");
    help_opts(f, p->opts);
    help_opts(f, builtin);
    if (p->notes) {
        fputc('\n', f);
        wrap(f, p->notes, 0, 0);
    }
    if (p->examples) {
        fprintf(f, "\nexamples:\n");
        for (const char *e = p->examples; *e;) {
            size_t n = strcspn(e, "\n");
            fprintf(f, "  %.*s\n", (int)n, e);
            e += n + (e[n] == '\n');
        }
    }
    if (p->cmds != NULL)
        fprintf(f, "\nRun '%s COMMAND --help' for the options of a command.\n", p->name);
}

/* ---- bash completion ---- */

/* A shell function name from the program name (dashes become underscores). */
static void func_name(const cj_prog *p, char *buf, size_t cap)
{
    snprintf(buf, cap, "_%s", p->name);
    for (char *s = buf; *s; s++)
        if (*s == '-')
            *s = '_';
}

/* Appends the visible option names of a table, space-separated. */
static void comp_names(FILE *f, const cj_opt *table)
{
    FOR_OPTS(o, table) {
        if (o->flags & CJ_OPT_HIDDEN)
            continue;
        fprintf(f, " --%s", o->name);
        if (o->short_name)
            fprintf(f, " -%c", o->short_name);
    }
}

/* The statement that fills COMPREPLY for a completion spec ("@file", "@dir", words or NULL). */
static void comp_reply(FILE *f, const char *spec)
{
    if (spec == NULL)
        fprintf(f, "COMPREPLY=()");
    else if (strcmp(spec, "@file") == 0)
        fprintf(f, "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))");
    else if (strcmp(spec, "@dir") == 0)
        fprintf(f, "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))");
    else
        fprintf(f, "COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", spec);
}

/* case arms completing the values of a table's options (after `prev`). */
static void comp_values(FILE *f, const cj_opt *table, const char *indent)
{
    FOR_OPTS(o, table) {
        if (o->arg == NULL)
            continue;
        fprintf(f, "%s--%s", indent, o->name);
        if (o->short_name)
            fprintf(f, "|-%c", o->short_name);
        fprintf(f, ") ");
        comp_reply(f, o->complete);
        fprintf(f, "; return ;;\n");
    }
}

/* Writes the bash completion script from the option tables (CMake installs it with the program). */
static void print_completion(const cj_prog *p, FILE *f)
{
    char fn[128];
    func_name(p, fn, sizeof fn);
    fprintf(f, "# bash completion for %s %s, generated by `%s --print-completion bash` from the option\n"
               "# tables the program parses its command line with.\n",
            p->name, COINJECTURE_TOOLS_VERSION, p->name);
    fprintf(f, "%s()\n{\n", fn);
    fprintf(f, "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n");
    if (p->cmds != NULL) {
        /* the subcommand: the first word that is neither an option nor the value of a global option */
        fprintf(f, "    for ((i = 1; i < COMP_CWORD; i++)); do\n        case ${COMP_WORDS[i]} in\n");
        int any = 0;
        FOR_OPTS(o, p->opts) {
            if (o->arg == NULL)
                continue;
            fprintf(f, "%s--%s", any ? "|" : "            ", o->name);
            if (o->short_name)
                fprintf(f, "|-%c", o->short_name);
            any = 1;
        }
        if (any)
            fprintf(f, ") ((i++)) ;;\n");
        fprintf(f, "            -*) ;;\n            *) cmd=${COMP_WORDS[i]}; break ;;\n        esac\n    done\n");
        fprintf(f, "    case $cmd in\n");
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++) {
            int values = 0;
            FOR_OPTS(o, c->opts) {
                values |= o->arg != NULL;
            }
            if (!values)
                continue;
            fprintf(f, "        %s)\n            case $prev in\n", c->name);
            comp_values(f, c->opts, "                ");
            fprintf(f, "            esac ;;\n");
        }
        fprintf(f, "    esac\n");
    }
    fprintf(f, "    case $prev in\n");
    comp_values(f, p->opts, "        ");
    fprintf(f, "    esac\n");
    fprintf(f, "    local opts=\"");
    comp_names(f, p->opts);
    comp_names(f, builtin);
    fprintf(f, "\"\n");
    if (p->cmds != NULL) {
        fprintf(f, "    case $cmd in\n        '')\n");
        fprintf(f, "            [[ $cur == -* ]] || { COMPREPLY=($(compgen -W \"");
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++)
            fprintf(f, "%s%s", c == p->cmds ? "" : " ", c->name);
        fprintf(f, "\" -- \"$cur\")); return; } ;;\n");
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++) {
            fprintf(f, "        %s)\n", c->name);
            if (any_visible(c->opts)) {
                fprintf(f, "            opts+=\"");
                comp_names(f, c->opts);
                fprintf(f, "\"\n");
            }
            fprintf(f, "            [[ $cur == -* ]] || { ");
            comp_reply(f, c->complete_args);
            fprintf(f, "; return; } ;;\n");
        }
        fprintf(f, "    esac\n");
    } else {
        fprintf(f, "    [[ $cur == -* ]] || { ");
        comp_reply(f, NULL);
        fprintf(f, "; return; }\n");
    }
    fprintf(f, "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n}\n");
    fprintf(f, "complete -F %s %s\n", fn, p->name);
}

/* ---- man page ---- */

/* Writes text escaped for roff: backslashes and dashes escaped, a control character at the start of a
 * line neutralised, blank lines turned into paragraph breaks. */
static void roff(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && *s == '\n') {
            fprintf(f, ".PP");
        } else if (bol && (*s == '.' || *s == '\''))
            fprintf(f, "\\&");
        if (*s == '\\')
            fprintf(f, "\\e");
        else if (*s == '-')
            fprintf(f, "\\-");
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

/* One option as a tagged paragraph. */
static void man_opt(FILE *f, const cj_opt *o)
{
    fprintf(f, ".TP\n");
    if (o->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
    fprintf(f, "\\fB");
    roff(f, "--");
    roff(f, o->name);
    fprintf(f, "\\fR");
    if (o->arg) {
        fprintf(f, " \\fI");
        roff(f, o->arg);
        fprintf(f, "\\fR");
    }
    fprintf(f, "\n");
    if (o->flags & CJ_OPT_DEPRECATED)
        fprintf(f, "Deprecated: ");
    roff(f, o->help);
    fprintf(f, "\n");
}

/* The visible options of a table. */
static void man_opts(FILE *f, const cj_opt *table)
{
    FOR_OPTS(o, table) {
        if (!(o->flags & CJ_OPT_HIDDEN))
            man_opt(f, o);
    }
}

/* Writes the man page (roff) from the option tables (CMake installs it with the program). */
static void print_man(const cj_prog *p, FILE *f)
{
    char upper[128];
    snprintf(upper, sizeof upper, "%s", p->name);
    for (char *s = upper; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
    fprintf(f, ".\\\" Generated by `%s --print-man` from the option tables the program parses with.\n", p->name);
    fprintf(f, ".TH \"");
    roff(f, upper);
    fprintf(f, "\" 1 \"\" \"coinjecture %s\" \"User Commands\"\n.SH NAME\n", COINJECTURE_TOOLS_VERSION);
    roff(f, p->name);
    fprintf(f, " \\- ");
    roff(f, p->summary);
    fprintf(f, "\n.SH SYNOPSIS\n.B ");
    roff(f, p->name);
    if (p->cmds != NULL && p->default_cmd != NULL) {
        fprintf(f, "\n[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR] [\\fICOMMAND OPTIONS\\fR] [\\fIARGS\\fR]\n");
    } else if (p->cmds != NULL) {
        fprintf(f, "\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR] [\\fIARGS\\fR]\n");
    } else {
        fprintf(f, "\n[\\fIOPTIONS\\fR]");
        if (p->args) {
            fprintf(f, " \\fI");
            roff(f, p->args);
            fprintf(f, "\\fR");
        }
        fprintf(f, "\n");
    }
    fprintf(f, ".SH DESCRIPTION\n");
    roff(f, p->description);
    fprintf(f, "\n");
    if (p->cmds != NULL) {
        fprintf(f, ".SH COMMANDS\n");
        for (const cj_cmd *c = p->cmds; c->name != NULL; c++) {
            fprintf(f, ".TP\n\\fB");
            roff(f, c->name);
            fprintf(f, "\\fR");
            if (c->args) {
                fprintf(f, " \\fI");
                roff(f, c->args);
                fprintf(f, "\\fR");
            }
            fprintf(f, "\n");
            roff(f, c->help);
            fprintf(f, "\n");
            if (c->details) {
                fprintf(f, ".IP\n");
                roff(f, c->details);
                fprintf(f, "\n");
            }
            if (any_visible(c->opts)) {
                fprintf(f, ".RS\n");
                man_opts(f, c->opts);
                fprintf(f, ".RE\n");
            }
        }
    }
    fprintf(f, ".SH OPTIONS\n");
    if (p->cmds != NULL)
        fprintf(f, "Accepted before or after the command.\n");
    man_opts(f, p->opts);
    man_opts(f, builtin);
    fprintf(f, ".SH EXIT STATUS\n0 on success, 1 on failure, 2 on a usage error (unknown option or command, "
               "missing or stray argument, bad option value).\n");
    if (p->notes) {
        fprintf(f, ".SH NOTES\n");
        roff(f, p->notes);
        fprintf(f, "\n");
    }
    if (p->examples) {
        fprintf(f, ".SH EXAMPLES\n.nf\n");
        roff(f, p->examples);
        fprintf(f, "\n.fi\n");
    }
}

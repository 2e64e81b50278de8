/* The standard process metrics every Prometheus client exports (process_cpu_seconds_total,
 * process_resident_memory_bytes, process_open_fds, process_start_time_seconds), read from /proc on Linux.
 * The parser of /proc/self/stat is apart from the reading so that it can be tested on fixed text. */
#ifndef CJ_NODE_PROCSTAT_H
#define CJ_NODE_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t utime_ticks, stime_ticks; /* user and system CPU time, in clock ticks */
    uint64_t start_ticks;              /* start time after boot, in clock ticks */
    uint64_t rss_pages;                /* resident set, in pages */
} cj_procstat;

/* Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses: fields are counted
 * from the last ')'). 0, or -1 when the text is not such a line. */
int cj_procstat_parse(const char *text, cj_procstat *out);

/* Appends the four process_* families (Prometheus text format) for this process to out (at most cap bytes,
 * NUL-terminated). Returns the length written, or 0 when /proc is unavailable (nothing is written). */
size_t cj_procstat_render(char *out, size_t cap);

#endif /* CJ_NODE_PROCSTAT_H */

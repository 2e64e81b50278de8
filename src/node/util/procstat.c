/* Process metrics from /proc (procstat.h). */
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field 14 (utime), 15 (stime), 22 (starttime) and 24 (rss) of a stat line, counted after the ')'. */
int cj_procstat_parse(const char *text, cj_procstat *out)
{
    const char *p = text ? strrchr(text, ')') : NULL;
    if (p == NULL || out == NULL)
        return -1;
    p++;
    memset(out, 0, sizeof *out);
    for (int field = 3; field <= 24; field++) { /* field 3 (state) is the first after ')' */
        while (*p == ' ')
            p++;
        if (*p == '\0' || *p == '\n')
            return -1;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (field == 3) {
            end = (char *)p + strcspn(p, " ");
        } else if (end == p) {
            if (*p != '-')
                return -1;
            end = (char *)p + strcspn(p, " "); /* negative fields (priority, nice) are not used */
            v = 0;
        }
        if (field == 14)
            out->utime_ticks = v;
        else if (field == 15)
            out->stime_ticks = v;
        else if (field == 22)
            out->start_ticks = v;
        else if (field == 24)
            out->rss_pages = v;
        p = end;
    }
    return 0;
}

/* Seconds since the epoch at boot (btime of /proc/stat), or 0. */
static uint64_t boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    uint64_t bt = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "btime ", 6) == 0) {
            bt = strtoull(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return bt;
}

/* Entries of /proc/self/fd, less the one opendir itself holds. */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

/* Reads /proc/self/stat and writes the four families. */
size_t cj_procstat_render(char *out, size_t cap)
{
    char text[1024];
    cj_procstat st;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL || cap == 0)
        return f ? (fclose(f), 0) : 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE), fds = open_fds();
    if (cj_procstat_parse(text, &st) != 0 || tck <= 0 || page <= 0)
        return 0;
    int w = snprintf(out, cap,
                     "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                     "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
                     "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                     "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
                     "# HELP process_open_fds Number of open file descriptors.\n"
                     "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
                     "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                     "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
                     (double)(st.utime_ticks + st.stime_ticks) / (double)tck,
                     (unsigned long long)(st.rss_pages * (uint64_t)page), fds < 0 ? 0L : fds,
                     (double)boot_time() + (double)st.start_ticks / (double)tck);
    if (w < 0 || (size_t)w >= cap) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)w;
}

/* progress.c - percent of input bytes read and MB/s on stderr, redrawn at most 10 times a second. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define REDRAW_NS (100 * 1000000LL)   /* 10 redraws a second at most */
#define DELAY_NS (500 * 1000000LL)    /* short runs draw nothing */
#define CHECK_EVERY 64                /* frames between clock reads */
#define BAR_WIDTH 30

struct sf_progress {
    uint64_t total;          /* bytes of every input, 0 when one is not a regular file */
    uint64_t done;           /* bytes consumed, exact for one input, estimated for several */
    bool single;
    uint64_t frames;
    int64_t start_ns, last_draw_ns;
    bool drawn;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct sf_progress *sf_progress_new(const char *const *paths, size_t n, bool output_on_tty)
{
    struct sf_progress *p;
    uint64_t total = 0;

    if (n == 0 || output_on_tty || !isatty(STDERR_FILENO))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int rc = strcmp(paths[i], "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(paths[i], &st);
        if (rc != 0 || !S_ISREG(st.st_mode)) {
            total = 0;       /* a pipe: rate only, no percent */
            break;
        }
        total += (uint64_t)st.st_size;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->total = total;
    p->single = n == 1;
    p->start_ns = mono_ns();
    return p;
}

static void draw(struct sf_progress *p, int64_t now)
{
    double secs = (double)(now - p->start_ns) / 1e9;
    double mb = (double)p->done / 1e6;
    double rate = secs > 0 ? mb / secs : 0;
    char bar[BAR_WIDTH + 1];

    if (p->total) {
        /* The estimate for several files may overshoot: never claim 100%
         * before the end. */
        double frac = (double)p->done / (double)p->total;
        int fill;
        if (frac > 0.99)
            frac = 0.99;
        fill = (int)(frac * BAR_WIDTH);
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\rsynfin: %3d%% [%s] %.1f of %.1f MB, %.1f MB/s\033[K", (int)(frac * 100), bar,
                mb, (double)p->total / 1e6, rate);
    } else {
        fprintf(stderr, "\rsynfin: %.1f MB read, %.1f MB/s\033[K", mb, rate);
    }
    fflush(stderr);
    p->drawn = true;
    p->last_draw_ns = now;
}

void sf_progress_frame(struct sf_progress *p, const struct sf_frame *f)
{
    int64_t now;

    if (!p)
        return;
    /* One file: the record's own offset is exact.  Several merged files:
     * the frame does not say which file it came from, so count its bytes
     * plus a pcap record header. */
    if (p->single)
        p->done = f->offset + f->caplen;
    else
        p->done += (uint64_t)f->caplen + 16;
    if (++p->frames % CHECK_EVERY)
        return;
    now = mono_ns();
    if (now - p->start_ns < DELAY_NS || now - p->last_draw_ns < REDRAW_NS)
        return;
    draw(p, now);
}

void sf_progress_end(struct sf_progress *p)
{
    if (!p)
        return;
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    free(p);
}

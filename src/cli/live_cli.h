/* live_cli.h - the command line's side of -i: messages, -Z, signals, the capture loop. */
#ifndef SYNFIN_CLI_LIVE_H
#define SYNFIN_CLI_LIVE_H

#include <stdint.h>
#include <stdio.h>

#include "synfin/analyzer.h"
#include "synfin/live.h"

struct sf_cli_live_opts {
    const char *iface;
    const char *filter;       /* trailing BPF expression or NULL */
    const char *dump_path;    /* -w FILE or NULL */
    const char *user;         /* -Z USER or NULL */
    int buffer_bytes;         /* -B KiB converted to bytes; 0 = default */
    int snaplen;              /* -s; 0 = default */
};

/* Opens the device, drops privileges (-Z) and opens the -w file (after the
 * drop, as tcpdump does, so the file belongs to USER).  Prints one line on
 * stderr when something fails and returns NULL with *exit_code set (1, or 2
 * for a filter that does not compile on this link type). */
struct sf_live *sf_cli_live_open(const struct sf_cli_live_opts *o, int *exit_code);

/* The one-line message for a missing capture permission (also used by --demo). */
void sf_cli_live_perm_message(FILE *to, const char *iface);

/* Feeds frames to the analyzer as they arrive until -c max_frames (0 = no
 * limit), SIGINT/SIGTERM or a capture error; ticks expiry with the wall
 * clock while the wire is quiet and calls flush(ctx) after each frame and
 * tick (the output streams).  Returns 0, or 1 after a capture error
 * (already reported). */
int sf_cli_live_run(struct sf_live *l, const char *iface, struct sf_analyzer *an, uint64_t max_frames,
                    void (*flush)(void *ctx), void *ctx, uint64_t *frame_no);

/* "synfin: IFACE: N packets received by filter, N dropped by kernel, N dropped by interface" on stderr. */
void sf_cli_live_report(struct sf_live *l, const char *iface);

#endif

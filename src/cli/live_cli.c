/* live_cli.c - -i IFACE on the command line: open, drop privileges, loop, tick, report drops. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cli/live_cli.h"

/* How often expiry runs and the -w file is flushed while capturing. */
#define TICK_NS (250 * 1000000LL)

/* The signal handler needs the handle; the CLI (not the library) owns it. */
static struct sf_live *volatile g_live;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_live)
        sf_live_break(g_live);
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The binary as the user would type it: relative to the current directory
 * when it lies below it ("build/synfin"), else absolute. */
static void self_path(char *buf, size_t len)
{
    char exe[PATH_MAX], cwd[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    size_t cl;

    if (n <= 0) {
        snprintf(buf, len, "synfin");
        return;
    }
    exe[n] = '\0';
    if (getcwd(cwd, sizeof(cwd)) && (cl = strlen(cwd)) > 1 && strncmp(exe, cwd, cl) == 0 &&
        exe[cl] == '/')
        snprintf(buf, len, "%s", exe + cl + 1);
    else
        snprintf(buf, len, "%s", exe);
}

void sf_cli_live_perm_message(FILE *to, const char *iface)
{
    char self[PATH_MAX];
    self_path(self, sizeof(self));
    fprintf(to, "synfin: %s: you don't have permission to capture (run as root or give the binary "
                "CAP_NET_RAW,CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip %s)\n",
            iface, self);
}

/* setgroups/setgid/setuid in that order (the group calls need root). */
static int drop_privileges(const struct passwd *pw)
{
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0)
        return -1;
    /* A setuid that left a way back to root did not drop anything. */
    if (pw->pw_uid != 0 && setuid(0) == 0)
        return -1;
    return 0;
}

struct sf_live *sf_cli_live_open(const struct sf_cli_live_opts *o, int *exit_code)
{
    struct sf_live_config cfg;
    struct sf_live *l;
    struct passwd *pw = NULL;
    enum sf_live_fail why;
    const char *name, *desc;
    char err[512];

    *exit_code = 1;
    /* An unknown -Z user is a typo: say so before touching the device. */
    if (o->user) {
        errno = 0;
        pw = getpwnam(o->user);
        if (!pw) {
            fprintf(stderr, "synfin: -Z %s: no such user\n", o->user);
            return NULL;
        }
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.iface = o->iface;
    cfg.filter = o->filter;
    cfg.buffer_bytes = o->buffer_bytes;
    cfg.snaplen = o->snaplen;
    cfg.timeout_ms = (int)(TICK_NS / 1000000);
    l = sf_live_open(&cfg, &why, err, sizeof(err));
    if (!l) {
        switch (why) {
        case SF_LIVE_FAIL_PERM:
            sf_cli_live_perm_message(stderr, o->iface);
            break;
        case SF_LIVE_FAIL_NODEV:
            fprintf(stderr, "synfin: %s: no such interface (ip link lists them)\n", o->iface);
            break;
        case SF_LIVE_FAIL_FILTER:
            fprintf(stderr, "synfin: bad filter '%s' on %s: %s\n", o->filter, o->iface, err);
            *exit_code = 2;
            break;
        default:
            fprintf(stderr, "synfin: %s: cannot capture: %s\n", o->iface, err);
            break;
        }
        return NULL;
    }
    if (pw && drop_privileges(pw) != 0) {
        fprintf(stderr, "synfin: -Z %s: cannot become this user: %s\n", o->user,
                errno ? strerror(errno) : "root is still reachable");
        sf_live_close(l);
        return NULL;
    }
    if (o->dump_path && sf_live_dump_open(l, o->dump_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "synfin: -w %s: %s\n", o->dump_path, err);
        sf_live_close(l);
        return NULL;
    }
    /* As tcpdump, on stderr: says the capture is up (scripts wait for it). */
    name = pcap_datalink_val_to_name((int)sf_live_linktype(l));
    desc = pcap_datalink_val_to_description((int)sf_live_linktype(l));
    fprintf(stderr, "synfin: listening on %s, link-type %s (%s), snapshot length %u bytes\n", o->iface,
            name ? name : "?", desc ? desc : "?", SF_MAX_RECORD_CAPLEN);
    *exit_code = 0;
    return l;
}

int sf_cli_live_run(struct sf_live *l, const char *iface, struct sf_analyzer *an, uint64_t max_frames,
                    void (*flush)(void *ctx), void *ctx, uint64_t *frame_no)
{
    struct sigaction sa, old_int, old_term;
    struct sf_frame f;
    int64_t last_tick = wall_ns(), now;
    int rc = 0, r;

    /* No SA_RESTART: the wait in libpcap returns at once, and the handler's
     * pcap_breakloop makes it report the stop; the run then ends normally
     * so every open connection still gets its record and the summary. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    g_live = l;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    while (!g_stop) {
        r = sf_live_next(l, &f);
        if (r == 1) {
            ++*frame_no;
            sf_analyzer_frame(an, &f, *frame_no);
            flush(ctx);
            if (max_frames && *frame_no >= max_frames)
                break;
        } else if (r < 0) {
            if (r == -2) {
                fprintf(stderr, "synfin: %s: capture stopped: %s\n", iface, sf_live_error(l));
                rc = 1;
            }
            break;
        }
        /* Expiry by capture time needs frames; on a quiet wire the wall
         * clock (the clock the kernel stamps frames with) stands in. */
        now = wall_ns();
        if (now - last_tick >= TICK_NS) {
            sf_analyzer_tick(an, now);
            sf_live_flush(l);
            flush(ctx);
            last_tick = now;
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    g_live = NULL;
    return rc;
}

void sf_cli_live_report(struct sf_live *l, const char *iface)
{
    struct sf_live_stats st;
    if (sf_live_stats(l, &st) != 0) {
        fprintf(stderr, "synfin: %s: the kernel gave no drop counters\n", iface);
        return;
    }
    fprintf(stderr, "synfin: %s: %llu packets received by filter, %llu dropped by kernel, "
                    "%llu dropped by interface\n",
            iface, (unsigned long long)st.received, (unsigned long long)st.dropped,
            (unsigned long long)st.ifdropped);
}

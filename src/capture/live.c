/* live.c - live capture with libpcap: immediate mode, kernel BPF filter, optional -w dump. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synfin/live.h"

struct sf_live {
    pcap_t *p;
    pcap_dumper_t *dump;
    bool nano;                       /* timestamps in ns (else µs) */
    int fd;                          /* pcap_get_selectable_fd */
    int timeout_ms;
    uint32_t linktype;
    volatile sig_atomic_t stop;      /* set by sf_live_break, read by sf_live_next */
    char error[PCAP_ERRBUF_SIZE + 64];
};

/* libpcap's per-platform DLT_RAW values are the same packets as
 * LINKTYPE_RAW; the decoder knows both, so DLTs are passed through. */
static uint32_t linktype_of(pcap_t *p)
{
    int dlt = pcap_datalink(p);
    return dlt < 0 ? 0 : (uint32_t)dlt;
}

struct sf_live *sf_live_open(const struct sf_live_config *cfg, enum sf_live_fail *why, char *err,
                             size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct sf_live *l;
    struct bpf_program prog;
    int rc;

    *why = SF_LIVE_FAIL_OTHER;
    l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->p = pcap_create(cfg->iface, errbuf);
    if (!l->p) {
        snprintf(err, errlen, "%s", errbuf);
        free(l);
        return NULL;
    }
    pcap_set_snaplen(l->p, cfg->snaplen > 0 ? cfg->snaplen : (int)SF_MAX_RECORD_CAPLEN);
    /* As tcpdump: a capture on a mirror port sees other hosts' connections. */
    pcap_set_promisc(l->p, 1);
    /* Immediate mode hands over each frame as it arrives (the output
     * streams); the timeout still bounds every wait so the caller can
     * tick expiry and notice signals while the wire is quiet. */
    pcap_set_immediate_mode(l->p, 1);
    pcap_set_timeout(l->p, cfg->timeout_ms > 0 ? cfg->timeout_ms : 250);
    if (cfg->buffer_bytes > 0)
        pcap_set_buffer_size(l->p, cfg->buffer_bytes);
    /* Not every platform has ns timestamps; µs are scaled below. */
    (void)pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO);

    rc = pcap_activate(l->p);
    if (rc < 0) {
        if (rc == PCAP_ERROR_PERM_DENIED)
            *why = SF_LIVE_FAIL_PERM;
        else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            *why = SF_LIVE_FAIL_NODEV;
        /* pcap_geterr has the detail for PCAP_ERROR; the others only a code. */
        if (rc == PCAP_ERROR && pcap_geterr(l->p)[0])
            snprintf(err, errlen, "%s", pcap_geterr(l->p));
        else
            snprintf(err, errlen, "%s", pcap_statustostr(rc));
        pcap_close(l->p);
        free(l);
        return NULL;
    }
    l->nano = pcap_get_tstamp_precision(l->p) == PCAP_TSTAMP_PRECISION_NANO;
    l->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 250;
    /* In immediate mode a blocking read on Linux (TPACKET_V3) waits until a
     * frame comes, whatever the timeout: read non-blocking and wait in our
     * own poll(), which a signal interrupts too. */
    l->fd = pcap_get_selectable_fd(l->p);
    if (l->fd < 0 || pcap_setnonblock(l->p, 1, errbuf) != 0) {
        snprintf(err, errlen, "cannot wait for frames without blocking: %s", errbuf);
        pcap_close(l->p);
        free(l);
        return NULL;
    }
    l->linktype = linktype_of(l->p);

    if (cfg->filter && cfg->filter[0]) {
        if (pcap_compile(l->p, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            *why = SF_LIVE_FAIL_FILTER;
            snprintf(err, errlen, "%s", pcap_geterr(l->p));
            pcap_close(l->p);
            free(l);
            return NULL;
        }
        rc = pcap_setfilter(l->p, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            snprintf(err, errlen, "cannot set the filter: %s", pcap_geterr(l->p));
            pcap_close(l->p);
            free(l);
            return NULL;
        }
    }
    return l;
}

int sf_live_dump_open(struct sf_live *l, const char *path, char *err, size_t errlen)
{
    l->dump = pcap_dump_open(l->p, path);
    if (!l->dump) {
        snprintf(err, errlen, "%s", pcap_geterr(l->p));
        return -1;
    }
    return 0;
}

int sf_live_next(struct sf_live *l, struct sf_frame *f)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    if (l->stop)
        return -1;
    rc = pcap_next_ex(l->p, &h, &data);
    if (rc == 0) {
        struct pollfd pfd = { l->fd, POLLIN, 0 };
        (void)poll(&pfd, 1, l->timeout_ms);    /* EINTR: a signal, checked below */
        if (l->stop)
            return -1;
        rc = pcap_next_ex(l->p, &h, &data);
        if (rc == 0)
            return 0;
    }
    if (rc == PCAP_ERROR_BREAK)
        return -1;
    if (rc < 0) {
        snprintf(l->error, sizeof(l->error), "%s", pcap_geterr(l->p));
        return -2;
    }
    if (l->dump)
        pcap_dump((u_char *)l->dump, h, data);
    memset(f, 0, sizeof(*f));
    f->data = data;
    f->caplen = h->caplen;
    f->wirelen = h->len;
    f->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec * (l->nano ? 1 : 1000);
    f->ts_digits = l->nano ? 9 : 6;
    f->linktype = l->linktype;
    return 1;
}

void sf_live_break(struct sf_live *l)
{
    l->stop = 1;
    pcap_breakloop(l->p);
}

int sf_live_stats(struct sf_live *l, struct sf_live_stats *st)
{
    struct pcap_stat ps;

    memset(st, 0, sizeof(*st));
    memset(&ps, 0, sizeof(ps));
    if (pcap_stats(l->p, &ps) != 0)
        return -1;
    st->valid = true;
    st->received = ps.ps_recv;
    st->dropped = ps.ps_drop;
    st->ifdropped = ps.ps_ifdrop;
    return 0;
}

void sf_live_flush(struct sf_live *l)
{
    if (l->dump)
        pcap_dump_flush(l->dump);
}

const char *sf_live_error(const struct sf_live *l)
{
    return l->error;
}

uint32_t sf_live_linktype(const struct sf_live *l)
{
    return l->linktype;
}

void sf_live_close(struct sf_live *l)
{
    if (!l)
        return;
    if (l->dump)
        pcap_dump_close(l->dump);
    pcap_close(l->p);
    free(l);
}

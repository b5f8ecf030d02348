/* tls_keylog.c - the NSS key log format (NSS "Key Log Format", also written by OpenSSL's
 * SSL_CTX_set_keylog_callback and curl's SSLKEYLOGFILE): one "LABEL <client random hex> <secret
 * hex>" per line, '#' comments.  Sessions are found by their 32-byte ClientHello random. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/keylog.h"
#include "util/siphash.h"

/* A line longer than this is not a key log line (the longest, a 48-byte
 * TLS 1.3 secret, is 31 + 1 + 64 + 1 + 96 characters). */
#define LINE_MAX_LEN 512

struct sf_keylog {
    struct sf_keylog_entry *e;    /* open addressing, capacity a power of two */
    size_t cap, n;
    struct sf_sipkey key;         /* a hostile Decryption Secrets Block cannot flood the table */
    struct sf_keylog_stats st;
    char line[LINE_MAX_LEN];      /* a line cut by the end of the input so far */
    size_t nline;
    bool overlong;                /* the held line went past LINE_MAX_LEN: skip to its end */
    char *path;                   /* the file of sf_keylog_load, for sf_keylog_refresh */
    long long off;                /* bytes of it read so far */
    bool watch;                   /* a live capture: the file grows */
    bool polled;
    int64_t last_poll;            /* capture time of the last re-read */
};

static const struct {
    const char *name;
    enum sf_keylog_label label;
} labels[] = {
    { "CLIENT_RANDOM", SF_KL_CLIENT_RANDOM },
    { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", SF_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET },
    { "SERVER_HANDSHAKE_TRAFFIC_SECRET", SF_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET },
    { "CLIENT_TRAFFIC_SECRET_0", SF_KL_CLIENT_TRAFFIC_SECRET_0 },
    { "SERVER_TRAFFIC_SECRET_0", SF_KL_SERVER_TRAFFIC_SECRET_0 },
    { "CLIENT_EARLY_TRAFFIC_SECRET", SF_KL_CLIENT_EARLY_TRAFFIC_SECRET },
};

struct sf_keylog *sf_keylog_new(void)
{
    struct sf_keylog *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    sf_sipkey_random(&k->key);
    return k;
}

void sf_keylog_free(struct sf_keylog *k)
{
    if (!k)
        return;
    free(k->e);
    free(k->path);
    free(k);
}

static bool slot_empty(const struct sf_keylog_entry *e)
{
    for (int i = 0; i < SF_KL_COUNT; i++)
        if (e->len[i])
            return false;
    return true;
}

static struct sf_keylog_entry *slot_for(struct sf_keylog_entry *tab, size_t cap, const struct sf_sipkey *key,
                                        const uint8_t cr[32])
{
    size_t i = (size_t)sf_siphash13(key, cr, 32) & (cap - 1);
    for (;;) {
        struct sf_keylog_entry *e = &tab[i];
        if (slot_empty(e) || memcmp(e->client_random, cr, 32) == 0)
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(struct sf_keylog *k)
{
    size_t nc = k->cap ? k->cap * 2 : 64;
    struct sf_keylog_entry *t = calloc(nc, sizeof(*t));
    if (!t)
        return -1;
    for (size_t i = 0; i < k->cap; i++)
        if (!slot_empty(&k->e[i]))
            *slot_for(t, nc, &k->key, k->e[i].client_random) = k->e[i];
    free(k->e);
    k->e = t;
    k->cap = nc;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes exactly the hex digits of s[0..n) into out (cap bytes); returns the byte count or -1. */
static int unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n == 0 || n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

/* One line without its end of line. */
static int one_line(struct sf_keylog *k, const char *s, size_t n)
{
    const char *f[3];
    size_t fl[3], nf = 0, i = 0;
    uint8_t cr[32], sec[SF_KEYLOG_SECRET_MAX];
    int ls;
    int label = -1;

    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n || s[i] == '#')
        return 0;
    k->st.lines++;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (nf == 3) {
            k->st.malformed++;
            return 0;
        }
        f[nf] = s + i;
        fl[nf++] = j - i;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        i = j;
    }
    if (nf != 3 || unhex(f[1], fl[1], cr, sizeof(cr)) != 32) {
        k->st.malformed++;
        return 0;
    }
    ls = unhex(f[2], fl[2], sec, sizeof(sec));
    if (ls < 0) {
        k->st.malformed++;
        return 0;
    }
    for (size_t x = 0; x < sizeof(labels) / sizeof(labels[0]); x++)
        if (strlen(labels[x].name) == fl[0] && memcmp(labels[x].name, f[0], fl[0]) == 0)
            label = (int)labels[x].label;
    if (label < 0) {
        k->st.ignored++;   /* EARLY_EXPORTER_SECRET, EXPORTER_SECRET, *_TRAFFIC_SECRET_N>0 (derived instead) */
        return 0;
    }
    if (label == SF_KL_CLIENT_RANDOM && ls != 48) {
        k->st.malformed++;
        return 0;
    }
    if ((k->n + 1) * 4 > k->cap * 3 && grow(k) < 0)
        return -1;
    {
        struct sf_keylog_entry *e = slot_for(k->e, k->cap, &k->key, cr);
        if (slot_empty(e)) {
            memcpy(e->client_random, cr, 32);
            k->n++;
        }
        /* A later line for the same session replaces the earlier (as Wireshark's table). */
        memcpy(e->secret[label], sec, (size_t)ls);
        e->len[label] = (uint8_t)ls;
    }
    k->st.used++;
    return 0;
}

int sf_keylog_add(struct sf_keylog *k, const uint8_t *p, size_t n)
{
    int rc = 0;
    while (n) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (k->overlong || k->nline + take > LINE_MAX_LEN) {
            if (!k->overlong)
                k->st.lines++, k->st.malformed++;
            k->overlong = true;
            k->nline = 0;
        } else if (nl && k->nline == 0) {
            if (one_line(k, (const char *)p, take) < 0)
                rc = -1;
        } else {
            memcpy(k->line + k->nline, p, take);
            k->nline += take;
            if (nl) {
                if (one_line(k, k->line, k->nline) < 0)
                    rc = -1;
                k->nline = 0;
            }
        }
        if (nl)
            k->overlong = false;
        p += take + (nl ? 1 : 0);
        n -= take + (nl ? 1 : 0);
    }
    return rc;
}

void sf_keylog_flush(struct sf_keylog *k)
{
    if (k->nline && !k->overlong)
        one_line(k, k->line, k->nline);
    k->nline = 0;
    k->overlong = false;
}

long sf_keylog_refresh(struct sf_keylog *k)
{
    FILE *f;
    uint8_t buf[16384];
    long got = 0;
    size_t r;

    if (!k->path)
        return -1;
    f = fopen(k->path, "rb");
    if (!f)
        return -1;
    if (k->off && fseeko(f, (off_t)k->off, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    while ((r = fread(buf, 1, sizeof(buf), f)) > 0) {
        sf_keylog_add(k, buf, r);
        k->off += (long long)r;
        got += (long)r;
    }
    fclose(f);
    return got;
}

int sf_keylog_load(struct sf_keylog *k, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    fclose(f);
    free(k->path);
    k->path = strdup(path);
    k->off = 0;
    if (!k->path || sf_keylog_refresh(k) < 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    return 0;
}

void sf_keylog_watch(struct sf_keylog *k, bool on)
{
    k->watch = on;
}

bool sf_keylog_watching(const struct sf_keylog *k)
{
    return k && k->watch && k->path;
}

void sf_keylog_poll(struct sf_keylog *k, int64_t now_ns)
{
    /* One fopen per 10 ms at most, however many connections wait. */
    if (!sf_keylog_watching(k) || (k->polled && now_ns >= k->last_poll && now_ns - k->last_poll < 10000000))
        return;
    k->polled = true;
    k->last_poll = now_ns;
    sf_keylog_refresh(k);
}

const struct sf_keylog_entry *sf_keylog_find(struct sf_keylog *k, const uint8_t cr[32])
{
    const struct sf_keylog_entry *e;
    if (!k || k->n == 0)
        return NULL;
    e = slot_for(k->e, k->cap, &k->key, cr);
    return slot_empty(e) ? NULL : e;
}

size_t sf_keylog_count(const struct sf_keylog *k)
{
    return k ? k->n : 0;
}

const struct sf_keylog_stats *sf_keylog_stats(const struct sf_keylog *k)
{
    return &k->st;
}

/* tls_record.c - the TLS record layer (RFC 8446 5.1, RFC 5246 6.2): detection by content, records
 * across segments, handshake messages across records, alerts; hellos go to tls_handshake.c. */
#include <stdlib.h>
#include <string.h>

#include "app/layer.h"
#include "app/tls_cert.h"
#include "app/tls_decrypt.h"
#include "app/tls_handshake.h"
#include "app/tls_roles.h"
#include "synfin/tls.h"

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define CT_HEARTBEAT 24

/* A record's ciphertext is at most 2^14 + 2048 bytes (RFC 5246 6.2.3);
 * TLS 1.3 allows 2^14 + 256.  Longer is not TLS. */
#define REC_MAX (16384 + 2048)
/* Handshake messages are reassembled up to this size (a certificate chain
 * fits; a larger message is skipped, not an error). */
#define HS_MAX (64 * 1024)

struct tls_dir {
    uint8_t hdr[5];
    uint8_t nhdr;
    uint32_t left;            /* bytes of the current record's body still to come */
    uint8_t type;             /* its content type */
    bool encrypted;           /* after this direction's ChangeCipherSpec: handshake not readable */
    bool rec_encrypted;       /* the current record began encrypted */
    bool stopped;             /* malformed or a gap: the rest of the direction is not read */
    uint8_t alert[2];         /* a plaintext alert's bytes, as they arrive */
    uint8_t nalert;
    uint8_t *hs;              /* handshake bytes being reassembled */
    size_t nhs;
    bool sslv2_check;         /* first bytes of the client: maybe an SSLv2-compatible hello */
    bool cert_pending;        /* a Certificate message ended in the current record: its frame is the record's last */
    bool protect;             /* the current record goes to the decryptor (tls_decrypt.c) */
    uint64_t off;             /* bytes of this direction read so far (for the decryptor's ACK map) */
};

struct tls_layer {
    struct sf_layer l;
    struct tls_dir d[2];
    struct sf_tls_info info;
    struct sf_tls_roles roles;   /* per-packet roles and the handshake phase (tls_roles.c) */
    struct sf_tls_dec *dec;   /* NULL without secrets */
};

static bool ssl_version_ok(uint8_t major, uint8_t minor)
{
    return major == 3 && minor <= 4;
}

/* 1: p starts a TLS ClientHello record (or an SSLv2-compatible one), 0: not TLS, -1: too short. */
static int tls_probe(int dir, const uint8_t *p, size_t n)
{
    if (n == 0)
        return -1;
    if (p[0] == CT_HANDSHAKE) {
        if (n < 6)
            return (n < 3 || ssl_version_ok(p[1], p[2])) ? -1 : 0;
        /* A ServerHello first from the server: the capture saw only that
         * direction (asymmetric routing) or lost the client's start. */
        return ssl_version_ok(p[1], p[2]) && p[5] == (dir == 0 ? 1 : 2) ? 1 : 0;
    }
    if (dir != 0)
        return 0;
    /* SSLv2 record header with a CLIENT-HELLO (msg type 1) and a version
     * 2.0 or 3.x (draft-hickman-netscape-ssl-00; RFC 5246 E.2). */
    if (p[0] & 0x80) {
        if (n < 5)
            return -1;
        return p[2] == 1 && ((p[3] == 0 && p[4] == 2) || (p[3] == 3 && p[4] <= 4)) ? 1 : 0;
    }
    return 0;
}

static void anomaly(struct tls_layer *t, int dir, const char *why)
{
    if (!t->info.anomaly) {
        t->info.anomaly = why;
        t->info.anomaly_frame = t->l.stack->cur_frame;
    }
    t->d[dir].stopped = true;
}

/* One complete handshake message (type, body). */
static void handshake_msg(struct tls_layer *t, int dir, uint8_t type, const uint8_t *p, size_t n)
{
    bool was_hrr = t->info.hrr;
    if (type == 1 && dir == 0) {
        if (sf_tls_parse_client_hello(&t->info, p, n) < 0)
            anomaly(t, dir, "malformed ClientHello");
        sf_tls_dec_hello(t->dec, dir, type, p, n);
    } else if (type == 2 && dir == 1) {
        if (sf_tls_parse_server_hello(&t->info, p, n) < 0)
            anomaly(t, dir, "malformed ServerHello");
        else if (t->info.version == 0x0304 && !t->info.hrr)
            t->d[1].encrypted = true;   /* TLS 1.3: everything after the ServerHello is encrypted */
        sf_tls_dec_hello(t->dec, dir, type, p, n);
    } else if (type == 11 && !(t->l.stack->app && sf_stack_http_config(t->l.stack)->tls_skip_certs)) {
        struct sf_tls_chain **ch = &t->info.chain[dir];
        if (!*ch)
            *ch = calloc(1, sizeof(**ch));
        /* A malformed chain is noted in it; the records around it still
         * have their boundaries, so reading goes on. */
        if (*ch) {
            (*ch)->malformed = sf_tls_parse_certificate(*ch, p, n, t->info.version == 0x0304,
                                                        t->l.stack->cur_frame) < 0;
            t->d[dir].cert_pending = true;
        }
    }
    sf_tls_roles_hs(&t->roles, dir, type, type == 2 && t->info.hrr && !was_hrr);
}

/* Handshake bytes of a plaintext record: messages may span records. */
static void handshake_bytes(struct tls_layer *t, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    while (n && !d->stopped) {
        size_t need, take;
        if (!d->hs) {
            d->hs = malloc(HS_MAX);
            if (!d->hs) {
                d->stopped = true;
                return;
            }
        }
        need = 4;
        if (d->nhs >= 4)
            need = 4 + ((size_t)d->hs[1] << 16 | (size_t)d->hs[2] << 8 | d->hs[3]);
        if (need > HS_MAX) {
            /* Too large to hold: not read, and the boundaries of the
             * messages after it are unknown. */
            anomaly(t, dir, "handshake message too large");
            return;
        }
        take = need - d->nhs < n ? need - d->nhs : n;
        memcpy(d->hs + d->nhs, p, take);
        d->nhs += take;
        p += take;
        n -= take;
        if (d->nhs >= 4 && d->nhs == 4 + ((size_t)d->hs[1] << 16 | (size_t)d->hs[2] << 8 | d->hs[3])) {
            handshake_msg(t, dir, d->hs[0], d->hs + 4, d->nhs - 4);
            d->nhs = 0;
        }
    }
}

/* One whole alert record: counted, and the first ones kept with their frame. */
static void note_alert(struct tls_layer *t, int dir, bool encrypted, uint8_t level, uint8_t desc)
{
    struct sf_tls_info *in = &t->info;
    in->alerts++;
    if (in->nalert < SF_TLS_ALERTS_MAX) {
        struct sf_tls_alert *a = &in->alert[in->nalert++];
        a->frame = t->l.stack->cur_frame;
        a->dir = (uint8_t)dir;
        a->encrypted = encrypted;
        a->level = level;
        a->desc = desc;
    }
}

static void alert_bytes(struct tls_layer *t, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    for (size_t i = 0; i < n; i++) {
        if (d->nalert < 2)
            d->alert[d->nalert] = p[i];
        d->nalert++;
    }
    if (d->nalert == 2 && d->left == 0) {
        note_alert(t, dir, false, d->alert[0], d->alert[1]);
        if (d->alert[0] == 1 && d->alert[1] == 0)
            t->info.close_notify[dir] = true;
    }
}

/* The body bytes of the current record. */
static void body_bytes(struct tls_layer *t, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    switch (d->type) {
    case CT_HANDSHAKE:
        if (!d->encrypted)
            handshake_bytes(t, dir, p, n);
        break;
    case CT_ALERT:
        if (!d->encrypted)
            alert_bytes(t, dir, p, n);
        else if (d->left == 0)
            note_alert(t, dir, true, 0, 0);   /* level and description unknown without keys */
        break;
    case CT_CCS:
        /* After a HelloRetryRequest, TLS 1.3's compatibility CCS (RFC 8446
         * D.4) comes before the plaintext second ClientHello and ServerHello. */
        if (!(t->info.hrr && !t->info.server_hello))
            d->encrypted = true;
        break;
    default:
        break;   /* application data and heartbeat: opaque without keys */
    }
}

/* The current record of dir ended in this frame. */
static void record_done(struct tls_layer *t, int dir)
{
    struct tls_dir *d = &t->d[dir];
    if (d->cert_pending && t->info.chain[dir]) {
        /* tshark shows a message in the frame that completes its record */
        t->info.chain[dir]->frame = t->l.stack->cur_frame;
        for (uint8_t i = 0; i < t->info.chain[dir]->n; i++)
            t->info.chain[dir]->cert[i].frame = t->l.stack->cur_frame;
    }
    d->cert_pending = false;
    sf_tls_roles_record(&t->roles, &t->info, dir, t->l.stack->cur_frame, t->l.stack->cur_ts, d->hdr,
                        d->rec_encrypted, d->type == CT_ALERT && d->nalert >= 2 ? d->alert[0] : 0,
                        d->type == CT_ALERT && d->nalert >= 2 ? d->alert[1] : 0);
}

/* The SSLv2-compatible ClientHello (RFC 5246 E.2): a 2-byte header with
 * the high bit set, then msg type 1 and the client's version. */
static size_t sslv2_hello(struct tls_layer *t, const uint8_t *p, size_t n)
{
    size_t len;
    if (n < 5)
        return 0;
    len = ((size_t)(p[0] & 0x7f) << 8 | p[1]) + 2;
    t->info.client_hello = true;
    t->info.sslv2_hello = true;
    t->info.client_version = (uint16_t)(p[3] << 8 | p[4]);
    t->info.records[0]++;
    sf_tls_roles_sslv2(&t->roles, &t->info, t->l.stack->cur_frame, t->l.stack->cur_ts,
                       (uint16_t)(len > 0xffff ? 0xffff : len));
    /* The rest of a hello cut across segments is skipped as one record. */
    return len;
}

static void tls_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct tls_layer *t = (struct tls_layer *)l;
    struct tls_dir *d = &t->d[dir];

    d->off += n;   /* at the record's end, the input read so far ends before what is left of n */
    if (dir == 0 && d->sslv2_check) {
        d->sslv2_check = false;
        if (n && (p[0] & 0x80)) {
            size_t len = sslv2_hello(t, p, n);
            if (len == 0) {
                anomaly(t, dir, "truncated SSLv2 ClientHello");
                return;
            }
            if (len > n) {
                d->type = 0;
                d->left = (uint32_t)(len - n);
                return;
            }
            p += len;
            n -= len;
        }
    }
    while (n && !d->stopped) {
        if (d->left == 0 && d->nhdr < 5) {
            size_t take = 5u - d->nhdr < n ? 5u - d->nhdr : n;
            memcpy(d->hdr + d->nhdr, p, take);
            d->nhdr = (uint8_t)(d->nhdr + take);
            p += take;
            n -= take;
            if (d->nhdr < 5)
                return;
            d->type = d->hdr[0];
            d->rec_encrypted = d->encrypted;
            d->left = (uint32_t)d->hdr[3] << 8 | d->hdr[4];
            d->nalert = 0;
            if (d->type < CT_CCS || d->type > CT_HEARTBEAT) {
                anomaly(t, dir, "unknown TLS record content type");
                return;
            }
            if (!ssl_version_ok(d->hdr[1], d->hdr[2])) {
                anomaly(t, dir, "unknown TLS record version");
                return;
            }
            if (d->left > REC_MAX) {
                anomaly(t, dir, "TLS record longer than 18432 bytes");
                return;
            }
            t->info.records[dir]++;
            d->protect = sf_tls_dec_begin(t->dec, dir, d->hdr, d->encrypted, src);
            if (d->left == 0) {
                d->nhdr = 0;
                if (d->type != CT_APPDATA) {
                    anomaly(t, dir, "empty TLS record");
                    return;
                }
                record_done(t, dir);
                continue;
            }
        }
        {
            size_t take = d->left < n ? d->left : n;
            d->left -= (uint32_t)take;
            body_bytes(t, dir, p, take);
            if (d->protect)
                sf_tls_dec_body(t->dec, dir, p, take, src);
            p += take;
            n -= take;
            if (d->left == 0) {
                d->nhdr = 0;
                if (d->protect) {
                    d->protect = false;
                    sf_tls_dec_end(t->dec, dir, d->off - n);
                }
                record_done(t, dir);
            }
        }
    }
}

static void tls_gap(struct sf_layer *l, int dir, uint64_t n)
{
    struct tls_layer *t = (struct tls_layer *)l;
    (void)n;
    /* Record boundaries are lost with the bytes; resynchronising by
     * guessing a header would invent records. */
    t->d[dir].stopped = true;
    t->d[dir].protect = false;
    sf_tls_dec_gap(t->dec, dir, n);
}

static void tls_acked(struct sf_layer *l, int dir, uint64_t off)
{
    sf_tls_dec_acked(((struct tls_layer *)l)->dec, dir, off);
}

/* dir's FIN reached in order: did TLS close first? */
static void tls_eof(struct sf_layer *l, int dir)
{
    struct tls_layer *t = (struct tls_layer *)l;
    sf_tls_dec_eof(t->dec, dir);
    sf_tls_roles_close(&t->info, dir);
}

static void tls_finish(struct sf_layer *l)
{
    struct tls_layer *t = (struct tls_layer *)l;
    const struct sf_conn *c = t->l.stack->conn;
    sf_tls_dec_finish(t->dec);
    /* A RST ends both directions at once (no FIN reaches the layer). */
    if (c && (c->half[SF_C2S].rst_seen || c->half[SF_S2C].rst_seen))
        for (int dir = 0; dir < 2; dir++)
            sf_tls_roles_close(&t->info, dir);
}

static bool tls_idle(const struct sf_layer *l)
{
    const struct tls_layer *t = (const struct tls_layer *)l;
    return t->d[0].stopped && t->d[1].stopped && sf_tls_dec_idle(t->dec);
}

static void tls_destroy(struct sf_layer *l)
{
    struct tls_layer *t = (struct tls_layer *)l;
    if (t->l.stack && t->l.stack->info.tls == &t->info)
        t->l.stack->info.tls = NULL;
    if (t->l.stack && t->l.stack->tls_roles == &t->roles)
        t->l.stack->tls_roles = NULL;
    free(t->d[0].hs);
    free(t->d[1].hs);
    sf_tls_chain_free(t->info.chain[0]);
    sf_tls_chain_free(t->info.chain[1]);
    sf_tls_dec_free(t->dec);
    free(t);
}

static const struct sf_layer_ops tls_ops = {
    .name = "tls",
    .data = tls_data,
    .gap = tls_gap,
    .eof = tls_eof,
    .acked = tls_acked,
    .finish = tls_finish,
    .idle = tls_idle,
    .destroy = tls_destroy,
};

struct sf_layer *sf_tls_layer_new(struct sf_stack *s)
{
    struct tls_layer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->l.ops = &tls_ops;
    t->l.stack = s;
    t->d[0].sslv2_check = true;
    if (!s->info.tls) {
        s->info.tls = &t->info;
        s->tls_roles = &t->roles;
    }
    t->dec = sf_tls_dec_new(s, &t->l, &t->info);
    return &t->l;
}

int sf_tls_probe(int dir, const uint8_t *p, size_t n)
{
    return tls_probe(dir, p, n);
}

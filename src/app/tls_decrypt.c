/* tls_decrypt.c - one TLS connection decrypted with the secrets of the key log: which secret
 * protects which record (RFC 8446 7.1 key schedule: handshake secrets after the ServerHello,
 * traffic secrets after each side's Finished, KeyUpdate; RFC 5246: the key block after the
 * ChangeCipherSpec), the decrypted handshake messages, and the plaintext for the layer above. */
#include <stdlib.h>
#include <string.h>

#include "app/tls_crypto.h"
#include "app/tls_decrypt.h"
#include "synfin/keylog.h"
#include "util/cursor.h"

#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23

#define EXT_ALPN 16
#define EXT_ENCRYPT_THEN_MAC 22
#define EXT_EARLY_DATA 42

/* A protected record is at most 2^14 + 2048 bytes (RFC 5246 6.2.3); the
 * record layer rejects longer ones before they get here. */
#define REC_MAX (16384 + 2048)
/* Decrypted handshake messages are reassembled up to this size. */
#define HS_MAX (64 * 1024)

struct dec_dir {
    struct sf_tls_cipher c;
    bool keyed;               /* c holds this direction's current keys */
    bool dead;                /* nothing more is decrypted in this direction */
    uint8_t stage;            /* TLS 1.3: 0 none, 1 handshake secret, 2 application secret, 3 early (0-RTT) */
    bool to_app, to_update;   /* switch keys after the current record (Finished, KeyUpdate) */
    bool to_hs;               /* after EndOfEarlyData: the client's handshake secret */
    bool early_done;          /* the client's 0-RTT records are over (or were never readable) */
    /* The record being collected. */
    uint8_t hdr[5];
    uint8_t *rec;
    size_t nrec;
    bool collecting;
    uint64_t first_frame, last_frame;
    int64_t first_ts;
    uint32_t frames;
    /* Decrypted handshake bytes being reassembled into messages. */
    uint8_t *hs;
    size_t nhs;
    bool hs_stopped;
    uint32_t early_skipped;   /* TLS 1.3 client: 0-RTT records the handshake key cannot open */
    /* Where each record with application data ends, in the input (TCP)
     * and in the plaintext handed up: the peer's ACKs of TCP offsets
     * become ACKs of plaintext offsets for the layer above. */
    struct { uint64_t in, out; } ackmap[64];
    uint8_t ack_head, ack_n;
    uint64_t out_off;         /* plaintext handed up so far */
};

/* A protected record held while its secrets are not in the key log yet (a
 * live capture: the browser writes them as it connects, maybe after the
 * server's first flight went by). */
struct held {
    struct held *next;
    int dir;
    uint8_t hdr[5];
    uint64_t first_frame, end_frame, end_off;
    int64_t first_ts, end_ts;
    uint32_t frames;
    size_t n;
    uint8_t body[];
};

/* One whole protected record and where it came from. */
struct rec {
    const uint8_t *hdr;
    const uint8_t *body;
    size_t n;
    uint64_t first_frame, end_frame;  /* its first byte's frame; the frame that completed it */
    int64_t first_ts, end_ts;
    uint32_t frames;
    uint64_t end_off;                 /* its end as an offset of the TLS layer's input */
};

/* At most this much is held per connection; beyond, the session is no_key. */
#define HELD_MAX (256 * 1024)

struct sf_tls_dec {
    struct sf_stack *s;
    struct sf_layer *owner;
    struct sf_tls_info *info;
    struct sf_keylog *keylog;
    uint8_t client_random[32], server_random[32];
    bool have_cr, have_sr;
    bool etm_offered, etm_accepted, early_offered;
    bool looked_up;           /* the key log was searched (at the first protected record) */
    const struct sf_keylog_entry *entry;
    struct dec_dir d[2];
    uint8_t *plain;           /* one record's plaintext */
    bool up_made;
    bool pending;             /* watching a growing key log for this session's secrets */
    struct held *held, **held_tail;
    size_t held_bytes;
};

static void look_up(struct sf_tls_dec *d);
static void release_held(struct sf_tls_dec *d);

const char *sf_tls_dec_status_name(enum sf_tls_dec_status s)
{
    switch (s) {
    case SF_TLS_DEC_NO_KEY: return "no_key";
    case SF_TLS_DEC_OK: return "decrypted";
    case SF_TLS_DEC_FAILED: return "failed";
    case SF_TLS_DEC_UNSUPPORTED: return "unsupported_cipher";
    default: return NULL;
    }
}

struct sf_tls_dec *sf_tls_dec_new(struct sf_stack *s, struct sf_layer *owner, struct sf_tls_info *info)
{
    struct sf_keylog *k = s->app ? sf_stack_http_config(s)->keylog : NULL;
    struct sf_tls_dec *d;
    if (!k)
        return NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->s = s;
    d->owner = owner;
    d->info = info;
    d->keylog = k;
    d->held_tail = &d->held;
    return d;
}

void sf_tls_dec_free(struct sf_tls_dec *d)
{
    if (!d)
        return;
    for (int i = 0; i < 2; i++) {
        sf_tls_cipher_clear(&d->d[i].c);
        free(d->d[i].rec);
        free(d->d[i].hs);
    }
    while (d->held) {
        struct held *h = d->held;
        d->held = h->next;
        free(h);
    }
    free(d->plain);
    free(d);
}

/* Scans a hello's extensions for the few that matter to decryption. */
static void hello_exts(struct sf_tls_dec *d, int dir, struct sf_cur c)
{
    bool cut = false;
    struct sf_cur exts = sf_cur_take(&c, sf_cur_be16(&c), &cut);
    if (c.err || cut)
        return;
    while (sf_cur_has(&exts, 4)) {
        uint16_t type = sf_cur_be16(&exts);
        uint16_t len = sf_cur_be16(&exts);
        if (!sf_cur_has(&exts, len))
            return;
        if (type == EXT_ENCRYPT_THEN_MAC) {
            if (dir == 0)
                d->etm_offered = true;
            else
                d->etm_accepted = d->etm_offered;
        } else if (type == EXT_EARLY_DATA && dir == 0) {
            d->early_offered = true;
        }
        sf_cur_skip(&exts, len);
    }
}

void sf_tls_dec_hello(struct sf_tls_dec *d, int dir, uint8_t type, const uint8_t *p, size_t n)
{
    struct sf_cur c = sf_cur_make(p, n);
    if (!d)
        return;
    sf_cur_skip(&c, 2);
    if (!sf_cur_has(&c, 32))
        return;
    if (type == 1 && dir == 0) {
        /* The ClientHello after a HelloRetryRequest keeps the same random. */
        memcpy(d->client_random, c.p, 32);
        d->have_cr = true;
        d->etm_offered = d->early_offered = false;
        sf_cur_skip(&c, 32);
        sf_cur_skip(&c, sf_cur_u8(&c));
        sf_cur_skip(&c, sf_cur_be16(&c));
        sf_cur_skip(&c, sf_cur_u8(&c));
        if (!c.err && sf_cur_left(&c))
            hello_exts(d, 0, c);
        /* With this session's secrets, --follow shows the decrypted
         * conversation (as Wireshark's Follow TLS Stream), not the records:
         * decided here, before the ClientHello's own bytes are shown. */
        if (d->s->follow)
            d->s->follow_plain = sf_keylog_find(d->keylog, d->client_random) != NULL;
    } else if (type == 2 && dir == 1 && d->info->server_hello) {
        /* (A HelloRetryRequest leaves server_hello unset: only the real
         * ServerHello's random keys the session.) */
        memcpy(d->server_random, c.p, 32);
        d->have_sr = true;
        sf_cur_skip(&c, 32);
        sf_cur_skip(&c, sf_cur_u8(&c));
        sf_cur_skip(&c, 3);
        if (!c.err && sf_cur_left(&c))
            hello_exts(d, 1, c);
        if (d->held) {
            /* The client's 0-RTT records can be read now that the suite is known. */
            if (!d->looked_up)
                look_up(d);
            if (!d->pending)
                release_held(d);
        }
    }
}

static void set_status(struct sf_tls_dec *d, enum sf_tls_dec_status st)
{
    struct sf_tls_decrypt_info *di = &d->info->dec;
    /* A failure is what the user must hear about: it stays. */
    if (di->status == SF_TLS_DEC_FAILED)
        return;
    if (st == SF_TLS_DEC_OK && di->status != SF_TLS_DEC_NONE && di->status != SF_TLS_DEC_OK)
        return;
    di->status = st;
}

static void kill_both(struct sf_tls_dec *d, enum sf_tls_dec_status st)
{
    set_status(d, st);
    d->d[0].dead = d->d[1].dead = true;
}

/* TLS 1.3: (re)keys direction dir with the secret of label lab. */
static bool key13(struct sf_tls_dec *d, int dir, enum sf_keylog_label lab)
{
    const struct sf_tls_suite *s = sf_tls_suite_find(d->info->cipher_suite);
    struct dec_dir *dd = &d->d[dir];
    if (!d->entry || d->entry->len[lab] == 0) {
        /* The log has this session but not this secret (a writer that logs
         * only some labels): the direction cannot be read from here on. */
        if (d->info->dec.records[0] + d->info->dec.records[1] == 0)
            set_status(d, SF_TLS_DEC_NO_KEY);
        dd->dead = true;
        return false;
    }
    sf_tls_cipher_clear(&dd->c);
    if (sf_tls13_cipher_init(&dd->c, s, d->entry->secret[lab], d->entry->len[lab]) < 0) {
        set_status(d, SF_TLS_DEC_FAILED);
        d->info->dec.fail_dir = (int8_t)dir;
        d->info->dec.fail_record = d->info->records[dir];
        d->info->dec.fail_frame = d->s->cur_frame;
        dd->dead = true;
        return false;
    }
    dd->keyed = true;
    return true;
}

/* At the first protected record: the secrets of this session, if any. */
static void look_up(struct sf_tls_dec *d)
{
    const struct sf_tls_suite *s;
    d->looked_up = true;
    d->pending = false;
    if ((sf_keylog_count(d->keylog) == 0 && !sf_keylog_watching(d->keylog)) || !d->have_cr) {
        d->d[0].dead = d->d[1].dead = true;   /* status stays NONE: no secrets at all */
        return;
    }
    d->entry = sf_keylog_find(d->keylog, d->client_random);
    if (!d->entry && sf_keylog_watching(d->keylog)) {
        sf_keylog_poll(d->keylog, d->s->cur_ts);
        d->entry = sf_keylog_find(d->keylog, d->client_random);
        if (!d->entry) {
            d->pending = true;   /* the records are held until the secrets appear */
            return;
        }
    }
    if (!d->entry) {
        kill_both(d, SF_TLS_DEC_NO_KEY);
        return;
    }
    s = sf_tls_suite_find(d->info->cipher_suite);
    if (!s || s->tls13 != (d->info->version == 0x0304) || !d->have_sr) {
        kill_both(d, SF_TLS_DEC_UNSUPPORTED);
        return;
    }
    if (s->tls13)
        return;   /* keyed per direction as its records start */
    if (d->entry->len[SF_KL_CLIENT_RANDOM] != 48) {
        kill_both(d, SF_TLS_DEC_NO_KEY);
        return;
    }
    if (sf_tls12_cipher_init(&d->d[0].c, &d->d[1].c, s, d->info->version, d->etm_accepted,
                             d->entry->secret[SF_KL_CLIENT_RANDOM], d->client_random, d->server_random) < 0) {
        /* A suite we know with a version it does not exist in (AEAD before 1.2). */
        kill_both(d, SF_TLS_DEC_UNSUPPORTED);
        return;
    }
    d->d[0].keyed = d->d[1].keyed = true;
}

/* The keys for the next protected record of dir (TLS 1.3: the handshake
 * secret for the first).  False when it cannot be decrypted. */
static bool prepare(struct sf_tls_dec *d, int dir)
{
    struct dec_dir *dd = &d->d[dir];
    if (dd->dead)
        return false;
    if (d->info->version == 0x0304 && dd->stage == 0) {
        /* A client that offered 0-RTT starts with its early secret when the
         * log has it (RFC 8446 2.3); its EndOfEarlyData ends that. */
        if (dir == 0 && d->early_offered && !dd->early_done && d->entry &&
            d->entry->len[SF_KL_CLIENT_EARLY_TRAFFIC_SECRET]) {
            if (!key13(d, dir, SF_KL_CLIENT_EARLY_TRAFFIC_SECRET))
                return false;
            dd->stage = 3;
            return true;
        }
        if (!key13(d, dir, dir == 0 ? SF_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET : SF_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET))
            return false;
        dd->stage = 1;
    }
    return dd->keyed;
}

static void open_record(struct sf_tls_dec *d, int dir, const struct rec *r);

/* The record and plaintext buffers live only while a record is being
 * collected or opened: memory follows the records in flight, not the
 * number of decrypted connections. */
static void release_buffers(struct sf_tls_dec *d, int dir)
{
    free(d->d[dir].rec);
    d->d[dir].rec = NULL;
    free(d->plain);
    d->plain = NULL;
}

/* The secrets have appeared (or the suite, for 0-RTT data): the held
 * records go through in their order.  The messages they complete are
 * dated by the frames that carried them, not the frame of the release. */
static void release_held(struct sf_tls_dec *d)
{
    uint64_t frame = d->s->cur_frame;
    int64_t ts = d->s->cur_ts;
    while (d->held) {
        struct held *h = d->held;
        d->held = h->next;
        if (prepare(d, h->dir)) {
            /* Opened from the held copy: the direction's own buffer may be
             * collecting a newer record right now. */
            struct rec r = { h->hdr, h->body, h->n, h->first_frame, h->end_frame, h->first_ts, h->end_ts,
                             h->frames, h->end_off };
            d->s->cur_frame = h->end_frame;
            d->s->cur_ts = h->end_ts;
            open_record(d, h->dir, &r);
            free(d->plain);
            d->plain = NULL;
        }
        free(h);
    }
    d->s->cur_frame = frame;
    d->s->cur_ts = ts;
    d->held_tail = &d->held;
    d->held_bytes = 0;
}

/* While pending: the key log may have grown (force: read it now). */
static void retry(struct sf_tls_dec *d, bool force)
{
    if (force)
        sf_keylog_refresh(d->keylog);
    else
        sf_keylog_poll(d->keylog, d->s->cur_ts);
    if (sf_keylog_find(d->keylog, d->client_random)) {
        look_up(d);
        release_held(d);
    }
}

bool sf_tls_dec_begin(struct sf_tls_dec *d, int dir, const uint8_t hdr[5], bool after_ccs,
                      const struct sf_span *src)
{
    struct dec_dir *dd;
    bool tls13;
    if (!d)
        return false;
    dd = &d->d[dir];
    if (dd->dead)
        return false;
    if (!d->info->server_hello) {
        /* 0-RTT data after the ClientHello, before the ServerHello names
         * the suite: held until it does. */
        if (dir != 0 || !d->early_offered || !d->have_cr || hdr[0] != CT_APPDATA)
            return false;
        goto collect;
    }
    tls13 = d->info->version == 0x0304;
    /* TLS 1.3 protects every record as application_data (the compatibility
     * ChangeCipherSpec stays plaintext); TLS <= 1.2 what follows the CCS. */
    if (tls13 ? hdr[0] != CT_APPDATA : !after_ccs)
        return false;
    if (!d->looked_up)
        look_up(d);
    else if (d->pending)
        retry(d, false);
    if (!d->pending && !d->held && !prepare(d, dir))
        return false;
collect:
    if (!dd->rec) {
        dd->rec = malloc(REC_MAX);
        if (!dd->rec) {
            dd->dead = true;
            return false;
        }
    }
    memcpy(dd->hdr, hdr, 5);
    dd->nrec = 0;
    dd->collecting = true;
    dd->first_frame = dd->last_frame = src->frame;
    dd->first_ts = src->ts_ns;
    dd->frames = 1;
    return true;
}

void sf_tls_dec_body(struct sf_tls_dec *d, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct dec_dir *dd = &d->d[dir];
    if (!dd->collecting)
        return;
    if (src->frame != dd->last_frame) {
        dd->last_frame = src->frame;
        dd->frames++;
    }
    if (n > REC_MAX - dd->nrec)
        n = REC_MAX - dd->nrec;
    memcpy(dd->rec + dd->nrec, p, n);
    dd->nrec += n;
}

/* The layer above the TLS layer: HTTP/2 when ALPN chose h2, else the
 * detection layer (HTTP/1.x, or anything else it knows). */
static void make_up(struct sf_tls_dec *d)
{
    struct sf_stack *s = d->s;
    struct sf_layer *up = NULL;
    d->up_made = true;
    if (s->depth < SF_STACK_MAX_DEPTH) {
        s->depth++;
        if (strcmp(d->info->alpn, "h2") == 0) {
            up = sf_http2_layer_new(s);
            if (up)
                sf_stack_note(s, "http2");
        } else {
            up = sf_detect_layer_new(s);
        }
    }
    if (!up) {
        up = sf_opaque_layer_new(s);
        sf_stack_note(s, "opaque");
    }
    sf_layer_install(s, &d->owner->up, up, NULL);
}

static void app_data(struct sf_tls_dec *d, int dir, const uint8_t *p, size_t n, const struct rec *r)
{
    struct dec_dir *dd = &d->d[dir];
    struct sf_span sp;
    if (!n)
        return;
    if (!d->up_made)
        make_up(d);
    sp.frame = r->end_frame;
    sp.ts_ns = r->end_ts;
    sp.first_frame = r->first_frame;
    sp.first_ts = r->first_ts;
    sp.frames = r->frames;
    d->info->dec.plaintext[dir] += n;
    dd->out_off += n;
    if (dd->ack_n == sizeof(dd->ackmap) / sizeof(dd->ackmap[0])) {
        /* Full (the peer acknowledges slowly): the newest entry absorbs
         * this record, so an ACK is mapped late, never early. */
        unsigned last = (dd->ack_head + dd->ack_n - 1) % (sizeof(dd->ackmap) / sizeof(dd->ackmap[0]));
        dd->ackmap[last].in = r->end_off;
        dd->ackmap[last].out = dd->out_off;
    } else {
        unsigned at = (dd->ack_head + dd->ack_n) % (sizeof(dd->ackmap) / sizeof(dd->ackmap[0]));
        dd->ackmap[at].in = r->end_off;
        dd->ackmap[at].out = dd->out_off;
        dd->ack_n++;
    }
    sf_layer_data(d->owner->up, dir, p, n, &sp);
    if (d->s->follow_plain)
        sf_stack_follow(d->s, dir, p, n, 0, r->end_frame);
}

/* RFC 8446 4.3.1: EncryptedExtensions carries the server's ALPN choice in TLS 1.3. */
static void encrypted_extensions(struct sf_tls_dec *d, const uint8_t *p, size_t n)
{
    struct sf_cur c = sf_cur_make(p, n);
    struct sf_cur exts = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    while (sf_cur_has(&exts, 4)) {
        uint16_t type = sf_cur_be16(&exts);
        uint16_t len = sf_cur_be16(&exts);
        struct sf_cur body = sf_cur_take(&exts, len, NULL);
        if (type == EXT_ALPN) {
            struct sf_cur list = sf_cur_take(&body, sf_cur_be16(&body), NULL);
            uint8_t l = sf_cur_u8(&list);
            size_t i, at = 0;
            if (!sf_cur_has(&list, l))
                return;
            for (i = 0; i < l && at + 1 < sizeof(d->info->alpn); i++)
                d->info->alpn[at++] = (list.p[i] >= 0x20 && list.p[i] < 0x7f) ? (char)list.p[i] : '?';
            d->info->alpn[at] = '\0';
        }
    }
}

static void handshake_msg(struct sf_tls_dec *d, int dir, uint8_t type, const uint8_t *p, size_t n)
{
    struct sf_tls_decrypt_info *di = &d->info->dec;
    bool tls13 = d->info->version == 0x0304;
    if (di->n_hs_types[dir] < SF_TLS_DEC_HS_MAX)
        di->hs_types[dir][di->n_hs_types[dir]++] = type;
    if (!tls13)
        return;
    switch (type) {
    case 8:
        if (dir == 1)
            encrypted_extensions(d, p, n);
        break;
    case 5:
        /* EndOfEarlyData: the last record under the client's early secret. */
        if (dir == 0 && d->d[0].stage == 3)
            d->d[0].to_hs = true;
        break;
    case 20:
        /* Each side's Finished is the last record under its handshake secret. */
        if (d->d[dir].stage == 1)
            d->d[dir].to_app = true;
        break;
    case 24:
        if (d->d[dir].stage == 2) {
            d->d[dir].to_update = true;
            di->key_updates++;
        }
        break;
    default:
        break;
    }
}

static void handshake_bytes(struct sf_tls_dec *d, int dir, const uint8_t *p, size_t n)
{
    struct dec_dir *dd = &d->d[dir];
    while (n && !dd->hs_stopped) {
        size_t need = 4, take;
        if (!dd->hs) {
            dd->hs = malloc(HS_MAX);
            if (!dd->hs) {
                dd->hs_stopped = true;
                return;
            }
        }
        if (dd->nhs >= 4)
            need = 4 + ((size_t)dd->hs[1] << 16 | (size_t)dd->hs[2] << 8 | dd->hs[3]);
        if (need > HS_MAX) {
            dd->hs_stopped = true;   /* too large to hold: the rest of the handshake is not read */
            return;
        }
        take = need - dd->nhs < n ? need - dd->nhs : n;
        memcpy(dd->hs + dd->nhs, p, take);
        dd->nhs += take;
        p += take;
        n -= take;
        if (dd->nhs >= 4 && dd->nhs == 4 + ((size_t)dd->hs[1] << 16 | (size_t)dd->hs[2] << 8 | dd->hs[3])) {
            handshake_msg(d, dir, dd->hs[0], dd->hs + 4, dd->nhs - 4);
            dd->nhs = 0;
        }
    }
    if (dd->nhs == 0) {
        /* No message half-read: the 64 KiB go back until the next one. */
        free(dd->hs);
        dd->hs = NULL;
    }
}

/* Holds the collected record until the secrets appear (bounded). */
static void hold(struct sf_tls_dec *d, int dir, const struct rec *r)
{
    struct held *h;
    if (d->held_bytes + r->n > HELD_MAX || !(h = malloc(sizeof(*h) + r->n))) {
        /* Too much waiting: the session is read as one without secrets. */
        while (d->held) {
            struct held *x = d->held;
            d->held = x->next;
            free(x);
        }
        d->held_tail = &d->held;
        d->pending = false;
        kill_both(d, SF_TLS_DEC_NO_KEY);
        return;
    }
    h->next = NULL;
    h->dir = dir;
    memcpy(h->hdr, r->hdr, 5);
    h->first_frame = r->first_frame;
    h->first_ts = r->first_ts;
    h->end_frame = r->end_frame;
    h->end_ts = r->end_ts;
    h->end_off = r->end_off;
    h->frames = r->frames;
    h->n = r->n;
    memcpy(h->body, r->body, r->n);
    *d->held_tail = h;
    d->held_tail = &h->next;
    d->held_bytes += r->n;
}

void sf_tls_dec_end(struct sf_tls_dec *d, int dir, uint64_t end_off)
{
    struct dec_dir *dd;
    struct rec r;
    if (!d)
        return;
    dd = &d->d[dir];
    if (!dd->collecting)
        return;
    dd->collecting = false;
    r.hdr = dd->hdr;
    r.body = dd->rec;
    r.n = dd->nrec;
    r.first_frame = dd->first_frame;
    r.first_ts = dd->first_ts;
    r.end_frame = d->s->cur_frame;
    r.end_ts = d->s->cur_ts;
    r.frames = dd->frames;
    r.end_off = end_off;
    if (d->pending || !d->info->server_hello || d->held) {
        /* Secrets still to come, 0-RTT data before the ServerHello, or
         * records queued before this one: kept in order. */
        hold(d, dir, &r);
        if (!d->pending && d->info->server_hello)
            release_held(d);
    } else {
        open_record(d, dir, &r);
    }
    release_buffers(d, dir);
}

/* Decrypts one record of dir and hands its content on. */
static void open_record(struct sf_tls_dec *d, int dir, const struct rec *rc)
{
    struct dec_dir *dd = &d->d[dir];
    struct sf_tls_decrypt_info *di = &d->info->dec;
    uint8_t type = 0;
    long r;

    if (!d->plain) {
        d->plain = malloc(REC_MAX);
        if (!d->plain) {
            dd->dead = true;
            return;
        }
    }
    r = sf_tls_cipher_open(&dd->c, rc->hdr, rc->body, rc->n, d->plain, &type);
    if (r < 0 && dir == 0 && dd->stage == 3) {
        /* Not under the early secret: the 0-RTT data is over without an
         * EndOfEarlyData (the server rejected it), the handshake secret follows. */
        dd->early_done = true;
        dd->stage = 0;
        if (prepare(d, dir))
            r = sf_tls_cipher_open(&dd->c, rc->hdr, rc->body, rc->n, d->plain, &type);
    }
    if (r < 0) {
        /* A client that offered 0-RTT sends its early data under a secret we
         * are not given before its handshake records: those are skipped
         * until the handshake key opens one (tshark's trial decryption). */
        if (dir == 0 && d->early_offered && dd->stage == 1 && di->records[0] == 0 && dd->early_skipped < 64) {
            dd->early_skipped++;
            return;
        }
        set_status(d, SF_TLS_DEC_FAILED);
        if (di->fail_record == 0) {
            di->fail_dir = (int8_t)dir;
            di->fail_record = d->info->records[dir];
            di->fail_frame = rc->end_frame;
        }
        dd->dead = true;
        /* The layer above learns that bytes are missing, never what they were. */
        if (d->up_made)
            sf_layer_gap(d->owner->up, dir, rc->n);
        return;
    }
    di->records[dir]++;
    set_status(d, SF_TLS_DEC_OK);
    switch (type) {
    case CT_APPDATA:
        app_data(d, dir, d->plain, (size_t)r, rc);
        break;
    case CT_HANDSHAKE:
        handshake_bytes(d, dir, d->plain, (size_t)r);
        break;
    case CT_ALERT:
        if (r >= 2 && d->plain[0] == 1 && d->plain[1] == 0)
            d->info->close_notify[dir] = true;
        break;
    default:
        break;
    }
    if (dd->to_hs) {
        dd->to_hs = false;
        dd->early_done = true;
        dd->stage = 0;
        prepare(d, dir);
    }
    if (dd->to_app) {
        dd->to_app = false;
        if (key13(d, dir, dir == 0 ? SF_KL_CLIENT_TRAFFIC_SECRET_0 : SF_KL_SERVER_TRAFFIC_SECRET_0))
            dd->stage = 2;
    }
    if (dd->to_update) {
        dd->to_update = false;
        if (sf_tls13_cipher_update(&dd->c) < 0)
            dd->dead = true;
    }
}

void sf_tls_dec_gap(struct sf_tls_dec *d, int dir, uint64_t n)
{
    if (!d)
        return;
    /* Records lost: the sequence numbers (and CBC chains) after them are unknown. */
    d->d[dir].dead = true;
    d->d[dir].collecting = false;
    if (d->up_made)
        sf_layer_gap(d->owner->up, dir, n);
    if (d->s->follow_plain)
        sf_stack_follow(d->s, dir, NULL, 0, n, d->s->cur_frame);
}

void sf_tls_dec_acked(struct sf_tls_dec *d, int dir, uint64_t off)
{
    struct dec_dir *dd;
    uint64_t out = 0;
    bool any = false;
    if (!d || !d->up_made)
        return;
    dd = &d->d[dir];
    /* The plaintext of every record wholly acknowledged is acknowledged. */
    while (dd->ack_n && dd->ackmap[dd->ack_head].in <= off) {
        out = dd->ackmap[dd->ack_head].out;
        any = true;
        dd->ack_head = (uint8_t)((dd->ack_head + 1) % (sizeof(dd->ackmap) / sizeof(dd->ackmap[0])));
        dd->ack_n--;
    }
    if (any)
        sf_layer_acked(d->owner->up, dir, out);
}

void sf_tls_dec_eof(struct sf_tls_dec *d, int dir)
{
    if (d && d->up_made)
        sf_layer_eof(d->owner->up, dir);
}

void sf_tls_dec_finish(struct sf_tls_dec *d)
{
    if (!d)
        return;
    if (d->pending) {
        /* A last look at the key log; then the held records are given up. */
        retry(d, true);
        if (d->pending) {
            d->pending = false;
            kill_both(d, SF_TLS_DEC_NO_KEY);
            release_held(d);   /* frees them: nothing can open them */
        }
    }
    if (d->up_made)
        sf_layer_finish(d->owner->up);
}

bool sf_tls_dec_idle(const struct sf_tls_dec *d)
{
    if (!d)
        return true;
    if (d->pending)
        return false;   /* holding records for secrets still to come */
    return d->d[0].dead && d->d[1].dead && (!d->up_made || sf_layer_idle(d->owner->up));
}

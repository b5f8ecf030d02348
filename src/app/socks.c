/* socks.c - SOCKS4/4a/5 as a layer of the stack: the handshake read (RFC 1928, RFC 1929, the
 * SOCKS4 and 4a notes), then the tunnel's bytes handed up to a new detection, as after a
 * CONNECT's 2xx, so HTTP (or TLS) through a SOCKS proxy is read like any other. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/socks.h"
#include "app/layer.h"
#include "util/cursor.h"

/* The longest handshake message: an RFC 1929 request (1 + 1 + 255 + 1 + 255);
 * a SOCKS4a request with a longer user id and host is refused as malformed. */
#define SOCKS_MSG_MAX 520
/* Client bytes sent after its request but before the server's reply
 * (optimistic data), held until the reply grants the tunnel. */
#define SOCKS_HOLD_MAX 4096

enum { CL_START, CL_AUTH_OR_REQUEST, CL_DONE };
enum { SV_START, SV_AUTH_OR_REPLY, SV_DONE };

struct socks_layer {
    struct sf_layer l;
    struct sf_socks_info info;
    uint8_t buf[2][SOCKS_MSG_MAX];
    size_t len[2];
    int state[2];
    bool dead;                 /* malformed, refused or cut: nothing goes up */
    uint64_t in[2];            /* input bytes consumed per direction */
    uint64_t base[2];          /* input offset where the tunnel's bytes begin */
    uint8_t *hold;             /* client tunnel bytes waiting for the reply */
    size_t hold_len;
    struct sf_span hold_src;
};

const char *sf_socks_command_name(uint8_t command)
{
    switch (command) {
    case 1: return "connect";
    case 2: return "bind";
    case 3: return "udp_associate";
    default: return "unknown";
    }
}

const char *sf_socks_reply_name(uint8_t version, int reply)
{
    static const char *const v5[] = {
        "succeeded", "general_failure", "not_allowed", "network_unreachable", "host_unreachable",
        "connection_refused", "ttl_expired", "command_not_supported", "address_type_not_supported",
    };
    if (version == 4) {
        switch (reply) {
        case 90: return "granted";
        case 91: return "rejected";
        case 92: return "no_identd";
        case 93: return "identd_mismatch";
        default: return "unknown";
        }
    }
    return reply >= 0 && reply < (int)(sizeof(v5) / sizeof(v5[0])) ? v5[reply] : "unknown";
}

/* Copies a (ptr,len) of packet bytes into dst as printable ASCII. */
static void copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t k;
    for (k = 0; k < n && k + 1 < cap; k++)
        dst[k] = (p[k] >= 0x20 && p[k] < 0x7f) ? (char)p[k] : '?';
    dst[k] = '\0';
}

/* Length of the NUL-terminated string at c's position (the NUL included),
 * 0 when the NUL is not in the view yet. */
static size_t cstr_len(const struct sf_cur *c)
{
    const uint8_t *nul = sf_cur_left(c) ? memchr(c->p, 0, sf_cur_left(c)) : NULL;
    return nul ? (size_t)(nul - c->p) + 1 : 0;
}

/* Each parser returns the message's length when p[0..n) holds it whole, 0
 * when more bytes are needed, -1 when it is malformed. */

/* VN 4, CD, DSTPORT, DSTIP, USERID NUL [, HOST NUL when DSTIP is 0.0.0.x]. */
static long parse_v4_request(struct socks_layer *x, const uint8_t *p, size_t n)
{
    struct sf_cur c = sf_cur_make(p, n);
    uint8_t cmd, ip[4];
    uint16_t port;
    size_t ul, hl = 0;
    if (n < 9)
        return 0;
    sf_cur_skip(&c, 1);
    cmd = sf_cur_u8(&c);
    port = sf_cur_be16(&c);
    sf_cur_copy(&c, ip, 4);
    if ((ul = cstr_len(&c)) == 0)
        return 0;
    copy_text(x->info.user, sizeof(x->info.user), c.p, ul - 1);
    sf_cur_skip(&c, ul);
    x->info.command = cmd;
    x->info.port = port;
    if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
        /* SOCKS4a: 0.0.0.x asks the proxy to resolve the name that follows. */
        if ((hl = cstr_len(&c)) == 0)
            return 0;
        x->info.v4a = true;
        copy_text(x->info.host, sizeof(x->info.host), c.p, hl - 1);
    } else {
        snprintf(x->info.addr, sizeof(x->info.addr), "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    }
    return c.err ? -1 : (long)(8 + ul + hl);
}

static long parse_v5_greeting(const uint8_t *p, size_t n)
{
    if (n < 2)
        return 0;
    if (p[1] == 0)
        return -1;
    return n < (size_t)2 + p[1] ? 0 : 2 + p[1];
}

/* RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD (the password is not kept). */
static long parse_v5_auth(struct socks_layer *x, const uint8_t *p, size_t n)
{
    size_t ul, pl;
    if (n < 2)
        return 0;
    ul = p[1];
    if (n < 3 + ul)
        return 0;
    pl = p[2 + ul];
    if (n < 3 + ul + pl)
        return 0;
    copy_text(x->info.user, sizeof(x->info.user), p + 2, ul);
    return (long)(3 + ul + pl);
}

/* VER 5, CMD (request) or REP (reply), RSV, ATYP, ADDR, PORT. */
static long parse_v5_addr_msg(const uint8_t *p, size_t n, char *host, size_t hcap, char *addr,
                              size_t acap, uint16_t *port)
{
    size_t al;
    if (n < 5)
        return 0;
    switch (p[3]) {
    case 1: al = 4; break;
    case 3: al = 1 + (size_t)p[4]; break;
    case 4: al = 16; break;
    default: return -1;
    }
    if (n < 4 + al + 2)
        return 0;
    if (p[3] == 1) {
        snprintf(addr, acap, "%u.%u.%u.%u", p[4], p[5], p[6], p[7]);
    } else if (p[3] == 3) {
        copy_text(host, hcap, p + 5, p[4]);
    } else if (!inet_ntop(AF_INET6, p + 4, addr, (socklen_t)acap)) {
        addr[0] = '\0';   /* the canonical text, as every other address synfin writes */
    }
    *port = (uint16_t)(p[4 + al] << 8 | p[5 + al]);
    return (long)(4 + al + 2);
}

static void fail(struct socks_layer *x, const char *why)
{
    if (!x->info.anomaly)
        x->info.anomaly = why;
    x->dead = true;
    free(x->hold);
    x->hold = NULL;
    x->hold_len = 0;
}

/* The tunnel opens above (a new detection: HTTP, TLS ...). */
static void open_up(struct socks_layer *x)
{
    struct sf_stack *s = x->l.stack;
    if (x->l.up || s->depth >= SF_STACK_MAX_DEPTH)
        return;
    s->depth++;
    sf_layer_install(s, &x->l.up, sf_detect_layer_new(s), NULL);
}

static void tunnel_bytes(struct socks_layer *x, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    if (x->dead || n == 0)
        return;
    if (dir == 0 && x->state[1] != SV_DONE) {
        /* Sent before the reply: held until the reply says yes. */
        uint8_t *g;
        if (x->hold_len + n > SOCKS_HOLD_MAX) {
            fail(x, "client data before the SOCKS reply beyond 4 KiB");
            return;
        }
        g = realloc(x->hold, x->hold_len + n);
        if (!g) {
            fail(x, "out of memory");
            return;
        }
        memcpy(g + x->hold_len, p, n);
        if (x->hold_len == 0) {
            x->hold_src = *src;
        } else {
            x->hold_src.frame = src->frame;
            x->hold_src.ts_ns = src->ts_ns;
            x->hold_src.frames++;
        }
        x->hold = g;
        x->hold_len += n;
        return;
    }
    if (!x->info.established)
        return;   /* refused: whatever follows is not a tunnel */
    open_up(x);
    sf_layer_data(x->l.up, dir, p, n, src);
}

/* One whole message of dir was read (len bytes at p). */
static bool on_message(struct socks_layer *x, int dir, const uint8_t *p, long len)
{
    struct sf_socks_info *in = &x->info;
    uint64_t frame = x->l.stack->cur_frame;
    if (dir == 0) {
        if (x->state[0] == CL_START && in->version == 5) {
            x->state[0] = CL_AUTH_OR_REQUEST;
            return true;
        }
        if (x->state[0] == CL_AUTH_OR_REQUEST && p[0] == 1)
            return true;   /* the RFC 1929 request: the request follows */
        in->request_frame = frame;
        x->state[0] = CL_DONE;
        return true;
    }
    if (in->version == 4) {
        in->reply = p[1];
        in->reply_frame = frame;
        in->established = p[1] == 90;
        x->state[1] = SV_DONE;
        return true;
    }
    if (x->state[1] == SV_START) {
        in->method = p[1];
        x->state[1] = SV_AUTH_OR_REPLY;
        if (p[1] == 0xff) {
            x->state[1] = SV_DONE;   /* no acceptable method: the server closes */
            in->reply_frame = frame;
        }
        return true;
    }
    if (p[0] == 1) {
        in->auth_status = (int8_t)p[1];
        if (p[1] != 0) {
            x->state[1] = SV_DONE;   /* authentication failed: the server closes */
            in->reply_frame = frame;
        }
        return true;
    }
    in->reply = p[1];
    in->reply_frame = frame;
    in->established = p[1] == 0 && in->command == 1;
    x->state[1] = SV_DONE;
    return true;
}

/* Length of the next message of dir in p[0..n) (see the parsers). */
static long next_message(struct socks_layer *x, int dir, const uint8_t *p, size_t n)
{
    struct sf_socks_info *in = &x->info;
    uint16_t port;
    if (n == 0)
        return 0;
    if (dir == 0) {
        if (x->state[0] == CL_START)
            return in->version == 4 ? parse_v4_request(x, p, n) : parse_v5_greeting(p, n);
        if (p[0] == 1)
            return parse_v5_auth(x, p, n);
        if (p[0] != 5)
            return -1;
        if (n >= 2)
            in->command = p[1];
        return parse_v5_addr_msg(p, n, in->host, sizeof(in->host), in->addr, sizeof(in->addr), &in->port);
    }
    if (in->version == 4)
        return n < 8 ? 0 : ((p[0] == 0 || p[0] == 4) ? 8 : -1);
    if (x->state[1] == SV_START)
        return n < 2 ? 0 : (p[0] == 5 ? 2 : -1);
    if (p[0] == 1)
        return n < 2 ? 0 : 2;
    if (p[0] != 5)
        return -1;
    {
        /* The bound address of the reply is not kept. */
        char h[2], a[46];
        return parse_v5_addr_msg(p, n, h, sizeof(h), a, sizeof(a), &port);
    }
}

static void socks_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct socks_layer *x = (struct socks_layer *)l;
    bool done = (dir == 0) ? (x->state[0] == CL_DONE) : (x->state[1] == SV_DONE);

    x->in[dir] += n;
    if (x->dead)
        return;
    if (x->info.version == 0) {
        /* The probe chose SOCKS by the client's first bytes: anything else
         * (the server first, another version) is not SOCKS after all. */
        if (dir != 0 || (p[0] != 4 && p[0] != 5)) {
            fail(x, "not a SOCKS handshake");
            return;
        }
        x->info.version = p[0];
    }
    if (done) {
        tunnel_bytes(x, dir, p, n, src);
        return;
    }
    while (n > 0 && !x->dead) {
        size_t take = n < SOCKS_MSG_MAX - x->len[dir] ? n : SOCKS_MSG_MAX - x->len[dir];
        long m;
        memcpy(x->buf[dir] + x->len[dir], p, take);
        x->len[dir] += take;
        m = next_message(x, dir, x->buf[dir], x->len[dir]);
        if (m < 0 || (m == 0 && x->len[dir] == SOCKS_MSG_MAX)) {
            fail(x, dir == 0 ? "malformed SOCKS request" : "malformed SOCKS reply");
            return;
        }
        if (m == 0)
            return;   /* all of p is held */
        {
            /* The message ends inside p: what follows it is read anew. */
            size_t used = (size_t)m - (x->len[dir] - take);
            on_message(x, dir, x->buf[dir], m);
            x->len[dir] = 0;
            p += used;
            n -= used;
        }
        if ((dir == 0 && x->state[0] == CL_DONE) || (dir == 1 && x->state[1] == SV_DONE)) {
            x->base[dir] = x->in[dir] - n;
            if (dir == 1 && !x->info.established) {
                free(x->hold);
                x->hold = NULL;
                x->hold_len = 0;
            }
            if (dir == 1 && x->hold_len) {
                uint8_t *h = x->hold;
                size_t hl = x->hold_len;
                struct sf_span hs = x->hold_src;
                x->hold = NULL;
                x->hold_len = 0;
                tunnel_bytes(x, 0, h, hl, &hs);
                free(h);
            }
            tunnel_bytes(x, dir, p, n, src);
            return;
        }
    }
}

static void socks_gap(struct sf_layer *l, int dir, uint64_t n)
{
    struct socks_layer *x = (struct socks_layer *)l;
    bool done = (dir == 0) ? (x->state[0] == CL_DONE) : (x->state[1] == SV_DONE);
    x->in[dir] += n;
    if (!done) {
        fail(x, "capture gap inside the SOCKS handshake");
        return;
    }
    if (x->l.up)
        sf_layer_gap(x->l.up, dir, n);
}

static void socks_retrans(struct sf_layer *l, int dir)
{
    sf_layer_retrans(l->up, dir);
}

static void socks_eof(struct sf_layer *l, int dir)
{
    sf_layer_eof(l->up, dir);
}

static void socks_acked(struct sf_layer *l, int dir, uint64_t off)
{
    struct socks_layer *x = (struct socks_layer *)l;
    if (x->l.up && off > x->base[dir])
        sf_layer_acked(x->l.up, dir, off - x->base[dir]);
}

static void socks_finish(struct sf_layer *l)
{
    sf_layer_finish(l->up);
}

static bool socks_idle(const struct sf_layer *l)
{
    const struct socks_layer *x = (const struct socks_layer *)l;
    if (x->dead || (x->state[1] == SV_DONE && !x->info.established))
        return true;
    return x->l.up && sf_layer_idle(x->l.up);
}

static void socks_destroy(struct sf_layer *l)
{
    struct socks_layer *x = (struct socks_layer *)l;
    if (x->l.stack && x->l.stack->info.socks == &x->info)
        x->l.stack->info.socks = NULL;
    free(x->hold);
    free(x);
}

static const struct sf_layer_ops socks_ops = {
    .name = "socks",
    .data = socks_data,
    .gap = socks_gap,
    .retrans = socks_retrans,
    .eof = socks_eof,
    .acked = socks_acked,
    .finish = socks_finish,
    .idle = socks_idle,
    .destroy = socks_destroy,
};

struct sf_layer *sf_socks_layer_new(struct sf_stack *s)
{
    struct socks_layer *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->l.ops = &socks_ops;
    x->l.stack = s;
    x->info.method = -1;
    x->info.auth_status = -1;
    x->info.reply = -1;
    if (!s->info.socks)
        s->info.socks = &x->info;
    return &x->l;
}

/* A client's first bytes that can only be a SOCKS handshake: a SOCKS4
 * CONNECT/BIND with a port and a printable user id ended by NUL, or a SOCKS5
 * greeting whose method count matches its length (alone, or followed by
 * a request).  The server never speaks first. */
int sf_socks_probe(int dir, const uint8_t *p, size_t n)
{
    if (dir != 0)
        return n ? 0 : -1;
    if (n < 1)
        return -1;
    if (p[0] == 4) {
        size_t k;
        if (n >= 2 && p[1] != 1 && p[1] != 2)
            return 0;
        if (n >= 4 && p[2] == 0 && p[3] == 0)
            return 0;   /* port 0 */
        for (k = 8; k < n; k++) {
            if (p[k] == 0)
                return 1;
            if (p[k] < 0x20 || p[k] >= 0x7f)
                return 0;
        }
        return -1;
    }
    if (p[0] == 5) {
        size_t want;
        if (n < 2)
            return -1;
        if (p[1] == 0 || p[1] > 16)
            return 0;
        want = 2 + (size_t)p[1];
        if (n < want)
            return -1;
        for (size_t k = 2; k < want; k++)
            if (p[k] > 0x09 && p[k] < 0x80)
                return 0;   /* neither an IANA method nor a private one */
        if (n == want)
            return 1;
        return p[want] == 5 || p[want] == 1 ? 1 : 0;
    }
    return 0;
}

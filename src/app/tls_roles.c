/* tls_roles.c - per record and packet roles without keys, the TLS handshake phase (start, end, round trips) and how TLS closed. */
#include <string.h>

#include "app/tls_roles.h"

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define CT_HEARTBEAT 24

const char *sf_tls_rec_role_name(enum sf_tls_rec_role r)
{
    switch (r) {
    case SF_TLS_REC_HANDSHAKE: return "handshake";
    case SF_TLS_REC_ENCRYPTED_HANDSHAKE: return "encrypted_handshake";
    case SF_TLS_REC_CCS: return "change_cipher_spec";
    case SF_TLS_REC_ALERT: return "alert";
    case SF_TLS_REC_ENCRYPTED_ALERT: return "encrypted_alert";
    case SF_TLS_REC_APPDATA: return "application_data";
    case SF_TLS_REC_HEARTBEAT: return "heartbeat";
    case SF_TLS_REC_SSLV2_CLIENT_HELLO: return "sslv2_client_hello";
    default: return "unknown";
    }
}

const char *sf_tls_close_name(enum sf_tls_close c)
{
    switch (c) {
    case SF_TLS_CLOSE_NOTIFY: return "close_notify";
    case SF_TLS_CLOSE_ENCRYPTED_ALERT: return "encrypted_alert";
    case SF_TLS_CLOSE_ALERT: return "alert";
    case SF_TLS_CLOSE_TRUNCATED: return "truncated";
    case SF_TLS_CLOSE_UNKNOWN: return "unknown";
    case SF_TLS_CLOSE_AFTER_PEER: return "after_peer";
    default: return "open";
    }
}

static bool closing_alert(uint8_t c)
{
    return c == SF_TLS_CLOSE_NOTIFY || c == SF_TLS_CLOSE_ENCRYPTED_ALERT || c == SF_TLS_CLOSE_ALERT;
}

const char *sf_tls_close_verdict(const struct sf_tls_info *t)
{
    if (closing_alert(t->close[0]) || closing_alert(t->close[1]))
        return "clean";
    if (t->close[0] == SF_TLS_CLOSE_TRUNCATED || t->close[1] == SF_TLS_CLOSE_TRUNCATED)
        return "truncated";
    if (t->close[0] == SF_TLS_CLOSE_UNKNOWN || t->close[1] == SF_TLS_CLOSE_UNKNOWN)
        return "unknown";
    return "open";
}

void sf_tls_roles_hs(struct sf_tls_roles *r, int dir, uint8_t type, bool hrr)
{
    if (r->npend[dir] < SF_TLS_PKT_HS) {
        if (hrr)
            r->pend_hrr[dir] |= (uint8_t)(1u << r->npend[dir]);
        r->pend_hs[dir][r->npend[dir]++] = type;
    }
    if (r->npend_total[dir] < 255)
        r->npend_total[dir]++;
}

static struct sf_tls_pkt_record *new_record(struct sf_tls_roles *r, uint64_t frame)
{
    struct sf_tls_pkt *pk = &r->pkt;
    if (pk->frame != frame) {
        pk->frame = frame;
        pk->n = 0;
        pk->total = 0;
    }
    pk->total++;
    if (pk->n >= SF_TLS_PKT_RECORDS)
        return NULL;
    return memset(&pk->rec[pk->n++], 0, sizeof(pk->rec[0]));
}

static bool in_handshake(const struct sf_tls_info *in)
{
    return !in->hs_done_frame;
}

/* A record of the handshake phase: the first starts it; a server record
 * after a client one (or first) begins a flight the client waited for. */
static void handshake_record(struct sf_tls_info *in, int dir, uint64_t frame, int64_t ts)
{
    if (!in->hs_start_frame) {
        in->hs_start_frame = frame;
        in->hs_start_ts = ts;
        in->last_hs_dir = -1;
    }
    if (dir == 1 && in->last_hs_dir != 1 && in->round_trips < 255)
        in->round_trips++;
    in->last_hs_dir = (int8_t)dir;
}

static void handshake_done(struct sf_tls_info *in, uint64_t frame, int64_t ts, bool inferred)
{
    if (in->hs_done_frame || !in->hs_start_frame)
        return;
    in->hs_done_frame = frame;
    in->hs_done_ts = ts;
    in->hs_inferred = inferred;
}

void sf_tls_roles_record(struct sf_tls_roles *r, struct sf_tls_info *in, int dir, uint64_t frame, int64_t ts,
                         const uint8_t hdr[5], bool encrypted, uint8_t alert_level, uint8_t alert_desc)
{
    struct sf_tls_pkt_record *rec = new_record(r, frame);
    bool tls13 = in->server_hello && in->version == 0x0304;
    uint8_t role;

    switch (hdr[0]) {
    case CT_HANDSHAKE:
        role = encrypted ? SF_TLS_REC_ENCRYPTED_HANDSHAKE : SF_TLS_REC_HANDSHAKE;
        break;
    case CT_CCS:
        role = SF_TLS_REC_CCS;
        break;
    case CT_ALERT:
        role = encrypted ? SF_TLS_REC_ENCRYPTED_ALERT : SF_TLS_REC_ALERT;
        break;
    case CT_APPDATA:
        /* TLS 1.3 encrypts the handshake after the ServerHello as
         * application data records (RFC 8446 5.2): the server's records
         * before the client's Finished are its encrypted flight, and the
         * client's first one is its Finished. */
        role = SF_TLS_REC_APPDATA;
        if (tls13 && in_handshake(in) && (dir == 1 || !in->client_appdata13))
            role = SF_TLS_REC_ENCRYPTED_HANDSHAKE;
        break;
    case CT_HEARTBEAT:
        role = SF_TLS_REC_HEARTBEAT;
        break;
    default:
        role = SF_TLS_REC_APPDATA;
        break;
    }
    if (rec) {
        rec->type = hdr[0];
        rec->role = role;
        rec->version = (uint16_t)(hdr[1] << 8 | hdr[2]);
        rec->length = (uint16_t)(hdr[3] << 8 | hdr[4]);
        rec->nhs = r->npend[dir];
        memcpy(rec->hs, r->pend_hs[dir], r->npend[dir]);
        rec->hrr_mask = r->pend_hrr[dir];
        rec->alert_level = alert_level;
        rec->alert_desc = alert_desc;
    }
    r->npend[dir] = 0;
    r->npend_total[dir] = 0;
    r->pend_hrr[dir] = 0;

    if (in_handshake(in) && (role == SF_TLS_REC_HANDSHAKE || role == SF_TLS_REC_ENCRYPTED_HANDSHAKE ||
                             role == SF_TLS_REC_CCS))
        handshake_record(in, dir, frame, ts);
    if (role == SF_TLS_REC_CCS)
        in->ccs_seen[dir] = true;
    if (hdr[0] == CT_HANDSHAKE && encrypted && in->ccs_seen[dir])
        in->finished_seen[dir] = true;   /* TLS <= 1.2: the first encrypted handshake message is Finished */
    if (hdr[0] == CT_APPDATA) {
        if (tls13 && dir == 0 && !in->client_appdata13) {
            in->client_appdata13 = true;
            handshake_done(in, frame, ts, true);
        }
        in->appdata_seen[dir] = true;
    }
    if (!tls13 && in->finished_seen[0] && in->finished_seen[1])
        handshake_done(in, frame, ts, false);
    in->last_role[dir] = role;
    in->last_len[dir] = (uint16_t)(hdr[3] << 8 | hdr[4]);
    /* TLS 1.3 sends an alert as application data: 2 bytes, the inner
     * content type and a 16-byte AEAD tag make a 19-byte record (RFC 8446
     * 5.2); one just before the FIN is taken for its close_notify. */
    if (tls13 && hdr[0] == CT_APPDATA && in->last_len[dir] == 19 && !in_handshake(in))
        in->last_role[dir] = SF_TLS_REC_ENCRYPTED_ALERT;
    if (role == SF_TLS_REC_ALERT)
        in->last_role[dir] = alert_desc == 0 ? 0xfe : SF_TLS_REC_ALERT;   /* 0xfe: close_notify */
}

void sf_tls_roles_sslv2(struct sf_tls_roles *r, struct sf_tls_info *in, uint64_t frame, int64_t ts, uint16_t len)
{
    struct sf_tls_pkt_record *rec = new_record(r, frame);
    if (rec) {
        rec->type = 0;
        rec->role = SF_TLS_REC_SSLV2_CLIENT_HELLO;
        rec->version = in->client_version;
        rec->length = len;
    }
    handshake_record(in, 0, frame, ts);
    in->last_role[0] = SF_TLS_REC_SSLV2_CLIENT_HELLO;
}

void sf_tls_roles_close(struct sf_tls_info *in, int dir)
{
    uint8_t last = in->last_role[dir];
    if (in->close[dir] != SF_TLS_CLOSE_NONE || in->records[dir] == 0)
        return;
    if (last == 0xfe)
        in->close[dir] = SF_TLS_CLOSE_NOTIFY;
    else if (last == SF_TLS_REC_ALERT)
        in->close[dir] = SF_TLS_CLOSE_ALERT;
    else if (last == SF_TLS_REC_ENCRYPTED_ALERT)
        in->close[dir] = SF_TLS_CLOSE_ENCRYPTED_ALERT;
    else if (in->last_role[!dir] == 0xfe || in->last_role[!dir] == SF_TLS_REC_ENCRYPTED_ALERT)
        in->close[dir] = SF_TLS_CLOSE_AFTER_PEER;   /* the answering close_notify is often left out */
    else
        in->close[dir] = SF_TLS_CLOSE_TRUNCATED;
}

void sf_tls_roles_view(const struct sf_tls_roles *r, const struct sf_tls_info *in, uint64_t frame,
                       struct sf_tls_pkt *out)
{
    if (r->pkt.frame == frame) {
        *out = r->pkt;
    } else {
        out->frame = frame;
        out->n = 0;
        out->total = 0;
    }
    out->handshake_phase = in->hs_start_frame && frame >= in->hs_start_frame &&
                           (!in->hs_done_frame || frame <= in->hs_done_frame);
}

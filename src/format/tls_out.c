/* tls_out.c - how the outputs show TLS read without keys: packet labels, explain sentences, jsonl packet records, facts. */
#include <stdio.h>
#include <string.h>

#include "format/format.h"
#include "format/tls_out.h"
#include "synfin/tls.h"
#include "util/buf.h"
#include "util/utf8.h"

static const char *hs_name(uint8_t type, bool hrr)
{
    const char *n = hrr ? "HelloRetryRequest" : sf_tls_handshake_name(type);
    return n ? n : "Handshake";
}

/* The words of one record, as Wireshark's Info column names them. */
static void record_words(struct sf_buf *b, const struct sf_tls_info *t, const struct sf_tls_pkt_record *r)
{
    switch (r->role) {
    case SF_TLS_REC_HANDSHAKE:
        if (!r->nhs) {
            sf_buf_puts(b, "Handshake (part)");
            return;
        }
        for (uint8_t i = 0; i < r->nhs; i++) {
            bool hrr = r->hrr_mask & (1u << i);
            if (i)
                sf_buf_puts(b, ", ");
            sf_buf_puts(b, hs_name(r->hs[i], hrr));
            if (r->hs[i] == 1 && t->client_hello) {
                if (t->sni[0]) {
                    sf_buf_puts(b, " SNI=");
                    sf_buf_text(b, t->sni, strlen(t->sni), 64);
                }
                if (t->alpn_offered[0]) {
                    sf_buf_puts(b, " ALPN=");
                    sf_buf_text(b, t->alpn_offered, strlen(t->alpn_offered), 40);
                }
            } else if (r->hs[i] == 2 && !hrr && t->server_hello) {
                const char *v = sf_tls_version_name(t->version);
                if (v)
                    sf_buf_printf(b, " %s", v);
                sf_buf_printf(b, " suite=0x%04x", t->cipher_suite);
                if (t->alpn[0]) {
                    sf_buf_puts(b, " ALPN=");
                    sf_buf_text(b, t->alpn, strlen(t->alpn), 24);
                }
            } else if (hrr && t->hrr_group) {
                sf_buf_printf(b, " group=0x%04x", t->hrr_group);
            }
        }
        return;
    case SF_TLS_REC_ENCRYPTED_HANDSHAKE: sf_buf_puts(b, "Encrypted Handshake"); return;
    case SF_TLS_REC_CCS: sf_buf_puts(b, "ChangeCipherSpec"); return;
    case SF_TLS_REC_ALERT: {
        const char *n = sf_tls_alert_name(r->alert_desc);
        sf_buf_printf(b, "Alert %s ", r->alert_level == 2 ? "fatal" : r->alert_level == 1 ? "warning" : "?");
        if (n)
            sf_buf_puts(b, n);
        else
            sf_buf_printf(b, "%u", r->alert_desc);
        return;
    }
    case SF_TLS_REC_ENCRYPTED_ALERT: sf_buf_puts(b, "Encrypted Alert"); return;
    case SF_TLS_REC_HEARTBEAT: sf_buf_puts(b, "Heartbeat"); return;
    case SF_TLS_REC_SSLV2_CLIENT_HELLO: sf_buf_puts(b, "SSLv2 ClientHello"); return;
    default: sf_buf_puts(b, "Application Data"); return;
    }
}

void sf_out_tls_label(struct sf_buf *b, const struct sf_tls_info *t, const struct sf_tls_pkt *pk)
{
    uint8_t i = 0;
    bool first = true;
    if (!t || !pk || !pk->n)
        return;
    while (i < pk->n) {
        const struct sf_tls_pkt_record *r = &pk->rec[i];
        uint8_t j = i + 1;
        /* runs of records without names of their own are counted, not repeated */
        if (r->role == SF_TLS_REC_APPDATA || r->role == SF_TLS_REC_ENCRYPTED_HANDSHAKE)
            while (j < pk->n && pk->rec[j].role == r->role)
                j++;
        if (!first)
            sf_buf_puts(b, ", ");
        record_words(b, t, r);
        if (j - i > 1)
            sf_buf_printf(b, " x%u", (unsigned)(j - i));
        first = false;
        i = j;
    }
    if (pk->total > pk->n)
        sf_buf_printf(b, " (+%u)", (unsigned)(pk->total - pk->n));
}

void sf_out_tls_pkt_json(struct sf_buf *b, const struct sf_tls_pkt *pk)
{
    if (!pk)
        return;
    sf_buf_puts(b, ",\"tls\":{\"handshake_phase\":");
    sf_buf_puts(b, pk->handshake_phase ? "true" : "false");
    sf_buf_puts(b, ",\"records\":[");
    for (uint8_t i = 0; i < pk->n; i++) {
        const struct sf_tls_pkt_record *r = &pk->rec[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_printf(b, "{\"content_type\":%u,\"role\":\"%s\",\"version\":\"0x%04x\",\"length\":%u",
                      r->type, sf_tls_rec_role_name((enum sf_tls_rec_role)r->role), r->version, r->length);
        if (r->role == SF_TLS_REC_HANDSHAKE) {
            sf_buf_puts(b, ",\"handshake\":[");
            for (uint8_t k = 0; k < r->nhs; k++)
                sf_buf_printf(b, "%s\"%s\"", k ? "," : "", hs_name(r->hs[k], r->hrr_mask & (1u << k)));
            sf_buf_puts(b, "],\"handshake_types\":[");
            for (uint8_t k = 0; k < r->nhs; k++)
                sf_buf_printf(b, "%s%u", k ? "," : "", r->hs[k]);
            sf_buf_putc(b, ']');
        } else if (r->role == SF_TLS_REC_ALERT) {
            const char *n = sf_tls_alert_name(r->alert_desc);
            sf_buf_printf(b, ",\"alert_level\":%u,\"alert_code\":%u,\"alert\":", r->alert_level, r->alert_desc);
            if (n)
                sf_buf_printf(b, "\"%s\"", n);
            else
                sf_buf_puts(b, "null");
        }
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
    if (pk->total > pk->n)
        sf_buf_printf(b, ",\"records_total\":%u", (unsigned)pk->total);
    sf_buf_putc(b, '}');
}

/* The most telling record of the packet for its sentence: a named
 * handshake message before anything else, then alerts, then the rest. */
static const struct sf_tls_pkt_record *main_record(const struct sf_tls_pkt *pk)
{
    static const uint8_t order[] = { SF_TLS_REC_SSLV2_CLIENT_HELLO, SF_TLS_REC_HANDSHAKE, SF_TLS_REC_ALERT,
                                     SF_TLS_REC_ENCRYPTED_ALERT, SF_TLS_REC_CCS,
                                     SF_TLS_REC_ENCRYPTED_HANDSHAKE, SF_TLS_REC_HEARTBEAT, SF_TLS_REC_APPDATA };
    for (size_t o = 0; o < sizeof(order); o++)
        for (uint8_t i = 0; i < pk->n; i++)
            if (pk->rec[i].role == order[o])
                return &pk->rec[i];
    return NULL;
}

static bool has_hs(const struct sf_tls_pkt *pk, uint8_t type)
{
    for (uint8_t i = 0; i < pk->n; i++)
        for (uint8_t k = 0; k < pk->rec[i].nhs; k++)
            if (pk->rec[i].role == SF_TLS_REC_HANDSHAKE && pk->rec[i].hs[k] == type)
                return true;
    return false;
}

static bool has_hrr(const struct sf_tls_pkt *pk)
{
    for (uint8_t i = 0; i < pk->n; i++)
        if (pk->rec[i].hrr_mask)
            return true;
    return false;
}

void sf_out_tls_explain(struct sf_buf *b, const struct sf_tls_info *t, const struct sf_tls_pkt *pk)
{
    const struct sf_tls_pkt_record *r;
    if (!t || !pk || !pk->n || !(r = main_record(pk)))
        return;
    if (r->role == SF_TLS_REC_SSLV2_CLIENT_HELLO) {
        sf_buf_puts(b, sf_tr(" It carries a ClientHello in the old SSLv2-compatible format: the client opens the "
                             "handshake in a form every server of the 1990s could read."));
    } else if (has_hs(pk, 1)) {
        sf_buf_printf(b, sf_tr(" It carries the ClientHello: the client opens the TLS handshake and offers %u "
                               "cipher suites."), (unsigned)t->suites.total);
        if (t->sni[0]) {
            struct sf_buf n;
            sf_buf_init(&n, NULL, 0);
            sf_buf_text(&n, t->sni, strlen(t->sni), 64);
            sf_buf_putc(&n, '\0');
            sf_buf_printf(b, sf_tr(" It names the server it wants, %s (SNI), in plaintext."), n.data);
            sf_buf_free(&n);
        }
        if (t->alpn_offered[0]) {
            struct sf_buf n;
            sf_buf_init(&n, NULL, 0);
            sf_buf_text(&n, t->alpn_offered, strlen(t->alpn_offered), 40);
            sf_buf_putc(&n, '\0');
            sf_buf_printf(b, sf_tr(" It proposes the application protocols %s (ALPN)."), n.data);
            sf_buf_free(&n);
        }
    } else if (has_hrr(pk)) {
        sf_buf_puts(b, sf_tr(" It carries a HelloRetryRequest: the server wants a key share for another group, so "
                             "the client must send its ClientHello again; the handshake takes one more round trip."));
    } else if (has_hs(pk, 2)) {
        const char *v = sf_tls_version_name(t->version);
        sf_buf_printf(b, sf_tr(" It carries the ServerHello: the server chose %s and cipher suite 0x%04x."),
                      v ? v : "?", t->cipher_suite);
        if (t->version == 0x0304)
            sf_buf_puts(b, sf_tr(" In TLS 1.3 everything the server sends after it is encrypted."));
        if (t->resumed)
            sf_buf_puts(b, sf_tr(" It resumes an earlier session, so no certificate is sent."));
        if (has_hs(pk, 11))
            sf_buf_puts(b, sf_tr(" The same packet carries the server's certificate chain, readable because "
                                 "TLS 1.2 sends it in plaintext."));
    } else if (has_hs(pk, 11)) {
        sf_buf_puts(b, sf_tr(" It carries a certificate chain, readable because TLS 1.2 sends it in plaintext."));
    } else if (has_hs(pk, 16)) {
        sf_buf_puts(b, sf_tr(" It carries the ClientKeyExchange: from it both sides compute the session keys."));
    } else if (has_hs(pk, 12) || has_hs(pk, 14)) {
        sf_buf_puts(b, sf_tr(" It carries the server's key exchange parameters and ends the server's hello flight; "
                             "the server now waits for the client."));
    } else if (has_hs(pk, 4)) {
        sf_buf_puts(b, sf_tr(" It carries a NewSessionTicket: the client may resume this session later without a "
                             "full handshake."));
    } else if (r->role == SF_TLS_REC_HANDSHAKE) {
        sf_buf_puts(b, sf_tr(" It carries a TLS handshake message."));
    } else if (r->role == SF_TLS_REC_ALERT && r->alert_desc == 0) {
        sf_buf_puts(b, sf_tr(" It carries close_notify: this side ends TLS cleanly before it closes TCP."));
    } else if (r->role == SF_TLS_REC_ALERT) {
        const char *n = sf_tls_alert_name(r->alert_desc);
        if (r->alert_level == 2)
            sf_buf_printf(b, sf_tr(" It carries a fatal alert, %s: the sender gives up the TLS connection."),
                          n ? n : "?");
        else
            sf_buf_printf(b, sf_tr(" It carries a warning alert, %s."), n ? n : "?");
    } else if (r->role == SF_TLS_REC_ENCRYPTED_ALERT) {
        sf_buf_puts(b, sf_tr(" It carries an encrypted alert: without keys its kind is unknown; just before a "
                             "FIN it is a close_notify as a rule."));
    } else if (r->role == SF_TLS_REC_CCS) {
        sf_buf_puts(b, sf_tr(" It carries ChangeCipherSpec: what this side sends from now on is encrypted."));
    } else if (r->role == SF_TLS_REC_ENCRYPTED_HANDSHAKE) {
        if (t->version == 0x0304 && t->server_hello)
            sf_buf_puts(b, sf_tr(" It carries encrypted handshake messages (in TLS 1.3: EncryptedExtensions, the "
                                 "certificate and Finished); without keys only their sizes are visible."));
        else
            sf_buf_puts(b, sf_tr(" It carries an encrypted handshake message, the Finished that proves the "
                                 "handshake was not tampered with."));
    } else if (r->role == SF_TLS_REC_HEARTBEAT) {
        sf_buf_puts(b, sf_tr(" It carries a TLS heartbeat."));
    } else {
        sf_buf_printf(b, sf_tr(" It carries %u TLS record(s) of encrypted application data: without keys only "
                               "their sizes are visible."), (unsigned)pk->total);
    }
    if (t->hs_done_frame == pk->frame && t->hs_done_ts >= t->hs_start_ts)
        sf_buf_printf(b, sf_tr(" The TLS handshake is complete: %.3f ms and %u round trip(s) after the ClientHello."),
                      (double)(t->hs_done_ts - t->hs_start_ts) / 1e6, (unsigned)t->round_trips);
}

static const char *close_words(uint8_t c)
{
    switch (c) {
    case SF_TLS_CLOSE_NOTIFY: return sf_tr("close_notify before its TCP close (clean)");
    case SF_TLS_CLOSE_ENCRYPTED_ALERT: return sf_tr("an encrypted alert before its TCP close (a close_notify, as a rule)");
    case SF_TLS_CLOSE_ALERT: return sf_tr("an alert before its TCP close");
    case SF_TLS_CLOSE_TRUNCATED: return sf_tr("no alert: the TCP close cut TLS short (truncation)");
    case SF_TLS_CLOSE_UNKNOWN: return sf_tr("unknown (TLS 1.3 encrypts its close_notify)");
    case SF_TLS_CLOSE_AFTER_PEER: return sf_tr("no alert, after the other side had closed TLS");
    default: return sf_tr("not closed");
    }
}

void sf_out_tls_facts(struct sf_buf *b, const struct sf_tls_info *t, const char *indent)
{
    const char *v;
    if (!t || (!t->client_hello && !t->server_hello))
        return;
    v = t->server_hello ? sf_tls_version_name(t->version) : NULL;
    sf_buf_printf(b, "%stls:       %s", indent, v ? v : sf_tr("version not chosen"));
    if (t->server_hello)
        sf_buf_printf(b, ", suite 0x%04x", t->cipher_suite);
    if (t->sni[0]) {
        sf_buf_puts(b, ", SNI ");
        sf_buf_text(b, t->sni, strlen(t->sni), 64);
    }
    if (t->alpn[0]) {
        sf_buf_puts(b, ", ALPN ");
        sf_buf_text(b, t->alpn, strlen(t->alpn), 24);
    }
    if (t->resumed)
        sf_buf_printf(b, ", %s", sf_tr("resumed"));
    sf_buf_putc(b, '\n');
    if (t->hs_done_frame && t->hs_done_ts >= t->hs_start_ts)
        sf_buf_printf(b, sf_tr("%s           handshake: frames %llu-%llu, %.3f ms, %u round trip(s)%s\n"), indent,
                      (unsigned long long)t->hs_start_frame, (unsigned long long)t->hs_done_frame,
                      (double)(t->hs_done_ts - t->hs_start_ts) / 1e6, (unsigned)t->round_trips,
                      t->hrr ? sf_tr(" (HelloRetryRequest: +1)") : "");
    else if (t->hs_start_frame)
        sf_buf_printf(b, sf_tr("%s           handshake: from frame %llu, not completed\n"), indent,
                      (unsigned long long)t->hs_start_frame);
    if (t->ja3[0])
        sf_buf_printf(b, "%s           JA3 %s  JA4 %s\n", indent, t->ja3, t->ja4[0] ? t->ja4 : "-");
    if (t->ja3s[0])
        sf_buf_printf(b, "%s           JA3S %s\n", indent, t->ja3s);
    if (t->chain[1] && t->chain[1]->n && t->chain[1]->cert[0].parsed) {
        const struct sf_tls_cert *c = &t->chain[1]->cert[0];
        sf_buf_printf(b, sf_tr("%s           certificate: %s (issuer %s), %s %u bits, valid %s to %s\n"), indent,
                      c->subject, c->issuer, c->key_type, (unsigned)c->key_bits, c->not_before, c->not_after);
    }
    for (uint8_t i = 0; i < t->nalert; i++) {
        const struct sf_tls_alert *a = &t->alert[i];
        const char *n = sf_tls_alert_name(a->desc);
        if (a->encrypted)
            sf_buf_printf(b, sf_tr("%s           alert: frame %llu, %s, encrypted\n"), indent,
                          (unsigned long long)a->frame, a->dir ? sf_tr("server") : sf_tr("client"));
        else
            sf_buf_printf(b, sf_tr("%s           alert: frame %llu, %s, %s %s\n"), indent,
                          (unsigned long long)a->frame, a->dir ? sf_tr("server") : sf_tr("client"),
                          a->level == 2 ? "fatal" : "warning", n ? n : "?");
    }
    if (t->close[0] || t->close[1])
        sf_buf_printf(b, sf_tr("%s           close: client %s; server %s\n"), indent, close_words(t->close[0]),
                      close_words(t->close[1]));
}

/* tls_roles.h - what each TLS record of a packet is for, the TLS handshake's span and round trips, and the close. */
#ifndef SYNFIN_APP_TLS_ROLES_H
#define SYNFIN_APP_TLS_ROLES_H

#include <stdbool.h>
#include <stdint.h>

#include "synfin/tls.h"

/* Kept in the TLS layer: the records of the frame being analysed and the
 * handshake messages of each direction's current record. */
struct sf_tls_roles {
    struct sf_tls_pkt pkt;
    uint8_t pend_hs[2][SF_TLS_PKT_HS];
    uint8_t pend_hrr[2];
    uint8_t npend[2];
    uint8_t npend_total[2];
};

/* A plaintext handshake message of type `type` completed in dir's
 * current record (hrr: a ServerHello that is a HelloRetryRequest). */
void sf_tls_roles_hs(struct sf_tls_roles *r, int dir, uint8_t type, bool hrr);
/* dir's current record (its 5-byte header hdr) ended in frame at ts;
 * encrypted: it came after dir's ChangeCipherSpec (or TLS 1.3's
 * ServerHello); a plaintext alert's level and description. */
void sf_tls_roles_record(struct sf_tls_roles *r, struct sf_tls_info *info, int dir, uint64_t frame, int64_t ts,
                         const uint8_t hdr[5], bool encrypted, uint8_t alert_level, uint8_t alert_desc);
/* An SSLv2-compatible ClientHello of `len` bytes. */
void sf_tls_roles_sslv2(struct sf_tls_roles *r, struct sf_tls_info *info, uint64_t frame, int64_t ts, uint16_t len);
/* dir's TCP stream ended (FIN, or a RST of the connection): how its TLS ended. */
void sf_tls_roles_close(struct sf_tls_info *info, int dir);
/* The view of frame for the outputs: its records when it completed some,
 * and whether it lies in the TLS handshake phase. */
void sf_tls_roles_view(const struct sf_tls_roles *r, const struct sf_tls_info *info, uint64_t frame,
                       struct sf_tls_pkt *out);

#endif

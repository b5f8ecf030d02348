/* tls_handshake.h - parsing the hello messages of a TLS handshake (no keys needed). */
#ifndef SYNFIN_APP_TLS_HANDSHAKE_H
#define SYNFIN_APP_TLS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "synfin/tls.h"

/* Reads a ClientHello body (after the 4-byte handshake header) into info;
 * returns 0, or -1 when it is malformed (info keeps what was read). */
int sf_tls_parse_client_hello(struct sf_tls_info *info, const uint8_t *p, size_t n);
/* Reads a ServerHello body (and recognises a HelloRetryRequest). */
int sf_tls_parse_server_hello(struct sf_tls_info *info, const uint8_t *p, size_t n);

#endif

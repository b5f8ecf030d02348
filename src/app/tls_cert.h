/* tls_cert.h - the Certificate handshake message: the chain read with OpenSSL's X.509 functions. */
#ifndef SYNFIN_APP_TLS_CERT_H
#define SYNFIN_APP_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/tls.h"

/* Reads a Certificate message body (after the 4-byte handshake header)
 * into chain, replacing what it held: RFC 5246 7.4.2's layout, or RFC 8446
 * 4.4.2's (request context, per-entry extensions) when tls13.  The first
 * SF_TLS_CERTS_MAX certificates are kept; one OpenSSL cannot read keeps its
 * length and digest with parsed false.  Returns 0, or -1 when the message
 * is malformed (chain keeps the certificates before the fault). */
int sf_tls_parse_certificate(struct sf_tls_chain *chain, const uint8_t *p, size_t n, bool tls13, uint64_t frame);
/* Frees a chain and its certificates (NULL is fine). */
void sf_tls_chain_free(struct sf_tls_chain *chain);

#endif

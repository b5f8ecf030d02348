/* tls_decrypt.h - decrypting one TLS connection for the record layer: keys from the key log, the
 * TLS 1.3 key schedule steps, decrypted handshake messages, and the plaintext handed up. */
#ifndef SYNFIN_APP_TLS_DECRYPT_H
#define SYNFIN_APP_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/layer.h"
#include "synfin/tls.h"

struct sf_tls_dec;

/* For the TLS layer `owner` (its upper layer receives the plaintext);
 * info is where the results go.  NULL when the stack has no key log (or
 * out of memory): the layer then reads without keys. */
struct sf_tls_dec *sf_tls_dec_new(struct sf_stack *s, struct sf_layer *owner, struct sf_tls_info *info);
void sf_tls_dec_free(struct sf_tls_dec *d);

/* A plaintext ClientHello (dir 0) or ServerHello (dir 1) body, after
 * tls_handshake.c has read it into info. */
void sf_tls_dec_hello(struct sf_tls_dec *d, int dir, uint8_t type, const uint8_t *p, size_t n);

/* A record of dir with header hdr starts; after_ccs: this direction sent
 * its ChangeCipherSpec.  True when the record is protected and will be
 * decrypted: its body then goes to sf_tls_dec_body and its end to
 * sf_tls_dec_end. */
bool sf_tls_dec_begin(struct sf_tls_dec *d, int dir, const uint8_t hdr[5], bool after_ccs,
                      const struct sf_span *src);
void sf_tls_dec_body(struct sf_tls_dec *d, int dir, const uint8_t *p, size_t n, const struct sf_span *src);
/* end_off: the record's end as an offset of the layer's input of dir. */
void sf_tls_dec_end(struct sf_tls_dec *d, int dir, uint64_t end_off);
/* The peer acknowledged input of dir up to off: the plaintext of the
 * records wholly before it is acknowledged to the layer above. */
void sf_tls_dec_acked(struct sf_tls_dec *d, int dir, uint64_t off);

/* Lost bytes, the end of a direction, the end of the connection. */
void sf_tls_dec_gap(struct sf_tls_dec *d, int dir, uint64_t n);
void sf_tls_dec_eof(struct sf_tls_dec *d, int dir);
void sf_tls_dec_finish(struct sf_tls_dec *d);
/* True when decryption will never produce more (so the layer may idle). */
bool sf_tls_dec_idle(const struct sf_tls_dec *d);

/* "decrypted", "no_key", "failed", "unsupported_cipher" (jsonl), NULL for NONE. */
const char *sf_tls_dec_status_name(enum sf_tls_dec_status s);

#endif

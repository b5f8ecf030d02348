/* tls_out.h - TLS (read without keys) in the outputs: labels, sentences, jsonl packet records, facts. */
#ifndef SYNFIN_FORMAT_TLS_OUT_H
#define SYNFIN_FORMAT_TLS_OUT_H

#include "synfin/tls.h"
#include "util/buf.h"

/* The packet's records in words, e.g. "ClientHello SNI=example.org
 * ALPN=h2,http/1.1" or "ServerHello TLS 1.2 suite=0xc02f, Certificate,
 * ServerKeyExchange, ServerHelloDone"; nothing when it completed no record. */
void sf_out_tls_label(struct sf_buf *b, const struct sf_tls_info *t, const struct sf_tls_pkt *pk);
/* ,"tls":{...} of a packet record (docs/jsonl.md). */
void sf_out_tls_pkt_json(struct sf_buf *b, const struct sf_tls_pkt *pk);
/* --explain: sentences (each starting with a space) on what the records do. */
void sf_out_tls_explain(struct sf_buf *b, const struct sf_tls_info *t, const struct sf_tls_pkt *pk);
/* The connection's TLS facts for the text summary, one line each. */
void sf_out_tls_facts(struct sf_buf *b, const struct sf_tls_info *t, const char *indent);

#endif

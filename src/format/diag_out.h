/* diag_out.h - writers of the diagnosis (include/synfin/diag.h) shared by the output formats. */
#ifndef SYNFIN_FORMAT_DIAG_OUT_H
#define SYNFIN_FORMAT_DIAG_OUT_H

#include "format/format.h"
#include "synfin/diag.h"

/* ,"time_split":{...} (docs/jsonl.md); txn: the transaction's form
 * (no interval counts, with queued_ms). */
void sf_out_time_split_json(struct sf_buf *b, const struct sf_time_split *s, bool txn);
/* ,"diagnosis":[{"kind":...,"side":...,"frames":[...],"count":...,"ms":...,"longest_ms":...,"text":...}] */
void sf_out_diagnosis_json(struct sf_buf *b, const struct sf_diag_finding *f, unsigned n);
/* One sentence: what happened, what it cost, cause and remedy (translated). */
void sf_out_diag_sentence(struct sf_buf *b, const struct sf_diag_finding *f);
/* "diagnosis: ..." lines of a connection (none when nothing was found). */
void sf_out_diag_text(struct sf_buf *b, const struct sf_conn *c, const char *indent);

#endif

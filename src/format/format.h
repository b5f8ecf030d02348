/* format.h - the one interface every output format implements. */
#ifndef SYNFIN_FORMAT_H
#define SYNFIN_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "synfin/analyzer.h"
#include "synfin/http.h"
#include "decode/frag.h"
#include "util/buf.h"

/* The time column of text and ladder (-t, timefmt.c). */
enum sf_time_fmt {
    SF_TIME_REL = 0,         /* r: seconds since the first frame (default) */
    SF_TIME_DELTA,           /* d: since the previous captured frame */
    SF_TIME_DELTA_SHOWN,     /* dd: since the previous frame shown in the same connection's block */
    SF_TIME_ABS,             /* a: local time of day */
    SF_TIME_ABS_DATE,        /* ad: local date and time */
    SF_TIME_ABS_DOY,         /* adoy: local year/day-of-year and time */
    SF_TIME_EPOCH,           /* e: seconds since 1970 */
    SF_TIME_UTC,             /* u: UTC time of day */
    SF_TIME_UTC_DATE,        /* ud: UTC date and time */
    SF_TIME_UTC_DOY,         /* udoy: UTC year/day-of-year and time */
    SF_TIME_HMS_DELTA,       /* tcpdump -ttt: since the previous frame, as 00:00:00.000027 */
    SF_TIME_HMS_REL,         /* tcpdump -ttttt: since the first frame, as 00:00:00.000027 */
};

/* Parses a -t argument (tshark's letters, or tcpdump's extra t's); -1 if unknown. */
int sf_time_fmt_parse(const char *s, enum sf_time_fmt *out);
/* Writes ts in the format: first = the first frame's time, prev = the
 * previous frame's (captured or shown, by format); digits 6 or 9. */
void sf_time_put(struct sf_buf *b, enum sf_time_fmt fmt, int64_t ts, int64_t first, int64_t prev,
                 int digits);
/* Columns a value of the format takes (a relative value below 10 s). */
int sf_time_width(enum sf_time_fmt fmt, int digits);

/* What makes records of several runs meet in one store (docs/jsonl.md,
 * docs/tsv.md): the run's capture id, the input files, the Community ID
 * seed, and whether packet records carry the same keys. */
struct sf_store_opts {
    const char *capture_id;        /* --capture-id, or derived from the file names */
    const char *const *files;      /* the -r paths by input index; NULL for -i */
    size_t nfiles;
    uint16_t community_id_seed;    /* --community-id-seed (default 0) */
    bool packet_keys;              /* --packet-keys: packet records carry them too */
};

struct sf_out_opts {
    FILE *out;
    struct sf_store_opts store;
    bool color;              /* ANSI colours (text views) */
    const uint64_t *conns;   /* --conn selection; NULL = all */
    size_t nconns;
    size_t max_conn_text;    /* bytes of text held per connection before it is flushed early */
    bool explain;            /* --explain: a sentence under every packet */
    bool ascii;              /* --ascii: ladder without Unicode box drawing */
    bool full;               /* --full: no folding of data runs */
    bool no_notes;           /* --no-notes: analysis flags marked on their packets, never explained */
    enum sf_time_fmt time_fmt; /* -t: the time column of text and ladder */
};

/* What the run knew at the end, for the closing summary. */
struct sf_run_end {
    const struct sf_totals *totals;
    const struct sf_frag_stats *frag;
    uint32_t frag_pending;
    const char *read_error;      /* NULL or the reader's one-line error */
    const char *capture_iface;   /* live capture (-i): the interface, else NULL */
    bool capture_stats;          /* the kernel gave its counters */
    uint64_t capture_received, capture_dropped, capture_ifdropped;
    uint64_t reader_warnings;
    const char *display_filter;  /* -Y EXPR, or NULL */
    uint64_t displayed;          /* frames the display filter showed */
};

struct sf_output {
    void *ctx;
    void (*packet)(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v);
    void (*conn_end)(void *ctx, const struct sf_conn *c);
    void (*finish)(void *ctx, const struct sf_run_end *end);
    void (*destroy)(void *ctx);
    /* Writes out what is buffered now (live capture streams); may be NULL. */
    void (*flush)(void *ctx);
    /* An HTTP transaction is final (before its connection's conn_end);
     * NULL for formats that do not show them. */
    void (*http)(void *ctx, const struct sf_http_txn *t);
    /* Reassembled bytes of the followed connection (--follow); NULL otherwise. */
    void (*stream)(void *ctx, const struct sf_conn *c, enum sf_dir dir, const uint8_t *p, size_t n,
                   uint64_t gap, uint64_t frame);
    /* The format reads what the application layer learnt of a connection
     * (sf_app_conn_info: the TLS version and SNI of -F summary), so the
     * application layer must run even without the callbacks above. */
    bool app_info;
};

/* Options of the HTTP outputs (har.c, follow.c). */
struct sf_out_http_opts {
    bool har_bodies;         /* -F har: response bodies in content.text */
    bool follow_raw;         /* --follow: bytes as they are (else printable text) */
    uint64_t follow_conn;
};

int sf_out_har_new(struct sf_output *o, const struct sf_out_opts *opts, const struct sf_out_http_opts *ho);
int sf_out_follow_new(struct sf_output *o, const struct sf_out_opts *opts, const struct sf_out_http_opts *ho);

/* --export-objects: every response body, decoded, into a directory. */
struct sf_objects;
/* NULL with a message in err when dir cannot be used. */
/* Default --export-max-bytes: 1 GiB, or half the free space of DIR's file system when less. */
#define SF_OBJECTS_DEFAULT_MAX ((uint64_t)1 << 30)
uint64_t sf_objects_default_max(int dfd);
/* max_bytes: body bytes written in all (0 = the default). */
struct sf_objects *sf_objects_new(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void sf_objects_body(struct sf_objects *o, struct sf_http_txn *t, const uint8_t *p, size_t n);
void sf_objects_txn(struct sf_objects *o, const struct sf_http_txn *t);
/* Writes the index; returns the number of files written, -1 on error. */
long sf_objects_finish(struct sf_objects *o, char *err, size_t errlen);
void sf_objects_free(struct sf_objects *o);

/* HTTP writers (http_out.c): the {"type":"http"} record (times relative
 * to first_ts), the packet's "http" member, and text lines. */
/* s: the store keys to add (uid, capture_id, file, community_id, ts_ns, end_ns), or NULL. */
void sf_out_http_json(struct sf_buf *b, const struct sf_http_txn *t, int64_t first_ts,
                      const struct sf_store_opts *s);
/* The transaction's first and last byte, epoch nanoseconds (-1 when it has neither message). */
void sf_out_http_span(const struct sf_http_txn *t, int64_t *ts, int64_t *end);
void sf_out_http_label_json(struct sf_buf *b, const struct sf_http_label *l);
void sf_out_http_label_text(struct sf_buf *b, const struct sf_http_label *l);
void sf_out_http_txn_text(struct sf_buf *b, const struct sf_http_txn *t, const char *indent);

int sf_out_text_new(struct sf_output *o, const struct sf_out_opts *opts);
int sf_out_summary_new(struct sf_output *o, const struct sf_out_opts *opts);
int sf_out_jsonl_new(struct sf_output *o, const struct sf_out_opts *opts);

/* Store keys (store.c). */
/* The uid of connection `conn` of the run: "CAPTURE_ID/CONN". */
void sf_store_uid(struct sf_buf *b, const struct sf_store_opts *s, uint64_t conn);
/* The file (-r path) of input `input`, or NULL (live capture). */
const char *sf_store_file(const struct sf_store_opts *s, uint32_t input);
/* The connection's Community ID (v1, base64) into out; "" when it has none. */
void sf_store_community_id(const struct sf_store_opts *s, const struct sf_conn *c, char out[32]);
/* ,"uid":..,"capture_id":..,"file":..,"community_id":.. of a connection
 * (conn and http records; packet records with --packet-keys). */
void sf_store_json_keys(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_conn *c,
                        uint32_t input);
/* The default --capture-id of these inputs: their file names without the
 * directory and the capture extensions, joined by '+', each character
 * outside [A-Za-z0-9._-] as '_'.  Writes at most n-1 bytes. */
void sf_store_default_capture_id(const char *const *files, size_t nfiles, char *out, size_t n);
/* True when id is a usable --capture-id: 1-128 characters of [A-Za-z0-9._:+=@-]. */
bool sf_store_capture_id_ok(const char *id);

/* Flat typed rows (tsv.c, docs/tsv.md): -F tsv and --db write the same rows. */
enum sf_table { SF_TABLE_CONN = 0, SF_TABLE_HTTP, SF_TABLE_PACKET, SF_TABLE_COUNT };
const char *sf_table_name(enum sf_table t);
/* The table named s ("conn", "http", "packet"), or -1. */
int sf_table_parse(const char *s);
/* The header line: the column names, tab-separated. */
void sf_tsv_header(struct sf_buf *b, enum sf_table t);
/* One row each, ending in '\n'; first_ts = the run's first frame time. */
void sf_tsv_conn_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_conn *c, int64_t first_ts);
void sf_tsv_http_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_http_txn *t);
void sf_tsv_packet_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_packet *p,
                       const struct sf_pkt_view *v, int64_t first_ts);
/* -F tsv: files[t] receives table t (header line first); NULL = not written. */
int sf_out_tsv_new(struct sf_output *o, const struct sf_out_opts *opts, FILE *const files[SF_TABLE_COUNT]);

/* Shared helpers. */
bool sf_out_selected(const struct sf_out_opts *opts, uint64_t conn);
/* Wireshark's Info order: "SYN, ACK" */
void sf_out_flags_words(struct sf_buf *b, uint16_t flags);
/* The same, with ACE=n in place of AE/CWR/ECE when ace >= 0 (AccECN). */
void sf_out_flags_words_ace(struct sf_buf *b, uint16_t flags, int ace);
/* Writes "addr:port" ("[v6]:port" for IPv6). */
/* "tunnel: vxlan 192.0.2.1 -> 192.0.2.2 udp 4789 -> 4789 vni 42" under the
 * connection header; nothing for a plain connection. */
void sf_out_tunnel_words(struct sf_buf *b, const struct sf_conn *c);  /* the same, words only */
void sf_out_tunnel_text(struct sf_buf *b, const struct sf_conn *c, const char *indent);
/* One line saying whether TLS was decrypted (tls_text.c); nothing without secrets. */
void sf_out_tls_decrypt_text(struct sf_buf *b, const struct sf_conn *c, const char *indent);
void sf_out_endpoint(struct sf_buf *b, const struct sf_addr *a, uint16_t port);
/* One paragraph per fact of a connection, shared by text and summary. */
void sf_out_conn_facts(struct sf_buf *b, const struct sf_conn *c, const char *indent);
/* The closing account of every frame. */
void sf_out_totals_text(struct sf_buf *b, const struct sf_run_end *end);
/* A sentence on what the packet does and why (--explain), translated. */
void sf_explain_packet(struct sf_buf *b, const struct sf_packet *p, const struct sf_pkt_view *v);
/* The message in the user's language (gettext domain "synfin"). */
const char *sf_tr(const char *msgid) __attribute__((format_arg(1)));
int sf_out_ladder_new(struct sf_output *o, const struct sf_out_opts *opts);
/* -F html: one self-contained page (src/format/html.c, docs/html.md). */
int sf_out_html_new(struct sf_output *o, const struct sf_out_opts *opts);

/* One line explaining analysis flag `bit` (an index) on this packet; writes
 * nothing when another flag of the packet explains it better. */
void sf_explain_flag(struct sf_buf *b, unsigned bit, const struct sf_packet *p,
                     const struct sf_pkt_view *v);
/* Analysis flags per connection (flag_group.c): the first of each kind is
 * explained, the others only marked, and repeats are listed at the end. */
#define SF_FLAG_GROUP_FRAMES 8
struct sf_flag_group {
    uint64_t count[SF_AN_COUNT_BITS];
    uint64_t frames[SF_AN_COUNT_BITS][SF_FLAG_GROUP_FRAMES];   /* the first ones */
};
/* Counts the packet's flags; returns those seen for the first time. */
uint32_t sf_flag_group_add(struct sf_flag_group *g, const struct sf_pkt_view *v, uint64_t frame);
/* " !window_full" for each flag of the packet not in `except`. */
void sf_flag_group_marks(struct sf_buf *b, const struct sf_pkt_view *v, uint32_t except);
/* "flags:     window_full ×5: frames 544, 547, 551 …" for each flag seen
 * more than once (nothing otherwise). */
void sf_flag_group_text(struct sf_buf *b, const struct sf_flag_group *g, const char *indent, bool ascii);
/* Frames that prove the close kind; returns how many were written to f[]. */
int sf_out_close_frames(const struct sf_conn *c, uint64_t f[6]);

#endif

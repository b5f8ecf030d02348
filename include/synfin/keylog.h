/* keylog.h - TLS secrets in the NSS key log format (what browsers, curl and OpenSSL write with
 * SSLKEYLOGFILE), from a file given with --keylog or from a pcapng Decryption Secrets Block. */
#ifndef SYNFIN_KEYLOG_H
#define SYNFIN_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The secrets of one TLS session, found by its ClientHello random.  A
 * length 0 means that label was not in the log.  TLS 1.3 secrets are as
 * long as the suite's hash (32 or 48 bytes). */
#define SF_KEYLOG_SECRET_MAX 64

enum sf_keylog_label {
    SF_KL_CLIENT_RANDOM,                     /* TLS <= 1.2 master secret (48 bytes) */
    SF_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
    SF_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET,
    SF_KL_CLIENT_TRAFFIC_SECRET_0,
    SF_KL_SERVER_TRAFFIC_SECRET_0,
    SF_KL_CLIENT_EARLY_TRAFFIC_SECRET,       /* TLS 1.3 0-RTT data */
    SF_KL_COUNT
};

struct sf_keylog_entry {
    uint8_t client_random[32];
    uint8_t secret[SF_KL_COUNT][SF_KEYLOG_SECRET_MAX];
    uint8_t len[SF_KL_COUNT];
};

struct sf_keylog_stats {
    uint64_t lines;          /* non-empty, non-comment lines read */
    uint64_t used;           /* lines with a label we use */
    uint64_t ignored;        /* well-formed lines with another label (EXPORTER_SECRET, ...) */
    uint64_t malformed;      /* lines that are not "LABEL <64 hex> <hex>" */
};

struct sf_keylog;

/* NULL on allocation failure. */
struct sf_keylog *sf_keylog_new(void);
void sf_keylog_free(struct sf_keylog *k);

/* Adds the lines of p[0..n).  A last line without its newline is held
 * until more text arrives or sf_keylog_flush (a file that is still being
 * written ends mid-line).  Malformed lines are counted, never fatal.
 * Returns 0, or -1 when memory ran out (what was read stays usable). */
int sf_keylog_add(struct sf_keylog *k, const uint8_t *p, size_t n);
/* Reads a held partial line as complete. */
void sf_keylog_flush(struct sf_keylog *k);

/* Reads the file whole (and remembers it for sf_keylog_refresh).  On
 * failure -1 with a one-line reason in err. */
int sf_keylog_load(struct sf_keylog *k, const char *path, char *err, size_t errlen);
/* Reads what was appended to the loaded file since the last read (a live
 * capture: the browser writes its keys as it connects).  Returns the
 * number of new bytes read, 0 when none, -1 when the file cannot be read. */
long sf_keylog_refresh(struct sf_keylog *k);

/* A live capture: sessions whose secrets are missing wait for them (their
 * records held, bounded), and sf_keylog_poll re-reads the loaded file. */
void sf_keylog_watch(struct sf_keylog *k, bool on);
bool sf_keylog_watching(const struct sf_keylog *k);
/* While watching: sf_keylog_refresh, at most every 10 ms of now_ns (the
 * capture clock). */
void sf_keylog_poll(struct sf_keylog *k, int64_t now_ns);

/* The secrets of the session whose ClientHello random is cr, or NULL.
 * Valid until the next call that adds lines. */
const struct sf_keylog_entry *sf_keylog_find(struct sf_keylog *k, const uint8_t cr[32]);
/* Number of distinct client randoms known. */
size_t sf_keylog_count(const struct sf_keylog *k);
const struct sf_keylog_stats *sf_keylog_stats(const struct sf_keylog *k);

/* The pcapng Decryption Secrets Block's secrets type for a TLS key log ("TLSK"). */
#define SF_DSB_TLS_KEYLOG 0x544c534bu

#endif

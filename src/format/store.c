/* store.c - the keys that let records of many runs meet in one store: capture id, uid, file, Community ID. */
#include <string.h>

#include "flow/community_id.h"
#include "format/format.h"
#include "format/json.h"

void sf_store_uid(struct sf_buf *b, const struct sf_store_opts *s, uint64_t conn)
{
    /* '/' is never part of a capture id (sf_store_capture_id_ok), so the
     * uid splits back at its last '/' whatever the id holds. */
    sf_buf_puts(b, s->capture_id ? s->capture_id : "");
    sf_buf_putc(b, '/');
    sf_buf_u64(b, conn);
}

const char *sf_store_file(const struct sf_store_opts *s, uint32_t input)
{
    if (!s->files || input >= s->nfiles)
        return NULL;
    return s->files[input];
}

void sf_store_community_id(const struct sf_store_opts *s, const struct sf_conn *c, char out[32])
{
    /* IP protocol 6: every connection is TCP; the hash orders the endpoints. */
    if (sf_community_id(&c->addr[SF_C2S], c->port[SF_C2S], &c->addr[SF_S2C], c->port[SF_S2C], 6,
                        s->community_id_seed, out) != 0)
        out[0] = '\0';
}

void sf_store_json_keys(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_conn *c,
                        uint32_t input)
{
    char cid[32];
    const char *file = sf_store_file(s, input);

    key(b, "uid");
    sf_buf_putc(b, '"');
    sf_store_uid(b, s, c->id);   /* the id's characters need no escaping */
    sf_buf_putc(b, '"');
    kv_str(b, "capture_id", s->capture_id ? s->capture_id : "");
    key(b, "file");
    if (file)
        sf_buf_json_str(b, file, strlen(file));
    else
        sf_buf_puts(b, "null");
    sf_store_community_id(s, c, cid);
    if (cid[0]) {
        kv_str(b, "community_id", cid);   /* base64: no escaping needed */
    } else {
        key(b, "community_id");
        sf_buf_puts(b, "null");
    }
}

static bool id_char(char ch, const char *extra)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr(extra, ch));
}

bool sf_store_capture_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!id_char(id[i], "._:+=@-"))
            return false;
    return true;
}

void sf_store_default_capture_id(const char *const *files, size_t nfiles, char *out, size_t n)
{
    /* Longest extensions first: "x.pcap.gz" loses both. */
    static const char *const exts[] = { ".pcapng.gz", ".pcap.gz", ".pcapng", ".pcap", ".cap", ".gz" };
    size_t at = 0;

    if (n == 0)
        return;
    for (size_t i = 0; i < nfiles; i++) {
        const char *base = strrchr(files[i], '/');
        size_t len;
        base = base ? base + 1 : files[i];
        if (strcmp(files[i], "-") == 0)
            base = "stdin";
        len = strlen(base);
        for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
            size_t el = strlen(exts[e]);
            if (len > el && strcmp(base + len - el, exts[e]) == 0) {
                len -= el;
                break;
            }
        }
        if (i && at + 1 < n)
            out[at++] = '+';
        for (size_t k = 0; k < len && at + 1 < n && at < 128; k++)
            out[at++] = id_char(base[k], "._-") ? base[k] : '_';
    }
    if (at == 0 && n > 1)
        out[at++] = '_';
    out[at] = '\0';
}

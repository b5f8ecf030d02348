/* objects.c - --export-objects DIR: response bodies (de-chunked, decoded) to safe unique files plus a JSON index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"
#include "util/utf8.h"

struct obj {
    struct obj *next;
    char name[256];
    int fd;                   /* -1 once closed */
    uint64_t bytes;
    bool write_error;
    bool have_meta;
    uint64_t conn;
    uint32_t n;
    uint16_t status;
    char *method, *uri, *host, *ctype, *cenc;
    enum sf_http_decode decode;
    bool complete;
};

struct sf_objects {
    int dfd;
    struct obj *head, *tail;
    long files;
};

static char *dup0(const char *s)
{
    size_t n;
    char *d;
    if (!s)
        return NULL;
    n = strlen(s);
    d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

struct sf_objects *sf_objects_new(const char *dir, char *err, size_t errlen)
{
    struct sf_objects *o;
    int dfd;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(err, errlen, "cannot open directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    o = calloc(1, sizeof(*o));
    if (!o) {
        close(dfd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->dfd = dfd;
    return o;
}

/* A letter of another script is kept in a file name; invisible and
 * direction-changing characters (which can make a name lie about its
 * extension) and private or unassigned-looking ranges are not. */
static bool name_char_ok(uint32_t cp)
{
    if (cp < 0xa0 || cp == 0xad)
        return false;
    if ((cp >= 0x2000 && cp <= 0x206f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff ||
        (cp >= 0xfff0 && cp <= 0xffff) || (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xe0000)
        return false;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The last path segment of the URI, percent-decoded, reduced to
 * [A-Za-z0-9._-] and letters of other scripts (well-formed UTF-8; no
 * "..", no "/", no control or invisible characters), at most 80
 * characters and 200 bytes (file systems allow 255). */
static void safe_base(const char *uri, char *out, size_t cap)
{
    const char *end, *start;
    unsigned char seg[1024];
    size_t k = 0, n = 0, chars = 0;
    if (!uri)
        uri = "";
    end = uri;
    while (*end && *end != '?' && *end != '#')
        end++;
    start = end;
    while (start > uri && start[-1] != '/')
        start--;
    for (const char *p = start; p < end && n < sizeof(seg); p++) {
        int hi, lo;
        if (*p == '%' && p + 2 < end && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            seg[n++] = (unsigned char)(hi << 4 | lo);
            p += 2;
        } else {
            seg[n++] = (unsigned char)*p;
        }
    }
    if (cap > 201)
        cap = 201;
    for (size_t i = 0; i < n && chars < 80;) {
        uint32_t cp;
        size_t len = sf_utf8_next(seg + i, n - i, &cp);
        unsigned char c = seg[i];
        bool ascii_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '-' || c == '_';
        if (len > 1 && name_char_ok(cp)) {
            if (k + len + 1 > cap)
                break;
            memcpy(out + k, seg + i, len);
            k += len;
        } else {
            if (k + 2 > cap)
                break;
            out[k++] = ascii_ok && len == 1 ? (char)c : '_';
            if (len == 0)
                len = 1;
        }
        i += len;
        chars++;
    }
    out[k] = '\0';
    /* No leading dots: no hidden files, no "..". */
    while (out[0] == '.')
        memmove(out, out + 1, strlen(out));
    if (!out[0])
        snprintf(out, cap, "object");
}

/* Opens name, or name with -1, -2 ... before the extension: never overwrites. */
static int open_unique(int dfd, const char *want, char *got, size_t cap)
{
    const char *dot = strrchr(want, '.');
    size_t stem = dot && dot != want ? (size_t)(dot - want) : strlen(want);
    for (int i = 0; i < 10000; i++) {
        int fd;
        if (i == 0)
            snprintf(got, cap, "%s", want);
        else
            snprintf(got, cap, "%.*s-%d%s", (int)stem, want, i, want + stem);
        fd = openat(dfd, got, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

void sf_objects_body(struct sf_objects *o, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    struct obj *x = t->user;
    if (!o)
        return;
    if (!x) {
        char base[204], want[256];
        if (!p)
            return;
        x = calloc(1, sizeof(*x));
        if (!x)
            return;
        safe_base(t->uri, base, sizeof(base));
        snprintf(want, sizeof(want), "%llu-%u-%s", (unsigned long long)t->conn_id, t->n, base);
        x->fd = open_unique(o->dfd, want, x->name, sizeof(x->name));
        if (x->fd < 0)
            x->write_error = true;
        else
            o->files++;
        if (o->tail)
            o->tail->next = x;
        else
            o->head = x;
        o->tail = x;
        t->user = x;
    }
    if (!p) {
        if (x->fd >= 0 && close(x->fd) != 0)
            x->write_error = true;
        x->fd = -1;
        return;
    }
    while (n && x->fd >= 0 && !x->write_error) {
        ssize_t w = write(x->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            x->write_error = true;
            break;
        }
        p += w;
        n -= (size_t)w;
        x->bytes += (uint64_t)w;
    }
}

void sf_objects_txn(struct sf_objects *o, const struct sf_http_txn *t)
{
    struct obj *x = t->user;
    if (!o || !x || x->have_meta)
        return;
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    x->have_meta = true;
    x->conn = t->conn_id;
    x->n = t->n;
    x->status = t->status;
    x->method = dup0(t->method);
    x->uri = dup0(t->uri);
    x->host = dup0(t->host);
    x->ctype = dup0(t->resp.content_type);
    x->cenc = dup0(t->resp.content_encoding);
    x->decode = t->resp.decode;
    x->complete = t->resp.complete;
}

static void jkv(struct sf_buf *b, const char *k, const char *v)
{
    sf_buf_printf(b, ",\"%s\":", k);
    if (v)
        sf_buf_json_str(b, v, strlen(v));
    else
        sf_buf_puts(b, "null");
}

long sf_objects_finish(struct sf_objects *o, char *err, size_t errlen)
{
    struct sf_buf b;
    char name[64];
    int fd;
    bool first = true;
    size_t off = 0;

    if (!o)
        return 0;
    sf_buf_init(&b, NULL, 0);
    sf_buf_puts(&b, "{\"objects\":[");
    for (struct obj *x = o->head; x; x = x->next) {
        if (x->fd >= 0) {
            close(x->fd);
            x->fd = -1;
        }
        if (!x->name[0] || x->write_error)
            continue;
        sf_buf_puts(&b, first ? "\n" : ",\n");
        first = false;
        sf_buf_puts(&b, "{\"file\":");
        sf_buf_json_str(&b, x->name, strlen(x->name));
        sf_buf_printf(&b, ",\"conn\":%llu,\"n\":%u,\"status\":%u,\"bytes\":%llu", (unsigned long long)x->conn,
                      x->n, x->status, (unsigned long long)x->bytes);
        jkv(&b, "method", x->method);
        jkv(&b, "uri", x->uri);
        jkv(&b, "host", x->host);
        jkv(&b, "content_type", x->ctype);
        jkv(&b, "content_encoding", x->cenc);
        sf_buf_printf(&b, ",\"decode\":\"%s\",\"complete\":%s}", sf_http_decode_name(x->decode),
                      x->complete ? "true" : "false");
    }
    sf_buf_puts(&b, "\n]}\n");
    fd = open_unique(o->dfd, "index.json", name, sizeof(name));
    if (fd < 0) {
        snprintf(err, errlen, "cannot write the index: %s", strerror(errno));
        sf_buf_free(&b);
        return -1;
    }
    while (off < b.len) {
        ssize_t w = write(fd, b.data + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write the index: %s", strerror(errno));
            close(fd);
            sf_buf_free(&b);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    sf_buf_free(&b);
    return o->files;
}

void sf_objects_free(struct sf_objects *o)
{
    if (!o)
        return;
    while (o->head) {
        struct obj *x = o->head;
        o->head = x->next;
        if (x->fd >= 0)
            close(x->fd);
        free(x->method);
        free(x->uri);
        free(x->host);
        free(x->ctype);
        free(x->cenc);
        free(x);
    }
    close(o->dfd);
    free(o);
}

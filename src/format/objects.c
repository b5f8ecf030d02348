/* objects.c - --export-objects DIR: response bodies (de-chunked, decoded) to safe unique files plus a JSON index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "format/format.h"
#include "util/utf8.h"

/* At most this many body files are open at once: a capture can hold any
 * number of responses in flight, the process only ulimit -n descriptors.
 * A body whose file was closed to make room is reopened (O_APPEND) when
 * its next bytes arrive. */
#define SF_OBJ_MAX_OPEN 16
/* Warnings naming each cut object stop after this many; a count follows. */
#define SF_OBJ_MAX_WARN 10

struct obj {
    struct obj *next;
    struct obj *lru_prev, *lru_next;   /* open files, least recently used first */
    char name[256];           /* the file's name (the one it would have had when !created) */
    int fd;                   /* -1 while closed */
    uint64_t bytes;
    bool write_error;
    bool created;
    char error[160];          /* why the object could not be written */
    const char *cut;          /* why bytes were left out, NULL when none */
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
    struct obj *lru_head, *lru_tail;
    int nopen;
    long files;
    long errors;              /* objects that could not be written */
    long cuts;                /* objects cut by the total cap */
    uint64_t max_bytes;       /* total written bytes allowed */
    uint64_t total;           /* body bytes written so far */
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

uint64_t sf_objects_default_max(int dfd)
{
    uint64_t cap = SF_OBJECTS_DEFAULT_MAX;
    struct statvfs sv;
    /* Never plan to fill the disk: half of what is free when that is less. */
    if (dfd >= 0 && fstatvfs(dfd, &sv) == 0) {
        uint64_t half = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize / 2;
        if (half < cap)
            cap = half;
    }
    return cap;
}

struct sf_objects *sf_objects_new(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
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
    o->max_bytes = max_bytes ? max_bytes : sf_objects_default_max(dfd);
    return o;
}

static void lru_unlink(struct sf_objects *o, struct obj *x)
{
    if (x->lru_prev)
        x->lru_prev->lru_next = x->lru_next;
    else
        o->lru_head = x->lru_next;
    if (x->lru_next)
        x->lru_next->lru_prev = x->lru_prev;
    else
        o->lru_tail = x->lru_prev;
    x->lru_prev = x->lru_next = NULL;
}

static void lru_push(struct sf_objects *o, struct obj *x)
{
    x->lru_prev = o->lru_tail;
    x->lru_next = NULL;
    if (o->lru_tail)
        o->lru_tail->lru_next = x;
    else
        o->lru_head = x;
    o->lru_tail = x;
}

static void obj_fail(struct sf_objects *o, struct obj *x, const char *what, int e)
{
    if (x->write_error)
        return;
    x->write_error = true;
    o->errors++;
    snprintf(x->error, sizeof(x->error), "%s: %s", what, strerror(e));
    fputs("synfin: --export-objects: ", stderr);
    fprintf(stderr, sf_tr("%s could not be written: %s"), x->name, x->error);
    fputc('\n', stderr);
}

/* Closes x's file (it stays on disk; a later write reopens it). */
static void obj_close(struct sf_objects *o, struct obj *x)
{
    if (x->fd < 0)
        return;
    lru_unlink(o, x);
    o->nopen--;
    /* close() is where NFS and quotas report a failed write. */
    if (close(x->fd) != 0)
        obj_fail(o, x, "cannot write", errno);
    x->fd = -1;
}

/* Makes room for one more descriptor: false when none of ours is open. */
static bool evict_one(struct sf_objects *o)
{
    if (!o->lru_head)
        return false;
    obj_close(o, o->lru_head);
    return true;
}

static void obj_opened(struct sf_objects *o, struct obj *x, int fd)
{
    x->fd = fd;
    o->nopen++;
    lru_push(o, x);
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

/* Creates x's file, closing our least recently used ones while the
 * process is out of descriptors. */
static void obj_create(struct sf_objects *o, struct obj *x, const char *want)
{
    int fd;
    if (o->nopen >= SF_OBJ_MAX_OPEN)
        evict_one(o);
    for (;;) {
        fd = open_unique(o->dfd, want, x->name, sizeof(x->name));
        if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || !evict_one(o))
            break;
    }
    if (fd < 0) {
        int e = errno;
        snprintf(x->name, sizeof(x->name), "%s", want);
        obj_fail(o, x, "cannot create", e);
        return;
    }
    x->created = true;
    o->files++;
    obj_opened(o, x, fd);
}

static bool obj_reopen(struct sf_objects *o, struct obj *x)
{
    int fd;
    if (x->fd >= 0) {
        lru_unlink(o, x);
        lru_push(o, x);
        return true;
    }
    if (o->nopen >= SF_OBJ_MAX_OPEN)
        evict_one(o);
    for (;;) {
        fd = openat(o->dfd, x->name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || !evict_one(o))
            break;
    }
    if (fd < 0) {
        obj_fail(o, x, "cannot reopen", errno);
        return false;
    }
    obj_opened(o, x, fd);
    return true;
}

static void obj_cut(struct sf_objects *o, struct obj *x)
{
    if (x->cut)
        return;
    x->cut = "export-max-bytes";
    if (++o->cuts <= SF_OBJ_MAX_WARN) {
        fputs("synfin: --export-objects: ", stderr);
        if (x->created)
            fprintf(stderr, sf_tr("%s cut at %llu bytes: --export-max-bytes %llu reached"), x->name,
                    (unsigned long long)x->bytes, (unsigned long long)o->max_bytes);
        else
            fprintf(stderr, sf_tr("%s not written: --export-max-bytes %llu reached"), x->name,
                    (unsigned long long)o->max_bytes);
        fputc('\n', stderr);
    }
}

void sf_objects_body(struct sf_objects *o, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    struct obj *x = t->user;
    bool cut = false;
    if (!o)
        return;
    if (!x) {
        char base[204], want[256];
        if (!p)
            return;
        x = calloc(1, sizeof(*x));
        if (!x)
            return;
        x->fd = -1;
        if (o->tail)
            o->tail->next = x;
        else
            o->head = x;
        o->tail = x;
        t->user = x;
        safe_base(t->uri, base, sizeof(base));
        snprintf(want, sizeof(want), "%llu-%u-%s", (unsigned long long)t->conn_id, t->n, base);
        /* Past the total cap no new file is made: the index still lists the
         * body, the warning names it by the file it would have had. */
        snprintf(x->name, sizeof(x->name), "%s", want);
        if (o->total >= o->max_bytes) {
            obj_cut(o, x);
            return;
        }
        obj_create(o, x, want);
    }
    if (!p) {
        obj_close(o, x);
        return;
    }
    if (x->write_error || !x->created || !n)
        return;
    if (o->total + n > o->max_bytes) {
        /* The warning names the size the file keeps: written first. */
        cut = true;
        n = (size_t)(o->max_bytes - o->total);
    }
    if (n && !obj_reopen(o, x))
        return;
    while (n) {
        ssize_t w = write(x->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            obj_fail(o, x, "cannot write", errno);
            break;
        }
        p += w;
        n -= (size_t)w;
        x->bytes += (uint64_t)w;
        o->total += (uint64_t)w;
    }
    if (cut)
        obj_cut(o, x);
}

void sf_objects_txn(struct sf_objects *o, const struct sf_http_txn *t)
{
    struct obj *x = t->user;
    if (!o || !x || x->have_meta)
        return;
    obj_close(o, x);
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
        obj_close(o, x);
        sf_buf_puts(&b, first ? "\n" : ",\n");
        first = false;
        sf_buf_puts(&b, "{\"file\":");
        if (x->created)
            sf_buf_json_str(&b, x->name, strlen(x->name));
        else
            sf_buf_puts(&b, "null");
        sf_buf_printf(&b, ",\"conn\":%llu,\"n\":%u,\"status\":%u,\"bytes\":%llu", (unsigned long long)x->conn,
                      x->n, x->status, (unsigned long long)x->bytes);
        jkv(&b, "method", x->method);
        jkv(&b, "uri", x->uri);
        jkv(&b, "host", x->host);
        jkv(&b, "content_type", x->ctype);
        jkv(&b, "content_encoding", x->cenc);
        sf_buf_printf(&b, ",\"decode\":\"%s\",\"complete\":%s", sf_http_decode_name(x->decode),
                      x->complete ? "true" : "false");
        /* Why bytes are missing: the total cap first, then the per-body decode cap. */
        jkv(&b, "cut", x->cut ? x->cut : x->decode == SF_HTTP_DECODE_CAPPED ? "max-decoded" : NULL);
        jkv(&b, "error", x->write_error ? x->error : NULL);
        sf_buf_puts(&b, "}");
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
    if (o->cuts > SF_OBJ_MAX_WARN) {
        fputs("synfin: --export-objects: ", stderr);
        fprintf(stderr, sf_tr("%ld objects cut in all (--export-max-bytes %llu), listed in %s"), o->cuts,
                (unsigned long long)o->max_bytes, name);
        fputc('\n', stderr);
    }
    if (o->errors) {
        snprintf(err, errlen, sf_tr("%ld objects could not be written (listed with their error in %s)"), o->errors,
                 name);
        return -1;
    }
    return o->files;
}

void sf_objects_free(struct sf_objects *o)
{
    if (!o)
        return;
    while (o->head) {
        struct obj *x = o->head;
        o->head = x->next;
        obj_close(o, x);
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

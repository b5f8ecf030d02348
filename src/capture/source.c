/* source.c - k-way merge of capture readers by timestamp (mergecap's rule). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/source.h"

struct input {
    struct sf_reader *r;
    const char *path;
    struct sf_frame frame;   /* the pending frame, valid while `pending` */
    bool pending;
    bool done;
};

struct sf_source {
    struct input *in;
    size_t n;
    size_t last;             /* input whose frame was handed out last, or n */
    char error[512];
    bool has_error;
};

/* Pulls the next frame of one input into its pending slot. */
static void refill(struct sf_source *s, struct input *in)
{
    int rc;
    if (in->done)
        return;
    rc = sf_reader_next(in->r, &in->frame);
    if (rc == 1) {
        in->pending = true;
        return;
    }
    in->pending = false;
    in->done = true;
    if (rc < 0 && !s->has_error) {
        snprintf(s->error, sizeof(s->error), "%s: %s", in->path, sf_reader_error(in->r));
        s->has_error = true;
    }
}

struct sf_source *sf_source_open(const char *const *paths, size_t n, char *err, size_t errlen)
{
    struct sf_source *s = calloc(1, sizeof(*s));
    if (!s || n == 0) {
        snprintf(err, errlen, n == 0 ? "no input file" : "out of memory");
        free(s);
        return NULL;
    }
    s->in = calloc(n, sizeof(*s->in));
    if (!s->in) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        char e[256] = "";
        s->in[i].path = paths[i];
        s->in[i].r = sf_reader_open_path(paths[i], e, sizeof(e));
        if (!s->in[i].r) {
            snprintf(err, errlen, "%s: %s", strcmp(paths[i], "-") == 0 ? "stdin" : paths[i], e);
            sf_source_close(s);
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        refill(s, &s->in[i]);
    s->last = n;
    return s;
}

int sf_source_next(struct sf_source *s, struct sf_frame *f)
{
    size_t best = s->n;

    /* The frame handed out last is no longer in use: advance its reader. */
    if (s->last < s->n)
        refill(s, &s->in[s->last]);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->in[i].pending)
            continue;
        if (best == s->n || s->in[i].frame.ts_ns < s->in[best].frame.ts_ns)
            best = i;
    }
    s->last = best;
    if (best == s->n)
        return 0;
    *f = s->in[best].frame;
    f->input = (uint32_t)best;
    s->in[best].pending = false;
    return 1;
}

const char *sf_source_error(const struct sf_source *s)
{
    return s->has_error ? s->error : NULL;
}

uint64_t sf_source_warnings(const struct sf_source *s)
{
    uint64_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->in[i].r)
            w += sf_reader_warnings(s->in[i].r);
    return w;
}

size_t sf_source_take_secrets(struct sf_source *s, uint8_t **out)
{
    uint8_t *all = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint8_t *p;
        size_t k = s->in[i].r ? sf_reader_take_secrets(s->in[i].r, &p) : 0;
        if (!k)
            continue;
        if (!all) {
            all = p;
            n = k;
        } else {
            uint8_t *g = realloc(all, n + k);
            if (g) {
                memcpy(g + n, p, k);
                all = g;
                n += k;
            }
            free(p);
        }
    }
    *out = all;
    return n;
}

void sf_source_close(struct sf_source *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        sf_reader_close(s->in[i].r);
    free(s->in);
    free(s);
}

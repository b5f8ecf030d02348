/* stack.c - the layers of one connection's application stack: installing, calling, destroying. */
#include <stdlib.h>

#include "app/layer.h"

struct sf_layer *sf_layer_install(struct sf_stack *s, struct sf_layer **slot, struct sf_layer *l,
                                  struct sf_layer *keep)
{
    struct sf_layer *old = *slot;
    if (old && old != keep) {
        /* The layer being replaced hands its upper layers to nobody. */
        sf_layer_destroy(old);
    }
    *slot = l;
    if (l) {
        l->stack = s;
        l->slot = slot;
    }
    return l;
}

void sf_layer_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    if (l && n)
        l->ops->data(l, dir, p, n, src);
}

void sf_layer_gap(struct sf_layer *l, int dir, uint64_t n)
{
    if (l && l->ops->gap && n)
        l->ops->gap(l, dir, n);
}

void sf_layer_retrans(struct sf_layer *l, int dir)
{
    if (l && l->ops->retrans)
        l->ops->retrans(l, dir);
}

void sf_layer_eof(struct sf_layer *l, int dir)
{
    if (l && l->ops->eof)
        l->ops->eof(l, dir);
}

void sf_layer_acked(struct sf_layer *l, int dir, uint64_t off)
{
    if (l && l->ops->acked)
        l->ops->acked(l, dir, off);
}

void sf_layer_finish(struct sf_layer *l)
{
    if (l && l->ops->finish)
        l->ops->finish(l);
}

bool sf_layer_idle(const struct sf_layer *l)
{
    return !l || (l->ops->idle && l->ops->idle(l));
}

void sf_layer_destroy(struct sf_layer *l)
{
    while (l) {
        struct sf_layer *up = l->up;
        if (l->slot && *l->slot == l)
            *l->slot = NULL;
        if (up)
            up->slot = NULL;   /* it pointed into l, about to be freed */
        l->up = NULL;
        if (l->ops->destroy)
            l->ops->destroy(l);
        else
            free(l);
        l = up;
    }
}

void sf_stack_note(struct sf_stack *s, const char *name)
{
    if (s->info.nstack < SF_APP_STACK_MAX)
        s->info.stack[s->info.nstack++] = name;
}

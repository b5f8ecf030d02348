/* flag_group.c - analysis flags explained once per connection, repeats grouped under it. */
#include "format/format.h"

/* The flags a packet shows: a plain "retransmission" beside the fast or
 * spurious one says nothing more (the ladder's labels do the same). */
static uint32_t shown(const struct sf_pkt_view *v)
{
    uint32_t a = v->analysis;
    if (a & (SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION))
        a &= ~(uint32_t)SF_AN_RETRANSMISSION;
    return a;
}

uint32_t sf_flag_group_add(struct sf_flag_group *g, const struct sf_pkt_view *v, uint64_t frame)
{
    uint32_t a = shown(v), first = 0;
    for (unsigned i = 0; a && i < SF_AN_COUNT_BITS; i++) {
        if (!(a & (1u << i)))
            continue;
        if (g->count[i] == 0)
            first |= 1u << i;
        if (g->count[i] < SF_FLAG_GROUP_FRAMES)
            g->frames[i][g->count[i]] = frame;
        g->count[i]++;
    }
    return first;
}

void sf_flag_group_marks(struct sf_buf *b, const struct sf_pkt_view *v, uint32_t except)
{
    uint32_t a = shown(v) & ~except;
    for (unsigned i = 0; a && i < SF_AN_COUNT_BITS; i++)
        if (a & (1u << i))
            sf_buf_printf(b, " !%s", sf_analysis_name(i));
}

void sf_flag_group_text(struct sf_buf *b, const struct sf_flag_group *g, const char *indent, bool ascii)
{
    bool any = false;
    for (unsigned i = 0; i < SF_AN_COUNT_BITS; i++) {
        uint64_t n = g->count[i];
        if (n < 2)
            continue;
        /* The label lines up with the facts above (handshake:, close:). */
        sf_buf_printf(b, "%s%s %s %s%llu: frames", indent, any ? "          " : "flags:    ",
                      sf_analysis_name(i), ascii ? "x" : "\u00d7", (unsigned long long)n);
        for (uint64_t k = 0; k < n && k < SF_FLAG_GROUP_FRAMES; k++)
            sf_buf_printf(b, "%s%llu", k ? ", " : " ", (unsigned long long)g->frames[i][k]);
        if (n > SF_FLAG_GROUP_FRAMES)
            sf_buf_puts(b, ascii ? " ..." : " \u2026");
        sf_buf_putc(b, '\n');
        any = true;
    }
}

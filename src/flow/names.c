/* names.c - the stable names (JSON values) and plain words of phases, roles and closes. */
#include "synfin/conn.h"

/* Marks the plain words for translation (xgettext --keyword=N_); the
 * output layer looks them up with sf_tr(). */
#define N_(s) s

const char *sf_phase_name(enum sf_phase p)
{
    switch (p) {
    case SF_PHASE_CONNECT: return "connect";
    case SF_PHASE_DATA: return "data";
    case SF_PHASE_CLOSE: return "close";
    default: return "unknown";
    }
}

struct role_names {
    const char *name;
    const char *words;
};

static const struct role_names roles[SF_ROLE_COUNT] = {
    [SF_ROLE_SYN] = { "syn", "SYN" },
    [SF_ROLE_SYN_RETRANS] = { "syn_retransmission", "SYN retransmission" },
    [SF_ROLE_SYN_ACK] = { "syn_ack", "SYN+ACK" },
    [SF_ROLE_SYN_ACK_RETRANS] = { "syn_ack_retransmission", "SYN+ACK retransmission" },
    [SF_ROLE_HANDSHAKE_ACK] = { "handshake_ack", "handshake ACK" },
    [SF_ROLE_DATA] = { "data", "data" },
    [SF_ROLE_ACK] = { "ack", "ACK" },
    [SF_ROLE_WINDOW_UPDATE] = { "window_update", "window update" },
    [SF_ROLE_KEEP_ALIVE] = { "keep_alive", "keep-alive" },
    [SF_ROLE_FIN_ACTIVE] = { "fin_active", "FIN (active close)" },
    [SF_ROLE_FIN_PASSIVE] = { "fin_passive", "FIN (passive close)" },
    [SF_ROLE_FIN_RETRANS] = { "fin_retransmission", "FIN retransmission" },
    [SF_ROLE_ACK_OF_FIN] = { "ack_of_fin", "ACK of FIN" },
    [SF_ROLE_LAST_ACK] = { "last_ack", "last ACK" },
    [SF_ROLE_RST_REFUSED] = { "rst_refused", "RST (connection refused)" },
    [SF_ROLE_RST_ABORT] = { "rst_abort", "RST (abort)" },
};

const char *sf_role_name(enum sf_role r)
{
    return (unsigned)r < SF_ROLE_COUNT ? roles[r].name : "unknown";
}

const char *sf_role_words(enum sf_role r)
{
    return (unsigned)r < SF_ROLE_COUNT ? roles[r].words : "unknown";
}

static const struct role_names closes[SF_CLOSE_COUNT] = {
    [SF_CLOSE_OPEN] = { "open", N_("still open at the end of the capture") },
    [SF_CLOSE_FOUR_WAY] = { "four_way", N_("4-way close (FIN, ACK, FIN, ACK)") },
    [SF_CLOSE_THREE_WAY] = { "three_way", N_("3-way close (FIN, FIN+ACK, ACK)") },
    [SF_CLOSE_SIMULTANEOUS] = { "simultaneous", N_("simultaneous close (the two FINs crossed)") },
    [SF_CLOSE_HALF_CLOSE] = { "half_close", N_("half-close (data kept flowing after the first FIN)") },
    [SF_CLOSE_ONE_FIN] = { "one_fin", N_("one side sent FIN, the other never did (half-open at the end)") },
    [SF_CLOSE_RST_ABORT] = { "rst_abort", N_("aborted by RST") },
    [SF_CLOSE_REFUSED] = { "refused", N_("refused (RST in answer to the SYN)") },
    [SF_CLOSE_UNANSWERED_SYN] = { "unanswered_syn", N_("unanswered SYN") },
};

const char *sf_close_kind_name(enum sf_close_kind k)
{
    return (unsigned)k < SF_CLOSE_COUNT ? closes[k].name : "unknown";
}

const char *sf_close_kind_words(enum sf_close_kind k)
{
    return (unsigned)k < SF_CLOSE_COUNT ? closes[k].words : "unknown";
}

const char *sf_end_reason_name(enum sf_end_reason r)
{
    switch (r) {
    case SF_END_CLOSED: return "closed";
    case SF_END_IDLE: return "idle";
    case SF_END_PORT_REUSE: return "port_reuse";
    case SF_END_INPUT: return "end_of_input";
    case SF_END_EVICTED: return "evicted";
    case SF_END_SYN_TIMEOUT: return "syn_timeout";
    case SF_END_MEMCAP: return "memcap";
    default: return "unknown";
    }
}

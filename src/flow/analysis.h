/* analysis.h - Wireshark's TCP analysis flags and figures, per packet and per connection. */
#ifndef SYNFIN_FLOW_ANALYSIS_H
#define SYNFIN_FLOW_ANALYSIS_H

#include "synfin/analyzer.h"

/* Sets up a new connection's analysis state (scales unknown, no samples). */
void sf_analysis_init(struct sf_conn *c);
/* Frees what the analysis allocated (un-ACKed lists, RTT samples). */
void sf_analysis_free(struct sf_conn *c);
/* Runs Wireshark's checks on one packet, in Wireshark's order, fills the
 * view's analysis bits and figures, and updates the per-direction state.
 * Call after the relative bases are set, before the lifecycle bookkeeping. */
void sf_analysis_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                        struct sf_pkt_view *v);
/* Frees the un-ACKed lists that are empty (called when a connection closes). */
void sf_analysis_compact(struct sf_conn *c);
/* The handshake's two half-RTTs, once the handshake ACK is seen. */
void sf_analysis_handshake_rtt(struct sf_conn *c);
/* Median of the RTT samples, -1 when none. */
int64_t sf_analysis_rtt_median(const struct sf_conn *c);

#endif

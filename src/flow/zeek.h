/* zeek.h - Zeek's conn_state, history and missed_bytes for a connection. */
#ifndef SYNFIN_FLOW_ZEEK_H
#define SYNFIN_FLOW_ZEEK_H

#include "synfin/conn.h"

/* Updates Zeek's view with one packet (call before the connection's packet
 * count is incremented: the first packet decides the '^' flip). */
void sf_zeek_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p);

/* Zeek's conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH. */
const char *sf_zeek_conn_state(const struct sf_conn *c);

#endif

/* community_id.h - the Community ID flow hash (v1, corelight/community-id-spec), for joining records across tools. */
#ifndef SYNFIN_FLOW_COMMUNITY_ID_H
#define SYNFIN_FLOW_COMMUNITY_ID_H

#include <stdint.h>

#include "synfin/packet.h"

/* "1:" + base64 of 20 bytes + NUL. */
#define SF_COMMUNITY_ID_LEN 31

/* The v1 Community ID of a flow of IP protocol `proto` between (a, pa) and
 * (b, pb), in either order (the hash orders the endpoints itself), with
 * `seed` (0 unless the tools agree on another).  Writes a NUL-terminated
 * string to out; returns 0, or -1 when the hash is not available (then
 * out is ""). */
int sf_community_id(const struct sf_addr *a, uint16_t pa, const struct sf_addr *b, uint16_t pb, uint8_t proto,
                    uint16_t seed, char out[SF_COMMUNITY_ID_LEN]);

#endif

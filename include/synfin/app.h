/* app.h - what the application layer learnt of one connection, for the outputs. */
#ifndef SYNFIN_APP_H
#define SYNFIN_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "synfin/conn.h"

/* Filled by the layers that read the connection (each names its own
 * struct in its own header); NULL members: that protocol was not seen. */
struct sf_tls_info;     /* TLS (include/synfin/tls.h) */
struct sf_h2_info;      /* HTTP/2 (include/synfin/http2.h) */
struct sf_socks_info;   /* SOCKS (include/synfin/socks.h) */

#define SF_APP_STACK_MAX 4

struct sf_app_info {
    /* The protocols read on the connection, outermost first, e.g.
     * {"tls", "http1"}, or {"http1", "tls", "http1"} for HTTPS through a
     * CONNECT proxy; "opaque" for bytes that are none of ours. */
    const char *stack[SF_APP_STACK_MAX];
    uint8_t nstack;
    const struct sf_tls_info *tls;
    const struct sf_h2_info *h2;
    const struct sf_socks_info *socks;
};

/* During the sink's conn_end (and packet callbacks): the application
 * layer's view of c, or NULL when no application layer ran on it. */
const struct sf_app_info *sf_app_conn_info(const struct sf_conn *c);

#endif

/* test_tunnel.c - tunnels (GRE, VXLAN, GTP-U, IP-in-IP, the depth limit) and
 * the further link types (PPP, 802.11) on hand-built frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "pktgen.h"

#define O_SRC 0xc6336401u    /* 198.51.100.1: outer */
#define O_DST 0xc6336402u    /* 198.51.100.2 */
#define I_SRC 0xc0000201u    /* 192.0.2.1: inner */
#define I_DST 0xc0000202u    /* 192.0.2.2 */

static void decode_frame(const struct pg *g, uint32_t linktype, struct sf_packet *p)
{
    struct sf_decoder *d = sf_decoder_new(NULL);
    struct sf_frame f;
    uint8_t *copy = malloc(g->n ? g->n : 1);   /* exact size: ASan sees any over-read */
    assert_non_null(d);
    memcpy(copy, g->b, g->n);
    memset(&f, 0, sizeof(f));
    f.data = copy;
    f.caplen = f.wirelen = (uint32_t)g->n;
    f.linktype = linktype;
    sf_decode(d, &f, 1, p);
    p->payload = NULL;
    free(copy);
    sf_decoder_free(d);
}

/* The inner packet: IPv4 + a 20-byte TCP SYN, 40 bytes. */
static void inner(struct pg *g)
{
    pg_ipv4(g, I_SRC, I_DST, 6, 20, 1, 0x4000);
    pg_tcp(g, 40000, 80, 1000, 0, 0x02, 502, NULL, 0);
}

static void assert_inner(const struct sf_packet *p)
{
    assert_int_equal(p->skip, SF_SKIP_NONE);
    assert_int_equal(sf_load_be32(p->src.a), I_SRC);
    assert_int_equal(sf_load_be32(p->dst.a), I_DST);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 80);
}

static void test_gre_key_sequence(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0800);
    pg_ipv4(&g, O_SRC, O_DST, 47, 12 + 40, 9, 0);
    pg_be16(&g, 0x3000);        /* K and S (RFC 2890) */
    pg_be16(&g, 0x0800);
    pg_be32(&g, 0x1234);        /* key */
    pg_be32(&g, 7);             /* sequence */
    inner(&g);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_inner(&p);
    assert_int_equal(p.tunnel_count, 1);
    assert_int_equal(p.tunnel[0].type, SF_TUN_GRE);
    assert_true(p.tunnel[0].has_id);
    assert_int_equal(p.tunnel[0].id, 0x1234);
    assert_int_equal(sf_load_be32(p.tunnel[0].src.a), O_SRC);
    assert_int_equal(sf_load_be32(p.tunnel[0].dst.a), O_DST);
    assert_string_equal(sf_tunnel_id_name(SF_TUN_GRE), "key");

    /* Cut inside the GRE header: a reason, no crash. */
    g.n = 14 + 20 + 6;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_TUNNEL);
}

static void test_vxlan_vni(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0800);
    pg_ipv4(&g, O_SRC, O_DST, 17, 8 + 8 + 14 + 40, 9, 0);
    pg_be16(&g, 50000);
    pg_be16(&g, 4789);
    pg_be16(&g, 8 + 8 + 14 + 40);
    pg_be16(&g, 0);
    pg_be32(&g, 0x08000000);    /* I flag */
    pg_be32(&g, 42u << 8);      /* VNI 42 */
    pg_eth(&g, 0x0800);
    inner(&g);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_inner(&p);
    assert_int_equal(p.tunnel_count, 1);
    assert_int_equal(p.tunnel[0].type, SF_TUN_VXLAN);
    assert_int_equal(p.tunnel[0].id, 42);
    assert_true(p.tunnel[0].udp);
    assert_int_equal(p.tunnel[0].dport, 4789);
}

static void test_gtpu_extension_header(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_ipv4(&g, O_SRC, O_DST, 17, 8 + 8 + 4 + 4 + 40, 9, 0);
    pg_be16(&g, 2152);
    pg_be16(&g, 2152);
    pg_be16(&g, 8 + 8 + 4 + 4 + 40);
    pg_be16(&g, 0);
    pg_u8(&g, 0x34);            /* version 1, PT, E */
    pg_u8(&g, 255);             /* G-PDU */
    pg_be16(&g, 4 + 4 + 40);
    pg_be32(&g, 0xdeadbeef);    /* TEID */
    pg_be16(&g, 0);             /* sequence */
    pg_u8(&g, 0);               /* N-PDU */
    pg_u8(&g, 0x85);            /* next: PDU session container */
    pg_u8(&g, 1);               /* 4 bytes */
    pg_be16(&g, 0x0001);
    pg_u8(&g, 0);               /* no more */
    inner(&g);
    decode_frame(&g, SF_LINKTYPE_RAW, &p);
    assert_inner(&p);
    assert_int_equal(p.tunnel[0].type, SF_TUN_GTPU);
    assert_int_equal(p.tunnel[0].id, 0xdeadbeef);
}

/* SF_MAX_TUNNELS IP-in-IP layers decode; one more is skipped with its reason. */
static void test_depth_limit(void **state)
{
    (void)state;
    for (int layers = 1; layers <= SF_MAX_TUNNELS + 1; layers++) {
        struct pg g;
        struct sf_packet p;
        memset(&g, 0, sizeof(g));
        for (int i = 0; i < layers; i++)
            pg_ipv4(&g, O_SRC + (uint32_t)i, O_DST, 4, (uint16_t)(20 * (layers - i) + 20), 9, 0);
        inner(&g);
        decode_frame(&g, SF_LINKTYPE_RAW, &p);
        if (layers <= SF_MAX_TUNNELS) {
            assert_inner(&p);
            assert_int_equal(p.tunnel_count, layers);
            assert_int_equal(p.tunnel[0].type, SF_TUN_IP_IN_IP);
            assert_int_equal(sf_load_be32(p.tunnel[0].src.a), O_SRC);
        } else {
            assert_int_equal(p.skip, SF_SKIP_TUNNEL_DEPTH);
        }
    }
}

static void test_ppp_and_hdlc(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_be16(&g, 0xff03);
    pg_be16(&g, 0x0021);
    inner(&g);
    decode_frame(&g, SF_LINKTYPE_PPP, &p);
    assert_inner(&p);
    decode_frame(&g, SF_LINKTYPE_PPP_HDLC, &p);
    assert_inner(&p);
    memset(&g, 0, sizeof(g));
    pg_be16(&g, 0x0f00);
    pg_be16(&g, 0x0800);
    inner(&g);
    decode_frame(&g, SF_LINKTYPE_C_HDLC, &p);
    assert_inner(&p);
}

static void wlan_data(struct pg *g, uint8_t fc1)
{
    static const uint8_t snap[8] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00 };
    memset(g, 0, sizeof(*g));
    pg_u8(g, 0x88);             /* QoS data */
    pg_u8(g, fc1);
    for (int i = 0; i < 22; i++)
        pg_u8(g, 0);
    pg_be16(g, 0);              /* QoS control */
    pg_bytes(g, snap, sizeof(snap));
    inner(g);
}

static void test_wlan(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    wlan_data(&g, 0x01);
    decode_frame(&g, SF_LINKTYPE_IEEE802_11, &p);
    assert_inner(&p);
    wlan_data(&g, 0x41);        /* Protected */
    decode_frame(&g, SF_LINKTYPE_IEEE802_11, &p);
    assert_int_equal(p.skip, SF_SKIP_WLAN_PROTECTED);
    memset(&g, 0, sizeof(g));
    pg_u8(&g, 0x80);            /* beacon */
    pg_u8(&g, 0);
    decode_frame(&g, SF_LINKTYPE_IEEE802_11, &p);
    assert_int_equal(p.skip, SF_SKIP_WLAN_NON_DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gre_key_sequence),
        cmocka_unit_test(test_vxlan_vni),
        cmocka_unit_test(test_gtpu_extension_header),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_ppp_and_hdlc),
        cmocka_unit_test(test_wlan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

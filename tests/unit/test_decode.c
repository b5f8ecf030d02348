/* test_decode.c - link, IP and TCP decoders on hand-built frames, malformed ones included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "pktgen.h"

#define A_CLIENT 0xc0000201u  /* 192.0.2.1 */
#define A_SERVER 0xc0000202u  /* 192.0.2.2 */

/* wirelen > g->n models a snaplen cut: the frame was longer on the wire. */
static void decode_frame_wire(const struct pg *g, uint32_t linktype, uint32_t wirelen,
                              struct sf_packet *p)
{
    struct sf_decoder *d = sf_decoder_new(NULL);
    struct sf_frame f;
    uint8_t *copy = malloc(g->n ? g->n : 1);   /* exact size: ASan sees any over-read */
    assert_non_null(d);
    memcpy(copy, g->b, g->n);
    memset(&f, 0, sizeof(f));
    f.data = copy;
    f.caplen = (uint32_t)g->n;
    f.wirelen = wirelen;
    f.linktype = linktype;
    sf_decode(d, &f, 1, p);
    /* Views must not outlive the frame: drop them before freeing. */
    p->payload = NULL;
    free(copy);
    sf_decoder_free(d);
}

static void decode_frame(const struct pg *g, uint32_t linktype, struct sf_packet *p)
{
    decode_frame_wire(g, linktype, (uint32_t)g->n, p);
}

static void build_eth_tcp(struct pg *g, uint8_t flags, const uint8_t *opts, size_t optlen,
                          const char *payload)
{
    size_t plen = payload ? strlen(payload) : 0;
    memset(g, 0, sizeof(*g));
    pg_eth(g, 0x0800);
    pg_ipv4(g, A_CLIENT, A_SERVER, 6, (uint16_t)(20 + optlen + plen), 1, 0x4000);
    pg_tcp(g, 40000, 80, 1000, 2000, flags, 502, opts, optlen);
    if (plen)
        pg_bytes(g, payload, plen);
}

static void test_eth_ipv4_tcp_syn_options(void **state)
{
    static const uint8_t opts[] = { 2, 4, 0x05, 0xb4,  4, 2,  8, 10, 0, 0, 0, 7, 0, 0, 0, 0,
                                    1,  3, 3, 7 };
    struct pg g;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x02, opts, sizeof(opts), NULL);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.sport, 40000);
    assert_int_equal(p.dport, 80);
    assert_int_equal(p.seq, 1000);
    assert_int_equal(p.flags, SF_TH_SYN);
    assert_int_equal(p.win, 502);
    assert_true(p.opt.has_mss);
    assert_int_equal(p.opt.mss, 1460);
    assert_true(p.opt.sack_perm);
    assert_true(p.opt.has_ts);
    assert_int_equal(p.opt.tsval, 7);
    assert_true(p.opt.has_wscale);
    assert_int_equal(p.opt.wscale, 7);
    assert_false(p.opt.bad);
    assert_int_equal(p.payload_len, 0);
}

static void test_payload_and_ethernet_padding(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x18, NULL, 0, "GET");
    /* Ethernet pads short frames: the IP length, not the frame, decides. */
    memset(g.b + g.n, 0, 10);
    g.n += 10;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(p.payload_caplen, 3);
    assert_false(p.truncated);
}

static void test_snaplen_cut_payload(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x18, NULL, 0, "GET / HTTP/1.1\r\n");
    g.n -= 6;   /* the capture kept fewer bytes than the IP header declares */
    decode_frame_wire(&g, SF_LINKTYPE_ETHERNET, (uint32_t)g.n + 6, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.payload_caplen, 10);
    assert_true(p.truncated);
    assert_false(p.ip_len_bad);
}

/* An IP length past the end of a frame that was captured whole is bogus
 * (tshark: "IPv4 total length exceeds packet length"): tcp.len is what the
 * frame holds, and the frame is not truncated. */
static void test_ip_length_past_frame(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x18, NULL, 0, "GET / HTTP/1.1\r\n");
    g.b[16] = 0x05;   /* total length 1500 (0x05dc), the frame holds 56 */
    g.b[17] = 0xdc;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.payload_caplen, 16);
    assert_false(p.truncated);
    assert_true(p.ip_len_bad);

    /* Cut by a snaplen too: the frame's length on the wire bounds it. */
    g.n -= 6;
    decode_frame_wire(&g, SF_LINKTYPE_ETHERNET, (uint32_t)g.n + 6, &p);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.payload_caplen, 10);
    assert_true(p.truncated);
    assert_true(p.ip_len_bad);
}

/* Total length 0 (TSO, BIG TCP): the datagram is the rest of the frame, on
 * the wire; no anomaly. */
static void test_ip_length_zero_tso(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x18, NULL, 0, "GET / HTTP/1.1\r\n");
    g.b[16] = g.b[17] = 0;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.payload_len, 16);
    assert_false(p.truncated);
    assert_false(p.ip_len_bad);
    g.n -= 6;
    decode_frame_wire(&g, SF_LINKTYPE_ETHERNET, (uint32_t)g.n + 70000, &p);
    assert_int_equal(p.payload_len, 70010);   /* past 64 KiB: BIG TCP */
    assert_true(p.truncated);
}

static void test_ipv6_payload_length_past_frame(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x86dd);
    pg_ipv6(&g, 1, 2, 6, 1400);
    pg_tcp(&g, 40000, 80, 1000, 2000, 0x18, 502, NULL, 0);
    pg_bytes(&g, "hello", 5);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.payload_len, 5);
    assert_false(p.truncated);
    assert_true(p.ip_len_bad);
}

static void test_vlan_and_qinq(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x88a8);
    pg_be16(&g, 100);
    pg_be16(&g, 0x8100);
    pg_be16(&g, 200);
    pg_be16(&g, 0x0800);
    pg_ipv4(&g, A_CLIENT, A_SERVER, 6, 20, 1, 0);
    pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.vlan_count, 2);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(p.vlan[1], 200);
}

static void test_vlan_chain_too_deep(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x8100);
    for (int i = 0; i < 40; i++) {
        pg_be16(&g, 1);
        pg_be16(&g, 0x8100);
    }
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_not_equal(p.skip, SF_SKIP_NONE);
}

static void test_linux_sll_and_sll2(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_be16(&g, 0);   /* packet type */
    pg_be16(&g, 1);   /* ARPHRD_ETHER */
    pg_be16(&g, 6);
    pg_be32(&g, 0);
    pg_be32(&g, 0);
    pg_be16(&g, 0x0800);
    pg_ipv4(&g, A_CLIENT, A_SERVER, 6, 20, 1, 0);
    pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
    decode_frame(&g, SF_LINKTYPE_LINUX_SLL, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);

    memset(&g, 0, sizeof(g));
    pg_be16(&g, 0x86dd);
    pg_be16(&g, 0);
    pg_be32(&g, 1);
    pg_be16(&g, 1);
    pg_u8(&g, 0);
    pg_u8(&g, 6);
    pg_be32(&g, 0);
    pg_be32(&g, 0);
    pg_ipv6(&g, 1, 2, 6, 20);
    pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
    decode_frame(&g, SF_LINKTYPE_LINUX_SLL2, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.ip_version, 6);
}

static void test_null_loopback_both_orders(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    for (int order = 0; order < 2; order++) {
        memset(&g, 0, sizeof(g));
        if (order == 0) { pg_u8(&g, 30); pg_u8(&g, 0); pg_u8(&g, 0); pg_u8(&g, 0); }
        else            { pg_be32(&g, 24); }
        pg_ipv6(&g, 1, 2, 6, 20);
        pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
        decode_frame(&g, SF_LINKTYPE_NULL, &p);
        assert_int_equal(p.skip, SF_SKIP_NONE);
        assert_int_equal(p.ip_version, 6);
    }
}

static void test_raw_ip_and_unknown_linktype(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_ipv4(&g, A_CLIENT, A_SERVER, 6, 20, 1, 0);
    pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
    decode_frame(&g, SF_LINKTYPE_RAW, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    decode_frame(&g, SF_LINKTYPE_IPV4, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    decode_frame(&g, 147, &p);
    assert_int_equal(p.skip, SF_SKIP_LINKTYPE);
}

/* The limits docs/architecture.md states: 16 VLAN tags are walked, a 17th
 * is skipped as other-ethertype; 15 IPv6 extension headers reach TCP, a
 * 16th does not. */
static void test_documented_depth_limits(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    for (int tags = 16; tags <= 17; tags++) {
        memset(&g, 0, sizeof(g));
        pg_eth(&g, 0x8100);
        for (int i = 0; i < tags; i++) {
            pg_be16(&g, (uint16_t)(i + 1));
            pg_be16(&g, i + 1 < tags ? 0x8100 : 0x0800);
        }
        pg_ipv4(&g, A_CLIENT, A_SERVER, 6, 20, 1, 0);
        pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
        decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
        assert_int_equal(p.skip, tags == 16 ? SF_SKIP_NONE : SF_SKIP_ETHERTYPE);
    }
    for (int ext = 15; ext <= 16; ext++) {
        memset(&g, 0, sizeof(g));
        pg_eth(&g, 0x86dd);
        pg_ipv6(&g, 1, 2, 60, (uint16_t)(8 * ext + 20));
        for (int i = 0; i < ext; i++) {
            pg_u8(&g, i + 1 < ext ? 60 : 6); pg_u8(&g, 0); pg_be16(&g, 0); pg_be32(&g, 0);
        }
        pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
        decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
        if (ext == 15)
            assert_int_equal(p.skip, SF_SKIP_NONE);
        else
            assert_int_not_equal(p.skip, SF_SKIP_NONE);
    }
}

static void test_ipv6_extension_chain(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x86dd);
    pg_ipv6(&g, 1, 2, 0, 8 + 8 + 20);
    pg_u8(&g, 60); pg_u8(&g, 0); pg_be16(&g, 0); pg_be32(&g, 0);   /* hop-by-hop */
    pg_u8(&g, 6); pg_u8(&g, 0); pg_be16(&g, 0); pg_be32(&g, 0);    /* destination options */
    pg_tcp(&g, 1, 2, 3, 4, 0x10, 5, NULL, 0);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_int_equal(p.ip_proto, 6);

    /* An extension header claiming more than the payload is invalid. */
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x86dd);
    pg_ipv6(&g, 1, 2, 0, 8);
    pg_u8(&g, 6); pg_u8(&g, 200); pg_be16(&g, 0); pg_be32(&g, 0);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_IP);
}

static void test_ipv4_fragments_reassembled(void **state)
{
    struct sf_decoder *d = sf_decoder_new(NULL);
    struct pg g1, g2;
    struct sf_packet p;
    struct sf_frame f;
    uint8_t tcp[40];
    struct pg t;
    (void)state;
    memset(&t, 0, sizeof(t));
    pg_tcp(&t, 1234, 80, 10, 20, 0x18, 100, NULL, 0);
    memcpy(tcp, t.b, 20);
    memcpy(tcp + 20, "ABCDEFGHIJKLMNOPQRST", 20);
    memset(&g1, 0, sizeof(g1));
    pg_eth(&g1, 0x0800);
    pg_ipv4(&g1, A_CLIENT, A_SERVER, 6, 24, 77, 0x2000);   /* MF, offset 0 */
    pg_bytes(&g1, tcp, 24);
    memset(&g2, 0, sizeof(g2));
    pg_eth(&g2, 0x0800);
    pg_ipv4(&g2, A_CLIENT, A_SERVER, 6, 16, 77, 3);        /* offset 24 */
    pg_bytes(&g2, tcp + 24, 16);
    memset(&f, 0, sizeof(f));
    f.linktype = SF_LINKTYPE_ETHERNET;
    f.data = g1.b;
    f.caplen = f.wirelen = (uint32_t)g1.n;
    sf_decode(d, &f, 1, &p);
    assert_int_equal(p.skip, SF_SKIP_IP_FRAGMENT);
    f.data = g2.b;
    f.caplen = f.wirelen = (uint32_t)g2.n;
    sf_decode(d, &f, 2, &p);
    assert_int_equal(p.skip, SF_SKIP_NONE);
    assert_true(p.ip_reassembled);
    assert_int_equal(p.ip_frag_count, 2);
    assert_int_equal(p.ip_first_frag_frame, 1);
    assert_int_equal(p.payload_len, 20);
    assert_memory_equal(p.payload, "ABCDEFGHIJKLMNOPQRST", 20);
    sf_decoder_free(d);
}

/* Every prefix of a valid frame decodes without reading past its end, and
 * says why it stopped. */
static void test_every_truncation(void **state)
{
    static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
    struct pg g, cut;
    struct sf_packet p;
    (void)state;
    build_eth_tcp(&g, 0x12, opts, sizeof(opts), "hello");
    for (size_t n = 0; n < g.n; n++) {
        cut = g;
        cut.n = n;
        decode_frame_wire(&cut, SF_LINKTYPE_ETHERNET, (uint32_t)g.n, &p);
        if (n < 14)
            assert_int_equal(p.skip, SF_SKIP_TRUNC_LINK);
        else if (n < 34)
            assert_int_equal(p.skip, SF_SKIP_TRUNC_IP);
        else if (n < 62)
            assert_int_equal(p.skip, SF_SKIP_TRUNC_TCP);
        else {
            assert_int_equal(p.skip, SF_SKIP_NONE);
            assert_true(p.truncated);
        }
    }
}

static void test_bad_headers(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    /* IHL below 5 */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[14] = 0x44;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_IP);
    /* total length shorter than the header */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[16] = 0;
    g.b[17] = 10;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_IP);
    /* TCP data offset below 5 */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[34 + 12] = 0x40;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_TCP);
    /* TCP data offset past the segment */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[34 + 12] = 0xf0;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_TCP);
    /* IP says there is no room for a TCP header */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[17] = 30;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_TCP);
    /* version 5 in an IPv4 ethertype */
    build_eth_tcp(&g, 0x10, NULL, 0, NULL);
    g.b[14] = 0x55;
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_BAD_IP);
}

static void test_other_protocols_skipped(void **state)
{
    struct pg g;
    struct sf_packet p;
    (void)state;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0806);
    pg_be32(&g, 0);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_ARP);
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0800);
    pg_ipv4(&g, A_CLIENT, A_SERVER, 17, 8, 1, 0);
    pg_be32(&g, 0);
    pg_be32(&g, 0);
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_UDP);
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0026);   /* an 802.3 length */
    decode_frame(&g, SF_LINKTYPE_ETHERNET, &p);
    assert_int_equal(p.skip, SF_SKIP_LLC);
}

static void test_tcp_option_walk(void **state)
{
    struct sf_tcp_opts o;
    struct sf_cur c;
    (void)state;
    /* length 0 must not loop forever, and marks the list bad */
    static const uint8_t zero_len[] = { 2, 0, 1, 1 };
    memset(&o, 0, sizeof(o));
    c = sf_cur_make(zero_len, sizeof(zero_len));
    sf_decode_tcp_options(c, &o);
    assert_true(o.bad);
    /* an option running past the header */
    static const uint8_t too_long[] = { 8, 10, 0, 0 };
    memset(&o, 0, sizeof(o));
    c = sf_cur_make(too_long, sizeof(too_long));
    sf_decode_tcp_options(c, &o);
    assert_true(o.bad);
    assert_false(o.has_ts);
    /* SACK blocks: two kept */
    static const uint8_t sack[] = { 1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };
    memset(&o, 0, sizeof(o));
    c = sf_cur_make(sack, sizeof(sack));
    sf_decode_tcp_options(c, &o);
    assert_false(o.bad);
    assert_int_equal(o.sack_count, 2);
    assert_int_equal(o.sack[1][0], 3);
    assert_int_equal(o.sack[1][1], 4);
    /* unknown kinds are counted, EOL stops */
    static const uint8_t unk[] = { 30, 4, 0, 0, 0, 2, 4, 5, 0xb4 };
    memset(&o, 0, sizeof(o));
    c = sf_cur_make(unk, sizeof(unk));
    sf_decode_tcp_options(c, &o);
    assert_int_equal(o.unknown_count, 1);
    assert_false(o.has_mss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp_syn_options),
        cmocka_unit_test(test_payload_and_ethernet_padding),
        cmocka_unit_test(test_snaplen_cut_payload),
        cmocka_unit_test(test_vlan_and_qinq),
        cmocka_unit_test(test_vlan_chain_too_deep),
        cmocka_unit_test(test_linux_sll_and_sll2),
        cmocka_unit_test(test_null_loopback_both_orders),
        cmocka_unit_test(test_raw_ip_and_unknown_linktype),
        cmocka_unit_test(test_ipv6_extension_chain),
        cmocka_unit_test(test_documented_depth_limits),
        cmocka_unit_test(test_ipv4_fragments_reassembled),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_ip_length_past_frame),
        cmocka_unit_test(test_ip_length_zero_tso),
        cmocka_unit_test(test_ipv6_payload_length_past_frame),
        cmocka_unit_test(test_other_protocols_skipped),
        cmocka_unit_test(test_tcp_option_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

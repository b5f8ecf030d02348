/* tls_cert.c - Certificate messages (RFC 5246 7.4.2, RFC 8446 4.4.2): each X.509 certificate read with OpenSSL. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app/tls_cert.h"
#include "util/cursor.h"

/* Copies n bytes as text: control characters become '?', so a hostile
 * certificate cannot carry them into the outputs (UTF-8 passes). */
static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    dst[i] = '\0';
}

static void name_text(char *dst, size_t cap, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    dst[0] = '\0';
    if (!bio)
        return;
    /* RFC 2253 (most specific first), UTF-8 kept rather than escaped */
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        len = BIO_get_mem_data(bio, &data);
        if (data && len > 0)
            copy_text(dst, cap, data, (size_t)len);
    }
    BIO_free(bio);
}

static void time_text(char *dst, size_t cap, const ASN1_TIME *t)
{
    struct tm tm;
    dst[0] = '\0';
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hex_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;
    for (size_t i = 0; i < n && at + 2 < cap; i++) {
        dst[at++] = hex[p[i] >> 4];
        dst[at++] = hex[p[i] & 15];
    }
    dst[at] = '\0';
}

/* The serial number as the content octets of its DER INTEGER (a leading
 * 00 kept), which is how tshark shows x509af.serialNumber. */
static void serial_text(char *dst, size_t cap, const ASN1_INTEGER *serial)
{
    unsigned char buf[80], *q = buf;
    int len = serial ? i2d_ASN1_INTEGER(serial, NULL) : -1;
    dst[0] = '\0';
    if (len < 2 || len > (int)sizeof(buf) || i2d_ASN1_INTEGER(serial, &q) != len)
        return;
    if (buf[1] & 0x80) {   /* long form length */
        size_t k = buf[1] & 0x7f;
        if (2 + k <= (size_t)len)
            hex_text(dst, cap, buf + 2 + k, (size_t)len - 2 - k);
    } else {
        hex_text(dst, cap, buf + 2, (size_t)len - 2);
    }
}

static void san_text(char *dst, size_t cap, bool *cut, X509 *x)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t at = 0;
    dst[0] = '\0';
    if (!names)
        return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char one[INET6_ADDRSTRLEN + 1];
        const char *s = NULL;
        size_t n = 0;
        if (g->type == GEN_DNS) {
            s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            n = (size_t)ASN1_STRING_length(g->d.dNSName);
        } else if (g->type == GEN_IPADD) {
            int l = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            if ((l == 4 || l == 16) && inet_ntop(l == 4 ? AF_INET : AF_INET6, a, one, sizeof(one))) {
                s = one;
                n = strlen(one);
            }
        }
        if (!s || n == 0)
            continue;
        if (at + n + 2 > cap) {
            *cut = true;
            break;
        }
        if (at)
            dst[at++] = ',';
        copy_text(dst + at, cap - at, s, n);
        at += strlen(dst + at);
    }
    GENERAL_NAMES_free(names);
}

static void read_cert(struct sf_tls_cert *c, const uint8_t *der, size_t n, uint64_t frame)
{
    const unsigned char *q = der;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    X509 *x;
    EVP_PKEY *key;

    memset(c, 0, sizeof(*c));
    c->frame = frame;
    c->der_len = (uint32_t)n;
    if (EVP_Digest(der, n, md, &mdlen, EVP_sha256(), NULL) == 1)
        hex_text(c->sha256, sizeof(c->sha256), md, mdlen);
    x = d2i_X509(NULL, &q, (long)n);
    if (!x)
        return;
    c->parsed = true;
    name_text(c->subject, sizeof(c->subject), X509_get_subject_name(x));
    name_text(c->issuer, sizeof(c->issuer), X509_get_issuer_name(x));
    san_text(c->san, sizeof(c->san), &c->san_cut, x);
    time_text(c->not_before, sizeof(c->not_before), X509_get0_notBefore(x));
    time_text(c->not_after, sizeof(c->not_after), X509_get0_notAfter(x));
    serial_text(c->serial, sizeof(c->serial), X509_get0_serialNumber(x));
    {
        int nid = X509_get_signature_nid(x);
        const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
        if (ln)
            copy_text(c->sig_alg, sizeof(c->sig_alg), ln, strlen(ln));
    }
    key = X509_get0_pubkey(x);
    if (key) {
        const char *t = EVP_PKEY_get0_type_name(key);
        if (t)
            copy_text(c->key_type, sizeof(c->key_type), t, strlen(t));
        c->key_bits = (uint32_t)(EVP_PKEY_get_bits(key) > 0 ? EVP_PKEY_get_bits(key) : 0);
    }
    X509_free(x);
}

static uint32_t be24(struct sf_cur *c)
{
    uint32_t hi = sf_cur_u8(c);
    return hi << 16 | sf_cur_be16(c);
}

int sf_tls_parse_certificate(struct sf_tls_chain *chain, const uint8_t *p, size_t n, bool tls13, uint64_t frame)
{
    struct sf_cur c = sf_cur_make(p, n), list;
    bool cut = false;

    chain->n = 0;
    chain->total = 0;
    chain->malformed = false;
    chain->frame = frame;
    if (tls13)
        sf_cur_skip(&c, sf_cur_u8(&c));          /* certificate_request_context */
    list = sf_cur_take(&c, be24(&c), &cut);
    if (c.err || cut)
        return -1;
    while (sf_cur_left(&list)) {
        uint32_t len = be24(&list);
        struct sf_cur der = sf_cur_take(&list, len, &cut);
        if (list.err || cut || len == 0)
            return -1;
        if (chain->n < SF_TLS_CERTS_MAX) {
            struct sf_tls_cert *grown = realloc(chain->cert, (chain->n + 1u) * sizeof(*grown));
            if (grown) {
                chain->cert = grown;
                read_cert(&chain->cert[chain->n++], der.p, len, frame);
            }
        }
        chain->total++;
        if (tls13) {
            sf_cur_skip(&list, sf_cur_be16(&list));   /* CertificateEntry extensions */
            if (list.err)
                return -1;
        }
    }
    return sf_cur_left(&c) ? -1 : 0;
}

void sf_tls_chain_free(struct sf_tls_chain *chain)
{
    if (!chain)
        return;
    free(chain->cert);
    free(chain);
}

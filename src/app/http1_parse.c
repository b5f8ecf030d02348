/* http1_parse.c - zero-copy HTTP/1.x head parser (RFC 9112 sections 2-5): (ptr,len) views, caller's header array. */
#include <string.h>

#include "app/http1.h"

/* tchar (RFC 9110 section 5.6.2). */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

const char *sf_http_anomaly_name(unsigned i)
{
    static const char *const names[SF_HTTP_ANOM_COUNT] = {
        "start_line", "ws_before_colon", "bad_header_name", "header_without_colon", "bare_cr",
        "control_in_value", "obs_fold", "leading_whitespace_line", "bare_lf", "bad_content_length",
        "content_length_with_transfer_encoding",
    };
    return i < SF_HTTP_ANOM_COUNT ? names[i] : "unknown";
}

bool sf_http_eq(const char *p, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!lit[i] || lower((unsigned char)p[i]) != lower((unsigned char)lit[i]))
            return false;
    }
    return lit[i] == '\0';
}

bool sf_http_list_has(const char *p, size_t n, const char *lit)
{
    size_t i = 0;
    while (i < n) {
        size_t a, b;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        a = i;
        while (i < n && p[i] != ',' && p[i] != ';')
            i++;
        b = i;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a && sf_http_eq(p + a, b - a, lit))
            return true;
        while (i < n && p[i] != ',')   /* skip parameters */
            i++;
    }
    return false;
}

size_t sf_http_head_end(const uint8_t *p, size_t n, size_t from)
{
    for (size_t i = from; i < n; i++) {
        size_t j;
        if (p[i] != '\n')
            continue;
        /* "\n\n", "\n\r\n", and a line of CRs only ("\n\r\r\n"), which
         * tshark also takes for the end of the head. */
        for (j = i + 1; j < n && p[j] == '\r'; j++)
            ;
        if (j < n && p[j] == '\n')
            return j + 1;
    }
    return 0;
}

int sf_http_plausible(int dir, const uint8_t *p, size_t n)
{
    static const char proto[] = "HTTP/";
    if (dir == 0) {
        /* A method is a token; the registered ones are upper case. */
        for (size_t i = 0; i < n && i < 24; i++) {
            unsigned char c = p[i];
            if (c == ' ' || ((c == '\r' || c == '\n') && i >= 3))
                return i >= 2 ? 1 : 0;   /* "OPTIONS\r\n": a bare method */
            if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
                return 0;
        }
        return n >= 24 ? 0 : -1;
    }
    for (size_t i = 0; i < 5; i++) {
        if (i >= n)
            return -1;
        if (p[i] != (uint8_t)proto[i])
            return 0;
    }
    return 1;
}

/* Next line of buf[at..len): returns its length without CR LF and sets
 * *next past the LF; -2 without LF, -1 when longer than max_line.  A line
 * ended by LF alone is noted in *anom (RFC 9112 section 2.2 lets a
 * recipient accept it; tshark and the browsers do). */
static long next_line(const char *buf, size_t len, size_t at, size_t *next, size_t max_line,
                      uint32_t *anom)
{
    const char *lf = at < len ? memchr(buf + at, '\n', len - at) : NULL;
    size_t l;
    if (!lf)
        return (len - at > max_line) ? SF_HTTP_PARSE_ERROR : SF_HTTP_PARSE_PARTIAL;
    l = (size_t)(lf - (buf + at));
    *next = at + l + 1;
    if (l && buf[at + l - 1] == '\r')
        l--;
    else
        *anom |= SF_HTTP_ANOM_BARE_LF;
    if (l > max_line)
        return SF_HTTP_PARSE_ERROR;
    return (long)l;
}

/* Notes the control bytes of p[0..n): a bare CR (RFC 9112 section 2.2: read
 * as a space) and any other control byte but HT. */
static uint32_t ctl_anomalies(const char *p, size_t n)
{
    uint32_t a = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)p[k];
        if (c == '\r')
            a |= SF_HTTP_ANOM_BARE_CR;
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            a |= SF_HTTP_ANOM_CTL_IN_VALUE;
    }
    return a;
}

/* "HTTP/" DIGIT "." DIGIT */
static bool parse_version(const char *p, size_t n, int *major, int *minor)
{
    if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.')
        return false;
    if (p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
        return false;
    *major = p[5] - '0';
    *minor = p[7] - '0';
    return true;
}

/* Methods for which a request line without a well-formed version is still
 * taken as HTTP (browsers and scanners send "GET /HTTP/1.1" or "HTTP/1."
 * and Wireshark and Zeek both read them); any other token needs the strict
 * form, so that other protocols' text is not mistaken for requests. */
static bool known_method(const char *p, size_t n)
{
    static const char *const m[] = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        "CCM_POST", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        size_t l = strlen(m[i]);
        if (l == n && memcmp(p, m[i], n) == 0)
            return true;
    }
    return false;
}

static bool parse_request_line(const char *p, size_t n, struct sf_http_start *s)
{
    size_t i = 0, a, last, end;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i == 0 || i > 32 || (i < n && p[i] != ' '))
        return false;
    s->method = p;
    s->method_len = i;
    for (size_t k = i; k < n; k++) {
        /* The target: no control bytes (bytes >= 0x80 are tolerated, as
         * browsers send them). */
        unsigned char c = (unsigned char)p[k];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    while (i < n && p[i] == ' ')
        i++;
    end = n;
    while (end > i && p[end - 1] == ' ')
        end--;
    a = i;
    /* The version is the last space-separated token. */
    last = end;
    while (last > a && p[last - 1] != ' ')
        last--;
    if (last > a && end - last >= 5 && memcmp(p + last, "HTTP/", 5) == 0) {
        size_t ue = last;
        while (ue > a && p[ue - 1] == ' ')
            ue--;
        s->uri = p + a;
        s->uri_len = ue - a;
        s->version = p + last + 5;
        s->version_len = end - last - 5;
        if (parse_version(p + last, end - last, &s->major, &s->minor) && s->uri_len > 0)
            return true;
        s->major = 1;
        s->minor = 0;
        return known_method(s->method, s->method_len);
    }
    /* No version: "GET /HTTP/1.1", "OPTIONS". */
    s->uri = p + a;
    s->uri_len = end - a;
    s->version = NULL;
    s->version_len = 0;
    s->major = 0;
    s->minor = 9;
    return known_method(s->method, s->method_len);
}

/* A status line, read as tshark 4.0 reads it: "HTTP/" and a version token
 * (a malformed one such as "1.01" is kept as sent), spaces, then a status
 * code whose leading digits are its value ("2xx" is 2, as tshark's
 * http.response.code says), then the reason.  Anything but the strict
 * "HTTP/" DIGIT "." DIGIT SP 3DIGIT form is noted as an anomaly. */
static bool parse_status_line(const char *p, size_t n, struct sf_http_start *s)
{
    size_t i = 5, v, c, digits = 0;
    int status = 0;
    if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
        return false;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
        i++;
    if (i == 5 || i - 5 > 8)
        return false;
    s->version = p + 5;
    s->version_len = i - 5;
    if (!parse_version(p, i, &s->major, &s->minor)) {
        s->anomalies |= SF_HTTP_ANOM_START_LINE;
        s->major = (p[5] >= '0' && p[5] <= '9') ? p[5] - '0' : 1;
        s->minor = (i > 7 && p[6] == '.' && p[7] >= '0' && p[7] <= '9') ? p[7] - '0' : 0;
    }
    v = i;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i != v + 1 || p[v] != ' ')
        s->anomalies |= SF_HTTP_ANOM_START_LINE;
    c = i;
    while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 3) {
        status = status * 10 + (p[i] - '0');
        digits++;
        i++;
    }
    if (digits == 0 || status == 0)
        return false;
    if (digits != 3 || status < 100)
        s->anomalies |= SF_HTTP_ANOM_START_LINE;
    s->status = status;
    /* The rest of the status-code field ("xx" of "2xx") and the reason. */
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
        i++;
    if (i - c != 3)
        s->anomalies |= SF_HTTP_ANOM_START_LINE;
    if (i < n)
        i++;   /* the separator: SP, or a bare CR read as one */
    s->reason = p + (i < n ? i : n);
    s->reason_len = i < n ? n - i : 0;
    s->anomalies |= ctl_anomalies(p + c, n - c);
    return true;
}

/* True when p[0..n) is nothing but CRs (an empty line for tshark). */
static bool only_cr(const char *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (p[k] != '\r')
            return false;
    return true;
}

static long parse_head(const char *buf, size_t len, bool request, struct sf_http_start *s,
                       struct sf_http_header *h, size_t *nh, size_t max_line)
{
    size_t at = 0, next = 0, cap = *nh, count = 0;
    long l;

    memset(s, 0, sizeof(*s));
    *nh = 0;
    /* RFC 9112 section 2.2: empty lines before a request line are ignored. */
    while (at < len && (buf[at] == '\r' || buf[at] == '\n'))
        at++;
    l = next_line(buf, len, at, &next, max_line, &s->anomalies);
    if (l < 0)
        return l;
    if (request ? !parse_request_line(buf + at, (size_t)l, s) : !parse_status_line(buf + at, (size_t)l, s))
        return SF_HTTP_PARSE_ERROR;
    at = next;
    for (;;) {
        const char *p;
        size_t i, j, vs, ve;
        l = next_line(buf, len, at, &next, max_line, &s->anomalies);
        if (l < 0)
            return l;
        p = buf + at;
        at = next;
        if (only_cr(p, (size_t)l))
            break;
        if (count == cap)
            return SF_HTTP_PARSE_ERROR;
        if (p[0] == ' ' || p[0] == '\t') {
            if (count == 0) {
                /* RFC 9112 section 2.2: a whitespace-led line before the
                 * first header is consumed without further processing. */
                s->anomalies |= SF_HTTP_ANOM_LEADING_WS;
                continue;
            }
            /* obs-fold (RFC 9112 section 5.2): joined to the previous value. */
            s->anomalies |= SF_HTTP_ANOM_OBS_FOLD;
            vs = 0;
            while (vs < (size_t)l && (p[vs] == ' ' || p[vs] == '\t'))
                vs++;
            ve = (size_t)l;
            while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
                ve--;
            s->anomalies |= ctl_anomalies(p + vs, ve - vs);
            h[count].name = NULL;
            h[count].name_len = 0;
            h[count].value = p + vs;
            h[count].value_len = ve - vs;
            count++;
            continue;
        }
        for (i = 0; i < (size_t)l && is_tchar((unsigned char)p[i]); i++)
            ;
        j = i;
        while (j < (size_t)l && (p[j] == ' ' || p[j] == '\t'))
            j++;
        if (i == 0 || j >= (size_t)l || p[j] != ':') {
            /* A byte no field name may hold (NUL, a form feed, a letter
             * beyond ASCII), or no colon at all: this line is ignored, the
             * message and its other headers stay. */
            s->anomalies |= memchr(p, ':', (size_t)l) ? SF_HTTP_ANOM_BAD_NAME : SF_HTTP_ANOM_NO_COLON;
            continue;
        }
        if (j != i)
            s->anomalies |= SF_HTTP_ANOM_WS_BEFORE_COLON;   /* kept, as a proxy must (RFC 9112 5.1) */
        vs = j + 1;
        while (vs < (size_t)l && (p[vs] == ' ' || p[vs] == '\t'))
            vs++;
        ve = (size_t)l;
        while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
            ve--;
        s->anomalies |= ctl_anomalies(p + vs, ve - vs);
        h[count].name = p;
        h[count].name_len = i;
        h[count].value = p + vs;
        h[count].value_len = ve - vs;
        count++;
    }
    *nh = count;
    return (long)at;
}

long sf_http_parse_request(const char *buf, size_t len, struct sf_http_start *s,
                           struct sf_http_header *h, size_t *nh, size_t max_line)
{
    return parse_head(buf, len, true, s, h, nh, max_line);
}

long sf_http_parse_response(const char *buf, size_t len, struct sf_http_start *s,
                            struct sf_http_header *h, size_t *nh, size_t max_line)
{
    return parse_head(buf, len, false, s, h, nh, max_line);
}

/* demo.c - synfin --demo: serve a page on loopback, fetch it with MSS 1460, capture on lo, show it. */
#include <errno.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cli/demo.h"
#include "cli/live_cli.h"
#include "synfin/live.h"

#ifndef SF_DATADIR
#define SF_DATADIR "/usr/local/share/synfin"
#endif

#define BUNDLED "http-get-segmented.pcap"
/* The bundled capture's page is 20,399 bytes: 14 full segments and a bit. */
#define PAGE_BYTES 20399
#define DEMO_MSS 1460
#define IO_TIMEOUT_S 5

struct server {
    int lfd;
    int status;              /* 0 served, -1 failed */
    char page[PAGE_BYTES];
};

/* The capture runs in a thread of its own while the client fetches: lo's
 * 64 KB MTU makes libpcap's ring slots large, so the ring holds only a few
 * dozen frames and must be read as they come. */
struct grabber {
    struct sf_live *l;
    atomic_int fetched;      /* set once the exchange is over */
    uint64_t frames, max_frame;
};

static void *grab_main(void *arg)
{
    struct grabber *g = arg;
    struct sf_frame f;
    time_t deadline = time(NULL) + 3 * IO_TIMEOUT_S;
    int quiet = 0;

    /* After the exchange, read until the wire has been quiet for 300 ms
     * (the last ACK follows the server's FIN at once on lo). */
    while (quiet < 3 && time(NULL) < deadline) {
        int r = sf_live_next(g->l, &f);
        if (r == 1) {
            g->frames++;
            if (f.wirelen > g->max_frame)
                g->max_frame = f.wirelen;
            quiet = 0;
        } else if (r == 0) {
            if (atomic_load(&g->fetched))
                quiet++;
        } else {
            break;
        }
    }
    return NULL;
}

/* A deterministic HTML page of exactly PAGE_BYTES bytes. */
static void make_page(char *page)
{
    static const char head[] = "<!DOCTYPE html>\n<html><head><title>synfin demo</title></head><body>\n";
    static const char tail[] = "</body></html>\n";
    size_t at = 0, n;
    int line = 1;
    char buf[128];

    memcpy(page, head, sizeof(head) - 1);
    at = sizeof(head) - 1;
    while (at < PAGE_BYTES - (sizeof(tail) - 1)) {
        n = (size_t)snprintf(buf, sizeof(buf),
                             "<p>line %04d: a page large enough to be cut into several TCP segments.</p>\n",
                             line++);
        if (n > PAGE_BYTES - (sizeof(tail) - 1) - at)
            n = PAGE_BYTES - (sizeof(tail) - 1) - at;
        memcpy(page + at, buf, n);
        at += n;
    }
    memcpy(page + at, tail, sizeof(tail) - 1);
}

static void set_timeouts(int fd)
{
    struct timeval tv = { IO_TIMEOUT_S, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One connection: read the request head, send the page, then wait for the
 * client's FIN before closing, so the close is the tutorial's: client FIN,
 * server FIN+ACK, last ACK. */
static void *server_main(void *arg)
{
    struct server *s = arg;
    struct pollfd pfd = { s->lfd, POLLIN, 0 };
    char req[4096], *resp;
    size_t got = 0;
    int fd, hn;

    s->status = -1;
    if (poll(&pfd, 1, IO_TIMEOUT_S * 1000) != 1)
        return NULL;
    fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    set_timeouts(fd);
    while (got < sizeof(req) - 1) {
        ssize_t r = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    /* Head and page in one write, as a server with sendfile does: the
     * first segment is then a full one too. */
    resp = malloc(PAGE_BYTES + 256);
    if (resp) {
        hn = snprintf(resp, 256,
                      "HTTP/1.1 200 OK\r\nServer: synfin-demo\r\nContent-Type: text/html\r\n"
                      "Content-Length: %d\r\n\r\n", PAGE_BYTES);
        memcpy(resp + hn, s->page, PAGE_BYTES);
        if (got > 0 && write_all(fd, resp, (size_t)hn + PAGE_BYTES) == 0) {
            while (recv(fd, req, sizeof(req), 0) > 0)
                ;
            s->status = 0;
        }
        free(resp);
    }
    close(fd);
    return NULL;
}

/* The client: MSS 1460 before connect, GET, read the whole response, close. */
static int fetch(uint16_t port, size_t *body)
{
    struct sockaddr_in sa;
    char req[256], buf[8192];
    int fd, mss = DEMO_MSS, n;
    size_t got = 0, want = 0, head_len = 0;
    bool have_head = false;
    char *hdr = malloc(PAGE_BYTES + 4096);

    *body = 0;
    if (!hdr)
        return -1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        free(hdr);
        return -1;
    }
    /* Before connect, TCP_MAXSEG caps the MSS the SYN announces: the
     * server then cuts its data into 1460 - 12 (timestamps) = 1448-byte
     * segments, 1514-byte Ethernet frames, whatever lo's 64 KB MTU says. */
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
    set_timeouts(fd);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        free(hdr);
        return -1;
    }
    n = snprintf(req, sizeof(req), "GET /page.html HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                   "User-Agent: synfin-demo\r\nAccept: */*\r\n\r\n", port);
    if (write_all(fd, req, (size_t)n) != 0) {
        close(fd);
        free(hdr);
        return -1;
    }
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r <= 0)
            break;
        if (got + (size_t)r > PAGE_BYTES + 4096)
            break;
        memcpy(hdr + got, buf, (size_t)r);
        got += (size_t)r;
        if (!have_head) {
            char *end = memmem(hdr, got, "\r\n\r\n", 4);
            char *cl = memmem(hdr, got, "Content-Length: ", 16);
            if (end && cl) {
                have_head = true;
                head_len = (size_t)(end - hdr) + 4;
                want = strtoul(cl + 16, NULL, 10);
            }
        }
        if (have_head && got - head_len >= want)
            break;
    }
    close(fd);
    free(hdr);
    *body = have_head ? got - head_len : 0;
    return have_head && *body == want ? 0 : -1;
}

static int ethtool_off(int fd, const char *ifname, uint32_t cmd)
{
    struct ethtool_value ev = { cmd, 0 };
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (char *)&ev;
    return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* With the right to (root), the demo moves itself into a network namespace
 * of its own: its lo starts down and belongs to nobody else, so it can be
 * brought up with TSO and GSO off.  Then what the capture sees is what TCP
 * cut, 1514-byte frames, instead of the up-to-64 KB "super-packets" the
 * host's lo hands to the capture.  The namespace ends with the process. */
static bool private_lo(void)
{
    struct ifreq ifr;
    int fd;
    bool ok = false;

    if (unshare(CLONE_NEWNET) != 0)
        return false;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return false;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0)
            ok = ethtool_off(fd, "lo", ETHTOOL_STSO) == 0 && ethtool_off(fd, "lo", ETHTOOL_SGSO) == 0;
    }
    close(fd);
    return ok;
}

static bool readable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* The bundled capture: beside the source tree the binary was built in
 * (build/synfin, build/asan/synfin), in an installed share directory, or
 * below the current directory. */
static bool find_bundled(char *out, size_t len)
{
    char exe[PATH_MAX], *slash;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    static const char *const rel[] = { "/../captures/", "/../../captures/", "/../share/synfin/" };

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
                int n2 = snprintf(out, len, "%s%s%s", exe, rel[i], BUNDLED);
                if (n2 > 0 && (size_t)n2 < len && readable(out))
                    return true;
            }
        }
    }
    snprintf(out, len, "%s/%s", SF_DATADIR, BUNDLED);
    if (readable(out))
        return true;
    snprintf(out, len, "captures/%s", BUNDLED);
    return readable(out);
}

/* Runs synfin itself on the capture (a child process, so the demo shows
 * exactly what the command a reader would type shows).  Returns its exit
 * status. */
static int run_self(char *const argv[])
{
    pid_t pid;
    int st;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* The explained timeline, then the ladder diagram. */
static int show(const char *path, const char *color)
{
    char colorarg[32];
    int rc;

    snprintf(colorarg, sizeof(colorarg), "--color=%s", color ? color : "auto");
    {
        char *const argv[] = { "synfin", colorarg, "--no-progress", "--explain", "-r", (char *)path, NULL };
        rc = run_self(argv);
    }
    if (rc != 0)
        return rc;
    printf("\nThe same connection as a ladder diagram (synfin -F ladder):\n\n");
    {
        char *const argv[] = { "synfin", colorarg, "--no-progress", "-F", "ladder", "-r", (char *)path, NULL };
        rc = run_self(argv);
    }
    return rc;
}

static int fallback(const char *color, const char *why)
{
    char path[PATH_MAX];

    char *real;

    if (!find_bundled(path, sizeof(path))) {
        fprintf(stderr, "synfin --demo: cannot find %s (looked beside the binary, in %s and in ./captures)\n",
                BUNDLED, SF_DATADIR);
        return 1;
    }
    real = realpath(path, NULL);   /* build/../captures/x -> /src/captures/x */
    if (real) {
        snprintf(path, sizeof(path), "%s", real);
        free(real);
    }
    printf("synfin --demo: %s; here is the same experiment recorded earlier\n"
           "(%s: curl fetched a 20 KB page from nginx between two network namespaces;\n"
           "curl's SYN offered MSS 1460, so the page came in 1514-byte frames):\n\n",
           why, path);
    return show(path, color);
}

int sf_demo_main(const char *color)
{
    struct sf_live_config cfg;
    struct server *srv = NULL;
    struct grabber g;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    enum sf_live_fail why;
    pthread_t th_srv, th_cap;
    char err[512], filter[64], tmp[64] = "/tmp/synfin-demo-XXXXXX.pcap";
    uint16_t port;
    int one = 1, mss = DEMO_MSS, tfd = -1, rc = 1;
    size_t body = 0;
    bool own_lo, srv_up = false, cap_up = false;

    memset(&g, 0, sizeof(g));
    atomic_init(&g.fetched, 0);
    own_lo = private_lo();
    srv = calloc(1, sizeof(*srv));
    if (!srv)
        return 1;
    make_page(srv->page);
    srv->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* The server's SYN+ACK announces 1460 too, as on Ethernet (on lo it
     * would announce 65483: MTU 65536 - 40 - 12). */
    setsockopt(srv->lfd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
    if (srv->lfd < 0 || bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(srv->lfd, 1) != 0 || getsockname(srv->lfd, (struct sockaddr *)&sa, &salen) != 0) {
        fprintf(stderr, "synfin --demo: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        goto out;
    }
    port = ntohs(sa.sin_port);

    snprintf(filter, sizeof(filter), "tcp port %u", port);
    memset(&cfg, 0, sizeof(cfg));
    cfg.iface = "lo";
    cfg.filter = filter;
    cfg.timeout_ms = 100;
    /* lo's MTU is 64 KB and libpcap sizes each ring slot by it in
     * immediate mode: 2 MB would hold about 15 frames, less than one
     * exchange at loopback speed.  16 MB holds some 240. */
    cfg.buffer_bytes = 16 << 20;
    g.l = sf_live_open(&cfg, &why, err, sizeof(err));
    if (!g.l) {
        if (why == SF_LIVE_FAIL_PERM) {
            sf_cli_live_perm_message(stderr, "lo");
            rc = fallback(color, "no permission to capture on lo");
        } else {
            fprintf(stderr, "synfin --demo: lo: cannot capture: %s\n", err);
            rc = fallback(color, "capturing on lo failed");
        }
        goto out;
    }
    tfd = mkstemps(tmp, 5);
    if (tfd < 0 || sf_live_dump_open(g.l, tmp, err, sizeof(err)) != 0) {
        fprintf(stderr, "synfin --demo: cannot write a temporary capture in /tmp: %s\n",
                tfd < 0 ? strerror(errno) : err);
        goto out;
    }
    /* Nameless from now on: an interrupted demo leaves nothing in /tmp.
     * The children read it through the descriptor they inherit. */
    unlink(tmp);
    snprintf(tmp, sizeof(tmp), "/dev/fd/%d", tfd);
    if (pthread_create(&th_cap, NULL, grab_main, &g) != 0) {
        fprintf(stderr, "synfin --demo: cannot start the capture thread\n");
        goto out;
    }
    cap_up = true;
    if (pthread_create(&th_srv, NULL, server_main, srv) != 0) {
        fprintf(stderr, "synfin --demo: cannot start the server thread\n");
        goto out;
    }
    srv_up = true;
    if (fetch(port, &body) != 0) {
        fprintf(stderr, "synfin --demo: fetching the page from 127.0.0.1:%u failed\n", port);
        goto out;
    }
    pthread_join(th_srv, NULL);
    srv_up = false;
    atomic_store(&g.fetched, 1);
    pthread_join(th_cap, NULL);
    cap_up = false;
    sf_live_close(g.l);       /* writes the -w file out */
    g.l = NULL;

    printf("synfin --demo: the tutorial's experiment, run on this machine\n"
           "  server   127.0.0.1:%u, a thread of this process serving /page.html (%d bytes)\n"
           "  client   TCP_MAXSEG %d set before connect, so its SYN offers MSS %d and the server\n"
           "           cuts the page into %d-byte segments (%d minus 12 bytes of TCP timestamps)\n"
           "  capture  %s, filter '%s':\n"
           "           %llu frames, the largest %llu bytes\n",
           port, PAGE_BYTES, DEMO_MSS, DEMO_MSS, DEMO_MSS - 12, DEMO_MSS,
           own_lo ? "lo of a private network namespace with TSO/GSO off" : "lo", filter,
           (unsigned long long)g.frames, (unsigned long long)g.max_frame);
    if (!own_lo && g.max_frame > 1514)
        printf("  note     this lo hands the capture TCP's unsplit \"super-packets\" (TSO/GSO, up to\n"
               "           64 KB); as root the demo uses a private lo with them off (docs/live.md)\n");
    printf("\n");
    rc = show(tmp, color);
out:
    if (srv_up) {
        /* The server gives up by itself after its 5 s timeouts. */
        shutdown(srv->lfd, SHUT_RDWR);
        pthread_join(th_srv, NULL);
    }
    if (cap_up) {
        atomic_store(&g.fetched, 1);
        pthread_join(th_cap, NULL);
    }
    sf_live_close(g.l);
    if (tfd >= 0) {
        close(tfd);
        if (strncmp(tmp, "/dev/fd/", 8) != 0)
            unlink(tmp);
    }
    if (srv->lfd >= 0)
        close(srv->lfd);
    free(srv);
    return rc;
}

/* main.c - the synfin command line: options, inputs, BPF filter and the choice of output. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libintl.h>
#include <locale.h>
#include <sys/stat.h>
#include <time.h>

#ifndef SYNFIN_LOCALEDIR
#define SYNFIN_LOCALEDIR "/usr/local/share/locale"
#endif

#include "synfin/analyzer.h"
#include "synfin/http.h"
#include "synfin/keylog.h"
#include "synfin/source.h"
#include "format/format.h"
#include "cli/demo.h"
#include "cli/dfilter.h"
#include "cli/live_cli.h"
#include "cli/progress.h"
#include "cli/tsv_cli.h"
#include "cli/db.h"

#define SYNFIN_VERSION "0.1.0"

static const char usage_text[] =
    "usage: synfin [options] -r FILE [-r FILE ...] [-w OUT] [BPF expression]\n"
    "       synfin [options] -i IFACE [-w FILE] [-Z USER] [BPF expression]\n"
    "       synfin --demo\n"
    "\n"
    "Shows the life of every TCP connection in a capture, from the SYN to the last\n"
    "FIN.\n"
    "\n"
    "input:\n"
    "  -r FILE             read a pcap or pcapng file ('-' = standard input); repeat\n"
    "                      to merge several files by timestamp\n"
    "  -i IFACE            capture live on IFACE (needs root or\n"
    "                      CAP_NET_RAW,CAP_NET_ADMIN); records stream as packets\n"
    "                      arrive; Ctrl-C ends the capture, every open connection is\n"
    "                      reported, then the kernel's drop counts\n"
    "  -w FILE             save the frames to FILE (pcap): with -i every captured\n"
    "                      frame; with -r those the BPF filter, --conn and -Y select\n"
    "                      (without -F, nothing else is written, as tcpdump -w)\n"
    "  -Z USER             -i: drop privileges to USER once the device is open\n"
    "  -B KIB              -i: kernel capture buffer in KiB (default 2048)\n"
    "  -s SNAPLEN          -i: bytes kept of each frame (default 262144)\n"
    "  -D                  list the interfaces -i can capture on\n"
    "  -n, -nn             accepted for tcpdump habits: synfin never resolves names\n"
    "  --no-progress       no progress bar (one is drawn on stderr, a terminal, for\n"
    "                      files)\n"
    "  --demo              serve a 20 KB page on 127.0.0.1, fetch it with MSS 1460,\n"
    "                      capture it on lo and show its handshake, data and close\n"
    "  -c N                stop after N frames\n"
    "  --keylog FILE       TLS secrets in the NSS key log format (SSLKEYLOGFILE):\n"
    "                      HTTPS is decrypted and read as HTTP; with -i the file\n"
    "                      is re-read as it grows.  Secrets in a pcapng Decryption\n"
    "                      Secrets Block are used without it\n"
    "  BPF expression      tcpdump filter syntax, e.g. 'tcp port 80' (frames it\n"
    "                      rejects are counted as filtered)\n"
    "output:\n"
    "  -F FORMAT           text (default): per connection, packets grouped by phase\n"
    "                      summary: one line per connection\n"
    "                      jsonl: one JSON object per line (docs/jsonl.md)\n"
    "                      tsv: flat typed tables conn, http, packet (docs/tsv.md)\n"
    "                      har: HTTP transactions as HAR 1.2 (docs/http.md)\n"
    "                      ladder: a sequence diagram per connection, 80 columns\n"
    "                      html: one self-contained page (use -o report.html):\n"
    "                      connections, SVG ladders, anomalies, HTTP waterfall\n"
    "                      (docs/html.md)\n"
    "  -t FMT              time column of text and ladder, as tshark -t: r since the\n"
    "                      first frame (default), d since the previous frame, dd\n"
    "                      since the connection's previous frame, a/ad/adoy local\n"
    "                      time/with date/with day of year, u/ud/udoy the same in\n"
    "                      UTC, e epoch; tcpdump's -tt, -ttt, -tttt, -ttttt too\n"
    "  --explain           a sentence under every packet: what it does and why\n"
    "  --lang LANG         language of the explanations: en or ko (default from LANG)\n"
    "  --ascii             ladder in plain ASCII instead of Unicode box drawing\n"
    "  --full              ladder: show every packet (runs of data are folded by\n"
    "                      default)\n"
    "  --no-notes          text, ladder: mark analysis flags on their packets without\n"
    "                      the sentence (by default the first of each kind in a\n"
    "                      connection is explained, repeats are marked and listed)\n"
    "  --har-bodies        -F har: include response bodies (decoded, up to 1 MiB\n"
    "                      each)\n"
    "  --follow N          the reassembled conversation of connection N, both\n"
    "                      directions marked, gaps as [N bytes missing] (instead of\n"
    "                      -F)\n"
    "  --follow-format F   text (default: printable, '.' for other bytes) or raw\n"
    "                      (bytes as sent)\n"
    "  --export-objects DIR\n"
    "                      write every HTTP response body (de-chunked, decoded) into\n"
    "                      DIR, with an index.json; never overwrites\n"
    "  --export-max-bytes N\n"
    "                      --export-objects: write at most N body bytes in all\n"
    "                      (default 1 GiB, or half the free space when less); a\n"
    "                      body cut is named on stderr and in index.json\n"
    "  -o FILE             write the output to FILE instead of standard output\n"
    "  --conn N[,N...]     only these connections (numbers as Wireshark's tcp.stream)\n"
    "  -Y, --display-filter EXPR\n"
    "                      display filter on the analysis, e.g. 'conn.close ==\n"
    "                      rst_abort', 'packet.analysis contains retransmission',\n"
    "                      'http.status >= 500' (docs/filter.md); connection terms\n"
    "                      select whole connections\n"
    "  --list-fields       the fields -Y knows, with their types\n"
    "  --capture-id ID     the capture id of every record (uid = ID/conn); default:\n"
    "                      the -r file names without directory and extension,\n"
    "                      joined by '+' (docs/jsonl.md)\n"
    "  --community-id-seed N\n"
    "                      seed of the Community ID flow hash (0-65535, default 0)\n"
    "  --db URL            load the conn and http rows (packet rows with\n"
    "                      --packet-keys) into PostgreSQL with COPY as they are\n"
    "                      produced; creates the tables when missing\n"
    "                      (docs/sql/schema.sql); without -F nothing else is written\n"
    "  --db-commit-every S commit the rows loaded so far every S seconds (capture\n"
    "                      time; wall clock with -i); default: once at the end for\n"
    "                      files (all or nothing), every 10 s with -i\n"
    "  --packet-keys       packet records carry uid, capture_id, file,\n"
    "                      community_id and ts_ns too; -F tsv -o DIR/ writes\n"
    "                      packet.tsv\n"
    "  --table T           -F tsv: the table for stdout or -o FILE: conn (default),\n"
    "                      http or packet; -o DIR/ writes DIR/conn.tsv, http.tsv\n"
    "  --color[=WHEN]      auto (default), always or never; NO_COLOR turns it off\n"
    "tracking:\n"
    "  --idle-timeout S    end a connection after S seconds of capture time without a\n"
    "                      packet (default 600, 0 = never)\n"
    "  --close-linger S    keep a closed connection S seconds for late packets\n"
    "                      (default 5)\n"
    "  --max-conns N       connections tracked at once (default 1000000)\n"
    "  --syn-timeout S     end an attempt (SYNs, nothing back) after S seconds\n"
    "                      without a packet (default 130, 0 = only --idle-timeout)\n"
    "  --memcap BYTES      memory for the state of all connections, reassembly\n"
    "                      included (default 1073741824, 0 = none); beyond it the\n"
    "                      least useful is released first (closed, then attempts,\n"
    "                      then the quietest open), each still reported\n"
    "  --reasm-max BYTES   out-of-order bytes held per direction (default 1048576)\n"
    "  --reasm-memcap BYTES\n"
    "                      memory for out-of-order pieces of all connections,\n"
    "                      bookkeeping included (default 268435456)\n"
    "other:\n"
    "  -h, --help          this help\n"
    "  -V, --version       the version (alone on the command line)\n"
    "\n"
    "Every frame is accounted for at the end: TCP analysed, skipped with a reason,\n"
    "or filtered.\n";

enum { OPT_CONN = 256, OPT_COLOR, OPT_IDLE, OPT_LINGER, OPT_MAXCONNS,
       OPT_EXPLAIN, OPT_LANG, OPT_ASCII, OPT_FULL, OPT_NO_NOTES,
       OPT_FOLLOW, OPT_FOLLOW_FORMAT, OPT_EXPORT, OPT_EXPORT_MAX, OPT_HAR_BODIES, OPT_REASM_MAX, OPT_REASM_MEMCAP,
       OPT_LIST_FIELDS, OPT_CAPTURE_ID, OPT_CID_SEED, OPT_PACKET_KEYS,
       OPT_TABLE, OPT_DB, OPT_DB_EVERY, OPT_SYN_TIMEOUT, OPT_MEMCAP, OPT_KEYLOG };
/* Live capture, demo and progress bar (src/cli/live_cli.c, demo.c, progress.c). */
enum { OPT_DEMO = 512, OPT_NO_PROGRESS };

struct cli {
    enum sf_time_fmt time_fmt;  /* -t */
    const char **inputs;
    size_t ninputs;
    uint64_t max_frames;
    const char *format;
    bool format_given;        /* -F on the command line */
    const char *outpath;
    const char *display_filter;   /* -Y */
    uint64_t *conns;
    size_t nconns;
    int color;                /* -1 auto, 0 never, 1 always */
    bool explain, ascii, full, no_notes;
    const char *lang;
    char *filter;
    struct sf_analyzer_config cfg;
    struct sf_http_config http;   /* application layer (reassembly, HTTP) */
    struct sf_out_http_opts hopts;
    bool follow;
    const char *export_dir;
    uint64_t export_max;      /* --export-max-bytes, 0 = default */
    const char *iface;        /* -i: live capture */
    const char *dump_path;    /* -w */
    const char *user;         /* -Z */
    int buffer_bytes;         /* -B, in bytes */
    int snaplen;              /* -s, 0 = default */
    bool list_ifaces;         /* -D */
    bool version;             /* -V */
    bool demo, no_progress;
    const char *capture_id;   /* --capture-id */
    char capture_id_buf[160]; /* the default, derived from the inputs */
    uint16_t cid_seed;        /* --community-id-seed */
    bool packet_keys;         /* --packet-keys */
    int table;                /* --table: the -F tsv table of stdout / -o FILE; -1 = conn */
    const char *db;           /* --db URL */
    int64_t db_every_ns;      /* --db-commit-every; -1 = the default (0 files, 10 s live) */
    const char *keylog_path;  /* --keylog */
};

/* One compiled filter per link type: pcapng files mix them. */
struct bpf_cache {
    uint32_t linktype[16];
    struct bpf_program prog[16];
    int state[16];            /* 1 compiled, -1 failed */
    int n;
    uint8_t scratch[SF_MAX_RECORD_CAPLEN];
};

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    /* strtoull skips blanks and silently negates "-1" (even " -1") into a huge value:
     * only plain decimal digits are a number here, and ERANGE is overflow. */
    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_secs(const char *s, int64_t *ns)
{
    char *end;
    double v;
    /* strtod accepts "nan", "inf" and hex floats; NaN passes every ordered comparison
     * as false, so the range test is written to fail for it.  Leading blanks and signs
     * are refused like in parse_u64 ("-0" is not a duration either). */
    if (((s[0] < '0' || s[0] > '9') && s[0] != '.') || s[strspn(s, "0123456789.eE+-")] != '\0')
        return -1;   /* decimal only: no hex float, no locale surprises */
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 1e9))
        return -1;
    *ns = (int64_t)(v * 1e9);
    return 0;
}

static int parse_conns(struct cli *cli, const char *s)
{
    char buf[64];
    if (!*s)
        return -1;   /* "--conn ''" selects nothing: a mistake, not "every connection" */
    while (*s) {
        size_t n = strcspn(s, ",");
        uint64_t v;
        uint64_t *grown;
        if (n == 0 || n >= sizeof(buf))
            return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (parse_u64(buf, &v) != 0)
            return -1;
        grown = realloc(cli->conns, (cli->nconns + 1) * sizeof(*grown));
        if (!grown)
            return -1;
        cli->conns = grown;
        cli->conns[cli->nconns++] = v;
        s += n;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* -D, as tcpdump -D: "1.eth0 [Up, Running]" or with the description. */
static int list_interfaces(void)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    int i = 0;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        fprintf(stderr, "synfin: -D: %s\n", errbuf);
        return -1;
    }
    for (pcap_if_t *d = all; d; d = d->next) {
        printf("%d.%s", ++i, d->name);
        if (d->description)
            printf(" (%s)", d->description);
        printf(" [%s%s%s]\n", d->flags & PCAP_IF_UP ? "Up" : "Down",
               d->flags & PCAP_IF_RUNNING ? ", Running" : "", d->flags & PCAP_IF_LOOPBACK ? ", Loopback" : "");
    }
    pcap_freealldevs(all);
    if (i == 0)
        fprintf(stderr, "synfin: -D: no interface to capture on (permission?)\n");
    return 1;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "conn", required_argument, NULL, OPT_CONN },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "lang", required_argument, NULL, OPT_LANG },
        { "ascii", no_argument, NULL, OPT_ASCII },
        { "full", no_argument, NULL, OPT_FULL },
        { "no-notes", no_argument, NULL, OPT_NO_NOTES },
        { "color", optional_argument, NULL, OPT_COLOR },
        { "colour", optional_argument, NULL, OPT_COLOR },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "close-linger", required_argument, NULL, OPT_LINGER },
        { "max-conns", required_argument, NULL, OPT_MAXCONNS },
        { "syn-timeout", required_argument, NULL, OPT_SYN_TIMEOUT },
        { "memcap", required_argument, NULL, OPT_MEMCAP },
        { "follow", required_argument, NULL, OPT_FOLLOW },
        { "keylog", required_argument, NULL, OPT_KEYLOG },
        { "follow-format", required_argument, NULL, OPT_FOLLOW_FORMAT },
        { "export-objects", required_argument, NULL, OPT_EXPORT },
        { "export-max-bytes", required_argument, NULL, OPT_EXPORT_MAX },
        { "har-bodies", no_argument, NULL, OPT_HAR_BODIES },
        { "reasm-max", required_argument, NULL, OPT_REASM_MAX },
        { "reasm-memcap", required_argument, NULL, OPT_REASM_MEMCAP },
        { "demo", no_argument, NULL, OPT_DEMO },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "display-filter", required_argument, NULL, 'Y' },
        { "list-fields", no_argument, NULL, OPT_LIST_FIELDS },
        { "capture-id", required_argument, NULL, OPT_CAPTURE_ID },
        { "community-id-seed", required_argument, NULL, OPT_CID_SEED },
        { "packet-keys", no_argument, NULL, OPT_PACKET_KEYS },
        { "table", required_argument, NULL, OPT_TABLE },
        { "db", required_argument, NULL, OPT_DB },
        { "db-commit-every", required_argument, NULL, OPT_DB_EVERY },
        { NULL, 0, NULL, 0 },
    };
    int ch;
    size_t flen = 0;

    cli->format = "text";
    cli->color = -1;
    cli->table = -1;
    cli->db_every_ns = -1;
    sf_analyzer_config_default(&cli->cfg);
    sf_http_config_default(&cli->http);
    /* getopt's own messages ("option requires an argument") name argv[0]:
     * one program name in every message, whatever path started us. */
    argv[0] = (char *)"synfin";
    while ((ch = getopt_long(argc, argv, "r:c:F:o:i:w:Z:B:Y:s:t:DnhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': {
            const char **grown = realloc(cli->inputs, (cli->ninputs + 1) * sizeof(*grown));
            if (!grown)
                return -1;
            cli->inputs = grown;
            cli->inputs[cli->ninputs++] = optarg;
            break;
        }
        case 'c':
            if (parse_u64(optarg, &cli->max_frames) != 0 || cli->max_frames == 0) {
                fprintf(stderr, "synfin: -c wants a positive number, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 'F':
            if (optarg[0] == '-') {
                fprintf(stderr, "synfin: -F wants a format (text, summary, jsonl, tsv, har, ladder, html), "
                                "not the option '%s'\n", optarg);
                return -1;
            }
            if (strcmp(optarg, "text") && strcmp(optarg, "summary") && strcmp(optarg, "jsonl") &&
                strcmp(optarg, "tsv") && strcmp(optarg, "har") && strcmp(optarg, "ladder") && strcmp(optarg, "html")) {
                fprintf(stderr, "synfin: unknown format '%s' (text, summary, jsonl, tsv, har, ladder, html)\n",
                        optarg);
                return -1;
            }
            cli->format = optarg;
            cli->format_given = true;
            break;
        case 'Y':
            cli->display_filter = optarg;
            break;
        case OPT_CAPTURE_ID:
            if (!sf_store_capture_id_ok(optarg)) {
                fprintf(stderr, "synfin: --capture-id wants 1 to 128 characters of A-Z a-z 0-9 . _ : + = @ -, "
                                "not '%s'\n", optarg);
                return -1;
            }
            cli->capture_id = optarg;
            break;
        case OPT_CID_SEED: {
            uint64_t v;
            if (parse_u64(optarg, &v) != 0 || v > 65535) {
                fprintf(stderr, "synfin: --community-id-seed wants a number from 0 to 65535, not '%s'\n", optarg);
                return -1;
            }
            cli->cid_seed = (uint16_t)v;
            break;
        }
        case OPT_DB:
            cli->db = optarg;
            break;
        case OPT_DB_EVERY:
            if (parse_secs(optarg, &cli->db_every_ns) != 0) {
                fprintf(stderr, "synfin: --db-commit-every wants seconds (0 = once, at the end), not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_TABLE:
            cli->table = sf_table_parse(optarg);
            if (cli->table < 0) {
                fprintf(stderr, "synfin: --table wants conn, http or packet, not '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_PACKET_KEYS:
            cli->packet_keys = true;
            break;
        case OPT_LIST_FIELDS: {
            const char *type, *meaning, *name;
            for (size_t i = 0; (name = sf_filter_field_name(i, &type, &meaning)) != NULL; i++)
                printf("%-28s %-8s %s\n", name, type, meaning);
            return 1;
        }
        case 'o':
            cli->outpath = optarg;
            break;
        case OPT_EXPLAIN:
            cli->explain = true;
            break;
        case OPT_ASCII:
            cli->ascii = true;
            break;
        case OPT_FULL:
            cli->full = true;
            break;
        case OPT_NO_NOTES:
            cli->no_notes = true;
            break;
        case OPT_LANG:
            if (strcmp(optarg, "en") && strcmp(optarg, "ko")) {
                fprintf(stderr, "synfin: --lang wants en or ko, not '%s'\n", optarg);
                return -1;
            }
            cli->lang = optarg;
            break;
        case OPT_CONN:
            if (parse_conns(cli, optarg) != 0) {
                fprintf(stderr, "synfin: --conn wants numbers separated by commas, not '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_COLOR:
            if (!optarg || strcmp(optarg, "always") == 0)
                cli->color = 1;
            else if (strcmp(optarg, "never") == 0)
                cli->color = 0;
            else if (strcmp(optarg, "auto") == 0)
                cli->color = -1;
            else {
                fprintf(stderr, "synfin: --color wants auto, always or never\n");
                return -1;
            }
            break;
        case OPT_IDLE:
            if (parse_secs(optarg, &cli->cfg.idle_timeout_ns) != 0) {
                fprintf(stderr, "synfin: --idle-timeout wants seconds, not '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_LINGER:
            if (parse_secs(optarg, &cli->cfg.close_linger_ns) != 0) {
                fprintf(stderr, "synfin: --close-linger wants seconds, not '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_FOLLOW:
            if (parse_u64(optarg, &cli->hopts.follow_conn) != 0) {
                fprintf(stderr, "synfin: --follow wants a connection number, not '%s'\n", optarg);
                return -1;
            }
            cli->follow = true;
            break;
        case OPT_KEYLOG:
            cli->keylog_path = optarg;
            break;
        case OPT_FOLLOW_FORMAT:
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "raw") != 0) {
                fprintf(stderr, "synfin: --follow-format wants text or raw\n");
                return -1;
            }
            cli->hopts.follow_raw = strcmp(optarg, "raw") == 0;
            break;
        case OPT_EXPORT:
            cli->export_dir = optarg;
            break;
        case OPT_EXPORT_MAX:
            if (parse_u64(optarg, &cli->export_max) != 0 || cli->export_max == 0 ||
                cli->export_max > ((uint64_t)1 << 50)) {
                fprintf(stderr, "synfin: --export-max-bytes wants a positive number of bytes\n");
                return -1;
            }
            break;
        case OPT_HAR_BODIES:
            cli->hopts.har_bodies = true;
            break;
        case OPT_REASM_MAX:
        case OPT_REASM_MEMCAP: {
            uint64_t v;
            if (parse_u64(optarg, &v) != 0 || v == 0 || v > ((uint64_t)1 << 40)) {
                fprintf(stderr, "synfin: --%s wants a positive number of bytes\n",
                        ch == OPT_REASM_MAX ? "reasm-max" : "reasm-memcap");
                return -1;
            }
            if (ch == OPT_REASM_MAX)
                cli->http.reasm_dir_bytes = (size_t)v;
            else
                cli->http.reasm_global_bytes = (size_t)v;
            break;
        }
        case OPT_SYN_TIMEOUT:
            if (parse_secs(optarg, &cli->cfg.syn_timeout_ns) != 0) {
                fprintf(stderr, "synfin: --syn-timeout wants seconds, not '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_MEMCAP:
            if (parse_u64(optarg, &cli->cfg.memcap) != 0 || cli->cfg.memcap > ((uint64_t)1 << 50)) {
                fprintf(stderr, "synfin: --memcap wants a number of bytes (0 = no cap)\n");
                return -1;
            }
            break;
        case OPT_MAXCONNS: {
            uint64_t v;
            if (parse_u64(optarg, &v) != 0 || v == 0 || v > UINT32_MAX) {
                fprintf(stderr, "synfin: --max-conns wants a positive number\n");
                return -1;
            }
            cli->cfg.max_conns = (uint32_t)v;
            break;
        }
        case 'i':
            cli->iface = optarg;
            break;
        case 'w':
            cli->dump_path = optarg;
            break;
        case 'Z':
            cli->user = optarg;
            break;
        case 'B': {
            uint64_t v;
            if (parse_u64(optarg, &v) != 0 || v == 0 || v > (1u << 20)) {
                fprintf(stderr, "synfin: -B wants a buffer size in KiB (1 to 1048576)\n");
                return -1;
            }
            cli->buffer_bytes = (int)(v * 1024);
            break;
        }
        case OPT_DEMO:
            cli->demo = true;
            break;
        case OPT_NO_PROGRESS:
            cli->no_progress = true;
            break;
        case 's': {
            uint64_t v;
            if (parse_u64(optarg, &v) != 0 || v > SF_MAX_RECORD_CAPLEN) {
                fprintf(stderr, "synfin: -s wants a snapshot length in bytes (0 to %u; 0 = %u)\n",
                        SF_MAX_RECORD_CAPLEN, SF_MAX_RECORD_CAPLEN);
                return -1;
            }
            cli->snaplen = v == 0 ? (int)SF_MAX_RECORD_CAPLEN : (int)v;
            break;
        }
        case 'D':
            cli->list_ifaces = true;
            break;
        case 'n':
            break;   /* names are never resolved: nothing to turn off */
        case 't':
            if (sf_time_fmt_parse(optarg, &cli->time_fmt) != 0) {
                fprintf(stderr, "synfin: -t wants a time format (r, d, dd, a, ad, adoy, u, ud, udoy, e; "
                                "or tcpdump's -tt, -ttt, -tttt, -ttttt), not '%s'\n", optarg);
                return -1;
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 1;
        case 'V':
            cli->version = true;
            break;
        default:
            fputs("Try 'synfin --help'.\n", stderr);
            return -1;
        }
    }
    if (cli->version) {
        if (argc != 2) {
            fprintf(stderr, "synfin: -V prints the version and takes no other option\n");
            return -1;
        }
        printf("synfin %s (%s)\n", SYNFIN_VERSION, pcap_lib_version());
        return 1;
    }
    if (cli->list_ifaces) {
        if (argc != 2) {
            fprintf(stderr, "synfin: -D lists the interfaces and takes no other option\n");
            return -1;
        }
        return list_interfaces();
    }
    /* The rest of the command line is a BPF expression, as in tcpdump. */
    for (int i = optind; i < argc; i++)
        flen += strlen(argv[i]) + 1;
    if (flen) {
        size_t at = 0;
        cli->filter = calloc(1, flen + 1);
        if (!cli->filter)
            return -1;
        for (int i = optind; i < argc; i++) {
            size_t n = strlen(argv[i]);
            if (i > optind)
                cli->filter[at++] = ' ';
            memcpy(cli->filter + at, argv[i], n);
            at += n;
        }
    }
    if (cli->iface && cli->ninputs) {
        fprintf(stderr, "synfin: -i and -r cannot be used together\n");
        return -1;
    }
    if (!cli->iface && (cli->user || cli->buffer_bytes || cli->snaplen)) {
        fprintf(stderr, "synfin: -Z, -B and -s go with -i IFACE\n");
        return -1;
    }
    if (cli->follow && cli->format_given) {
        fprintf(stderr, "synfin: --follow is an output of its own: it does not take -F\n");
        return -1;
    }
    if (cli->table >= 0 && strcmp(cli->format, "tsv") != 0) {
        fprintf(stderr, "synfin: --table chooses a table of -F tsv\n");
        return -1;
    }
    if (cli->table >= 0 && sf_cli_tsv_is_dir(cli->outpath)) {
        fprintf(stderr, "synfin: -F tsv -o DIR writes every table: --table is for one table on standard "
                        "output or -o FILE\n");
        return -1;
    }
    if (cli->follow && cli->display_filter) {
        fprintf(stderr, "synfin: --follow shows one connection whole: it does not take -Y\n");
        return -1;
    }
    if (cli->ninputs == 0 && !cli->iface && !cli->demo) {
        fprintf(stderr, "synfin: no input: give a capture with -r FILE or an interface with -i (see --help)\n");
        return -1;
    }
    return 0;
}

/* A pcap handle for compiling a filter "as if reading a file of this link
 * type", so that the code matches tcpdump -r: for the BSD loopback types
 * libpcap then tests the address-family values every BSD writes (a dead
 * handle would test this host's AF_INET6 only).  The caller closes it. */
static pcap_t *filter_handle(uint32_t linktype, uint8_t hdr[24])
{
    uint32_t magic = 0xa1b2c3d4, snap = SF_MAX_RECORD_CAPLEN;
    uint16_t major = 2, minor = 4;
    char errbuf[PCAP_ERRBUF_SIZE];
    FILE *fp;
    pcap_t *p;

    memset(hdr, 0, 24);
    memcpy(hdr, &magic, 4);            /* host byte order: "not swapped" */
    memcpy(hdr + 4, &major, 2);
    memcpy(hdr + 6, &minor, 2);
    memcpy(hdr + 16, &snap, 4);
    memcpy(hdr + 20, &linktype, 4);
    fp = fmemopen(hdr, 24, "rb");
    if (!fp)
        return pcap_open_dead((int)linktype, SF_MAX_RECORD_CAPLEN);
    p = pcap_fopen_offline(fp, errbuf);
    if (!p) {
        fclose(fp);
        return pcap_open_dead((int)linktype, SF_MAX_RECORD_CAPLEN);
    }
    return p;
}

/* Returns 1 to keep the frame, 0 to drop it.  A filter that does not
 * compile for a link type is reported once and drops that link type. */
static int bpf_match(struct bpf_cache *bc, const char *filter, const struct sf_frame *f)
{
    struct pcap_pkthdr hdr;
    int i;

    for (i = 0; i < bc->n; i++)
        if (bc->linktype[i] == f->linktype)
            break;
    if (i == bc->n) {
        uint8_t filehdr[24];
        pcap_t *dead;
        if (bc->n == 16)
            return 0;
        bc->linktype[i] = f->linktype;
        bc->n++;
        dead = filter_handle(f->linktype, filehdr);
        if (!dead) {
            bc->state[i] = -1;
        } else if (pcap_compile(dead, &bc->prog[i], filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            fprintf(stderr, "synfin: filter '%s' does not apply to link type %u: %s "
                            "(its frames are filtered out)\n",
                    filter, f->linktype, pcap_geterr(dead));
            bc->state[i] = -1;
        } else {
            bc->state[i] = 1;
        }
        if (dead)
            pcap_close(dead);
    }
    if (bc->state[i] != 1)
        return 0;
    memset(&hdr, 0, sizeof(hdr));
    hdr.caplen = f->caplen;
    hdr.len = f->wirelen;
    if (f->linktype == 0 && f->caplen >= 4 && f->data[0] == 0 && f->data[3] != 0 &&
        f->caplen <= sizeof(bc->scratch)) {
        /* A BSD loopback header written by a big-endian host: libpcap
         * would have swapped it while reading, so do the same. */
        memcpy(bc->scratch, f->data, f->caplen);
        for (int k = 0; k < 2; k++) {
            uint8_t t = bc->scratch[k];
            bc->scratch[k] = bc->scratch[3 - k];
            bc->scratch[3 - k] = t;
        }
        return pcap_offline_filter(&bc->prog[i], &hdr, bc->scratch) != 0;
    }
    return pcap_offline_filter(&bc->prog[i], &hdr, f->data) != 0;
}

/* What the sink and the HTTP layer's callbacks reach. */
struct run {
    struct sf_output *out;
    struct sf_http_app *app;      /* NULL when the format needs no HTTP */
    struct sf_objects *objects;   /* --export-objects */
    uint64_t follow_conn;
    bool follow;
    FILE *fout;                   /* -i: flushed after every frame and tick */
    struct sf_dfilter *df;        /* -Y */
    bool learning;                /* -Y's first pass: nothing is shown */
    const struct cli *cli;
    const struct sf_frame *cur;   /* the frame being analysed (for -w with -r) */
    pcap_t *dump_dead;            /* -w with -r */
    pcap_dumper_t *dump;
    uint32_t dump_linktype;
    uint32_t first_linktype;      /* of the first frame read (an empty -w file gets it) */
    bool have_first_linktype;
    uint64_t saved, not_saved;
    bool dump_failed;
};

static bool conn_selected(const struct cli *cli, uint64_t id)
{
    if (!cli->nconns)
        return true;
    for (size_t i = 0; i < cli->nconns; i++)
        if (cli->conns[i] == id)
            return true;
    return false;
}

/* -r ... -w OUT: the frames selected by BPF (the analyzer only sees
 * those), --conn and -Y, as pcap with nanosecond timestamps.  A pcap file
 * has one link type: frames of another are counted, not written. */
static void dump_open(struct run *r, uint32_t linktype)
{
    if (r->dump || r->dump_failed)
        return;
    r->dump_dead = pcap_open_dead_with_tstamp_precision((int)linktype, SF_MAX_RECORD_CAPLEN,
                                                        PCAP_TSTAMP_PRECISION_NANO);
    r->dump = r->dump_dead ? pcap_dump_open(r->dump_dead, r->cli->dump_path) : NULL;
    if (!r->dump) {
        fprintf(stderr, "synfin: -w %s: %s\n", r->cli->dump_path,
                r->dump_dead ? pcap_geterr(r->dump_dead) : "out of memory");
        r->dump_failed = true;
        return;
    }
    r->dump_linktype = linktype;
}

static void dump_frame(struct run *r, const struct sf_frame *f)
{
    struct pcap_pkthdr h;
    if (f->linktype == SF_LINKTYPE_NO_IFACE)
        return;   /* no link type to write it under */
    dump_open(r, f->linktype);
    if (!r->dump)
        return;
    if (f->linktype != r->dump_linktype) {
        if (r->not_saved++ == 0)
            fprintf(stderr, "synfin: -w %s: frame of link type %u not saved (the file has link type %u; "
                            "a pcap file holds one)\n", r->cli->dump_path, f->linktype, r->dump_linktype);
        return;
    }
    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = (time_t)(f->ts_ns / 1000000000);
    h.ts.tv_usec = (suseconds_t)(f->ts_ns % 1000000000);   /* nanoseconds: the file says so */
    if (f->ts_ns < 0 && h.ts.tv_usec < 0) {
        h.ts.tv_sec--;
        h.ts.tv_usec += 1000000000;
    }
    h.caplen = f->caplen;
    h.len = f->wirelen;
    pcap_dump((u_char *)r->dump, &h, f->data);
    r->saved++;
}

/* The analyzer's sink forwards to the chosen output; HTTP transactions
 * that became final during a packet follow that packet's record, and all
 * of a connection's come before its conn record. */
static void sink_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct run *r = ctx;
    bool show = true;
    if (r->learning) {
        sf_dfilter_learn_packet(r->df, p, v);
        sf_http_app_drain(r->app);
        return;
    }
    if (r->df)
        show = sf_dfilter_packet(r->df, p, v);
    if (show)
        r->out->packet(r->out->ctx, p, v);
    if (show && r->cli->dump_path && !r->cli->iface && r->cur &&
        (!r->cli->nconns || (v && conn_selected(r->cli, v->conn->id))))
        dump_frame(r, r->cur);
    sf_http_app_drain(r->app);
}

static void sink_conn_end(void *ctx, const struct sf_conn *c)
{
    struct run *r = ctx;
    sf_http_app_drain(r->app);
    if (r->learning) {
        sf_dfilter_learn_conn(r->df, c);
        return;
    }
    if (!r->df || sf_dfilter_conn(r->df, c))
        r->out->conn_end(r->out->ctx, c);
}

/* -i: what the output has written goes out now, so `synfin -i eth0 -F
 * jsonl | jq` streams.  The formats keep records in their own sf_buf
 * (64 KiB) until they flush it; text flushes at each connection's end. */
static void live_flush(void *ctx)
{
    struct run *r = ctx;
    if (r->out->flush)
        r->out->flush(r->out->ctx);
    fflush(r->fout);
}

static void http_txn(void *ctx, const struct sf_http_txn *t)
{
    struct run *r = ctx;
    if (r->learning) {
        sf_dfilter_learn_http(r->df, t);
        return;
    }
    if (r->out->http && (!r->df || sf_dfilter_http(r->df, t)))
        r->out->http(r->out->ctx, t);
    if (r->objects)
        sf_objects_txn(r->objects, t);
}

static void http_body(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    struct run *r = ctx;
    if (r->objects && !r->learning)
        sf_objects_body(r->objects, t, p, n);
}

static bool http_follow(void *ctx, const struct sf_conn *c)
{
    struct run *r = ctx;
    return r->follow && c->id == r->follow_conn;
}

static void http_stream(void *ctx, const struct sf_conn *c, enum sf_dir dir, const uint8_t *p, size_t n,
                        uint64_t gap, uint64_t frame)
{
    struct run *r = ctx;
    if (r->out->stream)
        r->out->stream(r->out->ctx, c, dir, p, n, gap, frame);
}

/* Reads every frame of src into an (BPF first), up to -c. */
static void read_all(struct sf_source *src, struct sf_analyzer *an, struct bpf_cache *bc, const struct cli *cli,
                     struct run *run, struct sf_progress *progress, uint64_t *frame_no)
{
    struct sf_frame f;
    while (sf_source_next(src, &f) == 1) {
        if (cli->http.keylog) {
            /* Secrets of a pcapng Decryption Secrets Block come before the
             * packets they decrypt: add them before this frame is analysed. */
            uint8_t *sec;
            size_t n = sf_source_take_secrets(src, &sec);
            if (n) {
                sf_keylog_add(cli->http.keylog, sec, n);
                sf_keylog_flush(cli->http.keylog);
            }
            free(sec);
        }
        (*frame_no)++;
        sf_progress_frame(progress, &f);
        run->cur = &f;
        if (!run->have_first_linktype && f.linktype != SF_LINKTYPE_NO_IFACE) {
            run->have_first_linktype = true;
            run->first_linktype = f.linktype;
        }
        /* A frame without an interface has no link layer for BPF: it is neither
         * matched nor filtered out, but counted as skipped (no-interface). */
        if (bc && f.linktype != SF_LINKTYPE_NO_IFACE && !bpf_match(bc, cli->filter, &f))
            sf_analyzer_filtered(an, &f, *frame_no);
        else
            sf_analyzer_frame(an, &f, *frame_no);
        run->cur = NULL;
        if (cli->max_frames && *frame_no >= cli->max_frames)
            break;
    }
}

/* -Y's first pass, when packet or transaction records depend on what is
 * known only later (a connection's close, its transactions): the input is
 * read once without output, learning each connection's facts. */
static int learn_pass(struct cli *cli, struct run *run, struct bpf_cache *bc)
{
    char err[600];
    struct sf_source *src = sf_source_open(cli->inputs, cli->ninputs, err, sizeof(err));
    struct sf_analyzer_config cfg = cli->cfg;
    struct sf_http_config hc = cli->http;
    struct sf_sink sink;
    struct sf_analyzer *an;
    uint64_t frames = 0;

    if (!src) {
        fprintf(stderr, "synfin: %s\n", err);
        return 1;
    }
    run->learning = true;
    run->app = NULL;
    if (sf_dfilter_needs_http(run->df)) {
        hc.ctx = run;
        hc.txn = http_txn;
        hc.body = NULL;
        hc.follow = NULL;
        hc.stream = NULL;
        run->app = sf_http_app_new(&hc);
        cfg.app_ops = run->app ? sf_http_app_ops() : NULL;
        cfg.app = run->app;
    } else {
        cfg.app_ops = NULL;
        cfg.app = NULL;
    }
    sink.ctx = run;
    sink.packet = sink_packet;
    sink.conn_end = sink_conn_end;
    an = sf_analyzer_new(&cfg, &sink);
    if (!an || (sf_dfilter_needs_http(run->df) && !run->app)) {
        fprintf(stderr, "synfin: out of memory\n");
        sf_analyzer_free(an);
        sf_http_app_free(run->app);
        run->app = NULL;
        sf_source_close(src);
        run->learning = false;
        return 1;
    }
    read_all(src, an, bc, cli, run, NULL, &frames);
    sf_analyzer_finish(an);
    sf_http_app_drain(run->app);
    sf_analyzer_free(an);
    sf_http_app_free(run->app);
    run->app = NULL;
    sf_source_close(src);
    run->learning = false;
    sf_dfilter_start_showing(run->df);
    return 0;
}

/* -w with -r and no -F: the frames are the output (as tcpdump -w). */
static void null_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    (void)ctx;
    (void)p;
    (void)v;
}

static void null_conn(void *ctx, const struct sf_conn *c)
{
    (void)ctx;
    (void)c;
}

static void null_finish(void *ctx, const struct sf_run_end *end)
{
    (void)ctx;
    (void)end;
}

static void null_destroy(void *ctx)
{
    (void)ctx;
}

/* Binds the "synfin" catalogue: $SYNFIN_LOCALEDIR, else build/locale next
 * to the binary, else the installed share/locale.  --lang (read early, the
 * rest of the options come later) or LANG/LC_* choose the language; a
 * Korean request works even when no ko_KR locale is installed, through
 * C.UTF-8 and LANGUAGE. */
static void sf_i18n_setup(int argc, char **argv)
{
    char exe[PATH_MAX], dir[PATH_MAX + 64];
    const char *env = getenv("SYNFIN_LOCALEDIR");
    const char *want = NULL;
    ssize_t n;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            want = argv[i + 1];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            want = argv[i] + 7;
    }
    if (!want) {
        const char *vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
        for (size_t i = 0; i < 4 && !want; i++) {
            const char *v = getenv(vars[i]);
            if (v && *v)
                want = strncmp(v, "ko", 2) == 0 ? "ko" : NULL;
            if (v && *v && !want)
                break;
        }
    }
    if (!setlocale(LC_ALL, "") || (want && strcmp(want, "ko") == 0)) {
        if (want && strcmp(want, "ko") == 0) {
            setenv("LANGUAGE", "ko", 1);
            if (!setlocale(LC_ALL, "ko_KR.UTF-8"))
                setlocale(LC_ALL, "C.UTF-8");
        }
    }
    if (want && strcmp(want, "en") == 0)
        setenv("LANGUAGE", "en", 1);
    /* Numbers stay in the C format whatever the language: JSON needs it. */
    setlocale(LC_NUMERIC, "C");
    if (env && *env) {
        bindtextdomain("synfin", env);
    } else {
        /* Next to the binary in the build tree, then the install tree it
         * sits in (relocatable), then the configured prefix. */
        bool bound = false;
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
            static const char *const rel[] = { "/locale", "/../share/locale" };
            char *slash;
            struct stat st;
            exe[n] = '\0';
            slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            for (size_t i = 0; i < 2 && !bound; i++) {
                snprintf(dir, sizeof(dir), "%s%s/ko/LC_MESSAGES/synfin.mo", exe, rel[i]);
                if (stat(dir, &st) == 0) {
                    snprintf(dir, sizeof(dir), "%s%s", exe, rel[i]);
                    bindtextdomain("synfin", dir);
                    bound = true;
                }
            }
        }
        if (!bound)
            bindtextdomain("synfin", SYNFIN_LOCALEDIR);
    }
    bind_textdomain_codeset("synfin", "UTF-8");
}

int main(int argc, char **argv)
{
    struct cli cli;
    struct sf_out_opts oo;
    struct sf_output out;
    struct sf_sink sink;
    struct run run;
    struct sf_analyzer *an = NULL;
    struct sf_source *src = NULL;
    struct sf_live *live = NULL;        /* -i */
    struct sf_progress *progress = NULL;
    struct bpf_cache *bc = NULL;
    struct sf_run_end end;
    struct sf_filter *yf = NULL;       /* -Y */
    bool frames_only;                  /* -r ... -w OUT without -F */
    bool tsv_dir;                      /* -F tsv -o DIR */
    struct sf_tsv_files tsv;
    struct sf_db *db = NULL;           /* --db */
    FILE *fout = stdout;
    char err[600];
    uint64_t frame_no = 0;
    int rc = 0, r;

    memset(&cli, 0, sizeof(cli));
    memset(&tsv, 0, sizeof(tsv));
    sf_i18n_setup(argc, argv);
    memset(&run, 0, sizeof(run));
    r = parse_args(&cli, argc, argv);
    if (r != 0) {
        rc = r > 0 ? 0 : 2;   /* > 0: --help or --version answered */
        goto done;
    }
    if (cli.demo) {
        rc = sf_demo_main(cli.color < 0 ? "auto" : cli.color ? "always" : "never");
        goto done;
    }
    run.cli = &cli;
    /* TLS secrets: --keylog, and those a pcapng file carries itself. */
    cli.http.keylog = sf_keylog_new();
    if (!cli.http.keylog) {
        fprintf(stderr, "synfin: out of memory\n");
        rc = 1;
        goto done;
    }
    if (cli.keylog_path) {
        if (sf_keylog_load(cli.http.keylog, cli.keylog_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "synfin: --keylog: %s\n", err);
            rc = 1;
            goto done;
        }
        /* A live capture re-reads the file as it grows: a last line
         * without its newline may still be being written. */
        if (!cli.iface)
            sf_keylog_flush(cli.http.keylog);
        else
            sf_keylog_watch(cli.http.keylog, true);
    }
    if (cli.display_filter) {
        size_t col = 0;
        yf = sf_filter_compile(cli.display_filter, err, sizeof(err), &col);
        if (!yf) {
            /* As tshark: the expression, and a caret under the problem. */
            fprintf(stderr, "synfin: -Y: column %zu: %s\n  %s\n  %*s^\n", col, err, cli.display_filter,
                    (int)(col ? col - 1 : 0), "");
            rc = 2;
            goto done;
        }
        run.df = sf_dfilter_new(yf);
        if (!run.df) {
            fprintf(stderr, "synfin: out of memory\n");
            rc = 1;
            goto done;
        }
    }
    frames_only = cli.dump_path && !cli.iface && !cli.format_given && !cli.follow;

    if (cli.filter) {
        bc = calloc(1, sizeof(*bc));
        if (!bc) {
            fprintf(stderr, "synfin: out of memory\n");
            rc = 1;
            goto done;
        }
        /* Check the syntax once up front, so a typo is one clear error. */
        pcap_t *dead = pcap_open_dead(1, SF_MAX_RECORD_CAPLEN);
        struct bpf_program prog;
        if (dead && pcap_compile(dead, &prog, cli.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            fprintf(stderr, "synfin: bad filter '%s': %s\n", cli.filter, pcap_geterr(dead));
            pcap_close(dead);
            rc = 2;
            goto done;
        }
        if (dead) {
            pcap_freecode(&prog);
            pcap_close(dead);
        }
    }

    if (cli.iface) {
        /* Opens the device, then drops privileges (-Z) before any file is opened. */
        struct sf_cli_live_opts lo = { cli.iface, cli.filter, cli.dump_path, cli.user, cli.buffer_bytes,
                                       cli.snaplen };
        live = sf_cli_live_open(&lo, &rc);
        if (!live)
            goto done;
    }
    if (run.df && sf_dfilter_two_pass(run.df, strcmp(cli.format, "summary") != 0 || cli.dump_path)) {
        /* Packet records waiting on their connection's facts: read twice. */
        bool rereadable = !live;
        for (size_t i = 0; i < cli.ninputs; i++)
            if (strcmp(cli.inputs[i], "-") == 0)
                rereadable = false;
        if (!rereadable) {
            fprintf(stderr, "synfin: -Y with conn.* or http.* fields reads the capture twice: give a file "
                            "(not standard input or -i), or use packet.* fields only\n");
            rc = 2;
            goto done;
        }
        rc = learn_pass(&cli, &run, bc);
        if (rc != 0)
            goto done;
    }
    src = live ? NULL : sf_source_open(cli.inputs, cli.ninputs, err, sizeof(err));
    if (!src && !live) {
        fprintf(stderr, "synfin: %s\n", err);
        rc = 1;
        goto done;
    }
    tsv_dir = strcmp(cli.format, "tsv") == 0 && sf_cli_tsv_is_dir(cli.outpath);
    if (cli.outpath && !tsv_dir) {
        fout = fopen(cli.outpath, "w");
        if (!fout) {
            fprintf(stderr, "synfin: cannot write %s: %s\n", cli.outpath, strerror(errno));
            fout = stdout;
            rc = 1;
            goto done;
        }
    }

    memset(&oo, 0, sizeof(oo));
    oo.out = fout;
    oo.conns = cli.conns;
    oo.nconns = cli.nconns;
    oo.max_conn_text = 4u << 20;
    oo.explain = cli.explain;
    oo.ascii = cli.ascii;
    oo.full = cli.full;
    oo.no_notes = cli.no_notes;
    oo.time_fmt = cli.time_fmt;
    if (!cli.capture_id) {
        if (cli.iface) {
            /* A live run has no file name: the interface and the start
             * time, so that two runs on one interface keep distinct uids. */
            snprintf(cli.capture_id_buf, sizeof(cli.capture_id_buf), "%.64s-%lld", cli.iface,
                     (long long)time(NULL));
            for (char *q = cli.capture_id_buf; *q; q++)
                if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
                      *q == '.' || *q == '-'))
                    *q = '_';
        } else {
            sf_store_default_capture_id(cli.inputs, cli.ninputs, cli.capture_id_buf, sizeof(cli.capture_id_buf));
        }
        cli.capture_id = cli.capture_id_buf;
    }
    oo.store.capture_id = cli.capture_id;
    oo.store.files = cli.iface ? NULL : cli.inputs;
    oo.store.nfiles = cli.iface ? 0 : cli.ninputs;
    oo.store.community_id_seed = cli.cid_seed;
    oo.store.packet_keys = cli.packet_keys;
    if (cli.color < 0)
        oo.color = !cli.outpath && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    else
        oo.color = cli.color == 1;
    memset(&out, 0, sizeof(out));
    run.out = &out;
    run.fout = fout;
    if (frames_only || (cli.db && !cli.format_given && !cli.follow)) {
        /* -w or --db without -F: the frames or the database are the output. */
        out.packet = null_packet;
        out.conn_end = null_conn;
        out.finish = null_finish;
        out.destroy = null_destroy;
    } else if (cli.follow)
        rc = sf_out_follow_new(&out, &oo, &cli.hopts);
    else if (strcmp(cli.format, "summary") == 0)
        rc = sf_out_summary_new(&out, &oo);
    else if (strcmp(cli.format, "jsonl") == 0)
        rc = sf_out_jsonl_new(&out, &oo);
    else if (strcmp(cli.format, "tsv") == 0) {
        rc = sf_cli_tsv_open(&tsv, tsv_dir ? cli.outpath : NULL, fout, cli.table < 0 ? SF_TABLE_CONN : cli.table,
                             cli.packet_keys, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "synfin: %s\n", err);
            rc = 1;
            goto done;
        }
        rc = sf_out_tsv_new(&out, &oo, tsv.f);
    } else if (strcmp(cli.format, "har") == 0)
        rc = sf_out_har_new(&out, &oo, &cli.hopts);
    else if (strcmp(cli.format, "ladder") == 0)
        rc = sf_out_ladder_new(&out, &oo);
    else if (strcmp(cli.format, "html") == 0)
        rc = sf_out_html_new(&out, &oo);
    else
        rc = sf_out_text_new(&out, &oo);
    if (rc == 0 && cli.db) {
        /* A live capture has no end to wait for: its rows are committed
         * every 10 s unless told otherwise. */
        int64_t every = cli.db_every_ns >= 0 ? cli.db_every_ns : cli.iface ? (int64_t)10 * 1000000000 : 0;
        db = sf_db_open(cli.db, &oo, cli.packet_keys, every, err, sizeof(err));
        if (!db) {
            fprintf(stderr, "synfin: --db: %s\n", err);
            out.destroy(out.ctx);
            rc = 1;
            goto done;
        }
        sf_db_attach(db, &out);
    }
    if (rc == 0 && cli.export_dir) {
        run.objects = sf_objects_new(cli.export_dir, cli.export_max, err, sizeof(err));
        if (!run.objects) {
            fprintf(stderr, "synfin: --export-objects: %s\n", err);
            out.destroy(out.ctx);
            rc = 1;
            goto done;
        }
    }
    /* The application layer runs for every format that shows HTTP or TLS
     * (the one-line summary shows the TLS version and SNI). */
    if (rc == 0 && (out.http || out.stream || out.app_info || run.objects ||
                    (run.df && sf_dfilter_needs_http(run.df)))) {
        run.follow = cli.follow;
        run.follow_conn = cli.hopts.follow_conn;
        cli.http.ctx = &run;
        cli.http.txn = http_txn;
        cli.http.body = run.objects ? http_body : NULL;
        cli.http.follow = http_follow;
        cli.http.stream = http_stream;
        if ((strcmp(cli.format, "jsonl") == 0 || strcmp(cli.format, "tsv") == 0 || cli.db) && !cli.follow)
            cli.http.keep_headers = true;   /* the http record lists them, with user_agent and referrer */
        if (strcmp(cli.format, "summary") == 0 && !(run.df && sf_dfilter_needs_http(run.df)))
            cli.http.tls_skip_certs = true;   /* its line shows no certificate */
        if (strcmp(cli.format, "har") == 0 && !cli.follow) {
            cli.http.keep_headers = true;
            cli.http.keep_body_max = cli.hopts.har_bodies ? (1u << 20) : 0;
        }
        run.app = sf_http_app_new(&cli.http);
        if (!run.app) {
            fprintf(stderr, "synfin: out of memory\n");
            out.destroy(out.ctx);
            rc = 1;
            goto done;
        }
        cli.cfg.app_ops = sf_http_app_ops();
        cli.cfg.app = run.app;
    }
    sink.ctx = &run;
    sink.packet = sink_packet;
    sink.conn_end = sink_conn_end;
    if (rc == 0)
        an = sf_analyzer_new(&cli.cfg, &sink);
    if (rc != 0 || !an) {
        fprintf(stderr, "synfin: out of memory\n");
        if (rc == 0)
            out.destroy(out.ctx);
        rc = 1;
        goto done;
    }

    if (live)   /* the kernel applies the BPF filter: no frame arrives filtered out */
        rc = sf_cli_live_run(live, cli.iface, an, cli.max_frames, live_flush, &run, &frame_no);
    if (src && !cli.no_progress)
        progress = sf_progress_new(cli.inputs, cli.ninputs, !cli.outpath && isatty(STDOUT_FILENO));
    if (src)
        read_all(src, an, bc, &cli, &run, progress, &frame_no);
    sf_progress_end(progress);
    sf_analyzer_finish(an);

    memset(&end, 0, sizeof(end));
    end.totals = sf_analyzer_totals(an);
    end.frag = sf_analyzer_frag_stats(an);
    end.frag_pending = sf_analyzer_frag_pending(an);
    end.read_error = src ? sf_source_error(src) : NULL;
    end.reader_warnings = src ? sf_source_warnings(src) : 0;
    end.display_filter = cli.display_filter;
    end.displayed = run.df ? sf_dfilter_shown(run.df) : 0;
    if (live) {
        struct sf_live_stats st;
        end.capture_iface = cli.iface;
        if (sf_live_stats(live, &st) == 0 && st.valid) {
            end.capture_stats = true;
            end.capture_received = st.received;
            end.capture_dropped = st.dropped;
            end.capture_ifdropped = st.ifdropped;
        }
    }
    sf_http_app_drain(run.app);
    out.finish(out.ctx, &end);
    if (db) {
        char loaded[160];
        if (sf_db_commit(db, loaded, sizeof(loaded), err, sizeof(err)) != 0) {
            fprintf(stderr, "synfin: --db: %s\n", err);
            rc = 1;
        } else {
            fprintf(stderr, "synfin: --db: loaded %s rows (capture id %s)\n", loaded, cli.capture_id);
        }
    }
    /* The kernel's counts once: the text views end with them (on stdout);
     * for the other formats, or when stdout is not where the user looks,
     * one line on stderr as tcpdump writes it. */
    if (live && !(end.capture_stats && !cli.outpath && isatty(STDOUT_FILENO) && !cli.follow &&
                  (strcmp(cli.format, "text") == 0 || strcmp(cli.format, "summary") == 0 ||
                   strcmp(cli.format, "ladder") == 0)))
        sf_cli_live_report(live, cli.iface);
    if (run.objects) {
        long nobj = sf_objects_finish(run.objects, err, sizeof(err));
        if (nobj < 0) {
            fprintf(stderr, "synfin: --export-objects: %s\n", err);
            rc = 1;
        }
    }
    /* A connection asked for that the capture does not have is an error,
     * not an empty answer (connections are numbered 0 .. conns-1). */
    for (size_t i = 0; i < cli.nconns; i++) {
        if (cli.conns[i] >= end.totals->conns) {
            fprintf(stderr, "synfin: --conn %llu: no such connection in the capture (connections: %llu, "
                            "numbered from 0)\n",
                    (unsigned long long)cli.conns[i], (unsigned long long)end.totals->conns);
            rc = 1;
        }
    }
    if (cli.follow && cli.hopts.follow_conn >= end.totals->conns) {
        fprintf(stderr, "synfin: --follow %llu: no such connection in the capture (connections: %llu, "
                        "numbered from 0)\n",
                (unsigned long long)cli.hopts.follow_conn, (unsigned long long)end.totals->conns);
        rc = 1;
    }
    if (run.dump) {
        pcap_dump_flush(run.dump);
        if (ferror(pcap_dump_file(run.dump))) {
            fprintf(stderr, "synfin: -w %s: write error\n", cli.dump_path);
            rc = 1;
        }
    } else if (cli.dump_path && !cli.iface && !run.dump_failed) {
        /* Nothing selected: an empty capture of the input's link type. */
        dump_open(&run, run.have_first_linktype ? run.first_linktype : 1);
    }
    if (run.dump_failed)
        rc = 1;
    if (frames_only && !run.dump_failed)
        fprintf(stderr, "synfin: saved %llu of %llu frames to %s\n", (unsigned long long)run.saved,
                (unsigned long long)frame_no, cli.dump_path);
    if (end.read_error) {
        fprintf(stderr, "synfin: warning: %s (the %llu frame(s) before it were analysed)\n",
                end.read_error, (unsigned long long)frame_no);
        rc = 1;
    }
    out.destroy(out.ctx);
    if (sf_cli_tsv_close(&tsv, err, sizeof(err)) != 0) {
        fprintf(stderr, "synfin: %s\n", err);
        rc = 1;
    }
    if (fflush(fout) != 0 || ferror(fout)) {
        fprintf(stderr, "synfin: error writing the output: %s\n", strerror(errno));
        rc = 1;
    }
done:
    sf_db_close(db);
    sf_cli_tsv_close(&tsv, NULL, 0);
    if (fout != stdout)
        fclose(fout);
    if (run.dump)
        pcap_dump_close(run.dump);
    if (run.dump_dead)
        pcap_close(run.dump_dead);
    sf_dfilter_free(run.df);
    sf_filter_free(yf);
    sf_analyzer_free(an);
    sf_http_app_free(run.app);
    sf_objects_free(run.objects);
    sf_source_close(src);
    sf_live_close(live);
    for (int i = 0; bc && i < bc->n; i++)
        if (bc->state[i] == 1)
            pcap_freecode(&bc->prog[i]);
    free(bc);
    free(cli.inputs);
    free(cli.conns);
    free(cli.filter);
    sf_keylog_free(cli.http.keylog);
    return rc;
}

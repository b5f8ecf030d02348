/* capture.h - capture file input: pcap and pcapng, zero-copy, one interface. */
#ifndef SYNFIN_CAPTURE_H
#define SYNFIN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Largest packet record we accept (libpcap's MAXIMUM_SNAPLEN): a record that
 * claims more is a corrupt file, not a reason to allocate. */
#define SF_MAX_RECORD_CAPLEN 262144u

/* One captured frame as the reader hands it out.  `data` points into the
 * reader's own buffer and stays valid only until the next sf_reader_next()
 * on the same reader (as libpcap's pcap_next_ex()). */
struct sf_frame {
    const uint8_t *data;  /* caplen bytes */
    uint32_t caplen;      /* bytes present in the file */
    uint32_t wirelen;     /* bytes on the wire (>= caplen normally) */
    int64_t ts_ns;        /* timestamp, nanoseconds since the epoch */
    uint8_t ts_digits;    /* decimal digits the file's clock resolves: 6 (us), 9 (ns), 0-9 */
    uint32_t linktype;    /* LINKTYPE_* of the interface that saw it */
    uint32_t iface;       /* pcapng interface id; 0 for pcap */
    uint64_t offset;      /* byte offset of the record in the input */
    uint32_t input;       /* which input (-r, in command-line order from 0) it came from; 0 for one */
};

enum sf_capture_format { SF_FORMAT_PCAP = 1, SF_FORMAT_PCAPNG = 2 };

struct sf_reader;

/* Opens a capture file; "-" reads standard input (streamed, never slurped).
 * On failure returns NULL and writes a one-line reason into err. */
struct sf_reader *sf_reader_open_path(const char *path, char *err, size_t errlen);

/* Opens a capture held in memory (the caller keeps buf alive while the
 * reader is used).  Used by the fuzz harnesses and unit tests. */
struct sf_reader *sf_reader_open_mem(const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Reads the next frame.  Returns 1 and fills *f; 0 at a clean end of input;
 * -1 on a truncated or corrupt file: sf_reader_error() then holds one line
 * naming the byte offset, and every frame returned before stays valid
 * analysis input.  After -1 or 0 every further call returns the same. */
int sf_reader_next(struct sf_reader *r, struct sf_frame *f);

/* The one-line error (empty when none). */
const char *sf_reader_error(const struct sf_reader *r);

/* The number of non-fatal oddities met so far (unknown pcapng blocks are
 * not oddities; a packet whose caplen exceeds its interface snaplen is). */
uint64_t sf_reader_warnings(const struct sf_reader *r);

enum sf_capture_format sf_reader_format(const struct sf_reader *r);

/* The TLS key log text (NSS format) of the pcapng Decryption Secrets
 * Blocks read since the last call (what `editcap --inject-secrets tls,KEYS`
 * writes), in file order; *out is malloc'd and the caller's to free (NULL
 * and 0 when none).  A block precedes the packets it decrypts, so taking the
 * secrets after every frame is soon enough.  At most 16 MiB per file. */
size_t sf_reader_take_secrets(struct sf_reader *r, uint8_t **out);

/* Closes the reader and frees everything it owns.  NULL is accepted. */
void sf_reader_close(struct sf_reader *r);

#endif

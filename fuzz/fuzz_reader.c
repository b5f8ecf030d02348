/* fuzz_reader.c - libFuzzer harness: the pcap/pcapng reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synfin/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct sf_reader *r = sf_reader_open_mem(data, size, err, sizeof err);
    struct sf_frame f;
    volatile uint8_t sink = 0;
    int rc;

    if (!r) {
        /* The error must be one terminated line. */
        if (memchr(err, '\n', strnlen(err, sizeof err)) || strnlen(err, sizeof err) == sizeof err)
            __builtin_trap();
        return 0;
    }
    while ((rc = sf_reader_next(r, &f)) == 1) {
        /* Touch every byte so ASan sees any frame that runs past the input. */
        for (uint32_t i = 0; i < f.caplen; i++)
            sink ^= f.data[i];
        if (f.caplen > SF_MAX_RECORD_CAPLEN || f.offset >= size)
            __builtin_trap();
    }
    /* End and error are sticky, and an error always has a message. */
    if (sf_reader_next(r, &f) != rc || (rc < 0) != (sf_reader_error(r)[0] != '\0'))
        __builtin_trap();
    (void)sink;
    sf_reader_close(r);
    return 0;
}

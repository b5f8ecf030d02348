/* source.h - several capture files read as one input, merged by timestamp. */
#ifndef SYNFIN_SOURCE_H
#define SYNFIN_SOURCE_H

#include <stddef.h>

#include "synfin/capture.h"

struct sf_source;

/* Opens every path ("-" = standard input, at most once).  On failure of any
 * open returns NULL with a one-line reason naming the file. */
struct sf_source *sf_source_open(const char *const *paths, size_t n, char *err, size_t errlen);

/* Next frame in timestamp order (ties: the earlier file on the command
 * line first; frames of one file keep their file order even if their
 * timestamps go backwards).  1 = frame, 0 = end of every input.  A read
 * error in one file ends that file only; sf_source_error() reports it. */
int sf_source_next(struct sf_source *s, struct sf_frame *f);

/* First read error met ("FILE: reason"), or NULL. */
const char *sf_source_error(const struct sf_source *s);
uint64_t sf_source_warnings(const struct sf_source *s);
/* sf_reader_take_secrets of every input, joined. */
size_t sf_source_take_secrets(struct sf_source *s, uint8_t **out);
void sf_source_close(struct sf_source *s);

#endif

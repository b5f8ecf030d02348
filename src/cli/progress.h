/* progress.h - a progress bar on stderr while reading long capture files. */
#ifndef SYNFIN_CLI_PROGRESS_H
#define SYNFIN_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "synfin/capture.h"

struct sf_progress;

/* NULL (no bar) unless stderr is a terminal and the output does not go to
 * that terminal too (output_on_tty false), so the two never interleave.
 * Sizes come from stat(); "-" uses standard input's size when it is a
 * regular file.  Nothing is drawn before half a second has passed, so short
 * runs never flash a bar. */
struct sf_progress *sf_progress_new(const char *const *paths, size_t n, bool output_on_tty);

/* Cheap per frame; redraws at most 10 times a second. */
void sf_progress_frame(struct sf_progress *p, const struct sf_frame *f);

/* Clears the bar and frees it.  NULL is accepted. */
void sf_progress_end(struct sf_progress *p);

#endif

/* tsv_cli.h - where -F tsv writes its tables: one to standard output or -o FILE, or every table into -o DIR. */
#ifndef SYNFIN_CLI_TSV_CLI_H
#define SYNFIN_CLI_TSV_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "format/format.h"

struct sf_tsv_files {
    FILE *f[SF_TABLE_COUNT];        /* NULL: table not written */
    bool own[SF_TABLE_COUNT];       /* opened here (DIR/NAME.tsv), closed by sf_cli_tsv_close */
    char path[SF_TABLE_COUNT][4096];
};

/* True when -o names a directory: it ends in '/' or is an existing one. */
bool sf_cli_tsv_is_dir(const char *outpath);

/* Directory mode (outpath a directory, created when missing): conn.tsv and
 * http.tsv, and packet.tsv when `packets`; else table `table` to `fout`.
 * Returns 0, or -1 with a reason in err. */
int sf_cli_tsv_open(struct sf_tsv_files *t, const char *outpath, FILE *fout, int table, bool packets,
                    char *err, size_t errlen);

/* Closes the files opened here; -1 with the reason when one failed to write. */
int sf_cli_tsv_close(struct sf_tsv_files *t, char *err, size_t errlen);

#endif

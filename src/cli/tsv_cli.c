/* tsv_cli.c - opens the files of -F tsv (docs/tsv.md). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/tsv_cli.h"

bool sf_cli_tsv_is_dir(const char *outpath)
{
    struct stat st;
    size_t n;
    if (!outpath || !*outpath)
        return false;
    n = strlen(outpath);
    return outpath[n - 1] == '/' || (stat(outpath, &st) == 0 && S_ISDIR(st.st_mode));
}

int sf_cli_tsv_open(struct sf_tsv_files *t, const char *outpath, FILE *fout, int table, bool packets,
                    char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (!sf_cli_tsv_is_dir(outpath)) {
        t->f[table] = fout;
        return 0;
    }
    if (mkdir(outpath, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "-o %s: %s", outpath, strerror(errno));
        return -1;
    }
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        size_t n = strlen(outpath);
        if (i == SF_TABLE_PACKET && !packets)
            continue;
        if (snprintf(t->path[i], sizeof(t->path[i]), "%s%s%s.tsv", outpath, outpath[n - 1] == '/' ? "" : "/",
                     sf_table_name((enum sf_table)i)) >= (int)sizeof(t->path[i])) {
            snprintf(err, errlen, "-o %s: path too long", outpath);
            sf_cli_tsv_close(t, NULL, 0);
            return -1;
        }
        t->f[i] = fopen(t->path[i], "w");
        if (!t->f[i]) {
            snprintf(err, errlen, "cannot write %s: %s", t->path[i], strerror(errno));
            sf_cli_tsv_close(t, NULL, 0);
            return -1;
        }
        t->own[i] = true;
    }
    return 0;
}

int sf_cli_tsv_close(struct sf_tsv_files *t, char *err, size_t errlen)
{
    int rc = 0;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        if (!t->own[i] || !t->f[i])
            continue;
        int bad = ferror(t->f[i]);
        if (fclose(t->f[i]) != 0)
            bad = 1;
        if (bad && rc == 0) {
            if (err)
                snprintf(err, errlen, "error writing %s: %s", t->path[i], strerror(errno));
            rc = -1;
        }
        t->f[i] = NULL;
        t->own[i] = false;
    }
    return rc;
}

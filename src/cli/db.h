/* db.h - --db URL: the records loaded into PostgreSQL with COPY as they are produced (docs/sql/, docs/tsv.md). */
#ifndef SYNFIN_CLI_DB_H
#define SYNFIN_CLI_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "format/format.h"

struct sf_db;

/* Connects to `url` (a libpq connection string or URI), creates the
 * tables when missing (docs/sql/schema.sql) and starts one COPY per table
 * loaded (conn, http, and packet when `packets`), each in its own
 * transaction.  every_ns > 0: commit every table and start new COPYs each
 * time that much capture time (live: wall-clock time) has passed since the
 * last commit; 0: one transaction for the whole run.  NULL with the reason
 * in err. */
struct sf_db *sf_db_open(const char *url, const struct sf_out_opts *opts, bool packets, int64_t every_ns,
                         char *err, size_t errlen);

/* Wraps *out so that every record also goes to the database: afterwards
 * *out calls the original output and the loader.  The loader's destroy
 * runs with the original's.  Returns 0, -1 when out of memory. */
int sf_db_attach(struct sf_db *db, struct sf_output *out);

/* Ends the COPYs and commits them all, or rolls all back when one failed
 * (batches committed before by --db-commit-every stay).
 * Returns 0 with what was loaded in `done` (e.g. "12 conn, 7 http"), or -1
 * with what became of the run in err ("nothing of this run was loaded");
 * the reason of a failure is printed on stderr when it happens
 * ("synfin: --db: loading table conn: ERROR: ...").  Call once, after the
 * output's finish. */
int sf_db_commit(struct sf_db *db, char *done, size_t donelen, char *err, size_t errlen);

/* Closes the connections (rolling back what was not committed). NULL is accepted. */
void sf_db_close(struct sf_db *db);

#endif

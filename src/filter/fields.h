/* fields.h - the display filter's fields: names (as the jsonl keys), types and how to read each. */
#ifndef SYNFIN_FILTER_FIELDS_H
#define SYNFIN_FILTER_FIELDS_H

#include "filter/filter.h"

enum sf_fv_type {
    SF_FV_NONE = 0,           /* absent on this record (a null in jsonl) */
    SF_FV_NUM,
    SF_FV_STR,
    SF_FV_LIST,               /* several strings: flags, analysis names */
    SF_FV_BOOL,
};

#define SF_FV_LIST_MAX 24

/* A field's value on one record; strings point into the record or into
 * tmp, valid until the next read. */
struct sf_fval {
    enum sf_fv_type type;
    double num;               /* NUM, and BOOL as 0/1 */
    const char *str;          /* STR */
    size_t len;
    const char *list[SF_FV_LIST_MAX];   /* LIST */
    size_t nlist;
    char tmp[64];
};

struct sf_field {
    const char *name;         /* "packet.len", "conn.close" ... */
    enum sf_fscope scope;
    enum sf_fv_type type;     /* the type it has when present */
    const char *meaning;
    void (*get)(const struct sf_frec *r, struct sf_fval *out);
};

/* The field named s[0..n), NULL when there is none. */
const struct sf_field *sf_field_find(const char *s, size_t n);
const struct sf_field *sf_field_at(size_t i);

#endif

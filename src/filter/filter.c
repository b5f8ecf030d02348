/* filter.c - the display filter: lexer, recursive-descent parser, atoms and evaluation (docs/filter.md). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/fields.h"

enum tok_kind {
    T_END = 0, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_COMMA,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_NOT, T_AND, T_OR, T_CONTAINS, T_IN, T_MATCHES,
};

struct tok {
    enum tok_kind kind;
    size_t at;                /* 0-based offset in the expression */
    const char *s;            /* WORD / STRING: its text (STRING: unescaped copy) */
    size_t len;
};

enum op { OP_TRUE, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_CONTAINS, OP_IN, OP_MATCHES };

/* One literal of a comparison: kept as text, and as a number when it is one. */
struct lit {
    char *s;
    size_t len;
    bool is_num;
    double num;
};

struct atom {
    const struct sf_field *field;
    enum op op;
    struct lit *lits;
    size_t nlits;
    regex_t re;
    bool have_re;
};

enum node_kind { N_ATOM, N_NOT, N_AND, N_OR };

struct node {
    enum node_kind kind;
    int atom;                 /* N_ATOM */
    int a, b;                 /* children (node indexes) */
};

#define MAX_NODES 256
#define MAX_DEPTH 64

struct sf_filter {
    struct atom atoms[SF_FILTER_MAX_ATOMS];
    int natoms;
    struct node nodes[MAX_NODES];
    int nnodes;
    int root;
    unsigned scopes;
    uint64_t scope_mask[SF_FSCOPE_COUNT];
};

struct parser {
    const char *src;
    size_t n, pos;
    struct tok cur;
    struct sf_filter *f;
    char *err;
    size_t errlen;
    size_t errcol;
    bool failed;
    int depth;
    char *strbuf[SF_FILTER_MAX_ATOMS * 4];   /* unescaped strings waiting to be owned */
    int nstr;
};

static void fail(struct parser *ps, size_t at, const char *fmt, const char *arg)
{
    if (ps->failed)
        return;
    ps->failed = true;
    ps->errcol = at + 1;
    snprintf(ps->err, ps->errlen, fmt, arg ? arg : "");
}

/* ----------------------------------------------------------------- lexer */

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-' || c == '/' || c == '+';
}

static bool word_is(const struct tok *t, const char *kw)
{
    return t->kind == T_WORD && strlen(kw) == t->len && memcmp(t->s, kw, t->len) == 0;
}

static void next(struct parser *ps)
{
    const char *s = ps->src;
    struct tok *t = &ps->cur;
    while (ps->pos < ps->n && (s[ps->pos] == ' ' || s[ps->pos] == '\t' || s[ps->pos] == '\n'))
        ps->pos++;
    t->at = ps->pos;
    t->s = s + ps->pos;
    t->len = 0;
    if (ps->pos >= ps->n) {
        t->kind = T_END;
        return;
    }
    switch (s[ps->pos]) {
    case '(': t->kind = T_LPAREN; ps->pos++; return;
    case ')': t->kind = T_RPAREN; ps->pos++; return;
    case '{': t->kind = T_LBRACE; ps->pos++; return;
    case '}': t->kind = T_RBRACE; ps->pos++; return;
    case ',': t->kind = T_COMMA; ps->pos++; return;
    case '=':
        if (ps->pos + 1 < ps->n && s[ps->pos + 1] == '=') {
            t->kind = T_EQ;
            ps->pos += 2;
            return;
        }
        fail(ps, ps->pos, "'=' is not an operator: write '=='%s", NULL);
        t->kind = T_END;
        return;
    case '!':
        if (ps->pos + 1 < ps->n && s[ps->pos + 1] == '=') {
            t->kind = T_NE;
            ps->pos += 2;
        } else {
            t->kind = T_NOT;
            ps->pos++;
        }
        return;
    case '<':
    case '>': {
        bool lt = s[ps->pos] == '<';
        if (ps->pos + 1 < ps->n && s[ps->pos + 1] == '=') {
            t->kind = lt ? T_LE : T_GE;
            ps->pos += 2;
        } else {
            t->kind = lt ? T_LT : T_GT;
            ps->pos++;
        }
        return;
    }
    case '&':
    case '|':
        if (ps->pos + 1 < ps->n && s[ps->pos + 1] == s[ps->pos]) {
            t->kind = s[ps->pos] == '&' ? T_AND : T_OR;
            ps->pos += 2;
            return;
        }
        fail(ps, ps->pos, "write '&&' or '||' (or 'and', 'or')%s", NULL);
        t->kind = T_END;
        return;
    case '"': {
        /* A quoted string: \" and \\ are the only escapes. */
        size_t i = ps->pos + 1, k = 0;
        char *buf = malloc(ps->n - ps->pos + 1);
        if (!buf) {
            fail(ps, ps->pos, "out of memory%s", NULL);
            t->kind = T_END;
            return;
        }
        while (i < ps->n && s[i] != '"') {
            if (s[i] == '\\' && i + 1 < ps->n && (s[i + 1] == '"' || s[i + 1] == '\\'))
                i++;
            buf[k++] = s[i++];
        }
        if (i >= ps->n) {
            free(buf);
            fail(ps, ps->pos, "unterminated string%s", NULL);
            t->kind = T_END;
            return;
        }
        buf[k] = '\0';
        if (ps->nstr < (int)(sizeof(ps->strbuf) / sizeof(ps->strbuf[0]))) {
            ps->strbuf[ps->nstr++] = buf;
        } else {
            free(buf);
            fail(ps, ps->pos, "too many strings%s", NULL);
            t->kind = T_END;
            return;
        }
        t->kind = T_STRING;
        t->s = buf;
        t->len = k;
        ps->pos = i + 1;
        return;
    }
    default:
        break;
    }
    if (!word_char(s[ps->pos])) {
        char c[8];
        unsigned char ch = (unsigned char)s[ps->pos];
        if (ch >= 0x20 && ch < 0x7f)
            snprintf(c, sizeof(c), "'%c'", (char)ch);
        else
            snprintf(c, sizeof(c), "0x%02x", ch);
        fail(ps, ps->pos, "unexpected character %s", c);
        t->kind = T_END;
        return;
    }
    while (ps->pos < ps->n && word_char(s[ps->pos]))
        ps->pos++;
    t->len = (size_t)(s + ps->pos - t->s);
    t->kind = T_WORD;
    /* Keywords (Wireshark's spellings too). */
    if (word_is(t, "and"))
        t->kind = T_AND;
    else if (word_is(t, "or"))
        t->kind = T_OR;
    else if (word_is(t, "not"))
        t->kind = T_NOT;
    else if (word_is(t, "contains"))
        t->kind = T_CONTAINS;
    else if (word_is(t, "in"))
        t->kind = T_IN;
    else if (word_is(t, "matches"))
        t->kind = T_MATCHES;
    else if (word_is(t, "eq"))
        t->kind = T_EQ;
    else if (word_is(t, "ne"))
        t->kind = T_NE;
    else if (word_is(t, "lt"))
        t->kind = T_LT;
    else if (word_is(t, "le"))
        t->kind = T_LE;
    else if (word_is(t, "gt"))
        t->kind = T_GT;
    else if (word_is(t, "ge"))
        t->kind = T_GE;
}

/* ---------------------------------------------------------------- parser */

static int new_node(struct parser *ps, enum node_kind k, int a, int b, int atom)
{
    struct sf_filter *f = ps->f;
    if (f->nnodes >= MAX_NODES) {
        fail(ps, ps->cur.at, "expression too long%s", NULL);
        return -1;
    }
    f->nodes[f->nnodes].kind = k;
    f->nodes[f->nnodes].a = a;
    f->nodes[f->nnodes].b = b;
    f->nodes[f->nnodes].atom = atom;
    return f->nnodes++;
}

static bool lit_from(struct parser *ps, const struct tok *t, struct lit *l)
{
    char *end;
    l->s = malloc(t->len + 1);
    if (!l->s) {
        fail(ps, t->at, "out of memory%s", NULL);
        return false;
    }
    memcpy(l->s, t->s, t->len);
    l->s[t->len] = '\0';
    l->len = t->len;
    l->num = strtod(l->s, &end);
    l->is_num = t->len > 0 && *end == '\0' && t->kind == T_WORD;
    return true;
}

static bool value_tok(const struct tok *t)
{
    return t->kind == T_WORD || t->kind == T_STRING;
}

/* Checks that the literal suits the field's type. */
static void check_lit(struct parser *ps, const struct atom *a, const struct lit *l, size_t at)
{
    if (a->field->type == SF_FV_NUM && !l->is_num)
        fail(ps, at, "%s is a number: compare it with a number", a->field->name);
    if (a->field->type == SF_FV_BOOL && !l->is_num && strcmp(l->s, "true") != 0 && strcmp(l->s, "false") != 0)
        fail(ps, at, "%s is true or false", a->field->name);
}

static int parse_or(struct parser *ps);

/* glibc's regcomp builds automata whose size explodes with stacked
 * repetitions ("a+++++", "(a*)*"): refuse those, and long patterns, so a
 * filter cannot exhaust memory. */
static bool regex_tame(const char *re)
{
    size_t n = strlen(re);
    bool prev_quant = false, closed_quant = false;
    bool inner[32];             /* per open group: holds a repetition */
    int depth = 0;
    if (n > 256)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = re[i];
        bool quant = c == '*' || c == '+' || c == '?' || c == '{';
        if (c == '\\' && i + 1 < n) {
            i++;
            prev_quant = closed_quant = false;
            continue;
        }
        if (quant && (prev_quant || closed_quant))
            return false;   /* a++, a*{2}, (a*)* */
        if (c == '{')
            while (i < n && re[i] != '}')
                i++;
        if (c == '(') {
            if (depth == 32)
                return false;
            inner[depth++] = false;
        } else if (c == ')' && depth > 0) {
            closed_quant = inner[--depth];
            if (closed_quant && depth > 0)
                inner[depth - 1] = true;
            prev_quant = false;
            continue;
        } else if (quant && depth > 0) {
            inner[depth - 1] = true;
        }
        prev_quant = quant;
        closed_quant = false;
    }
    return true;
}

static int parse_comparison(struct parser *ps)
{
    struct sf_filter *f = ps->f;
    struct tok ft = ps->cur;
    const struct sf_field *fd;
    struct atom *a;
    enum tok_kind k;
    int idx;

    if (ft.kind != T_WORD) {
        fail(ps, ft.at, "a field name is expected here%s", NULL);
        return -1;
    }
    fd = sf_field_find(ft.s, ft.len);
    if (!fd) {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(ft.len < 60 ? ft.len : 60), ft.s);
        fail(ps, ft.at, "unknown field '%s' (fields: docs/filter.md, synfin --list-fields)", name);
        return -1;
    }
    if (f->natoms >= SF_FILTER_MAX_ATOMS) {
        fail(ps, ft.at, "more than 64 comparisons%s", NULL);
        return -1;
    }
    idx = f->natoms++;
    a = &f->atoms[idx];
    memset(a, 0, sizeof(*a));
    a->field = fd;
    f->scopes |= 1u << fd->scope;
    f->scope_mask[fd->scope] |= 1ull << idx;
    next(ps);
    k = ps->cur.kind;
    switch (k) {
    case T_EQ: a->op = OP_EQ; break;
    case T_NE: a->op = OP_NE; break;
    case T_LT: a->op = OP_LT; break;
    case T_LE: a->op = OP_LE; break;
    case T_GT: a->op = OP_GT; break;
    case T_GE: a->op = OP_GE; break;
    case T_CONTAINS: a->op = OP_CONTAINS; break;
    case T_IN: a->op = OP_IN; break;
    case T_MATCHES: a->op = OP_MATCHES; break;
    default:
        a->op = OP_TRUE;   /* a bare field: present (and true, for a flag) */
        return new_node(ps, N_ATOM, -1, -1, idx);
    }
    if ((a->op == OP_CONTAINS || a->op == OP_MATCHES) && fd->type != SF_FV_STR && fd->type != SF_FV_LIST) {
        fail(ps, ps->cur.at, "'contains' and 'matches' need a text field; %s is not one", fd->name);
        return -1;
    }
    if (fd->type == SF_FV_LIST && a->op != OP_CONTAINS && a->op != OP_EQ && a->op != OP_NE &&
        a->op != OP_IN && a->op != OP_MATCHES) {
        fail(ps, ps->cur.at, "%s is a list: use contains, ==, != or in", fd->name);
        return -1;
    }
    next(ps);
    if (a->op == OP_IN) {
        size_t cap = 0;
        if (ps->cur.kind != T_LBRACE) {
            fail(ps, ps->cur.at, "'in' takes a set: in {a b c}%s", NULL);
            return -1;
        }
        next(ps);
        while (value_tok(&ps->cur)) {
            if (a->nlits == cap) {
                size_t nc = cap ? cap * 2 : 4;
                struct lit *g;
                if (nc > 256) {
                    fail(ps, ps->cur.at, "a set of more than 256 values%s", NULL);
                    return -1;
                }
                g = realloc(a->lits, nc * sizeof(*g));
                if (!g) {
                    fail(ps, ps->cur.at, "out of memory%s", NULL);
                    return -1;
                }
                a->lits = g;
                cap = nc;
            }
            if (!lit_from(ps, &ps->cur, &a->lits[a->nlits]))
                return -1;
            a->nlits++;
            check_lit(ps, a, &a->lits[a->nlits - 1], ps->cur.at);
            next(ps);
            if (ps->cur.kind == T_COMMA)
                next(ps);
        }
        if (ps->cur.kind != T_RBRACE) {
            fail(ps, ps->cur.at, "'}' expected to close the set%s", NULL);
            return -1;
        }
        if (a->nlits == 0) {
            fail(ps, ps->cur.at, "an empty set%s", NULL);
            return -1;
        }
        next(ps);
        return ps->failed ? -1 : new_node(ps, N_ATOM, -1, -1, idx);
    }
    if (!value_tok(&ps->cur)) {
        fail(ps, ps->cur.at, "a value is expected after the operator%s", NULL);
        return -1;
    }
    a->lits = calloc(1, sizeof(*a->lits));
    if (!a->lits || !lit_from(ps, &ps->cur, &a->lits[0])) {
        fail(ps, ps->cur.at, "out of memory%s", NULL);
        return -1;
    }
    a->nlits = 1;
    if (a->op == OP_MATCHES) {
        if (!regex_tame(a->lits[0].s)) {
            fail(ps, ps->cur.at, "a regular expression of at most 256 characters, without stacked "
                                 "repetitions such as 'a++' or '(a*)*'%s", NULL);
            return -1;
        }
        if (regcomp(&a->re, a->lits[0].s, REG_EXTENDED | REG_NOSUB) != 0) {
            fail(ps, ps->cur.at, "not a valid regular expression (POSIX extended)%s", NULL);
            return -1;
        }
        a->have_re = true;
    } else if (a->op != OP_CONTAINS) {
        check_lit(ps, a, &a->lits[0], ps->cur.at);
    }
    next(ps);
    return ps->failed ? -1 : new_node(ps, N_ATOM, -1, -1, idx);
}

static int parse_unary(struct parser *ps)
{
    int n;
    if (++ps->depth > MAX_DEPTH) {
        fail(ps, ps->cur.at, "nested too deeply%s", NULL);
        return -1;
    }
    if (ps->cur.kind == T_NOT) {
        next(ps);
        n = parse_unary(ps);
        n = n < 0 ? -1 : new_node(ps, N_NOT, n, -1, -1);
    } else if (ps->cur.kind == T_LPAREN) {
        size_t at = ps->cur.at;
        next(ps);
        n = parse_or(ps);
        if (n >= 0 && ps->cur.kind != T_RPAREN) {
            fail(ps, ps->cur.kind == T_END ? at : ps->cur.at, "')' expected%s", NULL);
            n = -1;
        }
        if (n >= 0)
            next(ps);
    } else {
        n = parse_comparison(ps);
    }
    ps->depth--;
    return ps->failed ? -1 : n;
}

static int parse_and(struct parser *ps)
{
    int n = parse_unary(ps);
    while (n >= 0 && ps->cur.kind == T_AND) {
        int m;
        next(ps);
        m = parse_unary(ps);
        n = m < 0 ? -1 : new_node(ps, N_AND, n, m, -1);
    }
    return n;
}

static int parse_or(struct parser *ps)
{
    int n = parse_and(ps);
    while (n >= 0 && ps->cur.kind == T_OR) {
        int m;
        next(ps);
        m = parse_and(ps);
        n = m < 0 ? -1 : new_node(ps, N_OR, n, m, -1);
    }
    return n;
}

void sf_filter_free(struct sf_filter *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->natoms; i++) {
        for (size_t k = 0; k < f->atoms[i].nlits; k++)
            free(f->atoms[i].lits[k].s);
        free(f->atoms[i].lits);
        if (f->atoms[i].have_re)
            regfree(&f->atoms[i].re);
    }
    free(f);
}

struct sf_filter *sf_filter_compile(const char *expr, char *err, size_t errlen, size_t *col)
{
    struct parser ps;
    int root;
    memset(&ps, 0, sizeof(ps));
    ps.src = expr;
    ps.n = strlen(expr);
    ps.err = err;
    ps.errlen = errlen;
    ps.f = calloc(1, sizeof(*ps.f));
    if (!ps.f) {
        snprintf(err, errlen, "out of memory");
        if (col)
            *col = 0;
        return NULL;
    }
    next(&ps);
    if (ps.cur.kind == T_END && !ps.failed)
        fail(&ps, 0, "empty expression%s", NULL);
    root = ps.failed ? -1 : parse_or(&ps);
    if (root >= 0 && ps.cur.kind != T_END)
        fail(&ps, ps.cur.at, "unexpected text here: an operator ('and', 'or') or the end is expected%s", NULL);
    for (int i = 0; i < ps.nstr; i++)
        free(ps.strbuf[i]);
    if (ps.failed || root < 0) {
        if (col)
            *col = ps.errcol;
        sf_filter_free(ps.f);
        return NULL;
    }
    ps.f->root = root;
    return ps.f;
}

unsigned sf_filter_scopes(const struct sf_filter *f)
{
    return f->scopes;
}

uint64_t sf_filter_scope_mask(const struct sf_filter *f, enum sf_fscope scope)
{
    return f->scope_mask[scope];
}

/* ------------------------------------------------------------ evaluation */

static bool str_eq(const char *a, size_t an, const struct lit *l)
{
    return an == l->len && memcmp(a, l->s, an) == 0;
}

static bool contains(const char *hay, size_t n, const struct lit *l)
{
    if (l->len == 0)
        return true;
    if (l->len > n)
        return false;
    for (size_t i = 0; i + l->len <= n; i++)
        if (hay[i] == l->s[0] && memcmp(hay + i, l->s, l->len) == 0)
            return true;
    return false;
}

static bool atom_matches(const struct atom *a, const char *s, size_t n)
{
    char buf[512];
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;   /* regexec wants a C string: long values are matched on their start */
    memcpy(buf, s, n);
    buf[n] = '\0';
    return regexec(&a->re, buf, 0, NULL, 0) == 0;
}

static bool cmp_num(enum op op, double v, double x)
{
    switch (op) {
    case OP_EQ: return v == x;
    case OP_NE: return v != x;
    case OP_LT: return v < x;
    case OP_LE: return v <= x;
    case OP_GT: return v > x;
    case OP_GE: return v >= x;
    default: return false;
    }
}

static bool cmp_str(enum op op, const char *s, size_t n, const struct lit *l)
{
    int c;
    size_t m = n < l->len ? n : l->len;
    switch (op) {
    case OP_EQ: return str_eq(s, n, l);
    case OP_NE: return !str_eq(s, n, l);
    case OP_CONTAINS: return contains(s, n, l);
    default: break;
    }
    c = memcmp(s, l->s, m);
    if (c == 0)
        c = n < l->len ? -1 : n > l->len ? 1 : 0;
    switch (op) {
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GE: return c >= 0;
    default: return false;
    }
}

static double lit_bool(const struct lit *l)
{
    if (strcmp(l->s, "true") == 0)
        return 1;
    if (strcmp(l->s, "false") == 0)
        return 0;
    return l->num != 0;
}

static bool eval_atom(const struct atom *a, const struct sf_frec *r)
{
    struct sf_fval v;
    memset(&v, 0, sizeof(v));
    a->field->get(r, &v);
    if (v.type == SF_FV_NONE)
        return false;   /* an absent field makes every comparison false (as Wireshark) */
    if (a->op == OP_TRUE)   /* bare field: present, true, or a list with something in it */
        return v.type == SF_FV_BOOL ? v.num != 0 : v.type == SF_FV_LIST ? v.nlist > 0 : true;
    switch (v.type) {
    case SF_FV_NUM:
    case SF_FV_BOOL:
        if (a->op == OP_IN) {
            for (size_t i = 0; i < a->nlits; i++)
                if ((v.type == SF_FV_BOOL ? lit_bool(&a->lits[i]) : a->lits[i].num) == v.num)
                    return true;
            return false;
        }
        return cmp_num(a->op, v.num, v.type == SF_FV_BOOL ? lit_bool(&a->lits[0]) : a->lits[0].num);
    case SF_FV_STR:
        if (a->op == OP_MATCHES)
            return atom_matches(a, v.str, v.len);
        if (a->op == OP_IN) {
            for (size_t i = 0; i < a->nlits; i++)
                if (str_eq(v.str, v.len, &a->lits[i]))
                    return true;
            return false;
        }
        return cmp_str(a->op, v.str, v.len, &a->lits[0]);
    case SF_FV_LIST: {
        /* Any element: "packet.flags contains SYN", "== SYN" alike; != is
         * "no element equals". */
        bool any = false;
        for (size_t i = 0; i < v.nlist && !any; i++) {
            size_t n = strlen(v.list[i]);
            if (a->op == OP_MATCHES)
                any = atom_matches(a, v.list[i], n);
            else if (a->op == OP_IN)
                for (size_t k = 0; k < a->nlits && !any; k++)
                    any = str_eq(v.list[i], n, &a->lits[k]);
            else
                any = str_eq(v.list[i], n, &a->lits[0]);
        }
        return a->op == OP_NE ? !any : any;
    }
    default:
        return false;
    }
}

uint64_t sf_filter_atoms(const struct sf_filter *f, enum sf_fscope scope, const struct sf_frec *r)
{
    uint64_t bits = 0, m = f->scope_mask[scope];
    for (int i = 0; i < f->natoms; i++)
        if ((m >> i & 1) && eval_atom(&f->atoms[i], r))
            bits |= 1ull << i;
    return bits;
}

static bool eval_node(const struct sf_filter *f, int n, uint64_t truth)
{
    const struct node *x = &f->nodes[n];
    switch (x->kind) {
    case N_ATOM: return (truth >> x->atom) & 1;
    case N_NOT: return !eval_node(f, x->a, truth);
    case N_AND: return eval_node(f, x->a, truth) && eval_node(f, x->b, truth);
    case N_OR: return eval_node(f, x->a, truth) || eval_node(f, x->b, truth);
    }
    return false;
}

bool sf_filter_eval(const struct sf_filter *f, uint64_t truth)
{
    return eval_node(f, f->root, truth);
}

const char *sf_filter_field_name(size_t i, const char **type, const char **meaning)
{
    const struct sf_field *fd = sf_field_at(i);
    static const char *const types[] = { "none", "number", "text", "list", "boolean" };
    if (!fd)
        return NULL;
    if (type)
        *type = types[fd->type];
    if (meaning)
        *meaning = fd->meaning;
    return fd->name;
}

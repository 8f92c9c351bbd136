/*
 * kinds/table.c: `table NAME { key ...; sort ...; billing ...; ttl ...;
 * stream ...; index NAME { ... }; on-delete ... }`.
 *
 * Becomes one AWS::DynamoDB::Table, logical ID PascalCase(NAME) + "Table",
 * with no TableName (CloudFormation names it per stack, so every stage has
 * its own), kept on stack deletion and replacement unless `on-delete
 * delete`.  Attributes: NAME.name (Ref), NAME.arn, NAME.stream.
 */
#include <string.h>

#include "cfn.h"
#include "hitc.h"

typedef struct KeyAttr {
    const char *name;
    int type;               /* index into key_types */
    Loc loc;
} KeyAttr;

typedef struct Index {
    const char *name;
    Loc loc;
    KeyAttr key, sort;
} Index;

typedef struct Table {
    KeyAttr key, sort;
    bool provisioned;
    long long read, write;
    const char *ttl;
    int stream;             /* -1: none */
    Index *indexes[32];
    int nindexes;
    bool destroy;           /* on-delete delete */
    Index *reading;         /* the index whose block is being read */
} Table;

static const char *const key_types[] = {"string", "number", "binary"};
static const char *const key_codes[] = {"S", "N", "B"};
static const char *const stream_modes[] = {"keys-only", "new", "old",
                                           "new-and-old"};
static const char *const stream_views[] = {"KEYS_ONLY", "NEW_IMAGE",
                                           "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
static const Attr table_attrs[] = {{"arn", VT_STRING, "dynamodb"},
                                   {"name", VT_STRING, ""},
                                   {"stream", VT_STRING, "dynamodb"}};

static Table *table_of(Decl *d)
{
    return d->data;
}

/* key|sort ATTR: TYPE */
static bool read_key(Ctx *ctx, Stmt *s, KeyAttr *out)
{
    const char *usage = arena_printf(ctx->arena, "%s ATTRIBUTE: string|number|binary",
                                     s->items[0]->text);
    if (!want_items(ctx, s, 4, 4, usage))
        return false;
    const char *name = want_word(ctx, s, 1, "an attribute name");
    if (!name)
        return false;
    if (!item_is_punct(s->items[2], T_COLON)) {
        diag(ctx, D_EXPECTED, s->items[2]->loc, "expected ':' in '%s'", usage);
        return false;
    }
    int type = want_choice(ctx, s, 3, "key type", key_types, 3);
    if (type < 0)
        return false;
    *out = (KeyAttr){name, type, s->items[1]->loc};
    return true;
}

static void field_key(Ctx *ctx, Decl *d, Stmt *s)
{
    read_key(ctx, s, &table_of(d)->key);
}

static void field_sort(Ctx *ctx, Decl *d, Stmt *s)
{
    read_key(ctx, s, &table_of(d)->sort);
}

static void field_billing(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const modes[] = {"on-demand", "provisioned"};
    Table *t = table_of(d);
    int m = want_choice(ctx, s, 1, "billing mode", modes, 2);
    if (m == 0) {
        want_items(ctx, s, 2, 2, "billing on-demand");
    } else if (m == 1) {
        if (!want_items(ctx, s, 4, 4, "billing provisioned READ WRITE") ||
            !want_number(ctx, s, 2, "read capacity units", &t->read) ||
            !want_number(ctx, s, 3, "write capacity units", &t->write))
            return;
        for (int i = 2; i <= 3; i++) {
            if (s->items[i]->num < 1 || s->items[i]->num > 40000 ||
                s->items[i]->unit[0])
                diag(ctx, D_OUT_OF_RANGE, s->items[i]->loc,
                     "capacity units must be a plain number from 1 to 40000");
        }
        t->provisioned = true;
    }
}

static void field_ttl(Ctx *ctx, Decl *d, Stmt *s)
{
    if (want_items(ctx, s, 2, 2, "ttl ATTRIBUTE"))
        table_of(d)->ttl = want_word(ctx, s, 1, "an attribute name");
}

static void field_stream(Ctx *ctx, Decl *d, Stmt *s)
{
    if (want_items(ctx, s, 2, 2, "stream keys-only|new|old|new-and-old"))
        table_of(d)->stream = want_choice(ctx, s, 1, "stream mode",
                                          stream_modes, 4);
}

static void field_on_delete(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const modes[] = {"retain", "delete"};
    if (want_items(ctx, s, 2, 2, "on-delete retain|delete"))
        table_of(d)->destroy = want_choice(ctx, s, 1, "on-delete mode",
                                           modes, 2) == 1;
}

static void index_key(Ctx *ctx, Decl *d, Stmt *s)
{
    read_key(ctx, s, &table_of(d)->reading->key);
}

static void index_sort(Ctx *ctx, Decl *d, Stmt *s)
{
    read_key(ctx, s, &table_of(d)->reading->sort);
}

static const Field index_fields[] = {
    {"key", false, index_key},
    {"sort", false, index_sort},
};

static bool index_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 3 || len > 255)
        return false;
    for (const char *p = n; *p; p++)
        if (!(*p == '_' || *p == '-' || *p == '.' ||
              (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

static void field_index(Ctx *ctx, Decl *d, Stmt *s)
{
    Table *t = table_of(d);
    if (!want_items(ctx, s, 2, 2, "index NAME { key ATTRIBUTE: TYPE; ... }"))
        return;
    const char *name = want_word(ctx, s, 1, "the index's name");
    if (!name)
        return;
    if (!index_name_ok(name)) {
        diag(ctx, D_BAD_NAME, s->items[1]->loc,
             "index name '%s' must be 3 to 255 letters, digits, '_', '-' or "
             "'.'", name);
        return;
    }
    for (int i = 0; i < t->nindexes; i++) {
        if (strcmp(t->indexes[i]->name, name) == 0) {
            Diag *dg = diag(ctx, D_DUPLICATE_NAME, s->items[1]->loc,
                            "index '%s' is declared twice in %s", name,
                            d->display);
            note(ctx, dg, t->indexes[i]->loc, "first declared here");
            return;
        }
    }
    if (t->nindexes == 20) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc,
             "a table may have at most 20 global secondary indexes");
        return;
    }
    Index *ix = arena_alloc(ctx->arena, sizeof *ix);
    ix->name = name;
    ix->loc = s->items[1]->loc;
    t->reading = ix;
    check_fields(ctx, d, s, index_fields, 2);
    t->reading = NULL;
    if (!ix->key.name) {
        if (s->has_block)
            diag(ctx, D_MISSING_FIELD, ix->loc, "index '%s' needs a 'key'",
                 name);
        return;
    }
    t->indexes[t->nindexes++] = ix;
}

static const Field table_fields[] = {
    {"key", false, field_key},
    {"sort", false, field_sort},
    {"billing", false, field_billing},
    {"ttl", false, field_ttl},
    {"stream", false, field_stream},
    {"index", true, field_index},
    {"on-delete", false, field_on_delete},
};

/* One attribute used with two types would be two AttributeDefinitions. */
static void check_key_types(Ctx *ctx, Decl *d, KeyAttr **keys, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(keys[i]->name, keys[j]->name) == 0 &&
                keys[i]->type != keys[j]->type) {
                Diag *dg = diag(ctx, D_BAD_VALUE, keys[i]->loc,
                                "attribute '%s' of %s is a %s here but a %s "
                                "before", keys[i]->name, d->display,
                                key_types[keys[i]->type],
                                key_types[keys[j]->type]);
                note(ctx, dg, keys[j]->loc, "first typed here");
            }
}

static int table_keys(Table *t, KeyAttr **keys)
{
    int n = 0;
    if (t->key.name)
        keys[n++] = &t->key;
    if (t->sort.name)
        keys[n++] = &t->sort;
    for (int i = 0; i < t->nindexes; i++) {
        keys[n++] = &t->indexes[i]->key;
        if (t->indexes[i]->sort.name)
            keys[n++] = &t->indexes[i]->sort;
    }
    return n;
}

static void table_check(Ctx *ctx, Decl *d)
{
    Table *t = arena_alloc(ctx->arena, sizeof *t);
    t->stream = -1;
    d->data = t;
    if (!want_items(ctx, d->stmt, 2, 2, "table NAME { ... }"))
        return;
    check_fields(ctx, d, d->stmt, table_fields,
                 sizeof table_fields / sizeof *table_fields);
    bool written = false;
    for (int i = 0; i < d->stmt->nblock; i++)
        written |= item_is_word(d->stmt->block[i]->items[0], "key");
    if (!t->key.name && d->stmt->has_block && !written)
        diag(ctx, D_MISSING_FIELD, d->name_loc,
             "table '%s' needs a 'key ATTRIBUTE: TYPE' line", d->name);
    KeyAttr *keys[2 + 2 * 32];
    check_key_types(ctx, d, keys, table_keys(t, keys));
}

static const char *table_attr_error(Ctx *ctx, Decl *d, const char *attr,
                                    DiagCode *code)
{
    Table *t = d->data;
    *code = D_NO_STREAM;
    if (strcmp(attr, "stream") == 0 && t && t->stream < 0)
        return arena_printf(ctx->arena,
                            "table '%s' has no stream; add 'stream "
                            "new-and-old' (or keys-only, new, old) to its "
                            "block to use '%s.stream'", d->name, d->name);
    return NULL;
}

bool table_has_stream(const Decl *d)
{
    const Table *t = d->data;
    return t && t->stream >= 0;
}

static CfnRef table_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx;
    if (strcmp(attr, "arn") == 0)
        return (CfnRef){.form = CFN_GETATT, .logical = d->logical, .attr = "Arn"};
    if (strcmp(attr, "stream") == 0)
        return (CfnRef){.form = CFN_GETATT, .logical = d->logical,
                        .attr = "StreamArn"};
    return (CfnRef){.form = CFN_REF, .logical = d->logical};
}

static CfnNode *key_schema(Arena *a, Loc at, const KeyAttr *key,
                           const KeyAttr *sort)
{
    CfnNode *ks = cfn_arr(a, at);
    CfnNode *h = cfn_obj(a, at);
    cfn_put_str(a, h, "AttributeName", key->name);
    cfn_put_str(a, h, "KeyType", "HASH");
    cfn_arr_push(a, ks, h);
    if (sort->name) {
        CfnNode *r = cfn_obj(a, at);
        cfn_put_str(a, r, "AttributeName", sort->name);
        cfn_put_str(a, r, "KeyType", "RANGE");
        cfn_arr_push(a, ks, r);
    }
    return ks;
}

static void add_throughput(Arena *a, CfnNode *o, const Table *t)
{
    if (!t->provisioned)
        return;
    CfnNode *pt = cfn_put_obj(a, o, "ProvisionedThroughput");
    cfn_put_num(a, pt, "ReadCapacityUnits", t->read);
    cfn_put_num(a, pt, "WriteCapacityUnits", t->write);
}

static void table_ids(Ctx *ctx, Decl *d)
{
    Table *t = d->data;
    if (t && t->key.name)
        id_claim(ctx, d, d->logical);
}

static void table_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Table *t = d->data;
    if (!t || !t->key.name)
        return;
    CfnNode *res = emit_resource(ctx, e, d, d->logical, "AWS::DynamoDB::Table");
    const char *policy = t->destroy ? "Delete" : "Retain";
    cfn_put_str(ctx->arena, res, "DeletionPolicy", policy);
    cfn_put_str(ctx->arena, res, "UpdateReplacePolicy", policy);
    CfnNode *p = cfn_put_obj(ctx->arena, res, "Properties");

    KeyAttr *keys[2 + 2 * 32];
    int n = table_keys(t, keys);
    CfnNode *defs = cfn_put_arr(ctx->arena, p, "AttributeDefinitions");
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(keys[i]->name, keys[j]->name) == 0;
        if (seen)
            continue;
        CfnNode *a = cfn_obj(ctx->arena, d->loc);
        cfn_put_str(ctx->arena, a, "AttributeName", keys[i]->name);
        cfn_put_str(ctx->arena, a, "AttributeType", key_codes[keys[i]->type]);
        cfn_arr_push(ctx->arena, defs, a);
    }
    cfn_put_str(ctx->arena, p, "BillingMode",
                            t->provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
    if (t->nindexes) {
        CfnNode *gsis = cfn_put_arr(ctx->arena, p, "GlobalSecondaryIndexes");
        for (int i = 0; i < t->nindexes; i++) {
            Index *ix = t->indexes[i];
            CfnNode *g = cfn_obj(ctx->arena, d->loc);
            cfn_put_str(ctx->arena, g, "IndexName", ix->name);
            cfn_put(ctx->arena, g, "KeySchema", key_schema(ctx->arena, d->loc, &ix->key, &ix->sort));
            CfnNode *proj = cfn_put_obj(ctx->arena, g, "Projection");
            cfn_put_str(ctx->arena, proj, "ProjectionType", "ALL");
            add_throughput(ctx->arena, g, t);
            cfn_arr_push(ctx->arena, gsis, g);
        }
    }
    cfn_put(ctx->arena, p, "KeySchema", key_schema(ctx->arena, d->loc, &t->key, &t->sort));
    add_throughput(ctx->arena, p, t);
    if (t->stream >= 0) {
        CfnNode *ss = cfn_put_obj(ctx->arena, p, "StreamSpecification");
        cfn_put_str(ctx->arena, ss, "StreamViewType", stream_views[t->stream]);
    }
    cfn_put(ctx->arena, p, "Tags", hitc_tags(ctx, d->loc));
    if (t->ttl) {
        CfnNode *ttl = cfn_put_obj(ctx->arena, p, "TimeToLiveSpecification");
        cfn_put_str(ctx->arena, ttl, "AttributeName", t->ttl);
        cfn_put_bool(ctx->arena, ttl, "Enabled", true);
    }
}

const Kind kind_table = {
    .keyword = "table",
    .noun = "table",
    .named = true,
    .suffix = "Table",
    .attrs = table_attrs,
    .nattrs = sizeof table_attrs / sizeof *table_attrs,
    .check = table_check,
    .attr_error = table_attr_error,
    .ref = table_ref,
    .ids = table_ids,
    .emit = table_emit,
};

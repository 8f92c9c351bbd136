/*
 * kinds/plugin.h: what kinds/plugin.c and kinds/resource.c share: a
 * plugin's declaration (its inputs, outputs, service and timeout) and the
 * values a resource (or an input's default) gives.
 */
#ifndef HITC_KINDS_PLUGIN_H
#define HITC_KINDS_PLUGIN_H

#include "hitc.h"

/* A value given to an input: a resource's `NAME = VALUE`, or a default.
 * form is VT_BOOL for `true`/`false`, VT_LIST for `[ ... ]` (elems), and
 * VT_NONE for an expression (expr, whose type resolve.c sets). */
typedef struct PlugValue {
    Loc loc;
    ValueType form;
    bool b;
    Expr *expr;
    Expr **elems;
    int nelems;
} PlugValue;

typedef struct PlugInput {
    const char *name;
    Loc loc;
    ValueType type;         /* string, number, bool or list */
    bool replace;
    PlugValue *def;         /* or NULL: the input is required */
} PlugInput;

typedef struct Plugin {
    Expr *service;
    long long timeout;      /* seconds */
    PtrVec inputs;          /* PlugInput*, in declared order */
    StrMap input_names;     /* name -> PlugInput* */
    Attr *outs;             /* the outputs, each a string attribute */
    int nouts, outs_cap;
    StrMap out_names;       /* name -> Loc* of its declaration */
    const char *type;       /* "Custom::" + PascalCase(name) */
    bool broken;            /* an `in` line was cut short (reported):
                               its resources' inputs are not checked */
    bool code_change_kept;  /* `on-code-change keep`: the service's bundle
                               hash is left out of its resources */
} Plugin;

/* The plugin d (kind_plugin), its declaration read (check() runs once, on
 * first need); NULL when it has no statement to read. */
Plugin *plugin_of(Ctx *ctx, Decl *d);
/* A value for an input, read from it; literal: a default (no reference,
 * no interpolation).  NULL after reporting what is wrong. */
PlugValue *plug_value_read(Ctx *ctx, const Item *it, bool literal,
                           const char *what);
/* The value's type: its literal form, or its expression's type. */
ValueType plug_value_type(const PlugValue *v);
/* The value as the custom resource's property. */
CfnNode *plug_value_cfn(Ctx *ctx, Loc at, const PlugInput *in,
                        const PlugValue *v);
/* "string", "number", "bool", "list" */
const char *plug_type_name(ValueType t);

#endif

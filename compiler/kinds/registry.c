/*
 * kinds/registry.c: every kind of declaration hitc knows, one line each.
 * Adding a kind is adding its file in kinds/ and its line here.  A kind
 * of built-in declarations only (kind_stamp, kind_stamper) needs no line,
 * unless it has a finish callback (kind_api_deployment).  builtins[] are
 * the names every program has.
 */
#include <string.h>

#include "hitc.h"

const Kind *const kinds[] = {
    &kind_app,
    &kind_param,
    &kind_table,
    &kind_function,
    &kind_defaults,
    &kind_route,
    &kind_api,
    &kind_api_deployment,   /* after api: its finish follows the api's */
    &kind_output,
    &kind_builtin_aws,
    &kind_plugin,
    &kind_resource,
    &kind_include,
    &kind_trigger,
};

const int nkinds = sizeof kinds / sizeof *kinds;

/* Names of hitc's own that every program has (and that no declaration
 * may take: declare.c reserves them). */
const Builtin builtins[] = {
    {"stage", &kind_param, HID_STAGE, "parameter 'stage'"},
    {"api", &kind_api, HID_API, "the api"},
    {"aws", &kind_builtin_aws, -1, NULL},
    {"cfn", &kind_cfn, -1, NULL},
};

const int nbuiltins = sizeof builtins / sizeof *builtins;

const Kind *kind_find(const char *keyword)
{
    for (int i = 0; i < nkinds; i++)
        if (kinds[i]->keyword && strcmp(kinds[i]->keyword, keyword) == 0)
            return kinds[i];
    return NULL;
}

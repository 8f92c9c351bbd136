#!/usr/bin/env python3
"""scripts/gen_schemas.py: compiler/schema_data.c from cfn-lint's resource schemas.

usage: scripts/gen_schemas.py [-o compiler/schema_data.c]   (or `make schemas`)

In: the CloudFormation resource provider schemas that cfn-lint ships (the
schemas AWS publishes per region, with cfn-lint's corrections applied),
read through cfn-lint's own schema manager, so that the attributes
`Fn::GetAtt` takes are the ones cfn-lint accepts (readOnlyProperties, the
dotted forms of nested ones, `Outputs.NAME` of a nested stack); and
cfn-lint's list of stateful resource types (AdditionalSpecs).

Out: one C file of constant tables, without a pointer in them (so the
loader relocates nothing and start-up does not grow): every string once in
a pool, addressed by offset; the resource types sorted by name; per type,
its properties as a "shape" (a sorted list of properties, each with its
JSON type, whether it is required, its enum and the shape of its object or
of its array's items), its attributes and its createOnly properties.
Equal shapes (the Tag of a thousand types) are stored once.
compiler/schema.c looks them up by binary search.

Holds: the output depends only on the schemas (sorted everywhere), so the
same cfn-lint gives the same bytes.  Python 3 and cfn-lint only.
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRIMARY = "us-east-1"

# JSON types, as bits (schema.h's SCHEMA_T_*).
TYPE_BITS = {"string": 1, "number": 2, "integer": 4, "boolean": 8,
             "array": 16, "object": 32, "null": 64}
# Shape flags (schema.h's SCHEMA_CLOSED).
CLOSED = 1
# Property flags (schema.h's SCHEMA_P_*).
P_REQUIRED = 1
P_ITEMS_SHAPE = 2                   # the shape is the array items'
# Type flags (schema.h's SCHEMA_STATEFUL).
STATEFUL = 1
# createOnly entry flags: the high bit of the offset.
CONDITIONAL = 1 << 31


def fail(msg):
    print("gen_schemas: " + msg, file=sys.stderr)
    sys.exit(2)


def ensure_list(v):
    return v if isinstance(v, list) else [v]


class Pool:
    """Every string once, NUL-terminated, addressed by offset."""

    def __init__(self):
        self.off = {}
        self.index = {}
        self.parts = []
        self.size = 0

    def text(self, off):
        return self.parts[self.index[off]]

    def add(self, s):
        if s not in self.off:
            b = s.encode("utf-8")
            if b"\0" in b:
                fail("a NUL byte in %r" % s)
            self.off[s] = self.size
            self.index[self.size] = len(self.parts)
            self.parts.append(s)
            self.size += len(b) + 1
        return self.off[s]


class TypeSchema:
    """One resource type's schema, with its local $ref resolution."""

    def __init__(self, schema):
        self.schema = schema
        self.defs = schema.get("definitions", {})

    def resolve(self, node, seen=()):
        """Follow "$ref": "#/definitions/X" (keys beside the $ref kept)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/definitions/") or ref in seen:
                return {k: v for k, v in node.items() if k != "$ref"}
            seen = seen + (ref,)
            target = self.defs.get(ref[len("#/definitions/"):])
            if not isinstance(target, dict):
                return {k: v for k, v in node.items() if k != "$ref"}
            merged = dict(target)
            merged.update({k: v for k, v in node.items() if k != "$ref"})
            node = merged
        return node if isinstance(node, dict) else {}

    def reachable(self, node):
        """The definitions node refers to, directly or not, by name: with
        node itself, what makes two shapes equal across types."""
        found, todo = {}, [node]
        while todo:
            n = todo.pop()
            if isinstance(n, dict):
                ref = n.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/definitions/"):
                    name = ref[len("#/definitions/"):]
                    if name not in found and name in self.defs:
                        found[name] = self.defs[name]
                        todo.append(self.defs[name])
                todo.extend(n.values())
            elif isinstance(n, list):
                todo.extend(n)
        return found

    def branches(self, node):
        out = []
        for k in ("oneOf", "anyOf", "allOf"):
            for b in node.get(k, []) or []:
                out.append(self.resolve(b))
        return out

    def types(self, node, depth=0):
        """The JSON types a value may have, as bits; 0 when any."""
        node = self.resolve(node)
        if "type" in node:
            bits = 0
            for t in ensure_list(node["type"]):
                bits |= TYPE_BITS.get(t, 0)
            return bits
        if "properties" in node or "patternProperties" in node:
            return TYPE_BITS["object"]
        if "items" in node:
            return TYPE_BITS["array"]
        br = self.branches(node)
        if not br or depth > 8:
            return 0
        bits = 0
        for b in br:
            t = self.types(b, depth + 1)
            if t == 0:
                return 0
            bits |= t
        return bits

    def array_part(self, node, depth=0):
        """The schema, node or one of its branches, that gives an array's
        items; None when there is none."""
        node = self.resolve(node)
        if isinstance(node.get("items"), dict):
            return node
        for b in self.branches(node) if depth < 8 else []:
            found = self.array_part(b, depth + 1)
            if found is not None:
                return found
        return None

    def object_parts(self, node):
        """(properties, required, closed) of an object schema, with the
        properties of its oneOf/anyOf/allOf branches merged in."""
        node = self.resolve(node)
        props = dict(node.get("properties", {}) or {})
        closed = (node.get("additionalProperties") is False and
                  not node.get("patternProperties"))
        for b in self.branches(node):
            if "properties" in b:
                for k, v in b["properties"].items():
                    props.setdefault(k, v)
                if b.get("additionalProperties") is not False or \
                        b.get("patternProperties"):
                    closed = False
            elif b.get("patternProperties") or \
                    b.get("additionalProperties") not in (None, False):
                closed = False
        required = [r for r in node.get("required", []) or []
                    if isinstance(r, str)]
        return props, required, closed, self.groups(node)

    @staticmethod
    def groups(node):
        """anyOf/oneOf lists whose branches only require properties ("at
        least one of Users, Groups, Roles"), as schema.c reads them:
        groups split by ';', a group's alternatives by '|', the names an
        alternative requires by ','."""
        out = []
        for k in ("anyOf", "oneOf"):
            br = node.get(k)
            if not isinstance(br, list) or not br or not all(
                    isinstance(b, dict) and set(b) == {"required"} and
                    isinstance(b["required"], list) and b["required"]
                    for b in br):
                continue
            alts = [",".join(b["required"]) for b in br]
            if any(set(a) & set(";|") for a in alts):
                fail("a property name with ';' or '|' in %r" % alts)
            out.append("|".join(alts))
        return ";".join(out)


class Tables:
    def __init__(self):
        self.pool = Pool()
        self.shapes = [None]        # index 0: no shape (anything goes)
        self.shape_ids = {}         # schema node -> shape
        self.content_ids = {}       # rows and flags -> shape
        self.enums = [None]         # index 0: no enum
        self.enum_ids = {}

    def enum(self, values):
        # All-string enums, and all-integer ones (RetentionInDays) as their
        # decimal text, which is how hitc compares them; mixed ones are not
        # kept.
        if values and all(isinstance(v, int) and not isinstance(v, bool)
                          for v in values):
            values = [str(v) for v in values]
        vals = sorted({v for v in values if isinstance(v, str)})
        if not vals or len(vals) != len(values):
            return 0
        key = tuple(vals)
        if key not in self.enum_ids:
            self.enum_ids[key] = len(self.enums)
            self.enums.append([self.pool.add(v) for v in vals])
        return self.enum_ids[key]

    def shape(self, ts, node, stack):
        """The index of the shape of object schema node (0: unchecked)."""
        node = ts.resolve(node)
        props, required, closed, groups = ts.object_parts(node)
        if not props and not required and not closed and not groups:
            return 0
        key = json.dumps([node, ts.reachable(node)], sort_keys=True)
        key = hashlib.sha256(key.encode()).hexdigest()
        if key in self.shape_ids:
            return self.shape_ids[key]
        if key in stack:            # recursive definitions: stop here
            return 0
        stack = stack | {key}
        rows = []
        for name in sorted(props):
            sub = ts.resolve(props[name])
            bits = ts.types(sub)
            item_bits, child, enum, flags = 0, 0, 0, 0
            if bits & TYPE_BITS["object"]:
                child = self.shape(ts, sub, stack)
            arr = ts.array_part(sub) if bits & TYPE_BITS["array"] else None
            if arr is not None:
                items = ts.resolve(arr["items"])
                item_bits = ts.types(items)
                if item_bits & TYPE_BITS["object"] and not child:
                    child = self.shape(ts, items, stack)
                    flags |= P_ITEMS_SHAPE if child else 0
                if "enum" in items:
                    enum = self.enum(items["enum"])
            if "enum" in sub:
                enum = self.enum(sub["enum"])
            flags |= P_REQUIRED if name in required else 0
            rows.append((self.pool.add(name), bits, item_bits, flags, child, enum))
        # Required names that have no schema of their own still count.
        for name in sorted(set(required) - set(props)):
            rows.append((self.pool.add(name), 0, 0, P_REQUIRED, 0, 0))
        rows.sort(key=lambda r: self.pool.text(r[0]).encode("utf-8"))
        content = (tuple(rows), CLOSED if closed else 0,
                   self.pool.add(groups) if groups else 0)
        if content not in self.content_ids:
            self.content_ids[content] = len(self.shapes)
            self.shapes.append(content)
        self.shape_ids[key] = self.content_ids[content]
        return self.shape_ids[key]


def attr_glob(pattern):
    """cfn-lint's attribute regex as schema.c's glob: '*' any run, '.' any
    character (what the regex's '.' is), '\\.' a dot too."""
    return pattern.replace("\\.", ".").replace(".*", "*")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "compiler", "schema_data.c"))
    a = ap.parse_args()
    try:
        import cfnlint
        from cfnlint.helpers import REGIONS
        from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER as M
    except ImportError as e:
        fail("cfn-lint is not installed for %s (%s); it is the source of the "
             "schemas (pip install cfn-lint)" % (sys.executable, e))
    version = importlib.metadata.version("cfn-lint")
    data = os.path.join(os.path.dirname(cfnlint.__file__), "data")
    with open(os.path.join(data, "AdditionalSpecs", "StatefulResources.json")) as f:
        stateful = set(json.load(f)["ResourceTypes"])

    # Every type of us-east-1 (what cfn-lint checks by default), then the
    # types other regions have, each with the first region's schema.
    regions = [PRIMARY] + [r for r in REGIONS if r != PRIMARY]
    where = {}
    for r in regions:
        for t in M.get_resource_types(r):
            where.setdefault(t, r)

    T = Tables()
    add = T.pool.add
    add("")                         # offset 0: no text
    rows = []
    for t in sorted(where, key=lambda s: s.encode("utf-8")):
        schema = M.get_resource_schema(where[t], t)
        ts = TypeSchema(schema.schema)
        top = T.shape(ts, ts.schema, frozenset())
        attrs = sorted({attr_glob(k) for k in schema.get_atts.keys()},
                       key=lambda s: s.encode("utf-8"))
        creates = {}
        for p in ts.schema.get("createOnlyProperties", []) or []:
            creates[".".join(p.split("/")[2:])] = 0
        for p in ts.schema.get("conditionalCreateOnlyProperties", []) or []:
            creates.setdefault(".".join(p.split("/")[2:]), CONDITIONAL)
        rows.append((add(t), top, [add(x) for x in attrs],
                     [add(c) | creates[c] for c in
                      sorted(creates, key=lambda s: s.encode("utf-8"))],
                     STATEFUL if t in stateful else 0))

    # Properties that `aws cloudformation package` fills from a local path
    # (a string stands where the schema wants an object), as cfn-lint has
    # them: "TYPE/Prop.Sub".
    from cfnlint.helpers import TEMPLATED_PROPERTY_CFN_PATHS
    packaged = sorted({"%s/%s" % (p.split("/")[1], ".".join(p.split("/")[3:]))
                       for p in TEMPLATED_PROPERTY_CFN_PATHS},
                      key=lambda s: s.encode("utf-8"))
    packaged = [add(p) for p in packaged]

    out = render(T, rows, packaged, version, len(where), sum(1 for t in where if where[t] == PRIMARY))
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(out)
    os.replace(tmp, a.output)
    print("gen_schemas: %s: %d types, %d shapes, %d properties, %d attributes, "
          "%d enums, %d bytes of strings (cfn-lint %s)" %
          (os.path.relpath(a.output, ROOT), len(rows), len(T.shapes) - 1,
           sum(len(s[0]) for s in T.shapes[1:]), sum(len(r[2]) for r in rows),
           len(T.enums) - 1, T.pool.size, version))


def c_string_lines(parts):
    """The pool as adjacent C string literals, about 76 columns each."""
    lines, cur = [], ""
    for s in parts:
        esc = "".join(esc_char(c) for c in s) + "\\000"
        if len(cur) + len(esc) > 70 and cur:
            lines.append('    "%s"' % cur)
            cur = ""
        cur += esc
    if cur:
        lines.append('    "%s"' % cur)
    return lines


def esc_char(c):
    if 32 <= ord(c) < 127 and c not in '"\\?':
        return c
    return "".join("\\%03o" % b for b in c.encode("utf-8"))


def render(T, rows, packaged, version, ntypes, nprimary):
    # The widths of schema.h's fields.
    if len(T.shapes) >= 1 << 16 or len(T.enums) >= 1 << 16 or \
            max(len(s[0]) for s in T.shapes[1:]) >= 1 << 16 or \
            max(max(len(r[2]), len(r[3])) for r in rows) >= 1 << 16 or \
            T.pool.size >= 1 << 31:
        fail("the schemas outgrew schema.h's field widths; widen them")
    o = []
    w = o.append
    w("/*")
    w(" * schema_data.c: GENERATED by scripts/gen_schemas.py (`make schemas`);")
    w(" * do not edit.  The CloudFormation resource types, their properties and")
    w(" * their Fn::GetAtt attributes, from the provider schemas that cfn-lint")
    w(" * %s ships (us-east-1, then the types only other regions have), and" % version)
    w(" * cfn-lint's list of stateful types.  Read through schema.c (schema.h).")
    w(" */")
    w('#include "schema.h"')
    w("")
    w('const char schema_source[] = "cfn-lint %s provider schemas (%d resource types, %d in us-east-1)";'
      % (version, ntypes, nprimary))
    w('const char schema_version[] = "cfn-lint %s";' % version)
    w("")
    w("const char schema_pool[] =")
    o.extend(c_string_lines(T.pool.parts))
    w("    ;")
    w("const uint32_t schema_pool_size = %d;" % T.pool.size)
    w("")
    # properties, shape by shape
    props, shapes = [], []
    for s in T.shapes[1:]:
        shapes.append((len(props), len(s[0]), s[1], s[2]))
        props.extend(s[0])
    w("const SchemaProp schema_props[] = {")
    for (name, bits, item_bits, flags, child, enum) in props:
        w("    {%d, %d, %d, %d, %d, %d}," % (name, child, enum, bits, item_bits, flags))
    if not props:
        w("    {0, 0, 0, 0, 0, 0},")
    w("};")
    w("const SchemaShape schema_shapes[] = {")
    w("    {0, 0, 0},")
    for (start, n, flags, _) in shapes:
        w("    {%d, %d, %d}," % (start, n, flags))
    w("};")
    groups = [(i + 1, g) for i, (_, _, _, g) in enumerate(shapes) if g]
    w("const SchemaGroups schema_groups[] = {")
    for (shape, g) in groups:
        w("    {%d, %d}," % (shape, g))
    w("};")
    w("const uint32_t schema_ngroups = %d;" % len(groups))
    w("const uint32_t schema_packaged[] = {")
    w("    " + " ".join("%d," % p for p in packaged))
    w("};")
    w("const uint32_t schema_npackaged = %d;" % len(packaged))
    w("const uint32_t schema_nshapes = %d;" % (len(shapes) + 1))
    # enums
    vals, enums = [], [(0, 0)]
    for e in T.enums[1:]:
        enums.append((len(vals), len(e)))
        vals.extend(e)
    w("const uint32_t schema_enum_values[] = {")
    for i in range(0, len(vals), 10):
        w("    " + " ".join("%d," % v for v in vals[i:i + 10]))
    w("};")
    w("const SchemaEnum schema_enums[] = {")
    for (start, n) in enums:
        w("    {%d, %d}," % (start, n))
    w("};")
    # attributes and createOnly properties
    attrs, creates = [], []
    w("const SchemaType schema_types[] = {")
    trows = []
    for (name, top, a, c, flags) in rows:
        trows.append("    {%d, %d, %d, %d, %d, %d, %d}," %
                     (name, len(attrs), len(creates), top, len(a), len(c), flags))
        attrs.extend(a)
        creates.extend(c)
    o.extend(trows)
    w("};")
    w("const uint32_t schema_ntypes = %d;" % len(rows))
    w("const uint32_t schema_attrs[] = {")
    for i in range(0, len(attrs), 10):
        w("    " + " ".join("%d," % v for v in attrs[i:i + 10]))
    w("};")
    w("const uint32_t schema_creates[] = {")
    for i in range(0, len(creates), 6):
        w("    " + " ".join("%du," % v for v in creates[i:i + 6]))
    w("};")
    return "\n".join(o) + "\n"


if __name__ == "__main__":
    main()

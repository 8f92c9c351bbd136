"""Template semantics for the local CloudFormation engine: parameters, conditions,
intrinsic functions, dependencies and creation order.

In:  a parsed template (dict) and the parameter values a caller gave.
Out: resolved parameters (or a ValidationError that reads like CloudFormation's),
     a Scope that resolves Ref / Fn::* against the resources made so far, and the
     creation order in waves.
Holds: a resource is ready when everything it names (Ref, Fn::GetAtt, Fn::Sub,
  DependsOn) is made; waves create every ready resource as early as possible, the
  way CloudFormation's parallel scheduler does, so a dependency the template forgot
  to declare shows up as a failure here too.
"""
import base64
import json
import re

PSEUDO = ("AWS::AccountId", "AWS::Region", "AWS::StackId", "AWS::StackName",
          "AWS::Partition", "AWS::URLSuffix", "AWS::NotificationARNs", "AWS::NoValue")
NOVALUE = object()                      # what Ref AWS::NoValue resolves to
SUB_RE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(Exception):
    """A template or parameter problem, reported before anything is made."""


class ResolveError(Exception):
    """A value that cannot be resolved now (the resource needing it fails)."""


# --- parameters -------------------------------------------------------------

def resolve_parameters(template, given):
    """{name: value} for every declared parameter; TemplateError otherwise."""
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    values, missing = {}, []
    for name, spec in declared.items():
        value = given.get(name, spec.get("Default"))
        if value is None:
            missing.append(name)
            continue
        value = str(value) if not isinstance(value, list) else ",".join(map(str, value))
        check_parameter(name, spec, value)
        kind = spec.get("Type", "String")
        values[name] = value.split(",") if kind == "CommaDelimitedList" or kind.startswith("List<") else value
    if missing:
        raise TemplateError(f"Parameters: [{', '.join(missing)}] must have values")
    return values


def check_parameter(name, spec, value):
    kind = spec.get("Type", "String")
    if kind == "Number":
        try:
            float(value)
        except ValueError:
            raise TemplateError(f"Parameter '{name}' must be a number") from None
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        raise TemplateError(f"Parameter '{name}' must be one of AllowedValues")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        raise TemplateError(f"Parameter '{name}' must match pattern {spec['AllowedPattern']}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise TemplateError(f"Parameter '{name}' must contain at least {spec['MinLength']} characters")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(f"Parameter '{name}' must contain at most {spec['MaxLength']} characters")


# --- references -------------------------------------------------------------

def sub_names(text):
    """The names a Fn::Sub string refers to: 'X' and 'X.Attr' ('${!X}' is literal)."""
    return [m for m in SUB_RE.findall(text) if not m.startswith("!")]


def references(value):
    """Every (name, attribute or None) that value refers to through Ref, GetAtt and Sub."""
    found = []
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                return [(arg, None)]
            if key == "Fn::GetAtt":
                name, attr = getatt_parts(arg)
                return [(name, attr)] + (references(attr) if not isinstance(attr, str) else [])
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                for ref in sub_names(text):
                    if ref.split(".")[0] not in variables:
                        name, _, attr = ref.partition(".")
                        found.append((name, attr or None))
                return found + references(variables)
        for item in value.values():
            found += references(item)
    elif isinstance(value, list):
        for item in value:
            found += references(item)
    return found


def getatt_parts(arg):
    if isinstance(arg, str):
        name, _, attr = arg.partition(".")
        return name, attr
    return arg[0], arg[1]


def depends_on(spec):
    deps = spec.get("DependsOn") or []
    return [deps] if isinstance(deps, str) else list(deps)


# --- conditions -------------------------------------------------------------

def evaluate_conditions(template, scope):
    conditions = template.get("Conditions") or {}
    results = {}

    def evaluate(name, seen=()):
        if name in results:
            return results[name]
        if name not in conditions:
            raise TemplateError(f"Template format error: Unresolved condition dependency {name}")
        if name in seen:
            raise TemplateError(f"Template error: circular condition {name}")
        results[name] = bool(condition_value(conditions[name], scope, lambda n: evaluate(n, seen + (name,))))
        return results[name]

    for name in conditions:
        evaluate(name)
    return results


def condition_value(expr, scope, lookup):
    if isinstance(expr, dict) and len(expr) == 1:
        (key, arg), = expr.items()
        if key == "Condition":
            return lookup(arg)
        if key == "Fn::Equals":
            a, b = (scope.resolve(x) for x in arg)
            return str(a) == str(b)
        if key == "Fn::Not":
            return not condition_value(arg[0], scope, lookup)
        if key == "Fn::And":
            return all(condition_value(x, scope, lookup) for x in arg)
        if key == "Fn::Or":
            return any(condition_value(x, scope, lookup) for x in arg)
    return bool(scope.resolve(expr))


# --- the scope: resolving intrinsic functions -------------------------------

class Scope:
    """Resolves values against parameters, pseudo parameters and made resources.

    resources: {logical id: Res} as the engine has them; attributes come from
    Res.getatt.  exports: a callable name -> value for Fn::ImportValue.
    """

    def __init__(self, template, params, pseudo, resources, exports):
        self.template = template
        self.params = params
        self.pseudo = pseudo
        self.resources = resources
        self.exports = exports
        self.conditions = {}
        self.conditions = evaluate_conditions(template, self)

    def active(self, spec):
        name = spec.get("Condition")
        return name is None or self.conditions.get(name, False)

    def ref(self, name):
        if name in self.params:
            return self.params[name]
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.pseudo:
            return self.pseudo[name]
        res = self.resources.get(name)
        if res is None or res.physical_id is None:
            raise ResolveError(f"Template error: the resource {name} is not available for Ref")
        return res.physical_id

    def getatt(self, name, attr):
        res = self.resources.get(name)
        if res is None or res.physical_id is None:
            raise ResolveError(f"Template error: instance of Fn::GetAtt references {name}, which is not available")
        return res.getatt(attr)

    def resolve(self, value):
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                handler = INTRINSICS.get(key)
                if handler:
                    return handler(self, arg)
            out = {}
            for key, item in value.items():
                item = self.resolve(item)
                if item is not NOVALUE:
                    out[key] = item
            return out
        if isinstance(value, list):
            return [x for x in (self.resolve(v) for v in value) if x is not NOVALUE]
        return value

    def text(self, value):
        value = self.resolve(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, str)):
            return str(value)
        raise ResolveError(f"Template error: expected a string, got {json.dumps(value)}")


def fn_getatt(scope, arg):
    name, attr = getatt_parts(arg)
    return scope.getatt(name, scope.text(attr))


def fn_sub(scope, arg):
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
    values = {k: scope.text(v) for k, v in variables.items()}

    def one(m):
        ref = m.group(1)
        if ref.startswith("!"):
            return "${" + ref[1:] + "}"
        if ref in values:
            return values[ref]
        if "." in ref and ref.split(".")[0] not in scope.params and not ref.startswith("AWS::"):
            name, _, attr = ref.partition(".")
            return scope.text(scope.getatt(name, attr))
        return scope.text(scope.ref(ref))
    return SUB_RE.sub(one, text)


def fn_join(scope, arg):
    items = scope.resolve(arg[1])
    if not isinstance(items, list):
        raise ResolveError("Template error: Fn::Join needs a list")
    return scope.text(arg[0]).join(scope.text(x) for x in items)


def fn_select(scope, arg):
    items = scope.resolve(arg[1])
    index = int(scope.text(arg[0]))
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise ResolveError("Template error: Fn::Select index out of bounds")
    return items[index]


def fn_if(scope, arg):
    name, yes, no = arg
    if name not in scope.conditions:
        raise ResolveError(f"Template error: unresolved condition {name}")
    return scope.resolve(yes if scope.conditions[name] else no)


def fn_find_in_map(scope, arg):
    mapping, top, second = (scope.text(x) if i else x for i, x in enumerate(arg))
    try:
        return scope.template["Mappings"][mapping][top][second]
    except KeyError:
        raise ResolveError(f"Template error: Unable to get mapping for {mapping}::{top}::{second}") from None


def fn_import_value(scope, arg):
    name = scope.text(arg)
    value = scope.exports(name)
    if value is None:
        raise ResolveError(f"No export named {name} found.")
    return value


INTRINSICS = {
    "Ref": lambda scope, arg: scope.ref(arg),
    "Fn::GetAtt": fn_getatt,
    "Fn::Sub": fn_sub,
    "Fn::Join": fn_join,
    "Fn::Select": fn_select,
    "Fn::Split": lambda scope, arg: scope.text(arg[1]).split(scope.text(arg[0])),
    "Fn::If": fn_if,
    "Fn::FindInMap": fn_find_in_map,
    "Fn::Base64": lambda scope, arg: base64.b64encode(scope.text(arg).encode()).decode(),
    "Fn::GetAZs": lambda scope, arg: [f"{scope.text(arg) or scope.pseudo['AWS::Region']}{z}" for z in "abc"],
    "Fn::ImportValue": fn_import_value,
    "Fn::Equals": lambda scope, arg: str(scope.resolve(arg[0])) == str(scope.resolve(arg[1])),
}


# --- order --------------------------------------------------------------------

def check_template(template, params):
    """TemplateError for what CloudFormation refuses before it starts."""
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    names = set(resources) | set(params) | set(PSEUDO)
    for lid, spec in resources.items():
        if not isinstance(spec, dict) or "Type" not in spec:
            raise TemplateError(f"Template format error: [/Resources/{lid}] Every Resources object must contain a Type member.")
        missing = sorted({n for n, _ in references(spec.get("Properties") or {}) if n not in names}
                         | {d for d in depends_on(spec) if d not in resources})
        if missing:
            raise TemplateError("Template format error: Unresolved resource dependencies "
                                f"[{', '.join(missing)}] in the Resources block of the template")
    for key, output in (template.get("Outputs") or {}).items():
        missing = sorted({n for n, _ in references(output) if n not in names})
        if missing:
            raise TemplateError("Template format error: Unresolved resource dependencies "
                                f"[{', '.join(missing)}] in the Outputs block of the template")
    waves(template, set(resources))       # raises on a cycle


def dependencies(template, lid, active):
    spec = template["Resources"][lid]
    deps = {n for n, _ in references(spec.get("Properties") or {})} | set(depends_on(spec))
    return sorted(d for d in deps if d in active and d != lid)


def waves(template, active):
    """Lists of logical ids: each wave needs only earlier waves (template order inside)."""
    order = [lid for lid in template["Resources"] if lid in active]
    deps = {lid: set(dependencies(template, lid, active)) for lid in order}
    done, result = set(), []
    while len(done) < len(order):
        wave = [lid for lid in order if lid not in done and deps[lid] <= done]
        if not wave:
            stuck = sorted(lid for lid in order if lid not in done)
            raise TemplateError(f"Circular dependency between resources: [{', '.join(stuck)}]")
        result.append(wave)
        done.update(wave)
    return result

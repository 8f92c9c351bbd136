"""A service that fails on purpose, for tests/e2e/apps/plugin-failures.sh.

mode "raise":  create raises; the kit answers FAILED with the exception's reason.
mode "silent": a Create is never answered (the handler returns without calling
               the kit), so CloudFormation waits out the plugin's timeout.
Deletes (the rollback's) go through the kit and succeed.
"""
from hitc_plugin import serve


def create(inputs):
    raise RuntimeError(f"the probe refuses to be created (mode {inputs['mode']})")


def update(inputs, old_inputs):
    return create(inputs)


def delete(inputs):
    return None


answering = serve(create=create, update=update, delete=delete)


def handler(event, context):
    props = event.get("ResourceProperties") or {}
    if event.get("RequestType") == "Create" and props.get("mode") == "silent":
        print("mode silent: this Create is not answered", flush=True)
        return None
    return answering(event, context)

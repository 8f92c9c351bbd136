"""AWS::CloudFormation::Stack for the local CloudFormation engine: nested stacks.

In:  TemplateURL (https://BUCKET.s3.REGION.amazonaws.com/KEY, or the path form
     https://s3.REGION.amazonaws.com/BUCKET/KEY) and Parameters, resolved by the
     parent's engine.
Out: a stack of its own in moto's backend, named PARENT-LOGICALID-RANDOM as
     CloudFormation names it, made, changed and deleted by the same engine, within
     the parent's operation (so the parent waits for it); its physical id is its
     stack id, and Fn::GetAtt STACK.Outputs.NAME reads its outputs.
Holds: the template is read from moto's S3, as CloudFormation reads it from S3: a
  template that was not uploaded fails the resource with CloudFormation's words.
  An update runs only when TemplateURL or Parameters changed; CloudFormation also
  leaves an unchanged nested stack alone.
"""
import re
from urllib.parse import unquote, urlparse

from cfn_providers import Failure, Made, physical_name


def s3_object(ctx, url):
    """The bytes at a TemplateURL, from moto's S3."""
    from moto.s3.models import s3_backends
    u = urlparse(url)
    host = u.netloc
    m = re.match(r"^(.+)\.s3[.-]", host)
    if m:
        bucket, key = m.group(1), u.path.lstrip("/")
    else:
        bucket, _, key = u.path.lstrip("/").partition("/")
    key = unquote(key)
    backend = s3_backends[ctx.account_id]["aws"]
    try:
        return backend.get_object(bucket, key).value.decode()
    except Exception:
        raise Failure(f"TemplateURL must be a supported URL: S3 error: Access Denied "
                      f"(s3://{bucket}/{key} does not exist)") from None


class StackProvider:
    def __init__(self, engine):
        self.engine = engine

    def backend(self, ctx):
        from moto.cloudformation.models import cloudformation_backends
        return cloudformation_backends[ctx.account_id][ctx.region]

    def outputs(self, stack):
        st = getattr(stack, "hitc", None)
        return {o["OutputKey"]: o["OutputValue"] for o in (st.outputs or [])} if st else {}

    def made(self, stack):
        def attr(name):
            if name.startswith("Outputs."):
                outs = self.outputs(stack)
                if name[8:] in outs:
                    return outs[name[8:]]
            raise Failure(f"Template error: resource has no attribute {name}")
        return Made(stack.stack_id, attr, stack)

    def create(self, ctx, lid, props):
        from moto.cloudformation.models import Stack
        from moto.cloudformation.utils import generate_stack_id
        text = s3_object(ctx, props["TemplateURL"])
        backend = self.backend(ctx)
        name = physical_name(ctx.stack_name, lid, 128)
        params = {k: str(v) for k, v in (props.get("Parameters") or {}).items()}
        stack = Stack(stack_id=generate_stack_id(name, ctx.region, ctx.account_id), name=name,
                      template=text, parameters=params, account_id=ctx.account_id,
                      region_name=ctx.region, cross_stack_resources=backend.exports)
        backend.stacks[stack.stack_id] = stack
        try:
            self.engine.validate(stack.template_dict, params)
        except Exception as err:
            raise Failure(f"Embedded stack {stack.stack_id} was not successfully created: {err}") from None
        self.engine.create(stack, text, stack.template_dict, params)
        if stack.status != "CREATE_COMPLETE":
            raise Failure(f"Embedded stack {stack.stack_id} was not successfully created: "
                          f"{stack.status_reason or stack.status}")
        return self.made(stack)

    def update(self, ctx, lid, made, old_props, new_props):
        stack = made.handle
        text = s3_object(ctx, new_props["TemplateURL"])
        params = {k: str(v) for k, v in (new_props.get("Parameters") or {}).items()}
        from moto.cloudformation.models import Stack
        template = Stack.parse_template(text)
        self.engine.update(stack, text, template, params)
        if stack.status != "UPDATE_COMPLETE":
            raise Failure(f"Embedded stack {stack.stack_id} was not successfully updated: "
                          f"{stack.status_reason or stack.status}")
        return self.made(stack)

    def delete(self, ctx, lid, made, props):
        stack = made.handle
        self.engine.delete(stack)
        if stack.status != "DELETE_COMPLETE":
            raise Failure(f"Embedded stack {stack.stack_id} was not successfully deleted: "
                          f"{stack.status_reason or stack.status}")
        backend = self.backend(ctx)
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack


def providers(engine):
    return {"AWS::CloudFormation::Stack": StackProvider(engine)}

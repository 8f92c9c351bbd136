"""How an AWS::Lambda::Function runs, beyond its code: the properties moto's CloudFormation
model drops, set on the function as Lambda's CreateFunction and UpdateFunctionConfiguration
set them, and checked as Lambda checks them.

In:  the moto LambdaFunction that FunctionProvider made or updated, and the resolved
     properties.
Out: providers() for AWS::Lambda::Function and AWS::IAM::Role; the function's TracingConfig, Architectures, EphemeralStorage, Layers, VpcConfig and
     reserved concurrency as `aws lambda get-function-configuration` and
     `get-function-concurrency` read them; or a Failure with Lambda's reason.
Holds: stock moto 5.2.1 keeps only Description, MemorySize, Publish, Timeout, VpcConfig,
  Environment and ReservedConcurrentExecutions from a template (and its update keeps
  neither the concurrency nor the tracing, architecture or storage); the rest would read
  as Lambda's defaults and a template that set them wrongly would look right.  A layer
  must be a published layer version; a VPC's subnets and security groups must exist in
  EC2 and lie in one VPC (its id is the subnets', not moto's placeholder), and the
  role must already allow the network-interface actions, as Lambda checks at create.
  A role's ManagedPolicyArns (stock: ignored) are attached, an AWS managed policy loaded
  from moto's copy of AWS's list by its name (moto loads none by default), an unknown
  ARN failing as IAM fails it.
"""
import json

from cfn_providers import REPLACE, Failure, FunctionProvider, MotoProvider, api_call
from providers_sources import allows, role_documents

ACCOUNT = "123456789012"
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")


def apply(fn, props, region):
    """Set on FN what PROPS say about how it runs; a Failure when Lambda would refuse."""
    fn.tracing_config = {"Mode": (props.get("TracingConfig") or {}).get("Mode", "PassThrough")}
    architectures = props.get("Architectures") or ["x86_64"]
    if len(architectures) != 1 or architectures[0] not in ("x86_64", "arm64"):
        raise Failure(f"1 validation error detected: Value '{architectures}' at 'architectures' failed "
                      "to satisfy constraint (Service: Lambda, Status Code: 400)")
    fn.architectures = architectures
    size = int((props.get("EphemeralStorage") or {}).get("Size", 512))
    if not 512 <= size <= 10240:
        raise Failure(f"1 validation error detected: Value '{size}' at 'ephemeralStorage.size' failed to "
                      "satisfy constraint: Member must have value between 512 and 10240 (Service: Lambda)")
    fn.ephemeral_storage = size
    try:
        fn.layers = fn._get_layers_data(props.get("Layers") or [])
    except Exception:
        raise Failure(f"Layer version {props.get('Layers')} does not exist. (Service: Lambda, Status "
                      "Code: 400, Error Code: InvalidParameterValueException)") from None
    fn._vpc_config = vpc_config(fn, props.get("VpcConfig"), region)
    concurrency = props.get("ReservedConcurrentExecutions")
    fn.reserved_concurrency = None if concurrency is None else int(concurrency)


def vpc_config(fn, config, region):
    """VpcConfig as Lambda keeps it (SubnetIds, SecurityGroupIds, the subnets' VpcId)."""
    if not config:
        return None
    subnets = list(config.get("SubnetIds") or [])
    groups = list(config.get("SecurityGroupIds") or [])
    from moto.ec2.models import ec2_backends
    ec2 = ec2_backends[ACCOUNT][region]
    vpcs = set()
    for subnet_id in subnets:
        try:
            vpcs.add(ec2.get_subnet(subnet_id).vpc_id)
        except Exception:
            raise Failure(f"Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                          f"EC2 Error Message: The subnet ID '{subnet_id}' does not exist (Service: Lambda, "
                          "Status Code: 400)") from None
    for group_id in groups:
        found = ec2.describe_security_groups(group_ids=[group_id]) if group_id.startswith("sg-") else []
        if not found:
            raise Failure(f"Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
                          f"EC2 Error Message: The security group '{group_id}' does not exist (Service: "
                          "Lambda, Status Code: 400)")
        vpcs.add(found[0].vpc_id)
    if len(vpcs) > 1:
        raise Failure("Security groups and subnets must be in the same VPC (Service: Lambda, Status Code: 400)")
    documents = role_documents(fn.role) or []
    for action in ENI_ACTIONS:
        if not allows(documents, action, "*"):
            raise Failure(f"The provided execution role does not have permissions to call {action.split(':')[1]} "
                          "on EC2 (Service: Lambda, Status Code: 400) [local harness: checked the role's "
                          "policies as they are now]")
    return {"SubnetIds": subnets, "SecurityGroupIds": groups, "VpcId": vpcs.pop() if vpcs else ""}


class SettledFunctionProvider(FunctionProvider):
    """FunctionProvider, then apply() on create and on an in-place update."""

    def create(self, ctx, lid, props):
        made = super().create(ctx, lid, props)
        try:
            apply(made.handle, props, ctx.region)
        except Failure:
            made.handle.delete(ctx.account_id, ctx.region)   # Lambda would not have made it
            raise
        return made

    def update(self, ctx, lid, made, old_props, new_props):
        new = super().update(ctx, lid, made, old_props, new_props)
        if new is not REPLACE:
            apply(new.handle, new_props, ctx.region)
        return new


def managed_policy(backend, arn):
    """The managed policy ARN names: the account's own, or AWS's, loaded by its name."""
    for policy in backend.managed_policies.values():
        if policy.arn == arn:
            return policy
    prefix = "arn:aws:iam::aws:policy/"
    if arn.startswith(prefix):
        from moto.iam.aws_managed_policies import aws_managed_policies_data
        from moto.iam.models import AWSManagedPolicy
        name = arn.rsplit("/", 1)[-1]
        data = json.loads(aws_managed_policies_data).get(name)
        if data is not None:
            policy = AWSManagedPolicy.from_data(name, backend.account_id, "us-east-1", data)
            if policy.arn == arn:                     # the path is part of the ARN
                backend.managed_policies[arn] = policy
                return policy
    raise Failure(f"Policy {arn} does not exist or is not attachable. (Service: Iam, Status Code: 404)")


class RoleProvider(MotoProvider):
    """AWS::IAM::Role: moto's model, plus ManagedPolicyArns."""

    def __init__(self):
        super().__init__("AWS::IAM::Role")

    def create(self, ctx, lid, props):
        made = super().create(ctx, lid, props)
        self.attach(made.handle, props.get("ManagedPolicyArns") or [])
        return made

    def update(self, ctx, lid, made, old_props, new_props):
        new = super().update(ctx, lid, made, old_props, new_props)
        if new is not REPLACE:
            for arn in list(new.handle.managed_policies):
                if arn not in (new_props.get("ManagedPolicyArns") or []):
                    new.handle.managed_policies[arn].detach_from(new.handle)
            self.attach(new.handle, new_props.get("ManagedPolicyArns") or [])
        return new

    def delete(self, ctx, lid, made, props):
        for policy in list(made.handle.managed_policies.values()):
            policy.detach_from(made.handle)     # CloudFormation detaches them first
        super().delete(ctx, lid, made, props)

    def attach(self, role, arns):
        from moto.iam.models import iam_backends
        backend = iam_backends[ACCOUNT]["aws"]
        for arn in arns:
            if arn not in role.managed_policies:
                api_call(managed_policy(backend, arn).attach_to, role)


def keep_vpc_id():
    """Stock moto answers VpcId "vpc-123abc" for every VPC function; keep the subnets'."""
    from moto.awslambda.models import LambdaFunction
    stock = LambdaFunction.vpc_config

    def vpc(self):
        config = self._vpc_config
        return dict(config) if config and config.get("VpcId") else stock.fget(self)
    LambdaFunction.vpc_config = property(vpc)


def providers():
    keep_vpc_id()
    return {"AWS::Lambda::Function": SettledFunctionProvider(), "AWS::IAM::Role": RoleProvider()}

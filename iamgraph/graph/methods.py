"""Privilege-escalation methods: one table entry per publicly documented method.

Each entry says which actions the attacker needs and on what (`Step.on`: the target itself, or
an ARN pattern in the attacker's account), how targets are chosen (`Target`), what the attacker
holds afterwards (`Gain`), which service principal a passed role must trust, and which inventory
an existing-resource method reads. `build.py` turns entries into proven edges; nothing here
evaluates anything. Sources: Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and
Mitigation" (2018, parts 1 and 2); NCC Group PMapper's edge catalogue; the AWS service
authorization reference for the action names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    POLICY_VERSION = "policy version"
    CREDENTIALS = "credentials of another user"
    POLICY_WRITE = "policy written or attached"
    GROUP = "group membership"
    BOUNDARY = "permissions boundary"
    TRUST = "role trust"
    PASSROLE = "role passed to new compute"
    EXISTING = "existing compute"


class Target(StrEnum):
    OTHER_USER = "a user of the account (itself too)"
    USER_WITHOUT_PASSWORD = "a user of the account without a console password"
    USER_WITH_PASSWORD = "a user of the account with a console password"
    SELF_USER = "the user itself"
    OWN_GROUP = "a group the user is in"
    SELF_OR_ASSUMABLE_ROLE = "the role itself, or a role the attacker can assume"
    ATTACHED_POLICY = (
        "a customer managed policy on the attacker, its groups or a role it can assume"
    )
    POLICY_VERSION = "a non-default version of such a policy"
    GROUP = "a group of the account the user is not in"
    BOUNDED_USER = "the user itself, when it has a permissions boundary"
    BOUNDED_ROLE = "the role itself or a role it can assume, when it has a permissions boundary"
    ROLE = "a role of the account"
    TRUSTING_ROLE = "a role whose trust policy allows the attacker"
    SERVICE_ROLE = "a role of the account that trusts the service"
    RUNNER = "an existing resource that runs as a role"


class Gain(StrEnum):
    ADMIN = "admin permissions"
    PERMISSIONS = "the permissions of a group, policy, version or boundary (searched on)"
    KEYS = "long-term access keys of the user (no MFA)"
    CONSOLE = "a console session of the user (no MFA)"
    SESSION = "a session of the role (MFA only if the attacker had it)"
    COMPUTE = "a session of the role inside compute (no MFA)"


TARGET = "target"  # Step.on: the action is authorized on the target's own ARN


@dataclass(frozen=True)
class Step:
    action: str
    on: str = TARGET  # or an ARN pattern; `{account}` is the attacker's account


@dataclass(frozen=True)
class Method:
    name: str
    family: Family
    steps: tuple[Step, ...]
    target: Target
    gain: Gain
    service: str | None = None  # the service principal a passed role must trust
    instance_profile: bool = False  # the role reaches EC2 through one of its instance profiles
    inventory: str | None = None  # `model.inventory.Runner.kind` an existing-resource method reads
    node_service: str | None = None  # also roles this service gives to on-premises nodes (SSM)
    # the condition key that names the policy attached (or set as boundary): when the step is
    # not allowed for AdministratorAccess, only the policies it is allowed for are gained
    pinned_by: str | None = None

    @property
    def modifies(self) -> bool:
        """Does the method change the configuration of a principal the attacker holds?"""
        return self.family in MODIFYING


def _passrole(name: str, service: str, *actions: tuple[str, str], profile: bool = False) -> Method:
    return Method(
        name,
        Family.PASSROLE,
        (Step("iam:PassRole"), *(Step(a, on) for a, on in actions)),
        Target.SERVICE_ROLE,
        Gain.COMPUTE,
        service=service,
        instance_profile=profile,
    )


def _existing(
    name: str, kind: str, service: str, action: str, node_service: str | None = None
) -> Method:
    """`service` (and `node_service`): whose roles an unknown inventory could hide (the step
    is then `unknown`)."""
    return Method(
        name,
        Family.EXISTING,
        (Step(action),),
        Target.RUNNER,
        Gain.COMPUTE,
        service=service,
        instance_profile=kind in ("ec2-instances", "ssm-managed-instances"),
        inventory=kind,
        node_service=node_service,
    )


SSM = "ssm-managed-instances"  # EC2 instances whose agent is online, and hybrid nodes


MODIFYING = frozenset({Family.POLICY_VERSION, Family.POLICY_WRITE, Family.GROUP, Family.BOUNDARY})
POLICY_ARN = "iam:PolicyARN"
BOUNDARY_ARN = "iam:PermissionsBoundary"


def _write(
    name: str,
    family: Family,
    action: str,
    target: Target,
    gain: Gain = Gain.ADMIN,
    pinned_by: str | None = None,
) -> Method:
    return Method(name, family, (Step(action),), target, gain, pinned_by=pinned_by)


FUNCTION = "arn:aws:lambda:*:{account}:function:*"
INSTANCE = "arn:aws:ec2:*:{account}:instance/*"
ASG = "arn:aws:autoscaling:*:{account}:autoScalingGroup:*:autoScalingGroupName/*"
LAUNCH_CONFIG = "arn:aws:autoscaling:*:{account}:launchConfiguration:*:launchConfigurationName/*"
STACK = "arn:aws:cloudformation:*:{account}:stack/*"
ANY = "*"  # actions without resource-level permissions

METHODS: tuple[Method, ...] = (
    # -- policy versions
    _write(
        "CreatePolicyVersion",
        Family.POLICY_VERSION,
        "iam:CreatePolicyVersion",
        Target.ATTACHED_POLICY,
    ),
    _write(
        "SetDefaultPolicyVersion",
        Family.POLICY_VERSION,
        "iam:SetDefaultPolicyVersion",
        Target.POLICY_VERSION,
        Gain.PERMISSIONS,
    ),
    # -- credentials of other users
    Method(
        "CreateAccessKey",
        Family.CREDENTIALS,
        (Step("iam:CreateAccessKey"),),
        Target.OTHER_USER,
        Gain.KEYS,
    ),
    Method(
        "CreateLoginProfile",
        Family.CREDENTIALS,
        (Step("iam:CreateLoginProfile"),),
        Target.USER_WITHOUT_PASSWORD,
        Gain.CONSOLE,
    ),
    Method(
        "UpdateLoginProfile",
        Family.CREDENTIALS,
        (Step("iam:UpdateLoginProfile"),),
        Target.USER_WITH_PASSWORD,
        Gain.CONSOLE,
    ),
    # -- policies written or attached
    _write(
        "AttachUserPolicy",
        Family.POLICY_WRITE,
        "iam:AttachUserPolicy",
        Target.SELF_USER,
        pinned_by=POLICY_ARN,
    ),
    _write("PutUserPolicy", Family.POLICY_WRITE, "iam:PutUserPolicy", Target.SELF_USER),
    _write(
        "AttachGroupPolicy",
        Family.POLICY_WRITE,
        "iam:AttachGroupPolicy",
        Target.OWN_GROUP,
        pinned_by=POLICY_ARN,
    ),
    _write("PutGroupPolicy", Family.POLICY_WRITE, "iam:PutGroupPolicy", Target.OWN_GROUP),
    _write(
        "AttachRolePolicy",
        Family.POLICY_WRITE,
        "iam:AttachRolePolicy",
        Target.SELF_OR_ASSUMABLE_ROLE,
        pinned_by=POLICY_ARN,
    ),
    _write(
        "PutRolePolicy", Family.POLICY_WRITE, "iam:PutRolePolicy", Target.SELF_OR_ASSUMABLE_ROLE
    ),
    _write("AddUserToGroup", Family.GROUP, "iam:AddUserToGroup", Target.GROUP, Gain.PERMISSIONS),
    # -- permissions boundaries
    _write(
        "DeleteUserPermissionsBoundary",
        Family.BOUNDARY,
        "iam:DeleteUserPermissionsBoundary",
        Target.BOUNDED_USER,
        Gain.PERMISSIONS,
    ),
    _write(
        "PutUserPermissionsBoundary",
        Family.BOUNDARY,
        "iam:PutUserPermissionsBoundary",
        Target.BOUNDED_USER,
        Gain.PERMISSIONS,
        pinned_by=BOUNDARY_ARN,
    ),
    _write(
        "DeleteRolePermissionsBoundary",
        Family.BOUNDARY,
        "iam:DeleteRolePermissionsBoundary",
        Target.BOUNDED_ROLE,
        Gain.PERMISSIONS,
    ),
    _write(
        "PutRolePermissionsBoundary",
        Family.BOUNDARY,
        "iam:PutRolePermissionsBoundary",
        Target.BOUNDED_ROLE,
        Gain.PERMISSIONS,
        pinned_by=BOUNDARY_ARN,
    ),
    # -- role trust
    Method(
        "UpdateAssumeRolePolicy",
        Family.TRUST,
        (Step("iam:UpdateAssumeRolePolicy"),),
        Target.ROLE,
        Gain.SESSION,
    ),
    Method(
        "AssumeRole", Family.TRUST, (Step("sts:AssumeRole"),), Target.TRUSTING_ROLE, Gain.SESSION
    ),
    # -- a role passed to new compute
    _passrole(
        "PassRole+ec2:RunInstances",
        "ec2.amazonaws.com",
        ("ec2:RunInstances", INSTANCE),
        profile=True,
    ),
    _passrole(
        "PassRole+lambda:CreateFunction+InvokeFunction",
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", FUNCTION),
        ("lambda:InvokeFunction", FUNCTION),
    ),
    _passrole(
        "PassRole+lambda:CreateFunction+CreateEventSourceMapping",
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", FUNCTION),
        ("lambda:CreateEventSourceMapping", ANY),
    ),
    _passrole(
        "PassRole+glue:CreateDevEndpoint",
        "glue.amazonaws.com",
        ("glue:CreateDevEndpoint", ANY),
    ),
    _passrole(
        "PassRole+glue:CreateJob+StartJobRun",
        "glue.amazonaws.com",
        ("glue:CreateJob", "arn:aws:glue:*:{account}:job/*"),
        ("glue:StartJobRun", "arn:aws:glue:*:{account}:job/*"),
    ),
    _passrole(
        "PassRole+cloudformation:CreateStack",
        "cloudformation.amazonaws.com",
        ("cloudformation:CreateStack", STACK),
    ),
    _passrole(
        "PassRole+cloudformation:CreateChangeSet+ExecuteChangeSet",
        "cloudformation.amazonaws.com",
        ("cloudformation:CreateChangeSet", STACK),
        ("cloudformation:ExecuteChangeSet", STACK),
    ),
    _passrole(
        "PassRole+datapipeline:CreatePipeline",
        "datapipeline.amazonaws.com",
        ("datapipeline:CreatePipeline", ANY),
        ("datapipeline:PutPipelineDefinition", ANY),
        ("datapipeline:ActivatePipeline", ANY),
    ),
    _passrole(
        "PassRole+codebuild:CreateProject+StartBuild",
        "codebuild.amazonaws.com",
        ("codebuild:CreateProject", "arn:aws:codebuild:*:{account}:project/*"),
        ("codebuild:StartBuild", "arn:aws:codebuild:*:{account}:project/*"),
    ),
    _passrole(
        "PassRole+sagemaker:CreateNotebookInstance",
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateNotebookInstance", "arn:aws:sagemaker:*:{account}:notebook-instance/*"),
        (
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            "arn:aws:sagemaker:*:{account}:notebook-instance/*",
        ),
    ),
    _passrole(
        "PassRole+sagemaker:CreateTrainingJob",
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:*:{account}:training-job/*"),
    ),
    _passrole(
        "PassRole+sagemaker:CreateProcessingJob",
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateProcessingJob", "arn:aws:sagemaker:*:{account}:processing-job/*"),
    ),
    _passrole(
        "PassRole+ecs:RunTask",
        "ecs-tasks.amazonaws.com",
        ("ecs:RegisterTaskDefinition", ANY),
        ("ecs:RunTask", "arn:aws:ecs:*:{account}:task-definition/*"),
    ),
    _passrole(
        "PassRole+autoscaling:CreateLaunchConfiguration",
        "ec2.amazonaws.com",
        ("autoscaling:CreateLaunchConfiguration", LAUNCH_CONFIG),
        ("autoscaling:CreateAutoScalingGroup", ASG),
        profile=True,
    ),
    _passrole(
        "PassRole+ec2:CreateLaunchTemplate+autoscaling",
        "ec2.amazonaws.com",
        ("ec2:CreateLaunchTemplate", "arn:aws:ec2:*:{account}:launch-template/*"),
        ("autoscaling:CreateAutoScalingGroup", ASG),
        profile=True,
    ),
    _passrole(
        "PassRole+apprunner:CreateService",
        "tasks.apprunner.amazonaws.com",
        ("apprunner:CreateService", "arn:aws:apprunner:*:{account}:service/*"),
    ),
    # -- existing compute (the inventory says what exists and which role it runs as)
    _existing(
        "lambda:UpdateFunctionCode",
        "lambda-functions",
        "lambda.amazonaws.com",
        "lambda:UpdateFunctionCode",
    ),
    _existing(
        "glue:UpdateDevEndpoint",
        "glue-dev-endpoints",
        "glue.amazonaws.com",
        "glue:UpdateDevEndpoint",
    ),
    _existing(
        "cloudformation:UpdateStack",
        "cloudformation-stacks",
        "cloudformation.amazonaws.com",
        "cloudformation:UpdateStack",
    ),
    _existing(
        "codebuild:StartBuild",
        "codebuild-projects",
        "codebuild.amazonaws.com",
        "codebuild:StartBuild",
    ),
    _existing(
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker-notebooks",
        "sagemaker.amazonaws.com",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    _existing("ssm:SendCommand", SSM, "ec2.amazonaws.com", "ssm:SendCommand", "ssm.amazonaws.com"),
    _existing(
        "ssm:StartSession", SSM, "ec2.amazonaws.com", "ssm:StartSession", "ssm.amazonaws.com"
    ),
    _existing(
        "ec2-instance-connect:SendSSHPublicKey",
        "ec2-instances",
        "ec2.amazonaws.com",
        "ec2-instance-connect:SendSSHPublicKey",
    ),
)

BY_NAME = {m.name: m for m in METHODS}

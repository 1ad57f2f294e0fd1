"""The policy grammar: every shape AWS accepts parses, what AWS rejects names its JSON path."""

import json
from urllib.parse import quote

import pytest

from iamgraph.errors import InputError
from iamgraph.model.operators import OPERATORS, OperatorError, parse_operator
from iamgraph.model.policy import Effect, PolicyKind, decode_document, parse_policy
from iamgraph.model.source import SourceRef

SRC = SourceRef("p.json")


def parse(doc, kind=PolicyKind.IDENTITY):
    return parse_policy(doc, kind=kind, source=SRC)


def test_statement_object_and_single_strings():
    p = parse({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}})
    assert p.version is None and len(p.statements) == 1
    st = p.statements[0]
    assert st.effect is Effect.ALLOW
    assert st.actions == ("s3:GetObject",) and st.resources == ("*",)
    assert st.source.path == ("Statement",)


def test_statement_list_with_not_elements():
    p = parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "A", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "NotResource": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
                },
            ],
        }
    )
    deny, allow = p.statements
    assert deny.not_action and deny.actions == ("iam:*", "sts:*") and deny.sid == "A"
    assert allow.not_resource and allow.resources == ("arn:aws:s3:::a", "arn:aws:s3:::b")
    assert allow.source.path == ("Statement", 1) and allow.index == 1
    assert p.variables_enabled


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_old_or_missing_version_disables_variables(version):
    doc = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:username}"}
        ]
    }
    if version:
        doc["Version"] = version
    assert parse(doc).variables_enabled is False  # V4


def test_principal_shapes():
    star = parse(
        {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}},
        PolicyKind.RESOURCE,
    ).statements[0]
    assert star.principal.wildcard and star.principal.is_everyone and star.resources is None
    mapped = parse(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {
                    "AWS": ["arn:aws:iam::111122223333:root", "444455556666"],
                    "Service": "ec2.amazonaws.com",
                    "Federated": "arn:aws:iam::111122223333:saml-provider/okta",
                    "CanonicalUser": "79a59df900b949e55d96a1e698fbaced",
                },
                "Action": "sts:AssumeRole",
            }
        },
        PolicyKind.TRUST,
    ).statements[0]
    p = mapped.principal
    assert p.aws == ("arn:aws:iam::111122223333:root", "444455556666")
    assert p.service == ("ec2.amazonaws.com",)
    assert p.federated == ("arn:aws:iam::111122223333:saml-provider/okta",)
    assert p.canonical_user == ("79a59df900b949e55d96a1e698fbaced",)
    assert not p.is_everyone


def test_conditions_normalise_values_and_operators():
    st = parse(
        {
            "Statement": {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "BoolIfExists": {"aws:MultiFactorAuthPresent": False},
                    "forallvalues:stringequals": {"aws:TagKeys": ["team", "env"]},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                },
            }
        }
    ).statements[0]
    by_key = {c.key: c for c in st.conditions}
    mfa = by_key["aws:MultiFactorAuthPresent"]
    assert (mfa.operator, mfa.base, mfa.if_exists, mfa.values) == (
        "BoolIfExists",
        "Bool",
        True,
        ("false",),
    )
    tags = by_key["aws:TagKeys"]
    assert (tags.operator, tags.qualifier, tags.values) == (
        "ForAllValues:StringEquals",
        "ForAllValues",
        ("team", "env"),
    )
    assert by_key["aws:MultiFactorAuthAge"].values == ("3600",)


def test_every_documented_operator_parses_with_its_forms():
    for name, spec in OPERATORS.items():
        assert parse_operator(name).spec is spec
        if name != "Null":
            assert parse_operator(f"{name}IfExists").if_exists
            assert parse_operator(f"ForAnyValue:{name}").qualifier == "ForAnyValue"
    for text, message in [
        ("NullIfExists", "'NullIfExists': Null cannot take IfExists (C3)"),
        ("ForAllValues:Null", "'ForAllValues:Null': Null cannot take ForAllValues or ForAnyValue"),
        ("StringEqualz", "unknown condition operator 'StringEqualz'"),
        (
            "ForSomeValues:StringEquals",
            "unknown condition operator 'ForSomeValues:StringEquals': the qualifier must be "
            "ForAllValues or ForAnyValue",
        ),
    ]:
        with pytest.raises(OperatorError) as info:
            parse_operator(text)
        assert str(info.value) == message


DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


@pytest.mark.parametrize(
    "encoded",
    [DOC, json.dumps(DOC), quote(json.dumps(DOC, separators=(",", ":")), safe="")],
    ids=["object", "json-string", "url-encoded"],
)
def test_three_document_encodings(encoded):
    assert decode_document(encoded, "f.json", ("PolicyDocument",)) == DOC


@pytest.mark.parametrize(
    ("doc", "kind", "path", "message"),
    [
        (
            {"Statement": [{"Action": "s3:*", "Resource": "*"}]},
            "identity",
            "$.Statement[0]",
            "missing required element 'Effect'",
        ),
        (
            {"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]},
            "identity",
            "$.Statement[0].Effect",
            "Effect must be 'Allow' or 'Deny', got 'allow'",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}
                ]
            },
            "identity",
            "$.Statement[0]",
            "a statement may have Action or NotAction, not both",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*"}]},
            "identity",
            "$.Statement[0]",
            "missing required element 'Resource' (or 'NotResource')",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                ]
            },
            "identity",
            "$.Statement[0].Principal",
            "Principal is not allowed in an identity policy",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
            "trust",
            "$.Statement[0]",
            "missing required element 'Principal' in a trust policy",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            },
            "trust",
            "$.Statement[0].NotPrincipal",
            "NotPrincipal is not allowed in a trust policy (P7)",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEqualz": {"aws:username": "x"}},
                    }
                ]
            },
            "identity",
            "$.Statement[0].Condition.StringEqualz",
            "unknown condition operator 'StringEqualz'",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:username": {"a": 1}}},
                    }
                ]
            },
            "identity",
            "$.Statement[0].Condition.StringEquals['aws:username']",
            "condition value must be a string, number or boolean, got an object",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 7], "Resource": "*"}]},
            "identity",
            "$.Statement[0].Action[1]",
            "must be a string or a list of strings, got a number",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]},
            "identity",
            "$.Statement[0].Action",
            "action must be 'service:name' or '*', got 'GetObject'",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]},
            "identity",
            "$.Statement[0].Action",
            "must not be an empty list",
        ),
        (
            {"Version": "2012-10-18", "Statement": []},
            "identity",
            "$.Version",
            "Version must be one of 2012-10-17, 2008-10-17, got '2012-10-18'",
        ),
        ({"Statment": []}, "identity", "$.Statment", "unknown policy element 'Statment'"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resources": "*"}]},
            "identity",
            "$.Statement[0].Resources",
            "unknown statement element 'Resources'",
        ),
        (
            {"Statement": "Allow"},
            "identity",
            "$.Statement",
            "Statement must be an object or a list, got a string",
        ),
    ],
)
def test_grammar_errors_name_the_json_path(doc, kind, path, message):
    with pytest.raises(InputError) as info:
        parse(doc, PolicyKind(kind))
    assert (info.value.path, info.value.message) == (path, message)


def test_document_that_is_not_json():
    with pytest.raises(InputError) as info:
        decode_document("%7BVersion", "f.json", ("PolicyDocument",))
    assert info.value.path == "$.PolicyDocument"
    assert info.value.message.startswith("policy document is not valid JSON")

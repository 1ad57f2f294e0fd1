"""`iamgraph.query.answer`: the library call behind `can`, `who-can` and `ask`, and the query
built from parts (`grammar.structured`) that the audit's diagram asks instead of a sentence."""

import pytest

from iamgraph.errors import InputError
from iamgraph.query import answer
from iamgraph.query.asked import checked_request
from iamgraph.query.grammar import parse, structured, the_trail
from iamgraph.verdict import Verdict

CI = "arn:aws:iam::111122223333:user/ci-deployer"
ORG_TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"


def test_structured_query_is_the_parsed_sentence(demo):
    """What `parse` reads from the sentence, built without words (the audit's trail diagram)."""
    sentence = parse("can any non-MFA principal tamper with the trail", demo)
    built = structured(demo, "tamper with", the_trail(demo), mfa="no-mfa")
    assert built.checks == sentence.checks
    assert (built.principal, built.mfa, built.target) == (None, "no-mfa", sentence.target)
    one = structured(demo, "delete", the_trail(demo), principal=CI)
    assert one.checks == parse(f"can {CI} delete the trail", demo).checks


def test_structured_query_refuses_what_the_grammar_refuses(demo):
    target = the_trail(demo)
    with pytest.raises(InputError, match="applies to"):
        structured(demo, "stop logging on", parse("can any principal read bucket x", demo).target)
    with pytest.raises(InputError, match="no principal"):
        structured(demo, "delete", target, principal="arn:aws:iam::111122223333:user/nobody")


def test_can_direct_answers_with_a_witness(demo):
    """ci-deployer has no cloudtrail permission of its own (its way to StopLogging is through
    lambda-org-maintenance, README `can`): `--direct` proves it unreachable."""
    reach = answer.can(demo, CI, ["cloudtrail:StopLogging"], [ORG_TRAIL], direct=True)
    assert reach.answer.verdict is Verdict.UNREACHABLE
    assert reach.hops == ()


def test_unknown_action_makes_an_unproven_answer_unknown(demo):
    asked = checked_request(
        "can", ["cloudtrail:StopLogging", "cloudtrail:StopLoging"], [ORG_TRAIL], True
    )
    assert asked.unknown == ("cloudtrail:StopLoging",)
    reach = answer.can(
        demo, CI, list(asked.known) + list(asked.unknown), [ORG_TRAIL], asked=asked, direct=True
    )
    assert reach.answer.verdict is Verdict.UNKNOWN
    assert any("StopLoging" in r for r in reach.answer.reasons)


def test_ask_merges_a_principals_checks(demo):
    """`tamper with the trail bucket` is two checks (bucket and objects): one merged answer."""
    q = parse(f"can {CI} tamper with the trail bucket", demo)
    assert len(q.checks) == 2
    answered = answer.ask(demo, q, direct=True)
    assert answered.one is not None and len(answered.reaches) == 1
    assert answered.actions == tuple(a for c in q.checks for a in c.actions)

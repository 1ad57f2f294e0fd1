"""`aws sns get-topic-attributes` output (FORMATS 1.7).

Every attribute is a string; `Policy` is the topic's resource policy as a JSON string.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.arn import parse_arn
from iamgraph.model.limits import TOPIC
from iamgraph.model.policy import PolicyKind
from iamgraph.model.resources import SnsTopic


def load_topic_attributes(
    path: Path | str, account: str, display: str | None = None, *, size_limit: bool = True
) -> SnsTopic:
    """`{"Attributes": {...}}`; TopicArn is required, Policy optional (held to AWS's limit for
    a topic policy unless `size_limit` is off)."""
    doc = Doc.read(path, display, size_limit=size_limit, holds=TOPIC)
    top = doc.obj(doc.root, ())
    where = ("Attributes",)
    attrs = doc.field(top, (), "Attributes", dict)
    values = {key: doc.field(attrs, where, key, str) for key in attrs}
    arn = doc.arn(attrs, where, "TopicArn")
    if parse_arn(arn).service != "sns":
        raise doc.error((*where, "TopicArn"), f"expected an SNS topic ARN, got {arn!r}")
    policy = None
    if "Policy" in values:
        policy = doc.policy_value(
            values["Policy"],
            (*where, "Policy"),
            kind=PolicyKind.RESOURCE,
            name=arn,
            limit=TOPIC,
            subject=f"the topic policy of {arn}",
        )
    return SnsTopic(
        arn=arn, name=arn.rsplit(":", 1)[-1], account=account, policy=policy, attributes=values
    )

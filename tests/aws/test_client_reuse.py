"""Clients of the wizard's sessions share one class per service (wizard.aws.client_reuse); nothing else changes."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.hooks import _PrefixTrie

from wizard.aws.client_reuse import SharedHandlerTrie
from wizard.aws.context import AwsContext, AwsSettings


def test_contexts_share_one_class_per_service_across_regions_and_sessions(aws: None) -> None:
    first, second = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    ec2_here, ec2_there = first.client("ec2", "us-east-1"), second.client("ec2", "eu-west-1")
    assert type(ec2_here) is type(ec2_there)
    assert ec2_there.meta.region_name == "eu-west-1" and ec2_here.meta.region_name == "us-east-1"
    assert type(first.client("kms")) is not type(ec2_here)


def test_a_shared_class_keeps_what_boto3_adds_and_works(aws: None) -> None:
    first, second = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    s3 = second.client("s3")
    assert type(first.client("s3")) is type(s3)
    assert hasattr(s3, "upload_fileobj")  # boto3's creating-client-class handler added it to the shared class
    s3.create_bucket(Bucket="shared-class-bucket")
    assert [b["Name"] for b in first.client("s3").list_buckets()["Buckets"]] == ["shared-class-bucket"]


def test_sessions_made_elsewhere_keep_botocore_own_classes(aws: None) -> None:
    ours = AwsContext(AwsSettings()).client("sts")
    theirs = boto3.Session(region_name="us-east-1").client("sts")
    assert type(theirs) is not type(ours)


def test_each_client_keeps_its_own_handlers(aws: None) -> None:
    counted, other = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    counted.client("sts").get_caller_identity()
    assert counted.api_calls == 1 and other.api_calls == 0


# -- handlers copied on write --------------------------------------------------------------------------------
EVENTS = ["before-call.ec2.DescribeRegions", "before-call.ec2", "before-call", "after-call.*.ListUsers", "x.y.z"]


def _apply(trie: Any, operation: tuple[str, str, Any, int]) -> str:
    """What the operation raised ("" when nothing): botocore's trie raises for keys it does not hold."""
    kind, event, handler, section = operation
    try:
        if kind == "add":
            trie.append_item(event, handler, section)
        else:
            trie.remove_item(event, handler)
    except (ValueError, AttributeError) as error:
        return type(error).__name__
    return ""


def _random_operations(rng: random.Random, count: int) -> list[tuple[str, str, Any, int]]:
    handlers = [f"handler-{n}" for n in range(6)]
    return [
        (rng.choice(["add", "add", "remove"]), rng.choice(EVENTS), rng.choice(handlers), rng.randrange(3))
        for _ in range(count)
    ]


def _found(trie: Any) -> list[list[Any]]:
    return [list(trie.prefix_search(event)) for event in [*EVENTS, "before-call.ec2.Other", "after-call.iam.ListUsers"]]


@pytest.mark.parametrize("seed", range(20))
def test_copies_find_what_botocore_copies_find_after_any_changes(seed: int) -> None:
    rng = random.Random(seed)
    before, after_left, after_right = (_random_operations(rng, 15) for _ in range(3))
    theirs, ours = _PrefixTrie(), SharedHandlerTrie()
    for operation in before:
        assert _apply(ours, operation) == _apply(theirs, operation)
    their_copy, our_copy = copy.copy(theirs), copy.copy(ours)
    for operation in after_left:  # the original changes after the copy...
        assert _apply(ours, operation) == _apply(theirs, operation)
    for operation in after_right:  # ...and so does the copy
        assert _apply(our_copy, operation) == _apply(their_copy, operation)
    assert _found(ours) == _found(theirs)
    assert _found(our_copy) == _found(their_copy)


def test_a_missing_key_is_refused_as_botocore_refuses_it() -> None:
    with pytest.raises(ValueError, match="key is not in trie"):
        SharedHandlerTrie().remove_item("never.registered", "handler")


def test_a_client_copies_only_the_paths_it_registers_on(aws: None) -> None:
    def nodes(trie: Any) -> Iterator[dict[str, Any]]:
        stack = [trie._root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node["children"].values())

    ctx = AwsContext(AwsSettings())
    ec2 = ctx.client("ec2", "eu-west-1")
    session_trie = ctx.session._session.get_component("event_emitter")._emitter._handlers
    client_trie = ec2.meta.events._emitter._handlers
    assert isinstance(client_trie, SharedHandlerTrie)
    shared = {id(node) for node in nodes(session_trie)}
    own = [node for node in nodes(client_trie) if id(node) not in shared]
    assert len(shared) > 100  # botocore would have copied every one of them
    assert len(own) < len(shared) / 4


def test_handlers_stay_with_the_emitter_they_were_registered_on(aws: None) -> None:
    ctx = AwsContext(AwsSettings())
    first = ctx.client("sts")
    calls: list[str] = []
    first.meta.events.register("before-call.sts.GetCallerIdentity", lambda **_: calls.append("first"))
    ctx.session._session.register("before-call.sts.GetCallerIdentity", lambda **_: calls.append("session"))
    second = ctx.client("sts", "eu-west-1")
    first.get_caller_identity()
    second.get_caller_identity()
    assert calls == ["first", "session"]  # the session's handler reaches clients made after it only

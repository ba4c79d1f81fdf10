"""Render an API call as the exact `aws` CLI command that makes it, from botocore's own service model.

Used for evidence (what the audit read) and for plans (what a fix will do), so the text a person reads is
derived from the call itself and can never drift from it.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape

from wizard.aws.iam_actions import UnknownIamAction, iam_actions_for
from wizard.aws.model_loader import share_models
from wizard.inert_text import bash_ansi_c, has_unsafe

# The CLI names a few services differently from botocore.
_CLI_SERVICE_NAMES = {"s3": "s3api", "config": "configservice"}
# The AWS CLI renames a few parameters (awscli/customizations/argrename.py); these are the ones on the
# operations this tool calls, or could: "<cli service>.<cli operation or *>.<option>" -> new option name.
_ARGUMENT_RENAMES = {
    "sns.subscribe.endpoint": "notification-endpoint",
    "ec2.*.no-egress": "ingress",
    "ec2.*.no-disable-api-termination": "enable-api-termination",
}
_SCALAR_TYPES = {"string", "integer", "long", "float", "double", "timestamp", "boolean"}


_MODEL_LOCK = threading.Lock()


@cache
def _botocore_session() -> botocore.session.Session:
    session = botocore.session.get_session()
    share_models(session)
    return session


@cache
def _service_model(service: str) -> ServiceModel:
    return _botocore_session().get_service_model(service)


def service_model(service: str) -> ServiceModel:
    with _MODEL_LOCK:  # threads rendering evidence at once would otherwise each build the model
        return _service_model(service)


@cache
def _operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def operation_model(service: str, operation: str) -> OperationModel:
    return _operation_model(service, operation)


def cli_service_name(service: str) -> str:
    return _CLI_SERVICE_NAMES.get(service, service)


def iam_action(service: str, operation: str) -> str:
    """The main IAM action an operation needs, from AWS's catalog (wizard.aws.iam_actions), e.g. ("s3",
    "GetPublicAccessBlock") -> s3:GetBucketPublicAccessBlock. iam_actions_for gives all of them."""
    actions = iam_actions_for(service, operation)
    if not actions:
        raise UnknownIamAction(f"{service}:{operation} needs no IAM permission")
    return actions[0]


def _is_scalar_list(shape: Shape) -> bool:
    return shape.type_name == "list" and shape.member.type_name in _SCALAR_TYPES - {"boolean"}


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cli_option_name(service: str, operation: str, member: str) -> str:
    """The option the AWS CLI takes for an input member, after its argument renames."""
    cli_service, cli_operation, option = cli_service_name(service), xform_name(operation, "-"), xform_name(member, "-")
    for key in (f"{cli_service}.{cli_operation}.{option}", f"{cli_service}.*.{option}"):
        if key in _ARGUMENT_RENAMES:
            return _ARGUMENT_RENAMES[key]
    return option


def _option_tokens(option_name: str, shape: Shape, value: Any) -> list[str]:
    option = "--" + option_name
    if shape.type_name == "boolean":
        return [option if value else "--no-" + option[2:]]
    if shape.type_name in _SCALAR_TYPES:
        return [option, _scalar_text(value)]
    if _is_scalar_list(shape):
        return [option, *(_scalar_text(v) for v in value)]
    return [option, json.dumps(value, separators=(",", ":"), default=str)]


# The AWS CLI (v1) replaces a top-level argument that starts with one of these by the content of that file or
# URL (awscli/paramfile.py). Text from an account must never be read that way, so such a call is written with
# --cli-input-json, whose values are taken as they are.
_PARAMFILE_PREFIXES = ("file://", "fileb://", "http://", "https://")
_PARAMFILE_DISABLED = {"sns.subscribe.notification-endpoint"}  # the CLI takes these URLs literally


def shell_quote(token: str, references: Mapping[str, str] | None = None) -> str:
    """Quote one token for bash: everything is literal, except the markers in `references` (placed by a plan
    for values known only after an earlier step), which become "${name}". Nothing else is ever expanded."""
    if not references:
        return _literal(token)
    pattern = re.compile("(" + "|".join(re.escape(marker) for marker in references) + ")")
    parts = [part for part in pattern.split(token) if part]
    return "".join(f'"${{{references[part]}}}"' if part in references else _literal(part) for part in parts)


def _literal(text: str) -> str:
    """A bash word that is exactly `text`: single-quoted, or $'...' when it holds control characters (so the
    script shows them as escapes instead of holding raw terminal bytes)."""
    return bash_ansi_c(text) if has_unsafe(text) else shlex.quote(text)


def render_cli(
    service: str,
    operation: str,
    params: dict[str, Any],
    region: str | None,
    references: Mapping[str, str] | None = None,
) -> str:
    """`aws <service> <operation> --param value ... --region R`, each token shell-quoted (see shell_quote)."""
    tokens = cli_tokens(service, operation, params, region)
    return " ".join(shell_quote(token, references) for token in tokens)


def _loads_a_file(service: str, operation: str, params: dict[str, Any]) -> bool:
    cli_service, cli_operation = cli_service_name(service), xform_name(operation, "-")
    for name, value in params.items():
        first = value[0] if isinstance(value, list) and len(value) == 1 else value
        option = cli_option_name(service, operation, name)
        if f"{cli_service}.{cli_operation}.{option}" in _PARAMFILE_DISABLED:
            continue
        if isinstance(first, str) and first.lower().startswith(_PARAMFILE_PREFIXES):
            return True
    return False


def cli_tokens(service: str, operation: str, params: dict[str, Any], region: str | None) -> list[str]:
    """The argv of the `aws` command that makes this call."""
    model = operation_model(service, operation)
    members = model.input_shape.members if model.input_shape is not None else {}
    tokens = ["aws", cli_service_name(service), xform_name(operation, "-")]
    unknown = [name for name in params if name not in members]
    if unknown:
        raise ValueError(f"{service}:{operation} has no parameter {unknown[0]!r}")
    if _loads_a_file(service, operation, params):
        tokens += ["--cli-input-json", json.dumps(params, separators=(",", ":"), default=str)]
        return [*tokens, "--region", region] if region else tokens
    for name, value in params.items():
        tokens += _option_tokens(cli_option_name(service, operation, name), members[name], value)
    if region:
        tokens += ["--region", region]
    return tokens

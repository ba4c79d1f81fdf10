"""Parse an `aws ...` command back into (service, operation, params) through botocore's model: the inverse of
wizard.aws.cli_commands, for tests that prove a rendered command means exactly the call it came from."""

from __future__ import annotations

import json
import shlex
from typing import Any

from botocore import xform_name
from botocore.model import Shape

from wizard.aws.cli_commands import _CLI_SERVICE_NAMES, _SCALAR_TYPES, cli_option_name, service_model

_BOTOCORE_NAMES = {cli: name for name, cli in _CLI_SERVICE_NAMES.items()}


def _scalar(shape: Shape, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name in ("float", "double"):
        return float(text)
    return text


def parse_aws_command(command: str) -> tuple[str, str, dict[str, Any], str | None]:
    tokens = shlex.split(command)
    assert tokens[0] == "aws", command
    service = _BOTOCORE_NAMES.get(tokens[1], tokens[1])
    model = service_model(service)
    operation = next(op for op in model.operation_names if xform_name(op, "-") == tokens[2])
    input_shape = model.operation_model(operation).input_shape
    members = input_shape.members if input_shape is not None else {}
    options = {cli_option_name(service, operation, name): name for name in members}
    params: dict[str, Any] = {}
    region = None
    index = 3
    while index < len(tokens):
        token = tokens[index]
        assert token.startswith("--"), (token, command)
        option = token[2:]
        if option == "region":
            region = tokens[index + 1]
            index += 2
            continue
        if option.startswith("no-") and options.get(option[3:]) and members[options[option[3:]]].type_name == "boolean":
            params[options[option[3:]]] = False
            index += 1
            continue
        name = options[option]
        shape = members[name]
        if shape.type_name == "boolean":
            params[name] = True
            index += 1
            continue
        values = []
        index += 1
        while index < len(tokens) and not tokens[index].startswith("--"):
            values.append(tokens[index])
            index += 1
        if shape.type_name in _SCALAR_TYPES:
            params[name] = _scalar(shape, values[0])
        elif shape.type_name == "list" and shape.member.type_name in _SCALAR_TYPES:
            params[name] = [_scalar(shape.member, v) for v in values]
        else:
            params[name] = json.loads(values[0])
    return service, operation, params, region

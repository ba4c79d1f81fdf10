"""botocore's service models in the sandbox's process: each parsed once, before the first request needs it.

moto parses every request with botocore's model of its service (`moto.core.utils.get_service_model`), loaded
through a new loader each time, which lists botocore's data folders again; and the first requests to arrive
together (an audit sends 32 at once) each load the model themselves, since the cache is filled only once a
load ends. A restored sandbox met the demo's first audit that way: twelve EC2 requests parsed EC2's 2 MB
model twelve times, over two seconds of the sandbox's CPU while every request waited. Here moto gets one
loader for the process (one load of each item at a time), and the models of the services the wizard calls
are loaded before the sandbox says it is ready.

Imported only once the sandbox has set moto's environment (see `server.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import moto.core.utils
from moto.core.loaders import Loader as MotoLoader
from moto.core.loaders import moto_root

from wizard.aws.model_loader import OneLoadAtATime


class SharedMotoLoader(OneLoadAtATime, MotoLoader):
    """moto's loader (botocore's models with moto's extras), one load of each item at a time."""


@cache
def shared_moto_loader() -> SharedMotoLoader:
    return SharedMotoLoader(extra_search_paths=[moto_root])


def _create_loader() -> Any:
    return shared_moto_loader()


def load_moto_models(services: Iterable[str]) -> None:
    """Give moto one loader for the process and load the models of `services` now."""
    moto.core.utils.create_loader = _create_loader
    for service in services:
        moto.core.utils.get_service_model(service)

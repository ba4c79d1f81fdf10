"""botocore's models in the sandbox's process: each parsed once, and before the sandbox says it is ready."""

from __future__ import annotations

import threading
from typing import Any

from botocore.loaders import JSONFileLoader

from wizard.aws.permissions import SERVICES
from wizard.sandbox.server import Sandbox


class CountingFileLoader(JSONFileLoader):
    def __init__(self) -> None:
        self.loads: list[str] = []
        self._lock = threading.Lock()

    def load_file(self, file_path: str) -> Any:
        with self._lock:
            self.loads.append(file_path)
        return super().load_file(file_path)


def test_concurrent_first_loads_of_a_model_parse_it_once(sandbox: Sandbox) -> None:
    from wizard.sandbox.moto_models import SharedMotoLoader

    files = CountingFileLoader()
    loader = SharedMotoLoader(file_loader=files)
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        loader.load_service_model("ec2", "service-2")

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([path for path in files.loads if "/ec2/" in path and path.endswith("service-2")]) == 1


def test_the_models_of_every_service_the_wizard_calls_are_loaded_when_the_sandbox_is_ready(sandbox: Sandbox) -> None:
    import moto.core.utils

    from wizard.sandbox.moto_models import shared_moto_loader

    assert moto.core.utils.create_loader() is shared_moto_loader()
    before = moto.core.utils.get_service_model.cache_info()
    for service in sorted(SERVICES):
        moto.core.utils.get_service_model(service)
    after = moto.core.utils.get_service_model.cache_info()
    assert after.misses == before.misses  # every one was already there

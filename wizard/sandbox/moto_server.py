"""moto's ThreadedMotoServer, listening on a socket bound in the caller's thread, with moto's per-request
lookups done once (`moto_speed`).

ThreadedMotoServer binds inside its server thread, where werkzeug answers a port in use by printing two
lines and calling sys.exit: `start()` would then wait forever. Binding first, here, turns that into an
OSError the caller can explain in one line. Imported only once the sandbox has set moto's environment
variables (see `server.py`): moto reads some of them when its modules load.
"""

from __future__ import annotations

import socket

from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from wizard.sandbox.moto_speed import RoutesOnce, remember_action_names


class BoundMotoServer(ThreadedMotoServer):
    def __init__(self, ip_address: str, port: int, bound: socket.socket | None = None) -> None:
        # OSError here when the port is taken. `bound`: a listening socket made by someone else (the demo's
        # parent process, which knows the address before this server exists).
        self._socket = bound or socket.create_server((ip_address, port))
        ip_address, port = self._socket.getsockname()[:2]
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        remember_action_names()

    def _server_entry(self) -> None:
        # ThreadedMotoServer._server_entry, serving the socket bound above.
        self._server = make_server(
            self._ip_address,
            self._port,
            RoutesOnce(create_backend_app),
            True,
            request_handler=MotoRequestHandler,
            fd=self._socket.fileno(),
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        try:
            super().stop()
            if self._server is not None:
                self._server.server_close()
        finally:
            self._socket.close()

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

"""Run the app in a background thread on a free loopback port: for tests and benchmarks."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["live_server"]


@contextlib.contextmanager
def live_server(folder: str | Path, *, host: str = "127.0.0.1", token: str | None = None,
                loopback_only: bool = True) -> Iterator[str]:
    """Serve ``folder`` with uvicorn while the block runs; yields the base URL (``http://127.0.0.1:PORT``)."""
    import uvicorn

    from . import create_app

    config = uvicorn.Config(create_app(folder, token=token, loopback_only=loopback_only), host=host, port=0,
                            log_level="error", lifespan="off", server_header=False, date_header=False,
                            backlog=2048)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

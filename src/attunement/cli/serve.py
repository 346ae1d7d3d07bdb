"""`attune serve`: the local web app over a folder of recordings, codes and results."""

from __future__ import annotations

import importlib.util
import secrets
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ._common import _fail, app, console, esc


@app.command()
def serve(
    folder: Annotated[Optional[Path], typer.Argument(help="The folder to serve: coded files, videos beside them (same name), and attune analyze/fit outputs. Default: the current folder (with --demo: ./attunement-demo-app).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Any address other than 127.0.0.1/localhost needs a token on every request.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    token: Annotated[Optional[str], typer.Option("--token", help="The token requests must carry (made up and printed when the address is not this machine's and none is given).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Write the demo's sessions (both peek-a-boo scenarios, with small videos) into the folder first, then serve it.")] = False,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the app in the web browser.")] = True,
) -> None:
    """Review sessions in a web browser: the video beside its repair timeline, marks for feedback, the model to explore.

    Nothing is sent anywhere: the app runs on this machine and reads only the folder given. Marks are saved
    beside the data (<name>.marks.json); the coded files are never changed.
    """
    from ..app import NEEDS_EXTRA

    try:
        if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None:
            raise AttunementError(NEEDS_EXTRA)
        from ..app import create_app
        from ..app.demo import DEMO_FOLDER, write_demo
        from ..app.server import is_loopback

        if folder is None:
            folder = Path(DEMO_FOLDER) if demo else Path(".")
        if demo:
            console.print(esc(f"Writing the demo's sessions into {folder}/ …"))
            write_demo(folder)
        if not folder.is_dir():
            raise AttunementError(f"{folder}: no such folder. Give the folder that holds the codes and videos, "
                                  f"or --demo to make one.")
        local = is_loopback(host)
        if not local and not token:
            token = secrets.token_urlsafe(24)
        if token is not None and len(token) < 16:
            raise AttunementError("--token must be at least 16 characters long; leave it out to get a random one.")
        asgi = create_app(folder, token=token, loopback_only=local)
    except AttunementError as error:
        _fail(error)
        return
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/" + (f"?token={token}" if token else "")
    console.print(esc(f"Serving {folder.resolve()} at {url}"), soft_wrap=True)
    if not local:
        console.print(esc(f"Listening on {host}: anyone who can reach this machine and knows the token can see "
                          f"these recordings. Stop with Ctrl+C."), soft_wrap=True)
    if open_browser:
        import threading
        import webbrowser
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(asgi, host=host, port=port, log_level="warning", server_header=False, date_header=False)

"""``attune serve``: a local web app for clinicians and parents over a folder of recordings and codes.

Three views, in plain HTML, CSS and JavaScript served from the package (no
CDN, no build step, nothing sent anywhere):

- **sessions** — what the folder holds (:mod:`attunement.app.library`);
- **a session** — its video beside the timeline of both partners' states, the
  matched/mismatched band, repairs by who led them, ruptures and signals; the
  plain-words account, strengths first; marks for feedback, saved beside the
  data and exported as a clip list or an ELAN tier (:mod:`attunement.app.marks`);
  the researcher's tables one click away;
- **explore** — the model's two scenarios, or a fitted dyad, with sliders for
  what the caregiver does (:mod:`attunement.app.explore`).

The app only presents: the numbers come from :func:`attunement.read`,
:func:`attunement.analyze`, ``attune analyze`` and ``attune fit`` outputs, and
:func:`attunement.model.simulate`. It needs the ``app`` extra
(``pip install 'attunement[app]'``: FastAPI and uvicorn).

Safety: it listens on 127.0.0.1 unless told otherwise, and then checks the
Host header (no DNS rebinding); on any other address every request needs a
token. Only files inside the folder are served (``..``, absolute paths and
symlinks out are refused), request bodies are small (413 beyond
:data:`~attunement.app.server.MAX_BODY_BYTES`), and the only files written are
the marks sidecars and their exports, inside the folder.
"""

from __future__ import annotations

__all__ = ["create_app", "NEEDS_EXTRA"]

#: The message when FastAPI or uvicorn is missing.
NEEDS_EXTRA = "attune serve needs the app extra: pip install 'attunement[app]' (FastAPI and uvicorn)"


def create_app(root, *, token=None, loopback_only=True, max_body=None):
    """The ASGI app over folder ``root``: see :func:`attunement.app.server.create_app`."""
    from .server import MAX_BODY_BYTES, create_app as _create

    return _create(root, token=token, loopback_only=loopback_only,
                   max_body=MAX_BODY_BYTES if max_body is None else max_body)

"""The web app: a FastAPI application over one folder (see :mod:`attunement.app`)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Optional

from fastapi import FastAPI, HTTPException, Path as PathParam, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import AttunementError
from .explore import SCENARIOS, SLIDERS, counterfactual, explore, starting_point
from .library import MAX_VIDEOS, VIDEO_TYPES, Entry, Library, resolve_inside
from .marks import MAX_NOTE_CHARS, UNCHANGED, MarkStore
from .views import session_view

__all__ = ["create_app", "MAX_BODY_BYTES", "MAX_URL_CHARS", "is_loopback", "TOKEN_COOKIE"]

logger = logging.getLogger(__name__)

#: Request bodies larger than this are refused (413): a mark or a slider setting is a few hundred bytes.
MAX_BODY_BYTES = 16 * 1024
#: Longer request targets are refused (414).
MAX_URL_CHARS = 4096
TOKEN_COOKIE = "attune_token"
_STATIC = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
_KEY = Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")]
_MARK_ID = Annotated[str, PathParam(pattern=r"^[0-9a-f]{12}$")]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0"), is_loopback("192.168.1.5")
    (True, True, False, False)
    """
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Guard:
    """ASGI middleware: host check, token, request size and security headers, before any route runs."""

    def __init__(self, app, *, token: str | None, loopback_only: bool, max_body: int) -> None:
        self.app, self.token, self.loopback_only, self.max_body = app, token, loopback_only, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if len(target) > MAX_URL_CHARS:
            return await _refuse(send, 414, "The address is too long.")
        if self.loopback_only:  # a page elsewhere cannot reach the app through a name that points here
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in _LOOPBACK_NAMES and not is_loopback(name):
                return await _refuse(send, 400, f"Invalid host header {host!r}: open the app at 127.0.0.1.")
        set_cookie = False
        if self.token is not None:
            given = _bearer(headers.get("authorization", "")) or _cookie(headers.get("cookie", ""), TOKEN_COOKIE)
            query = _query_token(scope.get("query_string", b""))
            if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
                pass
            elif query is not None and hmac.compare_digest(query.encode(), self.token.encode()):
                set_cookie = True
            else:
                return await _refuse(send, 401, "This app needs its token: open the address `attune serve` "
                                                "printed (it ends in ?token=…).")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return await _refuse(send, 400, "Content-Length is not a number.")
            if int(length) > self.max_body:
                return await _refuse(send, 413, f"The request body is larger than {self.max_body} bytes.")
        elif scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    return await _refuse(send, 413, f"The request body is larger than {self.max_body} bytes.")
            replayed = False

            async def receive():  # noqa: F811 - the body, once, then whatever the server says next
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return {"type": "http.disconnect"}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", _CSP.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                if set_cookie:
                    extra.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; "
                                                 f"Path=/".encode()))
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


async def _refuse(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})


def _bearer(value: str) -> str | None:
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _cookie(value: str, name: str) -> str | None:
    for part in value.split(";"):
        key, _, val = part.strip().partition("=")
        if key == name:
            return val
    return None


def _query_token(query: bytes) -> str | None:
    from urllib.parse import parse_qs
    values = parse_qs(query.decode("latin-1")).get("token")
    return values[0] if values else None


class _MarkFields(BaseModel):
    """The checks shared by a new mark and an edit: finite times, a printable note."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("note", check_fields=False)
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise ValueError("a note may not hold control characters")
        return value

    @field_validator("time_s", "end_s", check_fields=False)
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("times must be finite numbers of seconds")
        return value


class MarkIn(_MarkFields):
    """A new mark: the moment, or a clip's start and end (seconds from the start of the recording), and a short note."""

    time_s: float = Field(ge=0)
    end_s: Optional[float] = Field(default=None, ge=0)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class MarkEdit(_MarkFields):
    """A change to a mark: only the fields given change (``end_s: null`` makes a clip a moment again)."""

    time_s: Optional[float] = Field(default=None, ge=0)
    end_s: Optional[float] = Field(default=None, ge=0)
    note: Optional[str] = Field(default=None, max_length=MAX_NOTE_CHARS)


class ExploreIn(BaseModel):
    """One simulation: a starting point, the sliders, and the dyad (length, step, seed)."""

    model_config = ConfigDict(extra="forbid")
    preset: str = Field(default="attuned", pattern="^(attuned|intrusive)$")
    values: dict[str, float] = Field(default_factory=dict, max_length=len(SLIDERS))
    seconds: float = Field(default=180.0, ge=10, le=600)
    dt: float = Field(default=0.25, gt=0, le=1)
    seed: int = Field(default=1, ge=0, le=2**31)
    session: Optional[str] = Field(default=None, pattern=r"^[0-9a-f]{16}$")


def create_app(root: str | Path, *, token: str | None = None, loopback_only: bool = True,
               max_body: int = MAX_BODY_BYTES) -> Any:
    """The app over folder ``root``.

    Parameters
    ----------
    root : path-like
        The folder served: nothing outside it is read or written.
    token : str, optional
        When given, every request must carry it (``Authorization: Bearer``, the
        ``attune_token`` cookie, or ``?token=`` once, which sets the cookie).
    loopback_only : bool
        Refuse requests whose Host header is not this machine (against DNS
        rebinding); True when the server listens on a loopback address.
    max_body : int
        Largest request body in bytes (413 beyond).

    Returns
    -------
    The ASGI application (FastAPI inside the guard middleware).
    """
    library = Library(root)
    api = FastAPI(title="attunement", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.library = library

    def entry_or_404(key: str) -> Entry:
        entry = library.get(key)
        if entry is None:
            raise HTTPException(404, f"No session {key} in this folder (it may have been moved or renamed).")
        return entry

    def marks_of(entry: Entry) -> MarkStore:
        return MarkStore(entry.marks_base, entry.session_id, entry.duration_s)

    @api.exception_handler(AttunementError)
    async def _attunement_error(request: Request, error: AttunementError):
        return JSONResponse({"detail": str(error)}, status_code=422)

    @api.get("/", include_in_schema=False)
    def index() -> Response:
        return _static_response("index.html")

    @api.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC or name == "index.html":
            raise HTTPException(404, "No such file.")
        return _static_response(name)

    @api.get("/api/sessions")
    def sessions() -> dict[str, Any]:
        entries = library.scan()
        return {"folder": library.root.name, "sessions": [e.summary(library.root) for e in entries],
                "problems": [{"source": p.source, "message": p.message} for p in library.problems],
                "scenarios": list(SCENARIOS)}

    @api.get("/api/sessions/{key}")
    def session(key: _KEY) -> Response:
        entry = entry_or_404(key)
        if entry.view_json is None:
            view = session_view(entry)
            view["video"] = entry.video.relative_to(library.root).as_posix() if entry.video else None
            view["videos"] = [{"url": f"/api/sessions/{key}/video/{i}", "name": path.name, "offset_s": offset}
                              for i, (path, offset) in enumerate(entry.videos)]
            entry.view_json = json.dumps(view, separators=(",", ":"), allow_nan=False).encode()
        return Response(entry.view_json, media_type="application/json")

    @api.get("/api/sessions/{key}/video")
    def video(key: _KEY) -> Response:
        return video_at(key, 0)

    @api.get("/api/sessions/{key}/video/{index}")
    def video_at(key: _KEY, index: Annotated[int, PathParam(ge=0, lt=MAX_VIDEOS)]) -> Response:
        entry = entry_or_404(key)
        if index >= len(entry.videos):
            raise HTTPException(404, "This session has no video beside its codes." if not entry.videos else
                                f"This session has {len(entry.videos)} video(s); there is no video {index}.")
        return _file(library.root, entry.videos[index][0].relative_to(library.root).as_posix())

    @api.get("/api/sessions/{key}/marks")
    def marks(key: _KEY) -> dict[str, Any]:
        return {"marks": marks_of(entry_or_404(key)).list()}

    @api.post("/api/sessions/{key}/marks", status_code=201)
    def add_mark(key: _KEY, mark: MarkIn) -> dict[str, Any]:
        try:
            return marks_of(entry_or_404(key)).add(mark.time_s, mark.note, end_s=mark.end_s)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None

    @api.patch("/api/sessions/{key}/marks/{mark_id}")
    def edit_mark(key: _KEY, mark_id: _MARK_ID, change: MarkEdit) -> dict[str, Any]:
        given = {name: getattr(change, name) for name in change.model_fields_set}
        if given.get("time_s", 0) is None or given.get("note", "") is None:
            raise HTTPException(422, "time_s and note cannot be null; leave them out to keep them.")
        try:
            changes = {k: given.get(k, UNCHANGED) for k in ("time_s", "end_s", "note")}
            mark = marks_of(entry_or_404(key)).edit(mark_id, **changes)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
        if mark is None:
            raise HTTPException(404, f"No mark {mark_id}.")
        return mark

    @api.delete("/api/sessions/{key}/marks/{mark_id}", status_code=204)
    def delete_mark(key: _KEY, mark_id: _MARK_ID) -> Response:
        if not marks_of(entry_or_404(key)).delete(mark_id):
            raise HTTPException(404, f"No mark {mark_id}.")
        return Response(status_code=204)

    @api.get("/api/sessions/{key}/clips.csv")
    def clips(key: _KEY) -> Response:
        entry = entry_or_404(key)
        return PlainTextResponse(marks_of(entry).csv(), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="{_download(entry)}.clips.csv"'})

    @api.get("/api/sessions/{key}/marks.eaf")
    def marks_eaf(key: _KEY) -> Response:
        entry = entry_or_404(key)
        source = library.root / entry.source
        path = marks_of(entry).eaf(entry.session, source if entry.kind == "coded" else None)
        return FileResponse(path, media_type="application/xml", filename=path.name)

    @api.get("/api/explore/sliders")
    def sliders(session: Optional[str] = None) -> dict[str, Any]:
        fitted = _fitted(session)
        return {"sliders": SLIDERS, "scenarios": {p: starting_point(p) for p in SCENARIOS},
                "fitted": starting_point("attuned", fitted) if fitted else None}

    def _fitted_entry(session: str | None) -> Entry | None:
        if session is None:
            return None
        entry = entry_or_404(session) if len(session) == 16 else None
        if entry is None or entry.fitted is None:
            raise HTTPException(404, "This session has no fitted model (run attune fit on its folder).")
        return entry

    def _fitted(session: str | None) -> dict[str, float] | None:
        entry = _fitted_entry(session)
        return entry.fitted if entry is not None else None

    @api.post("/api/explore")
    def simulate(request: ExploreIn) -> dict[str, Any]:
        entry = _fitted_entry(request.session)
        fitted = entry.fitted if entry is not None else None
        out = explore(preset=request.preset, values=request.values, seconds=request.seconds, dt=request.dt,
                      seed=request.seed, fitted=fitted)
        fit = library.fit_of(entry) if entry is not None else None
        if fit is not None:  # the expected change over the fitted dyad's posterior, beside the one run
            out["counterfactual"] = counterfactual(fit, out["values"], seed=request.seed)
        return out

    @api.get("/files/{path:path}")
    def files(path: str) -> Response:
        return _file(library.root, path)

    return _Guard(api, token=token, loopback_only=loopback_only, max_body=max_body)


def _download(entry: Entry) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in entry.session_id)[:60] or "session"


def _file(root: Path, relative: str) -> Response:
    """A file inside ``root`` (range requests answered with 206 or 416); 403 outside it, 404 when missing."""
    path = resolve_inside(root, relative)
    if path is None:
        raise HTTPException(403, "Only files inside the served folder can be opened.")
    if any(part.startswith(".") for part in path.relative_to(root.resolve()).parts) or not path.is_file():
        raise HTTPException(404, "No such file in the served folder.")
    media = VIDEO_TYPES.get(path.suffix.lower())
    if media is None and path.suffix.lower() in (".csv", ".json", ".eaf", ".txt", ".tsv"):
        media = "text/plain; charset=utf-8"
    return FileResponse(path, media_type=media or "application/octet-stream",
                        content_disposition_type="inline" if media else "attachment")


def _static_response(name: str) -> Response:
    data = resources.files("attunement.app").joinpath("static", name).read_bytes()
    return Response(data, media_type=_STATIC[name] + ("; charset=utf-8" if name != "index.html" else "; charset=utf-8"))

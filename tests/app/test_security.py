"""The app refuses what it must, with the right status, on a live loopback server (uvicorn in a thread).

Paths are sent as raw request targets with ``http.client`` (which, unlike browsers and httpx, does not
remove ``..`` segments), so the server itself meets them.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from attunement.app._live import live_server
from attunement.app.server import MAX_BODY_BYTES

from .conftest import tree

httpx = pytest.importorskip("httpx")
TOKEN = "a-long-enough-test-token-0123456789"


def raw(base: str, method: str, target: str, *, body: bytes | None = None, headers: dict | None = None):
    """One request with the target exactly as given; returns (status, headers, body)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def folder(tmp_path, served_folder) -> Path:
    """A copy of the served folder, with a secret outside it and a symlink in it pointing out."""
    data = tmp_path / "data"
    shutil.copytree(served_folder, data)
    (tmp_path / "secret.txt").write_text("not for the app")
    os.symlink(tmp_path / "secret.txt", data / "link-out.txt")
    (data / "inside.txt").write_text("fine")
    return data


def _key(base: str) -> str:
    return httpx.get(f"{base}/api/sessions").json()["sessions"][0]["key"]


def test_paths_outside_the_folder_are_refused(folder):
    with live_server(folder) as base:
        assert raw(base, "GET", "/files/inside.txt")[0] == 200
        for target in ("/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2Fsecret.txt",
                       "/files/a/../../secret.txt", "/files//etc/passwd", "/files/%2Fetc%2Fpasswd",
                       "/files/..\\secret.txt", "/files/C:/Windows/win.ini"):
            status, _, body = raw(base, "GET", target)
            assert status == 403, (target, status)
            assert b"not for the app" not in body
        status, _, body = raw(base, "GET", "/files/link-out.txt")  # a symlink pointing out of the folder
        assert status == 403 and b"not for the app" not in body
        assert raw(base, "GET", "/files/missing.mp4")[0] == 404
        assert raw(base, "GET", "/files/.hidden")[0] == 404


def test_a_symlinked_video_out_of_the_folder_is_not_served(folder, tmp_path):
    outside = tmp_path / "elsewhere.mp4"
    video = next(folder.glob("dyad.*4")) if list(folder.glob("dyad.*4")) else None
    if video is None:
        pytest.skip("PyAV cannot write a video here")
    shutil.move(video, outside)
    os.symlink(outside, video)
    with live_server(folder) as base:
        session = httpx.get(f"{base}/api/sessions").json()["sessions"][0]
        assert session["has_video"] is False
        assert httpx.get(f"{base}/api/sessions/{session['key']}/video").status_code == 404


def test_range_requests_seek_the_video(served_folder):
    video = next(iter(sorted(served_folder.glob("dyad.mp4")) + sorted(served_folder.glob("dyad.webm"))), None)
    if video is None:
        pytest.skip("PyAV cannot write a video here")
    data = video.read_bytes()
    with live_server(served_folder) as base:
        url = f"{base}/api/sessions/{_key(base)}/video"
        whole = httpx.get(url)
        assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
        part = httpx.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        tail = httpx.get(url, headers={"Range": "bytes=-50"})
        assert tail.status_code == 206 and tail.content == data[-50:]
        assert tail.headers["content-range"] == f"bytes {len(data) - 50}-{len(data) - 1}/{len(data)}"
        beyond = httpx.get(url, headers={"Range": f"bytes={len(data)}-"})
        assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
        assert httpx.get(url, headers={"Range": "bytes=abc"}).status_code == 400
        assert httpx.get(url + "/0", headers={"Range": "bytes=100-199"}).content == data[100:200]
        assert httpx.get(url + "/1").status_code == 404  # one video only
        assert httpx.get(url + "/2").status_code == 422  # two at most
        assert httpx.get(url + "/-1").status_code == 422


def test_a_token_is_required_off_loopback(folder):
    """Bound to a non-loopback address the app asks for the token on every request (here the same server
    with the guard of a non-loopback bind: loopback_only=False and a token)."""
    with live_server(folder, token=TOKEN, loopback_only=False) as base:
        for path in ("/", "/api/sessions", "/files/inside.txt", "/static/app.js"):
            response = httpx.get(base + path)
            assert response.status_code == 401 and "token" in response.json()["detail"]
        assert httpx.get(f"{base}/api/sessions", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
        assert httpx.get(f"{base}/api/sessions", params={"token": TOKEN[:-1]}).status_code == 401
        assert httpx.get(f"{base}/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        first = httpx.get(f"{base}/", params={"token": TOKEN})
        assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
        assert httpx.get(f"{base}/api/sessions", cookies={"attune_token": TOKEN}).status_code == 200


def test_the_cli_makes_up_a_token_off_loopback(monkeypatch, folder):
    """`attune serve --host 0.0.0.0` builds the app with a random token and prints the address with it."""
    from typer.testing import CliRunner

    import uvicorn
    from attunement import app as app_package
    from attunement.cli import app

    made = {}
    real = app_package.create_app
    monkeypatch.setattr(app_package, "create_app", lambda root, **kw: made.update(kw) or real(root, **kw))
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **kw: made.update(run=kw))
    result = CliRunner().invoke(app, ["serve", str(folder), "--host", "0.0.0.0", "--no-open"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert made["loopback_only"] is False and len(made["token"]) >= 24
    assert f"?token={made['token']}" in result.output and made["run"]["host"] == "0.0.0.0"


def test_other_host_names_are_refused_on_loopback(folder):
    with live_server(folder) as base:
        assert httpx.get(f"{base}/api/sessions", headers={"Host": "attacker.example"}).status_code == 400
        assert httpx.get(f"{base}/api/sessions", headers={"Host": "localhost:8765"}).status_code == 200


def test_oversized_and_malformed_requests_are_refused(folder):
    before = tree(folder)
    with live_server(folder) as base:
        key = _key(base)
        marks = f"/api/sessions/{key}/marks"
        big = json.dumps({"time_s": 1.0, "note": "x" * (MAX_BODY_BYTES + 10)}).encode()
        status, _, body = raw(base, "POST", marks, body=big, headers={"Content-Type": "application/json"})
        assert status == 413 and b"larger than" in body

        def chunks():  # no Content-Length: the body arrives in chunks and is counted as it comes
            for _ in range(40):
                yield b"x" * 1024
        chunked = httpx.post(base + marks, content=chunks(), headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413
        assert raw(base, "POST", marks, body=b"{not json", headers={"Content-Type": "application/json"})[0] == 422
        for payload in ({"time_s": -1}, {"time_s": "soon"}, {"time_s": 1, "note": "x" * 501},
                        {"time_s": 1, "extra": 1}, {"note": "no time"}, {"time_s": 1e9},
                        {"time_s": 1, "note": "bell\x07"}, [1, 2], "text"):
            assert httpx.post(base + marks, json=payload).status_code == 422, payload
        assert httpx.post(f"{base}/api/sessions/not-a-key/marks", json={"time_s": 1}).status_code == 422
        assert httpx.get(f"{base}/api/sessions/{'0' * 16}").status_code == 404
        assert httpx.delete(f"{base + marks}/{'0' * 12}").status_code == 404
        for payload in ({"preset": "nobody"}, {"values": {"b_reengage": 99}}, {"values": {"a_return": 0}},
                        {"seconds": 5000}, {"dt": 0}):
            assert httpx.post(f"{base}/api/explore", json=payload).status_code == 422, payload
        assert raw(base, "GET", "/api/sessions?" + "x" * 5000)[0] == 414
    assert tree(folder) == before  # nothing refused was written


def test_the_server_writes_only_marks_inside_the_folder(folder, tmp_path):
    """A session's worth of use (marks added and removed, both exports, the model) changes nothing outside
    the folder and, inside it, only adds the marks sidecar and the ELAN export."""
    outside_before = {p: h for p, h in tree(tmp_path).items() if not p.startswith("data/")}
    inside_before = tree(folder)
    with live_server(folder) as base:
        key = _key(base)
        added = httpx.post(f"{base}/api/sessions/{key}/marks", json={"time_s": 10, "note": "she waits"}).json()
        httpx.post(f"{base}/api/sessions/{key}/marks", json={"time_s": 20, "note": "he comes back"})
        assert httpx.delete(f"{base}/api/sessions/{key}/marks/{added['id']}").status_code == 204
        assert httpx.get(f"{base}/api/sessions/{key}/clips.csv").status_code == 200
        assert httpx.get(f"{base}/api/sessions/{key}/marks.eaf").status_code == 200
        assert httpx.post(f"{base}/api/explore", json={"preset": "intrusive"}).status_code == 200
    after = tree(tmp_path)
    assert {p: h for p, h in after.items() if not p.startswith("data/")} == outside_before
    inside_after = tree(folder)
    assert {p: h for p, h in inside_after.items() if p in inside_before} == inside_before  # inputs untouched
    assert sorted(set(inside_after) - set(inside_before)) == ["dyad.marks.eaf", "dyad.marks.json"]

"""`attune serve`: its errors, and --demo writing the demo's sessions before serving them."""

from __future__ import annotations

import importlib.util

import uvicorn
from typer.testing import CliRunner

from attunement.cli import app

runner = CliRunner()


def test_without_fastapi_the_command_names_the_extra(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    result = runner.invoke(app, ["serve", str(tmp_path), "--no-open"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "attune serve needs the app extra: pip install 'attunement[app]'" in result.output


def test_a_missing_folder_and_a_short_token_are_refused(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path / "nowhere"), "--no-open"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "no such folder" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path), "--token", "short", "--no-open"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "at least 16 characters" in result.output


def test_demo_writes_the_sessions_then_serves_them_on_loopback(monkeypatch, tmp_path):
    calls = {}
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **kw: calls.update(kw))
    folder = tmp_path / "demo"
    result = runner.invoke(app, ["serve", str(folder), "--demo", "--no-open", "--port", "9999"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert calls["host"] == "127.0.0.1" and calls["port"] == 9999
    assert "http://127.0.0.1:9999/" in result.output and "token" not in result.output
    assert {"demo.csv", "demo.arousal.csv", "demo.attune.json"} <= {p.name for p in folder.iterdir()}
    from attunement.app.library import Library
    ids = [e.session_id for e in Library(folder).scan()]
    assert ids[:4] == ["scenario 1, attuned: play", "scenario 2, intrusive: play",
                       "scenario 1, attuned: still-face", "scenario 2, intrusive: still-face"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mine.txt").write_text("x")
    result = runner.invoke(app, ["serve", str(tmp_path / "other"), "--demo", "--no-open"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "holds files of its own" in result.output

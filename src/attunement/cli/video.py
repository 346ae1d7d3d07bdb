"""The ``video`` command: each partner's motion energy from video files, written as signals that ``attune sync`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..errors import AttunementError
from ._common import (
    OverwriteOption,
    _fail,
    _nothing_done,
    _output_run,
    _parse_partners,
    _report_failures,
    app,
    console,
    esc,
    out_option,
)

#: Files a batch takes from a folder given as input.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mts", ".mpg", ".mpeg", ".wmv", ".3gp")


class _FramesPerSecond(ProgressColumn):
    """Decoding speed, in frames per second."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} frames/s")


def _video_inputs(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        else:
            files.append(item)
    return files


def _session_ids(files: list[Path]) -> list[str]:
    """Each video's session id: its file name's stem, prefixed by as many of its folders as make it distinct.

    ``day1/cam.mp4`` and ``day2/cam.mp4`` → ``day1-cam`` and ``day2-cam`` (two sessions, two ELAN files), where
    the stems alone would make one session of both; a file given twice is numbered.

    >>> _session_ids([Path("day1/cam.mp4"), Path("day2/cam.mp4"), Path("other.mkv"), Path("other.mkv")])
    ['day1-cam', 'day2-cam', 'other', 'other-2']
    """
    names = [[*(part for part in path.parent.parts if part != path.anchor), path.stem] for path in files]
    ids = [parts[-1] for parts in names]
    for depth in range(2, 1 + max((len(parts) for parts in names), default=1)):
        clashing = {i for i in ids if ids.count(i) > 1}
        if not clashing:
            break
        ids = ["-".join(parts[-depth:]) if i in clashing else i for i, parts in zip(ids, names)]
    seen: dict[str, int] = {}
    for k, name in enumerate(ids):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            ids[k] = f"{name}-{seen[name]}"
    return ids


def _parse_clock(text: str | None, option: str) -> float | None:
    """``--start 90``, ``--start 1:30`` or ``--start 0:01:30.5`` → seconds (None when not given).

    >>> _parse_clock("1:30", "--start"), _parse_clock("0:01:30.5", "--end"), _parse_clock("12.25", "--start")
    (90.0, 90.5, 12.25)
    """
    if text is None:
        return None
    parts = text.strip().split(":")
    try:
        if len(parts) > 3 or any(not p.strip() for p in parts):
            raise ValueError
        values = [float(p) for p in parts]
        if any(v < 0 for v in values) or any(v >= 60 for v in values[1:]):
            raise ValueError
    except ValueError:
        raise AttunementError(f"{option} {text!r}: give seconds (90, 12.5) or minutes and seconds (1:30, "
                              f"0:01:30.5) from the video's beginning.") from None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds


def _frames_in(info, start_s: float | None, end_s: float | None) -> int | None:
    """The frames a progress bar expects: the whole video's, or those of the part asked for."""
    total = info.expected_frames
    if total is None or (start_s is None and end_s is None):
        return total
    length = total / info.rate_hz
    span = min(end_s if end_s is not None else length, length) - min(start_s or 0.0, length)
    return max(0, int(round(span * info.rate_hz)))


def _parse_thresholds(items: list[str] | None):
    """``--code-threshold gaze_at_deg=25`` → :class:`~attunement.video.codes.CodeThresholds` with that changed."""
    from ..video.codes import code_thresholds

    changes = {}
    for item in items or ():
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep:
            raise AttunementError(f"--code-threshold {item!r}: write it as NAME=VALUE, e.g. --code-threshold "
                                  f"gaze_at_deg=25.")
        changes[name] = value
    try:
        return code_thresholds(changes)
    except ValueError as error:
        raise AttunementError(f"--code-threshold: {error} (docs/video.md, \"Codes\").") from None


def _parse_channels(items: list[str] | None) -> dict[int, str]:
    """``--channel 1=caregiver`` → ``{0: "caregiver"}`` (channels are numbered from 1 on the command line)."""
    mapping: dict[int, str] = {}
    for item in items or ():
        number, sep, partner = item.partition("=")
        if not (sep and number.strip().isdigit() and int(number) >= 1 and partner.strip()):
            raise AttunementError(f"--channel {item!r}: write it as N=PARTNER with N counted from 1, e.g. "
                                  f"--channel 1=caregiver --channel 2=infant.")
        mapping[int(number) - 1] = partner.strip()
    return mapping


@app.command()
def video(
    inputs: Annotated[list[Path], typer.Argument(help="Video files (MP4, MOV, MKV, AVI, WebM …) or folders of them.")],
    out: Annotated[Path, out_option("attunement-video", "Folder for signals.csv, signals.parquet and videos.csv.")] = Path("attunement-video"),
    overwrite: OverwriteOption = False,
    partner: Annotated[Optional[list[str]], typer.Option("--partner", "-p", metavar="REGION=PARTNER", help="Name the partner in a region, e.g. --partner left=infant --partner right=caregiver (regions: left and right by default, or those given with --region).")] = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", metavar="NAME=X,Y,W,H", help="A partner's box in pixels of the picture as shown (origin top left), e.g. --region infant=0,0,320,480; repeat for each partner. Default: the halves of --layout.")] = None,
    layout: Annotated[str, typer.Option("--layout", help="Split screen used without --region: left-right (regions left, right) or top-bottom (top, bottom).")] = "left-right",
    stride: Annotated[int, typer.Option("--stride", min=1, help="Use every Nth frame (the signals' rate is the frame rate divided by N).")] = 1,
    threshold: Annotated[int, typer.Option("--threshold", min=0, max=254, help="Grey levels (of 255) a pixel must change by to count as motion.")] = 10,
    counts: Annotated[bool, typer.Option("--counts", help="Write motion energy as counts of changed pixels (as MEA files hold) instead of their share of the region.")] = False,
    faces: Annotated[bool, typer.Option("--faces", help="Also find each partner's face in every analysed frame (MediaPipe; pip install 'attunement[faces]'): presence, head yaw/pitch/roll, gaze, smile, mouth and eye opening, and, for two faces tracked in one picture, facing the partner, head distance and approach. With --region, each partner's face is looked for in their box; otherwise faces are tracked and ordered as the --layout slots (left, right).")] = False,
    hands: Annotated[bool, typer.Option("--hands", help="With --faces: also find hands (MediaPipe Hands): a hand at each partner's mouth (self-comfort), and a hand from one partner's side at the other's face. Checked on a real hand photograph placed at real faces, not on real dyads: see docs/video.md.")] = False,
    pose: Annotated[bool, typer.Option("--pose", help="Also find each partner's body in their region (MediaPipe Pose, the faces extra): lean of the torso and of the head over the shoulders, and body orientation; for the left-right layout without --region, how much of each goes toward the partner. Costly: with --faces about 9-15 analysed frames/s at 640x480 on two shared cores, so use --stride 3 for real time at 25 fps (docs/video.md).")] = False,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Leave the sound out (by default a file's audio stream gives each partner's voice activity, pitch and intensity).")] = False,
    channel: Annotated[Optional[list[str]], typer.Option("--channel", metavar="N=PARTNER", help="Each partner has their own microphone on channel N (from 1), e.g. --channel 1=caregiver --channel 2=infant. Without it the channels are mixed and voices are told apart by pitch (not reliable: see docs/video.md).")] = None,
    voices: Annotated[str, typer.Option("--voices", metavar="HIGH,LOW", help="Without --channel: the partner with the higher voice, then the one with the lower. With --faces, a segment goes instead to the partner whose mouth clearly moves more during it (name the same partners with --partner).")] = "infant,caregiver",
    vad_aggressiveness: Annotated[int, typer.Option("--vad-aggressiveness", min=0, max=3, help="webrtcvad's aggressiveness, 0 (keeps the most) to 3 (rejects the most non-speech).")] = 2,
    facing: Annotated[str, typer.Option("--facing", help="Where each partner's partner is, for faces and gaze codes: each-other (one camera films both, side by side: faces are tracked across the picture, and gaze at-partner means turned toward the other face) or camera (a split screen of two cameras, each filming one partner from where the other sits: faces are looked for in each partner's half or --region box, and gaze at-partner means toward the camera; no distance or approach between the faces).")] = "each-other",
    code_threshold: Annotated[Optional[list[str]], typer.Option("--code-threshold", metavar="NAME=VALUE", help="Change a cut-off of the derived codes, e.g. --code-threshold gaze_at_deg=25 --code-threshold smile_on_z=1.5 (names, defaults and sources: docs/video.md, \"Codes\").")] = None,
    start: Annotated[Optional[str], typer.Option("--start", metavar="TIME", help="Analyse from this time on (seconds, or m:ss / h:mm:ss from the recording's beginning; the video is sought, not decoded from its start). Times in the outputs stay the recording's own.")] = None,
    end: Annotated[Optional[str], typer.Option("--end", metavar="TIME", help="Analyse up to this time (as --start).")] = None,
    eaf: Annotated[bool, typer.Option("--eaf", help="Also write one ELAN file per video (<video>.eaf), linked to the video, holding the automatic tiers (gaze, smile, self_comfort, approach, vocalising) for coders to correct.")] = False,
) -> None:
    """Each partner's motion energy (frame differencing per region) and voice (activity, pitch, intensity), as signals that `attune sync` reads.

    A file's audio stream is analysed unless --no-audio; a file with sound and no picture (WAV, FLAC, M4A …) gives
    the voice signals alone. Codes per partner go to codes.csv: vocalising / silent from the sound and, with
    --faces, gaze (at-partner / away / far-away, two faces in one picture), smile / no-smile, approaching / still /
    withdrawing and, with --hands, hand-at-mouth / no-hand; time without a face has no code. `attune analyze
    OUT/codes.csv --scheme video-gaze` scores mutual gaze from them (thresholds and their sources: docs/video.md).

    Writes signals.csv (the long signals layout: session, partner, signal, time_s, value, rate_hz), the same
    table as signals.parquet (`attune sync` and `attune analyze` read either), videos.csv (one row per video: frames,
    rate, size, rotation, notes), with --eaf an ELAN file per video and, when some videos could not be read,
    errors.csv. Nothing that shows a face is written: no frames, no images.
    A video that cannot be read is listed and the others go on."""
    import pandas as pd

    from ..exports import write_errors, write_table
    from ..io import Failure
    from ..io.signals_csv import signals_frame, write_signals
    from ..io.tidy import write as write_codes
    from ..io.eaf_writer import write_eaf
    from ..video import parse_region
    from ..video.decode import require_av
    from ..video.faces import require_faces
    from ..video.media import media_session, media_summary

    failures: list[Failure] = []
    sessions = []
    try:
        require_av()
        if faces or pose:
            require_faces()
        regions = [parse_region(text) for text in region or ()]
        partners = _parse_partners(partner)
        channels = _parse_channels(channel)
        high, _, low = voices.partition(",")
        if not (high.strip() and low.strip()):
            raise AttunementError(f"--voices {voices!r}: write it as HIGH,LOW, e.g. --voices infant,caregiver.")
        start_s, end_s = _parse_clock(start, "--start"), _parse_clock(end, "--end")
        from ..video.codes import FACING

        if facing not in FACING:
            raise AttunementError(f"--facing {facing!r}: give each-other (one camera filming both) or camera (one "
                                  f"camera per partner, a split screen).")
        thresholds = _parse_thresholds(code_threshold)
        if start_s is not None and end_s is not None and end_s <= start_s:
            raise AttunementError(f"--end {end} comes before --start {start}: give an end after the start.")
        audio_options = dict(channels=channels or None, voices=(high.strip(), low.strip()),
                             aggressiveness=vad_aggressiveness)
        files = _video_inputs(list(inputs))
        ids = _session_ids(files)
        if not files:
            raise AttunementError(f"no video files among the inputs ({', '.join(str(p) for p in inputs)}); give "
                                  f"video files or folders holding {', '.join(VIDEO_SUFFIXES[:5])} ….")
        with _output_run(out, command="video", inputs=inputs, overwrite=overwrite) as run:
            progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                _FramesPerSecond(), TimeRemainingColumn(), console=console, transient=True,
                                disable=not console.is_terminal)
            with progress:
                for path, session_id in zip(files, ids):
                    task = progress.add_task(esc(path.name), total=None)
                    try:
                        session = media_session(
                            path, audio=not no_audio, audio_options=audio_options,
                            regions=regions or None, layout=layout, partners=partners, stride=stride,
                            threshold=threshold, unit="count" if counts else "share", faces=faces, hands=hands,
                            pose=pose, start_s=start_s, end_s=end_s, facing=facing, thresholds=thresholds,
                            on_open=lambda info, task=task: progress.update(
                                task, total=_frames_in(info, start_s, end_s)),
                            on_frames=lambda n, task=task: progress.advance(task, n))
                        sessions.append(session if session.id == session_id else session.replace(id=session_id))
                    except AttunementError as error:
                        failures.append(Failure(str(path), str(error)))
                    progress.remove_task(task)
            if not sessions:
                raise _nothing_done(failures, "read")
            write_signals(sessions, run.path / "signals.csv")
            if any(s.tiers for s in sessions):
                write_codes([s for s in sessions if s.tiers], run.path / "codes.csv")
            table = signals_frame(sessions).astype({"session": "category", "partner": "category",
                                                    "signal": "category"})
            summary = pd.DataFrame([media_summary(s) for s in sessions])
            write_table(table, run.path / "signals.parquet")
            write_table(summary, run.path / "videos.csv")
            if eaf:
                for session in sessions:
                    write_eaf(session, run.path / f"{session.id}.eaf", media=session.metadata["source"],
                              media_folder=out)
            if failures:
                write_errors(failures, run.path / "errors.csv")
    except AttunementError as error:
        _fail(error)
        return
    for session in sessions:
        for note in session.metadata.get("warnings", []):
            console.print(f"[yellow]note:[/] {esc(Path(session.metadata['source']).name)}: {esc(note)}",
                          soft_wrap=True)
    _report_failures(failures)
    frames = sum(s.metadata.get("frames", 0) for s in sessions)
    voiced = sum("audio" in s.metadata for s in sessions)
    console.print(esc(f"Measured motion energy{' and faces' if faces else ''}{' and bodies' if pose else ''} of "
                      f"{len(sessions) - sum('video' not in s.metadata for s in sessions)} "
                      f"video(s) ({frames:,} frames) and voice in {voiced} recording(s); signals in "
                      f"{out / 'signals.csv'} (attune sync {out / 'signals.csv'} compares the partners)."),
                  soft_wrap=True)
    if any(s.tiers for s in sessions):
        console.print(esc(f"Codes in {out / 'codes.csv'}" + (f" and one ELAN file per video in {out}" if eaf else "")
                          + (f" (attune analyze {out / 'codes.csv'} --scheme video-gaze scores mutual gaze)."
                             if any(t == "gaze" for s in sessions for _, t in s.tiers) else ".")), soft_wrap=True)
    if failures:
        console.print(f"The failures are listed in {esc(out / 'errors.csv')}.")
        raise typer.Exit(3)

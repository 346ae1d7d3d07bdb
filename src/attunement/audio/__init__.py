"""From sound to signals: streaming decoding, voice activity, pitch, intensity and who vocalises (audio extra).

Data flow: :class:`AudioReader` (PyAV) yields blocks of 16 kHz samples;
:class:`VoiceActivity` (webrtcvad) and :class:`Prosody` (Praat, through
parselmouth) analyse each track on a 10 ms grid; :mod:`.speakers` says who is
vocalising; :func:`audio_session` puts the signals and a ``vocalising`` tier per
partner on a :class:`~attunement.session.Session`, and :func:`add_audio` joins
them to a video's Session.
"""

from __future__ import annotations

from .decode import RATE_HZ, AudioBlock, AudioInfo, AudioReader, has_audio
from .extract import SIGNALS, TIER, add_audio, audio_session, vocalising_tier
from .prosody import PITCH_RANGES, Prosody, pitch_range, semitones_above
from .speakers import BOUNDARY_HZ, CROSSTALK_DB, by_channel, by_pitch
from .vad import FRAME_S, VoiceActivity, segments, smooth

__all__ = ["RATE_HZ", "AudioBlock", "AudioInfo", "AudioReader", "has_audio", "SIGNALS", "TIER", "add_audio",
           "audio_session", "vocalising_tier", "PITCH_RANGES", "Prosody", "pitch_range", "semitones_above",
           "BOUNDARY_HZ", "CROSSTALK_DB", "by_channel", "by_pitch", "FRAME_S", "VoiceActivity", "segments", "smooth"]

"""Audio in: any WAV (rate, channels, sample format) to 16 kHz mono, silence trimmed."""
from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import soundfile

RATE = 16_000


class AudioError(ValueError):
    """The recording cannot be used: unreadable, empty or silent."""


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Samples as float32 in [-1, 1], shape (frames, channels), and the sample rate.

    Any file libsndfile reads: WAV with integer PCM (8 to 32 bits), IEEE float and the
    extensible header recorders and ffmpeg write, and FLAC or Ogg too.
    """
    if not isinstance(source, bytes) and not Path(source).exists():
        raise AudioError(f"no such file: {source}")
    try:
        samples, rate = soundfile.read(io.BytesIO(source) if isinstance(source, bytes)
                                       else str(source), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioError(f"not a readable audio file (WAV, FLAC or Ogg): {error}") from None
    if samples.shape[1] == 0 or rate <= 0:
        raise AudioError("not a readable audio file: no channels or no sample rate")
    return samples, rate


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Average the channels and resample (linear interpolation after a box low-pass)."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if rate == RATE or len(mono) == 0:
        return mono.astype(np.float32)
    if rate > RATE:  # average over the decimation ratio so nothing above 8 kHz folds back
        width = int(round(rate / RATE))
        if width > 1:
            mono = np.convolve(mono, np.ones(width) / width, mode="same")
    times = np.arange(int(len(mono) * RATE / rate)) * (rate / RATE)
    return np.interp(times, np.arange(len(mono)), mono).astype(np.float32)


def trim_silence(mono: np.ndarray, frame: int = 320, margin: float = 0.15) -> np.ndarray:
    """Cut leading and trailing frames quieter than the noise floor; keep `margin` s around."""
    frames = len(mono) // frame
    if frames == 0:
        return mono[:0]
    energy = np.sqrt((mono[: frames * frame].reshape(frames, frame) ** 2).mean(axis=1))
    floor = max(np.percentile(energy, 10), 1e-4)
    loud = np.flatnonzero((energy > 4 * floor) & (energy > 0.01))
    if len(loud) == 0:
        return mono[:0]
    keep = int(margin * RATE)
    return mono[max(loud[0] * frame - keep, 0): min((loud[-1] + 1) * frame + keep, len(mono))]


def prepare(source: str | Path | bytes) -> np.ndarray:
    """A recording ready for a recogniser: 16 kHz mono float32, silence trimmed.

    Raises AudioError when nothing audible remains.
    """
    samples, rate = read_wav(source)
    speech = trim_silence(to_mono_16k(samples, rate))
    if len(speech) < RATE // 10:
        raise AudioError("no speech found in the recording (silent or empty)")
    return speech


def to_pcm16(mono: np.ndarray) -> bytes:
    return (np.clip(mono, -1, 1) * 32767).astype("<i2").tobytes()


def to_wav(mono: np.ndarray, rate: int = RATE) -> bytes:
    """16-bit mono WAV bytes (for HTTP transcription endpoints)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(to_pcm16(mono))
    return buffer.getvalue()

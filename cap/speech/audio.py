"""Audio in: any WAV (rate, channels, sample width) to 16 kHz mono, silence trimmed."""
from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np

RATE = 16_000


class AudioError(ValueError):
    """The recording cannot be used: unreadable, empty or silent."""


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Samples as float32 in [-1, 1], shape (frames, channels), and the sample rate.

    Reads RIFF/WAVE with integer PCM (8, 16, 24 or 32 bits), IEEE float (32 or 64 bits) and
    the extensible header recorders and ffmpeg write for either.
    """
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except FileNotFoundError:
        raise AudioError(f"no such file: {source}") from None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a PCM WAV file: no RIFF/WAVE header")
    chunks, offset = {}, 12
    while offset + 8 <= len(data):
        name, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        chunks.setdefault(name, data[offset + 8:offset + 8 + size])
        offset += 8 + size + (size & 1)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise AudioError("not a PCM WAV file: no format or data chunk")
    fmt = chunks[b"fmt "]
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE and len(fmt) >= 26:  # extensible: the real format leads the sub-format
        tag = struct.unpack("<H", fmt[24:26])[0]
    if channels == 0 or rate == 0:
        raise AudioError("not a PCM WAV file: no channels or no sample rate")
    return _samples(chunks[b"data"], tag, bits).reshape(-1, channels)[:, :channels], rate


def _samples(raw: bytes, tag: int, bits: int) -> np.ndarray:
    width = bits // 8
    raw = raw[: len(raw) - len(raw) % max(width, 1)]
    if tag == 3 and bits in (32, 64):
        return np.frombuffer(raw, f"<f{width}").astype(np.float32)
    if tag != 1:
        raise AudioError(f"unsupported WAV encoding (format tag {tag}); use PCM or float")
    if bits == 8:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    if bits in (16, 32):
        ints = np.frombuffer(raw, f"<i{width}")
        return ints.astype(np.float32) / float(2 ** (bits - 1))
    if bits == 24:
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | triples[:, 1] << 8 | triples[:, 2] << 16
        return np.where(ints >= 1 << 23, ints - (1 << 24), ints).astype(np.float32) / (1 << 23)
    raise AudioError(f"unsupported sample size: {bits} bits")


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

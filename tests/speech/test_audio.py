"""Reading recordings of any format, resampling, trimming and voice-activity endpointing."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from cap.speech import audio
from cap.speech.microphone import utterance


def write_wav(path, samples: np.ndarray, rate: int, width: int = 2) -> None:
    samples = samples if samples.ndim == 2 else samples[:, None]
    scale = {2: 32767, 4: 2**31 - 1}[width]
    ints = (np.clip(samples, -1, 1) * scale).astype({2: "<i2", 4: "<i4"}[width])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(ints.tobytes())


def tone(seconds: float, rate: int, hz: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("rate,channels,width", [(44_100, 2, 2), (8_000, 1, 2), (48_000, 1, 4)])
def test_any_rate_and_channel_count_becomes_16k_mono(tmp_path, rate, channels, width):
    signal = np.concatenate([np.zeros(rate // 2), tone(1.0, rate), np.zeros(rate // 2)])
    write_wav(tmp_path / "x.wav", np.repeat(signal[:, None], channels, axis=1), rate, width)
    speech = audio.prepare(tmp_path / "x.wav")
    assert 1.0 <= len(speech) / audio.RATE <= 1.4  # the half seconds of silence trimmed
    spectrum = np.abs(np.fft.rfft(speech))
    assert np.fft.rfftfreq(len(speech), 1 / audio.RATE)[spectrum.argmax()] == pytest.approx(440, abs=3)


def test_float_and_extensible_recordings_read_like_pcm(tmp_path):
    import struct
    signal = np.concatenate([np.zeros(4_000), tone(1.0, 44_100), np.zeros(4_000)])
    stereo = np.stack([signal, signal], axis=1).astype("<f4")
    # IEEE float in an extensible header, as ffmpeg writes: format tag 0xFFFE, sub-format 3
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 44_100, 44_100 * 8, 8, 32, 22, 32, 0b11)
    fmt += struct.pack("<H", 3) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    data = stereo.tobytes()
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", len(data)) + data)
    (tmp_path / "f.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    write_wav(tmp_path / "i.wav", stereo, 44_100)
    floats, ints = audio.prepare(tmp_path / "f.wav"), audio.prepare(tmp_path / "i.wav")
    assert len(floats) == len(ints) and np.allclose(floats, ints, atol=1e-3)


def test_silent_empty_and_broken_files_are_refused_clearly(tmp_path):
    write_wav(tmp_path / "silent.wav", np.zeros(16_000), 16_000)
    write_wav(tmp_path / "empty.wav", np.zeros(0), 16_000)
    (tmp_path / "text.wav").write_text("not audio")
    for name in ("silent.wav", "empty.wav"):
        with pytest.raises(audio.AudioError, match="no speech"):
            audio.prepare(tmp_path / name)
    with pytest.raises(audio.AudioError, match="not a readable audio file"):
        audio.prepare(tmp_path / "text.wav")


def blocks_of(signal: np.ndarray, size: int = 800):
    for start in range(0, len(signal), size):
        yield signal[start:start + size]


def test_voice_activity_ends_the_utterance_after_the_speaker_stops():
    rng = np.random.default_rng(0)
    noise = lambda seconds: (rng.normal(0, 0.002, int(seconds * 16_000))).astype(np.float32)
    stream = np.concatenate([noise(1.0), tone(1.5, 16_000), noise(5.0)])
    kept = utterance(blocks_of(stream), end_silence=0.8)
    assert 3.2 <= len(kept) / 16_000 <= 3.5  # 1 s before, 1.5 s of speech, 0.8 s of quiet


def test_no_speech_gives_an_empty_utterance():
    quiet = np.random.default_rng(1).normal(0, 0.002, 16_000 * 8).astype(np.float32)
    assert len(utterance(blocks_of(quiet), wait_seconds=3.0)) == 0

"""Spoken commands from the microphone: push-to-talk, ended by voice activity."""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from cap.speech import audio

BLOCK = 0.05  # seconds per block read from the device


def utterance(blocks: Iterator[np.ndarray], max_seconds: float = 10.0,
              end_silence: float = 0.8, wait_seconds: float = 5.0) -> np.ndarray:
    """Collect 16 kHz mono blocks until `end_silence` s of quiet follow speech.

    The noise floor is learnt from the first blocks. Returns an empty array when no speech
    starts within `wait_seconds`; stops at `max_seconds` whatever happens.
    """
    kept: list[np.ndarray] = []
    floor, heard, quiet, elapsed = None, False, 0.0, 0.0
    for block in blocks:
        elapsed += len(block) / audio.RATE
        level = float(np.sqrt(np.mean(block ** 2))) if len(block) else 0.0
        floor = level if floor is None else min(floor * 1.05 + 1e-6, max(level, floor))
        loud = level > max(4 * floor, 0.01)
        heard |= loud
        kept.append(block)
        quiet = 0.0 if loud else quiet + len(block) / audio.RATE
        if (heard and quiet >= end_silence) or elapsed >= max_seconds:
            break
        if not heard and elapsed >= wait_seconds:
            return np.zeros(0, np.float32)
    return np.concatenate(kept) if heard else np.zeros(0, np.float32)


def microphone_blocks(device: int | str | None = None) -> Iterator[np.ndarray]:
    """Blocks of 16 kHz mono float32 from the default (or given) input device."""
    try:
        import sounddevice
    except (ImportError, OSError) as error:  # OSError: the PortAudio library is missing
        raise RuntimeError(f"no microphone support ({error}); install sounddevice and "
                           "PortAudio (apt-get install libportaudio2)") from None
    with sounddevice.InputStream(samplerate=audio.RATE, channels=1, dtype="float32",
                                 device=device, blocksize=int(BLOCK * audio.RATE)) as stream:
        while True:
            block, _ = stream.read(int(BLOCK * audio.RATE))
            yield block[:, 0].copy()


def record(device: int | str | None = None,
           blocks: Callable[[], Iterator[np.ndarray]] | None = None) -> bytes:
    """One spoken command as WAV bytes (empty speech gives a WAV the recogniser rejects)."""
    source = blocks() if blocks else microphone_blocks(device)
    try:
        return audio.to_wav(utterance(source))
    finally:
        getattr(source, "close", lambda: None)()

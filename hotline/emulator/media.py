"""Silent audio generated in memory, served as a recording's media.

The emulator records nothing, but an app that downloads a recording (to store it, or to stream
it to the dashboard) must receive a real audio file, so it can check the type, save it and play
it. One second of silence keeps tests fast.
"""

from __future__ import annotations

import io
import wave

WAV_RATE = 8000  # Twilio's recordings are 8 kHz mono
MP3_SAMPLES_PER_FRAME = 1152
MP3_RATE = 44100
# MPEG-1 Layer III, no CRC, 128 kbit/s, 44.1 kHz, no padding, mono.
MP3_HEADER = bytes((0xFF, 0xFB, 0x90, 0xC0))
MP3_FRAME_BYTES = 144 * 128_000 // MP3_RATE  # 417
MEDIA_TYPES = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}


def silent_wav(seconds: float = 1.0) -> bytes:
    """A 16-bit PCM WAV file of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(WAV_RATE)
        out.writeframes(b"\x00\x00" * round(WAV_RATE * seconds))
    return buffer.getvalue()


def silent_mp3(seconds: float = 1.0) -> bytes:
    """MP3 frames whose side information and main data are all zero, which decode to silence."""
    frames = max(1, round(seconds * MP3_RATE / MP3_SAMPLES_PER_FRAME))
    frame = MP3_HEADER + bytes(MP3_FRAME_BYTES - len(MP3_HEADER))
    return frame * frames


def silent_media(extension: str, seconds: float = 1.0) -> tuple[bytes, str]:
    """(bytes, content type) for a `.wav` or `.mp3` recording URL."""
    body = silent_wav(seconds) if extension == "wav" else silent_mp3(seconds)
    return body, MEDIA_TYPES[extension]

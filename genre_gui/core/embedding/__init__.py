"""Pre-trained music embeddings computed in NumPy: the musicnn ``MSD_musicnn`` network."""

from __future__ import annotations

from .musicnn import (
    MSD_TAGS,
    PATCH_FRAMES,
    PATCH_SECONDS,
    SAMPLE_RATE,
    EmbeddingError,
    MusicnnNetwork,
    MusicnnOutput,
    get_network,
    log_mel,
    patches,
)

__all__ = ["EmbeddingError", "MSD_TAGS", "PATCH_FRAMES", "PATCH_SECONDS", "SAMPLE_RATE", "MusicnnNetwork",
           "MusicnnOutput",
           "get_network", "log_mel", "patches"]

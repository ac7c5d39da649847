"""The ``MSD_musicnn`` network of musicnn 0.1.0 (Pons & Serra 2019), inference only, in NumPy.

Written from the package's ``musicnn/models.py`` (``build_musicnn``, 792,079 parameters trained on the
Million Song Dataset's 50 most common tags). Input: 3-s patches of a 96-band log-mel spectrogram at
16 kHz. Layers, each "conv -> ReLU -> batch norm" as the package has them:

- front end on the batch-normalised patch: two *timbral* convolutions (7 x 38 and 7 x 67 mel bands,
  204 filters each, time padded by 3) and three *temporal* ones (128, 64 and 32 frames x 1 band,
  51 filters each, TensorFlow "same" padding), each max-pooled over frequency -> 561 values a frame;
- mid end: three 1-D convolutions over time (7 frames, 64 filters), the second and third with residual
  sums; front end and mid-end outputs are concatenated -> 753 values a frame;
- back end: max and mean over time (``max_pool``, ``mean_pool``), interleaved as TensorFlow's
  ``concat(axis=2) + flatten`` lays them out, batch norm, a 200-unit dense ReLU layer and batch norm
  (``penultimate``), and a 50-unit dense layer with a sigmoid (the tags).

Batch norm is in inference form (moving statistics, epsilon 1e-3, TensorFlow's default). The two
back-end batch norms are folded into the dense weights that follow them; the others sit between a ReLU
and a max-pool or a residual sum, where a per-channel affine map is cheap and folding would not be exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...assets import MUSICNN_WEIGHTS
from .. import spectral
from ..errors import GenreGuiError
from ..npz_io import read_npz

if TYPE_CHECKING:
    import os

__all__ = ["EmbeddingError", "MSD_TAGS", "SAMPLE_RATE", "PATCH_FRAMES", "PATCH_SECONDS", "MusicnnNetwork",
           "MusicnnOutput", "get_network", "log_mel", "patches"]

#: the package's ``configuration.py``
SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
#: ``librosa.time_to_frames(3, sr=16000, hop_length=256) + 1``: 3 s of frames, the training input length
PATCH_FRAMES = 187
PATCH_SECONDS = PATCH_FRAMES * HOP / SAMPLE_RATE
BN_EPSILON = 1e-3

MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s",
    "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists", "classic rock", "soul",
    "indie rock", "Mellow", "electronica", "80s", "folk", "90s", "chill", "instrumental", "punk", "oldies",
    "blues", "hard rock", "ambient", "acoustic", "experimental", "female vocalist", "guitar", "Hip-Hop",
    "70s", "party", "country", "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal",
    "Progressive rock", "60s", "rnb", "indie pop", "sad", "House", "happy",
)

#: converted from the package's checkpoint by scripts/musicnn_weights.py (``make musicnn-weights``)
WEIGHTS_PATH = MUSICNN_WEIGHTS


def log_mel(y: np.ndarray) -> np.ndarray:
    """The network's input: ``log10(10000 * mel + 1)`` of 16 kHz mono samples, shape (frames, 96).

    The mel spectrogram is librosa's ``melspectrogram(y, sr=16000, n_fft=512, hop_length=256,
    n_mels=96)`` (Hann window, centred with zero padding, power 2, Slaney mel scale and norm).

    The log is taken in float32. The package casts the mel to float16 first, and under NumPy 2
    ``10000 * float16`` stays float16 and overflows to inf wherever the mel power exceeds 6.55 (about 1 %
    of the frames of real music); those frames then saturate the network, and every patch of a song gets
    the same tags. The reference outputs in ``shared/data/musicnn_reference`` were made the same way.
    """
    power = np.abs(spectral.stft(np.asarray(y, dtype=np.float32), N_FFT, HOP)) ** 2
    mel = spectral.mel_filterbank(SAMPLE_RATE, N_FFT, N_MELS) @ power
    return np.log10(np.float32(10000) * mel.T.astype(np.float32) + np.float32(1))


def patches(mel: np.ndarray, hop_frames: int = PATCH_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """Cut a log-mel spectrogram (frames, 96) into 187-frame patches starting every ``hop_frames``.

    As the package's ``batch_data``: the last partial patch is dropped. A spectrogram shorter than one
    patch is repeated until it fills one (the "repeat-pad" the network was trained with, its
    ``config.json``), so a short clip still gets an answer.

    Returns
    -------
    batch : ndarray of shape (n_patches, 187, 96), float32
    starts : ndarray of shape (n_patches,), int
        First frame of each patch.
    """
    mel = np.asarray(mel, dtype=np.float32)
    if mel.shape[0] == 0:
        raise ValueError("an empty spectrogram has no patches")
    if mel.shape[0] < PATCH_FRAMES:
        reps = -(-PATCH_FRAMES // mel.shape[0])
        return np.tile(mel, (reps, 1))[None, :PATCH_FRAMES], np.zeros(1, dtype=int)
    starts = np.arange(0, mel.shape[0] - PATCH_FRAMES + 1, int(hop_frames))
    view = np.lib.stride_tricks.sliding_window_view(mel, PATCH_FRAMES, axis=0)[starts]  # (n, 96, 187)
    return np.ascontiguousarray(view.transpose(0, 2, 1)), starts


class EmbeddingError(GenreGuiError):
    """The network's weights are missing or unusable."""


@dataclass(frozen=True)
class MusicnnOutput:
    """What the network says of each patch.

    Attributes
    ----------
    taggram : ndarray of shape (n, 50)
        Sigmoid probabilities of the MSD tags (``MSD_TAGS`` order).
    penultimate : ndarray of shape (n, 200)
    mean_pool, max_pool : ndarray of shape (n, 753)
        Mean and max over the patch's time of the mid-end features.
    layers : dict
        With ``keep_layers=True``: ``timbral`` (n*187, 408), ``temporal`` (n*187, 153), ``cnn1``..``cnn3``
        (n*187, 64), patches concatenated along time as the package returns them.
    """

    taggram: np.ndarray
    penultimate: np.ndarray
    mean_pool: np.ndarray
    max_pool: np.ndarray
    layers: dict


class MusicnnNetwork:
    """``MSD_musicnn`` with its weights; :meth:`forward` maps log-mel patches to its outputs.

    Parameters
    ----------
    weights : dict of str to ndarray
        The checkpoint's variables by their TensorFlow names (``conv2d/kernel``,
        ``batch_normalization_3/moving_mean``, ...), as ``musicnn_msd.npz`` stores them.
    """

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}

        def bn(i: int) -> tuple[np.ndarray, np.ndarray]:
            name = "batch_normalization" + (f"_{i}" if i else "")
            scale = w[f"{name}/gamma"] / np.sqrt(w[f"{name}/moving_variance"] + np.float32(BN_EPSILON))
            return scale.astype(np.float32), (w[f"{name}/beta"] - w[f"{name}/moving_mean"] * scale)

        def conv(i: int) -> tuple[np.ndarray, np.ndarray]:
            name = "conv2d" + (f"_{i}" if i else "")
            k = w[f"{name}/kernel"]  # (kh, kw, 1, filters): cross-correlation, as im2col windows are laid out
            return np.ascontiguousarray(k.reshape(-1, k.shape[-1])), w[f"{name}/bias"]

        self.input_bn = bn(0)
        # (kernel matrix, bias, bn scale, bn shift, kernel height, kernel width)
        self.timbral = [(*conv(i), *bn(i + 1), *w[f"conv2d{'_' + str(i) if i else ''}/kernel"].shape[:2])
                        for i in (0, 1)]
        self.temporal = [(*conv(i), *bn(i + 1), w[f"conv2d_{i}/kernel"].shape[0]) for i in (2, 3, 4)]
        self.midend = [(*conv(i), *bn(i + 1)) for i in (5, 6, 7)]
        s9, b9 = bn(9)
        k, c = w["dense/kernel"], w["dense/bias"]
        self.dense = (np.ascontiguousarray(k * s9[:, None]), (c + b9 @ k).astype(np.float32))
        self.dense_bn = bn(10)
        self.output = (w["dense_1/kernel"], w["dense_1/bias"])

    @classmethod
    def load(cls, path: str | os.PathLike = WEIGHTS_PATH) -> MusicnnNetwork:
        """Read the weights file (no pickle), or raise ``EmbeddingError`` naming it and the reason."""
        p = Path(path)
        arrays = read_npz(p, EmbeddingError, not_what="not a musicnn weights file")
        try:
            return cls(arrays)
        except KeyError as exc:
            raise EmbeddingError(f"{p}: not a musicnn weights file (no variable {exc})") from None

    def forward(self, batch: np.ndarray, keep_layers: bool = False) -> MusicnnOutput:
        """Run the network on log-mel patches of shape (n, 187, 96).

        Patches are processed one at a time, so the working memory (about 25 MB of im2col buffers) does
        not grow with the clip's length.
        """
        batch = np.asarray(batch, dtype=np.float32)
        if batch.ndim != 3 or batch.shape[2] != N_MELS or batch.shape[0] == 0:
            raise ValueError(f"expected patches of shape (n, frames, {N_MELS}), got {batch.shape}")
        pooled_max, pooled_mean, layers = [], [], {k: [] for k in ("timbral", "temporal", "cnn1", "cnn2",
                                                                    "cnn3")}
        for patch in batch:
            features = self._midend_features(patch, layers if keep_layers else None)
            pooled_max.append(features.max(axis=0))
            pooled_mean.append(features.mean(axis=0, dtype=np.float64).astype(np.float32))
        max_pool, mean_pool = np.stack(pooled_max), np.stack(pooled_mean)
        # TensorFlow concatenates (753, 1) max and mean along a new last axis and flattens: interleaved
        flat = np.stack([max_pool, mean_pool], axis=2).reshape(len(batch), -1)
        hidden = np.maximum(flat @ self.dense[0] + self.dense[1], 0)
        penultimate = hidden * self.dense_bn[0] + self.dense_bn[1]
        logits = penultimate @ self.output[0] + self.output[1]
        taggram = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
        kept = {k: np.concatenate(v) for k, v in layers.items()} if keep_layers else {}
        return MusicnnOutput(taggram, penultimate.astype(np.float32), mean_pool, max_pool, kept)

    def _midend_features(self, patch: np.ndarray, layers: dict | None) -> np.ndarray:
        """(frames, 753): front end (561) then the three mid-end layers (64 each)."""
        t = patch.shape[0]
        x = patch * self.input_bn[0] + self.input_bn[1]
        front = []
        padded = np.pad(x, ((3, 3), (0, 0)))  # time only: the frequency axis is pooled away afterwards
        for kernel, bias, scale, shift, kh, kw in self.timbral:
            win = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))  # (t, 96 - kw + 1, kh, kw)
            out = win.reshape(-1, kh * kw) @ kernel
            front.append(_relu_bn_maxpool(out.reshape(t, -1, kernel.shape[1]), bias, scale, shift))
        for kernel, bias, scale, shift, kh in self.temporal:
            before = (kh - 1) // 2  # TensorFlow "same": the odd sample of padding goes after
            padded_t = np.pad(x, ((before, kh - 1 - before), (0, 0)))
            win = np.lib.stride_tricks.sliding_window_view(padded_t, kh, axis=0)  # (t, 96, kh)
            out = win.reshape(-1, kh) @ kernel
            front.append(_relu_bn_maxpool(out.reshape(t, N_MELS, -1), bias, scale, shift))
        front_end = np.concatenate(front, axis=1)
        outputs = [front_end]
        h = front_end
        for i, (kernel, bias, scale, shift) in enumerate(self.midend):
            win = np.lib.stride_tricks.sliding_window_view(np.pad(h, ((3, 3), (0, 0))), 7, axis=0)
            out = np.maximum(win.transpose(0, 2, 1).reshape(t, -1) @ kernel + bias, 0) * scale + shift
            h = out if i == 0 else out + h  # layers 2 and 3 add their input (residual)
            outputs.append(h)
        if layers is not None:
            layers["timbral"].append(np.concatenate(front[:2], axis=1))
            layers["temporal"].append(np.concatenate(front[2:], axis=1))
            for name, value in zip(("cnn1", "cnn2", "cnn3"), outputs[1:]):
                layers[name].append(value)
        return np.concatenate(outputs, axis=1)


def _relu_bn_maxpool(out: np.ndarray, bias: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """max over frequency of ``bn(relu(out + bias))`` for ``out`` of shape (t, freq, filters).

    Batch norm is a per-filter affine map, so it commutes with the max where its scale is positive and
    turns it into a min where it is negative: pool first, then scale 408 values instead of 12,000.
    """
    hi = out.max(axis=1)
    lo = out.min(axis=1)
    pooled = np.where(scale > 0, hi, lo)
    return np.maximum(pooled + bias, 0) * scale + shift


@lru_cache(maxsize=1)
def get_network() -> MusicnnNetwork:
    """The bundled network, loaded once per process (about 3 MB of weights, 0.05 s)."""
    return MusicnnNetwork.load()

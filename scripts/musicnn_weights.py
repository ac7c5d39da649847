"""Convert musicnn 0.1.0's ``MSD_musicnn`` TensorFlow-1 checkpoint into ``musicnn_msd.npz`` (no TensorFlow).

Run by ``make musicnn-weights``. The wheel is fetched with ``pip download --no-deps musicnn==0.1.0``
(installing it would pin numpy<1.17). The checkpoint is a TensorFlow *tensor bundle*: an ``.index`` file
in LevelDB's SSTable format mapping each variable name to a ``BundleEntryProto`` (dtype, shape, offset,
size), and a ``.data-00000-of-00001`` file holding the raw little-endian tensors. Both formats are small
enough to read here, so the conversion needs nothing but NumPy. Only the variables the network uses at
inference are kept (not Adam's slots, ``beta*_power`` or the global step).

Usage: ``python scripts/musicnn_weights.py WHEEL OUT_DIR``
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

CHECKPOINT = "musicnn/MSD_musicnn/"
_SSTABLE_MAGIC = 0xDB4775248B80FB57
_DT_FLOAT = 1  # tensorflow/core/framework/types.proto


def _varint(b: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        c = b[i]
        i += 1
        result |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return result, i


def _handle(b: bytes, i: int = 0) -> tuple[int, int, int]:
    offset, i = _varint(b, i)
    size, i = _varint(b, i)
    return offset, size, i


def _block(table: bytes, offset: int, size: int) -> bytes:
    if table[offset + size] != 0:  # the 5-byte trailer starts with the compression type; bundles use none
        raise ValueError("compressed SSTable block: not a TensorFlow tensor-bundle index")
    return table[offset:offset + size]


def _entries(block: bytes):
    """Key/value pairs of one SSTable block (keys are prefix-compressed against the previous one)."""
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * n_restarts
    i, key = 0, b""
    while i < end:
        shared, i = _varint(block, i)
        unshared, i = _varint(block, i)
        n_value, i = _varint(block, i)
        key = key[:shared] + block[i:i + unshared]
        i += unshared
        yield key, block[i:i + n_value]
        i += n_value


def _proto(b: bytes) -> dict[int, list]:
    """Fields of a protobuf message (varints and length-delimited bytes; enough for BundleEntryProto)."""
    i, out = 0, {}
    while i < len(b):
        tag, i = _varint(b, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _varint(b, i)
        elif wire == 2:
            n, i = _varint(b, i)
            value, i = b[i:i + n], i + n
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.setdefault(field, []).append(value)
    return out


def read_bundle(index: bytes, data: bytes) -> dict[str, np.ndarray]:
    """Every float32 tensor of a single-shard tensor bundle, by variable name."""
    footer = index[-48:]
    if struct.unpack("<Q", footer[-8:])[0] != _SSTABLE_MAGIC:
        raise ValueError("not an SSTable (bad magic number)")
    _, _, j = _handle(footer)  # the metaindex handle comes first; the index handle follows
    index_offset, index_size, _ = _handle(footer, j)
    tensors = {}
    for _, handle in _entries(_block(index, index_offset, index_size)):
        offset, size, _ = _handle(handle)
        for key, value in _entries(_block(index, offset, size)):
            if not key:  # the empty key holds the BundleHeaderProto
                continue
            entry = _proto(value)
            if entry.get(1, [0])[0] != _DT_FLOAT:
                continue
            shape = [_proto(d).get(1, [0])[0] for d in _proto(entry[2][0]).get(2, [])] if 2 in entry else []
            start, nbytes = entry.get(4, [0])[0], entry.get(5, [0])[0]
            arr = np.frombuffer(data[start:start + nbytes], dtype="<f4").reshape(shape)
            tensors[key.decode()] = arr
    return tensors


def inference_variables(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Keep the layers' weights and the batch-norm statistics; drop optimizer state."""
    keep = {}
    for name, arr in tensors.items():
        layer, _, var = name.partition("/")
        if "/" in var or var not in {"kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"}:
            continue
        if not layer.startswith(("conv2d", "dense", "batch_normalization")):
            continue
        keep[name] = np.ascontiguousarray(arr, dtype=np.float32)
    return keep


def main(argv: list[str]) -> int:
    wheel, out_dir = Path(argv[0]), Path(argv[1])
    with zipfile.ZipFile(wheel) as z:
        index = z.read(CHECKPOINT + ".index")
        data = z.read(CHECKPOINT + ".data-00000-of-00001")
        licence = z.read("musicnn-0.1.0.dist-info/LICENSE.md").decode("utf-8")
    weights = inference_variables(read_bundle(index, data))
    n_params = sum(a.size for a in weights.values())
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / "musicnn_msd.npz.tmp"
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **weights)
    tmp.replace(out_dir / "musicnn_msd.npz")
    (out_dir / "musicnn_msd.LICENSE.md").write_text(
        "The weights in musicnn_msd.npz are the MSD_musicnn model of the musicnn package 0.1.0\n"
        "(Jordi Pons and Xavier Serra, https://github.com/jordipons/musicnn), converted to NumPy arrays\n"
        "by scripts/musicnn_weights.py. The package's licence follows.\n\n" + licence, encoding="utf-8")
    print(f"{len(weights)} tensors, {n_params} parameters -> {out_dir / 'musicnn_msd.npz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

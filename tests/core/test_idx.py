"""IDX (MNIST) loading: the real files, raw and gzip, and every kind of broken file."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from genre_gui.core.datasets.idx import load_idx, read_idx
from genre_gui.core.errors import DatasetError


def _idx_bytes(arr: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    dtype = {0x08: ">u1", 0x0D: ">f4"}[type_code]
    return header + arr.astype(dtype).tobytes()


def _write(path, data: bytes, gz: bool = False):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_real_mnist_test_set(mnist_dir):
    images = mnist_dir / "t10k-images-idx3-ubyte.gz"
    labels = mnist_dir / "t10k-labels-idx1-ubyte.gz"
    ds = load_idx(images, labels)
    assert ds.X.shape == (10000, 784) and ds.X.dtype == np.float64
    assert ds.classes == list(range(10))
    assert ds.X.min() == 0 and ds.X.max() == 255
    # the unpacked file is the canonical one (published md5), and what we parsed rebuilds it exactly
    unpacked = gzip.decompress(images.read_bytes())
    assert hashlib.md5(unpacked).hexdigest() == "2646ac647ad5339dbf082846283269ea"
    rebuilt = bytes([0, 0, 8, 3]) + struct.pack(">3I", 10000, 28, 28) + ds.X.astype(np.uint8).tobytes()
    assert rebuilt == unpacked
    assert np.bincount(ds.y).tolist()[:3] == [980, 1135, 1032]
    assert len(set(ds.groups)) == 10000 and len(ds.sources) == 10000 and len(ds.columns) == 784


@pytest.mark.parametrize("gz", [False, True])
def test_raw_and_gzip_give_the_same_dataset(tmp_path, gz):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(7, 3, 2))
    labs = np.array([0, 1, 2, 1, 0, 2, 2])
    ds = load_idx(_write(tmp_path / "i", _idx_bytes(imgs), gz), _write(tmp_path / "l", _idx_bytes(labs), gz))
    np.testing.assert_array_equal(ds.X, imgs.reshape(7, 6))
    np.testing.assert_array_equal(ds.y, labs)
    assert ds.columns[:3] == ["px0_0", "px0_1", "px1_0"]


def test_float_idx_is_read(tmp_path):
    arr = np.array([[1.5, -2.0], [0.25, 8.0]])
    np.testing.assert_array_equal(read_idx(_write(tmp_path / "f", _idx_bytes(arr, 0x0D))), arr)


def test_wrong_magic(tmp_path):
    path = _write(tmp_path / "notidx.gz", b"PK\x03\x04 definitely a zip file", gz=True)
    with pytest.raises(DatasetError, match=r"notidx\.gz.*not an IDX file"):
        read_idx(path)


def test_truncated_body(tmp_path):
    data = _idx_bytes(np.zeros((10, 4, 4), dtype=np.uint8))
    path = _write(tmp_path / "cut", data[:-5])
    with pytest.raises(DatasetError, match=r"cut.*truncated IDX body"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    data = gzip.compress(_idx_bytes(np.zeros((100, 4, 4), dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"cut\.gz.*(corrupt|truncated)"):
        read_idx(path)


def test_trailing_bytes(tmp_path):
    path = _write(tmp_path / "long", _idx_bytes(np.zeros(5, dtype=np.uint8)) + b"xx")
    with pytest.raises(DatasetError, match="2 unexpected bytes"):
        read_idx(path)


def test_mismatched_counts(tmp_path):
    imgs = _write(tmp_path / "imgs", _idx_bytes(np.zeros((5, 2, 2), dtype=np.uint8)))
    labs = _write(tmp_path / "labs", _idx_bytes(np.array([0, 1, 0, 1])))
    with pytest.raises(DatasetError, match=r"imgs has 5 images but .*labs has 4 labels"):
        load_idx(imgs, labs)


def test_swapped_files_and_single_class(tmp_path):
    imgs = _write(tmp_path / "imgs", _idx_bytes(np.zeros((4, 2, 2), dtype=np.uint8)))
    labs = _write(tmp_path / "labs", _idx_bytes(np.array([3, 3, 3, 3])))
    with pytest.raises(DatasetError, match="need 2 or more dimensions"):
        load_idx(labs, imgs)
    with pytest.raises(DatasetError, match="labels must be 1-D"):
        load_idx(imgs, imgs)
    with pytest.raises(DatasetError, match="at least 2 classes"):
        load_idx(imgs, labs)


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match=r"nothere.*cannot read"):
        read_idx(tmp_path / "nothere")


def test_header_whose_size_overflows_int64(tmp_path):
    # 65536**4 elements = 2**64 bytes: must read as "truncated", not wrap around to 0 bytes expected
    header = bytes([0, 0, 0x08, 4]) + struct.pack(">4I", 65536, 65536, 65536, 65536)
    path = _write(tmp_path / "huge", header)
    with pytest.raises(DatasetError, match=r"huge.*(truncated IDX body|implausible IDX shape)"):
        read_idx(path)


def test_gzip_bomb_is_refused_without_decompressing_it_whole(tmp_path, monkeypatch):
    from genre_gui.core.datasets import idx

    monkeypatch.setattr(idx, "MAX_IDX_BYTES", 1 << 20)
    body = b"\x00\x00\x08\x01" + (4 << 20).to_bytes(4, "big") + bytes(4 << 20)  # 4 MB of labels
    bomb = tmp_path / "labels-idx1-ubyte.gz"
    bomb.write_bytes(gzip.compress(body))
    assert bomb.stat().st_size < 20_000
    with pytest.raises(DatasetError, match="decompresses to more than"):
        idx.read_idx(bomb)
    raw = tmp_path / "big-idx1-ubyte"
    raw.write_bytes(body)
    with pytest.raises(DatasetError, match="larger than"):
        idx.read_idx(raw)

// data.py of an export: the datasets `sdn train` reads (runtime/data/datasets.ts), as uint8 NCHW
// tensors, with the same specs (fashion-mnist[:dir], mnist:dir, cifar10:dir, png:dir, or a folder)
// and the same train/test split of a flat PNG folder. Needs nothing but torch (PNG decoding included).
export const DATA_PY = String.raw`"""The datasets sdn train reads, as uint8 [N, C, H, W] tensors: load(spec) -> (train, test).

spec: fashion-mnist[:DIR] (default $SDN_FASHION_MNIST_DIR, then /usr/share/datasets/fashion-mnist),
mnist:DIR, cifar10:DIR (the CIFAR-10 binary batches), png:DIR (8-bit PNGs of one size: train/ and test/
subfolders, or a flat folder whose last 10% of files by path are the test set), or a bare folder.
"""
import gzip
import os
import struct
import zlib

import torch

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


class DatasetError(Exception):
    pass


def _read(path, what):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DatasetError(f"{path}: {e.strerror}; expected {what}") from None
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _idx_file(folder, base):
    for name in (base + ".gz", base, base.replace("-idx", ".idx") + ".gz", base.replace("-idx", ".idx")):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return os.path.join(folder, base + ".gz")


def _idx_images(path):
    data = _read(path, "an IDX image file")
    if len(data) < 16 or struct.unpack(">I", data[:4])[0] != 0x803:
        raise DatasetError(f"{path}: not an IDX image file (magic 0x00000803)")
    n, rows, cols = struct.unpack(">III", data[4:16])
    if len(data) != 16 + n * rows * cols:
        raise DatasetError(f"{path}: {len(data) - 16} pixel bytes, the header promises {n}×{rows}×{cols}")
    return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(n, 1, rows, cols)


def _load_idx(folder):
    if not os.path.isdir(folder):
        raise DatasetError(f"{folder}: folder not found; expected IDX files (train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz)")
    return tuple(_idx_images(_idx_file(folder, f"{p}-images-idx3-ubyte")) for p in ("train", "t10k"))


def _cifar_files(paths):
    parts = []
    for p in paths:
        data = _read(p, "a CIFAR-10 binary batch file")
        if not data or len(data) % 3073:
            raise DatasetError(f"{p}: {len(data)} bytes is not a whole number of 3073-byte CIFAR-10 records")
        parts.append(torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(-1, 3073)[:, 1:].reshape(-1, 3, 32, 32))
    return torch.cat(parts)


def _load_cifar(folder):
    if not os.path.isdir(folder):
        raise DatasetError(f"{folder}: folder not found; expected the CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin)")
    nested = os.path.join(folder, "cifar-10-batches-bin")
    if not os.path.isfile(os.path.join(folder, "data_batch_1.bin")) and os.path.isdir(nested):
        folder = nested
    train = _cifar_files([os.path.join(folder, f"data_batch_{i}.bin") for i in range(1, 6)])
    return train, _cifar_files([os.path.join(folder, "test_batch.bin")])


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def read_png(path):
    """An 8-bit, non-interlaced PNG as (pixels [H, W, channels] uint8, channels)."""
    data = _read(path, "a PNG image")
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise DatasetError(f"{path}: not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if ihdr is None:
        raise DatasetError(f"{path}: no IHDR chunk")
    width, height, depth, color, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise DatasetError(f"{path}: bit depth {depth}, color type {color}, interlace {interlace}; expected 8-bit gray/RGB(A), not interlaced")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            c = prev[i - channels] if i >= channels else 0
            row[i] = (row[i] + (0, a, prev[i], (a + prev[i]) // 2, _paeth(a, prev[i], c))[kind]) & 0xFF
        out += row
        prev = row
    return torch.frombuffer(out, dtype=torch.uint8).reshape(height, width, channels), channels


def _pngs(folder):
    files = [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if f.lower().endswith(".png")]
    return sorted(files, key=lambda f: os.path.relpath(f, folder))


def _stack(images, channels):
    out = []
    for img, c in images:
        rgb = img[:, :, :3] if c >= 3 else img[:, :, :1].expand(-1, -1, channels)
        out.append(rgb[:, :, :channels].permute(2, 0, 1))
    return torch.stack(out)


def _load_png(folder):
    if not os.path.isdir(folder):
        raise DatasetError(f"{folder}: folder not found; expected a folder of 8-bit PNG images (or train/ and test/ subfolders)")
    if os.path.isdir(os.path.join(folder, "train")) and os.path.isdir(os.path.join(folder, "test")):
        train_files, test_files = _pngs(os.path.join(folder, "train")), _pngs(os.path.join(folder, "test"))
    else:
        files = _pngs(folder)
        if len(files) < 2:
            raise DatasetError(f"{folder}: {len(files)} .png files found; expected at least 2 to split into train and test")
        n_test = min(len(files) - 1, max(1, len(files) // 10))
        train_files, test_files = files[:-n_test], files[-n_test:]
    train, test = [read_png(f) for f in train_files], [read_png(f) for f in test_files]
    sizes = {tuple(img.shape[:2]) for img, _ in train + test}
    if len(sizes) > 1:
        raise DatasetError(f"{folder}: images of sizes {sorted(sizes)}; all PNG images must be the same size")
    channels = 3 if any(c >= 3 for _, c in train + test) else 1
    return _stack(train, channels), _stack(test, channels)


def load(spec):
    kind, _, folder = spec.partition(":")
    if kind == "fashion-mnist":
        return _load_idx(folder or os.environ.get("SDN_FASHION_MNIST_DIR") or FASHION_MNIST_DIR)
    if kind in ("mnist", "cifar10", "png"):
        if not folder:
            raise DatasetError(f"dataset {spec}: no folder given; pass {kind}:DIR")
        return {"mnist": _load_idx, "cifar10": _load_cifar, "png": _load_png}[kind](folder)
    if not os.path.isdir(spec):
        raise DatasetError(f"{spec}: unknown dataset and no such folder; expected fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, png:DIR or a folder")
    names = set(os.listdir(spec))
    if names & {"data_batch_1.bin", "cifar-10-batches-bin"}:
        return _load_cifar(spec)
    if any(n.startswith("train-images") for n in names):
        return _load_idx(spec)
    return _load_png(spec)


def quantize(images, nbits):
    """The authors' Quantize on bytes: x / 255 for 8 bits, else floor(x / 2^(8 - nbits)) / (2^nbits - 1)."""
    x = images.double()
    return x / 255 if nbits == 8 else torch.div(images, 2 ** (8 - nbits), rounding_mode="floor").double() / (2 ** nbits - 1)


def scale(images, likelihood, nbits):
    """Network inputs (float32) from bytes, as sdn: DML 2v - 1 in [-1, 1], DL v - 0.5, Bernoulli v > 0.5."""
    v = quantize(images, nbits)
    return {"DML": lambda: 2 * v - 1, "DL": lambda: v - 0.5, "Bernoulli": lambda: (v > 0.5).double()}[likelihood]().float()
`;

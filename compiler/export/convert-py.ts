// convert.py of an export: a PyTorch or Lightning checkpoint (the authors' published .ckpt, its
// state_dict under a `model.` prefix) to a safetensors file that `sdn … --weights` reads.
export const CONVERT_PY = String.raw`"""Convert a PyTorch or Lightning checkpoint to safetensors for sdn --weights.

  python3 convert.py epoch=99.ckpt weights.safetensors [--prefix model.] [--allow-extra]

No code in the file runs: it is read with torch.load(weights_only=True), or, where that refuses it
(PyTorch 1.13 refuses floats, any version refuses Lightning's hyperparameter classes), by an unpickler
of torch.save's zip format that builds tensors and plain containers and nothing else (every other
object becomes an inert stand-in).
Its state_dict (a Lightning checkpoint's 'state_dict', or a bare state dict) loses the prefix (default
'model.', when the keys carry it), and must hold exactly this model's tensors, plain or weight-normed
(weight_g / weight_v): a missing, extra or wrongly shaped tensor is named. The output holds the plain
weights under the PyTorch names.
"""
import argparse
import collections
import os
import pickle
import sys
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as sdn  # noqa: E402


class Inert:
    """Stands in for every class or function a checkpoint names besides tensors and containers."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass

    def __setitem__(self, key, value):
        pass

    def append(self, value):
        pass

    def extend(self, values):
        pass


_STORAGE_DTYPES = {"FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
                   "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
                   "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8, "BoolStorage": torch.bool}


def _rebuild_tensor(flat, offset, size, stride, *_):
    return torch.as_strided(flat, size, stride, offset).clone()


def _rebuild_parameter(data, *_):
    return data


class TensorsOnlyUnpickler(pickle.Unpickler):
    """Reads torch.save's data.pkl building tensors, dicts, lists and tuples; any other global is Inert."""

    def __init__(self, file, archive, prefix):
        super().__init__(file)
        self.archive, self.prefix = archive, prefix

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        return Inert

    def persistent_load(self, pid):
        kind, dtype, key = pid[0], pid[1], pid[2]
        if kind != "storage" or not isinstance(dtype, torch.dtype):
            raise pickle.UnpicklingError(f"unsupported storage {pid[:2]}")
        raw = bytearray(self.archive.read(f"{self.prefix}/data/{key}"))
        return torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)


def read_tensors_only(path):
    """torch.save's zip format (PyTorch 1.6 and later) without running any code from the file."""
    with zipfile.ZipFile(path) as archive:
        pkl = next((n for n in archive.namelist() if n.endswith("/data.pkl")), None)
        if pkl is None:
            raise ValueError("no data.pkl in the archive")
        with archive.open(pkl) as f:
            return TensorsOnlyUnpickler(f, archive, pkl[:-len("/data.pkl")]).load()


def read_checkpoint(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        pass  # floats (PyTorch 1.13) or classes of the training code: read only the tensors
    except Exception as e:
        raise SystemExit(f"convert.py: {path}: cannot be read as a PyTorch checkpoint ({e})")
    try:
        return read_tensors_only(path)
    except Exception as e:
        raise SystemExit(f"convert.py: {path}: cannot be read as a PyTorch checkpoint ({type(e).__name__}: {e})")


def state_dict_of(path, prefix):
    ckpt = read_checkpoint(path)
    sd = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(sd, dict) or not all(torch.is_tensor(v) for v in sd.values()):
        raise SystemExit(f"convert.py: {path}: no state_dict of tensors found (keys: {list(ckpt)[:8] if isinstance(ckpt, dict) else type(ckpt).__name__})")
    if prefix and all(k.startswith(prefix) for k in sd):
        sd = {k[len(prefix):]: v for k, v in sd.items()}
    return {k: v.float() for k, v in sd.items()}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("output")
    p.add_argument("--prefix", default="model.", help="key prefix to strip (default: model.)")
    p.add_argument("--allow-extra", action="store_true", help="drop tensors the model has no use for instead of failing")
    args = p.parse_args(argv)
    sd = state_dict_of(args.checkpoint, args.prefix)
    module = sdn.Model()
    own = set(module.state_dict())
    adapted = module._adapt(sd)
    extra = sorted(set(adapted) - own)
    if extra and args.allow_extra:
        adapted = {k: v for k, v in adapted.items() if k in own}
        print(f"convert.py: dropped {len(extra)} tensors the model has no use for: {', '.join(extra[:8])}{' ...' if len(extra) > 8 else ''}")
    problems = [f"extra tensor '{k}' {list(adapted[k].shape)}" for k in (extra if not args.allow_extra else [])]
    problems += [f"missing tensor '{k}' {list(v.shape)}" for k, v in module.state_dict().items() if k not in adapted]
    problems += [f"tensor '{k}' has shape {list(adapted[k].shape)}, the model needs {list(v.shape)}"
                 for k, v in module.state_dict().items() if k in adapted and adapted[k].shape != v.shape]
    if problems:
        shown = "\n".join(f"  - {m}" for m in problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise SystemExit(f"convert.py: {args.checkpoint} does not fit {sdn.MODEL} ({len(problems)} problems):\n{shown}")
    module.load_state_dict(adapted)
    weights = {k: v.detach() for k, v in module.weights().items()}
    sdn.save_safetensors(args.output, weights, {"format": "pt", "model": sdn.MODEL, "source": os.path.basename(args.checkpoint)})
    print(f"wrote {args.output}: {len(weights)} tensors of {sdn.MODEL} (sdn sample/elbo/eval --weights {args.output})")


if __name__ == "__main__":
    main(sys.argv[1:])
`;

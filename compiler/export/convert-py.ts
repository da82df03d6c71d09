// convert.py of an export: a PyTorch or Lightning checkpoint (the authors' published .ckpt, its
// state_dict under a `model.` prefix) to a safetensors file that `sdn … --weights` reads.
export const CONVERT_PY = String.raw`"""Convert a PyTorch or Lightning checkpoint to safetensors for sdn --weights.

  python3 convert.py epoch=99.ckpt weights.safetensors [--prefix model.] [--allow-extra]

The file is read with torch.load(weights_only=True), so no code in it runs. Its state_dict (a Lightning
checkpoint's 'state_dict', or a bare state dict) loses the prefix (default 'model.', when the keys carry
it), and must hold exactly this model's tensors, plain or weight-normed (weight_g / weight_v): a missing,
extra or wrongly shaped tensor is named. The output holds the plain weights under the PyTorch names.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as sdn  # noqa: E402


def state_dict_of(path, prefix):
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises pickle and zip errors of many kinds
        raise SystemExit(f"convert.py: {path}: cannot be read as a PyTorch checkpoint with weights_only=True ({e})")
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

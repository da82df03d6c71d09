"""Runs exported golden-case modules in float64 against the golden tensors.

usage: golden_check.py cases.json results.json
cases.json: [{"name", "dir" (holding model.py), "golden" (.safetensors), "label", "noise": {stream: tensor},
"lossgrad": bool}]. Writes per case the relative errors of every output, grad.* and lossgrad.* tensor,
and the golden tensors the module had no use for.
"""
import importlib.util

import torch
from check_driver import run_cases


def rel_err(a, b):
    den = b.norm()
    return float((a - b).norm() / den) if den > 0 else float((a - b).norm())


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_case(case):
    mod = load_module(f"{case['dir']}/model.py", f"golden_{case['name']}")
    golden, _ = mod.load_safetensors(case["golden"])
    gold = {k: v.double() for k, v in golden.items()}
    label = case["label"] + "."
    strip = lambda n: n[len(label):] if n.startswith(label) else n
    used = set()

    def get(name):
        used.add(name)
        return gold[name]

    model = mod.Model().double()
    model.load_state_dict({name: get(strip(name)) for name, *_ in mod.PARAMETERS})
    params = dict(model.named_parameters())
    inputs = {name: get(name).clone().requires_grad_(True) for name, _ in mod.INPUTS}
    kwargs = {}
    if mod.NOISE:
        kwargs["eps"] = [get(case["noise"][strip(stream)]) for stream, _ in mod.NOISE]
    out = model(*inputs.values(), **kwargs)
    errs = {"forward": {k: rel_err(v, get(k)) for k, v in out.items()}, "grad": {}, "lossgrad": {}}

    def compare(kind, objective):
        names = [n for n in gold if n.startswith(kind + ".")]
        wrt = {**inputs, **{strip(k): v for k, v in params.items()}}
        missing = [n for n in names if n[len(kind) + 1:] not in wrt]
        if missing:
            raise KeyError(f"{missing[0]} names neither an input nor a parameter of the exported module")
        targets = [wrt[n[len(kind) + 1:]] for n in names]
        grads = torch.autograd.grad(objective, targets, retain_graph=True, allow_unused=True)
        for n, g, t in zip(names, grads, targets):
            errs[kind][n[len(kind) + 1:]] = rel_err(torch.zeros_like(t) if g is None else g, get(n))

    seeds = [n for n in gold if n.startswith("g_")]
    if seeds:
        compare("grad", sum((out[n[2:]] * get(n)).sum() for n in seeds))
    if case["lossgrad"]:
        compare("lossgrad", out["loss"].mean())
    errs["unused"] = sorted(set(gold) - used)
    return errs


if __name__ == "__main__":
    run_cases(run_case)

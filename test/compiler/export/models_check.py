"""Checks exported models. usage: models_check.py cases.json results.json

Each case: {"name", "dir" (holding model.py), "compare": optional {"weights", "inputs" (.safetensors),
"noise_seed", "sample_seed", "temperature"}}. For every case: the module's state_dict names with and
without weight norm, its parameter total and, on the meta device, the shapes forward() and sample()
give. With "compare": forward and sample in float64 on the given weights, input and sdn's noise, plain
and weight-normed.
"""
import importlib.util

import torch
from check_driver import run_cases


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_case(case):
    mod = load_module(f"{case['dir']}/model.py", f"export_{case['name']}")
    meta = mod.Model(device="meta")
    meta_wn = mod.Model(weight_norm=True, device="meta")
    x = torch.zeros((2,) + tuple(mod.INPUTS[0][1]), device="meta")
    result = {
        "names": list(meta.state_dict()),
        "names_wn": list(meta_wn.state_dict()),
        "total": sum(p.numel() for p in meta_wn.weights().values()),
        "forward": {k: list(v.shape) for k, v in meta_wn(x).items()},
        "sample": list(meta_wn.sample(3).shape),
    }
    cmp = case.get("compare")
    if cmp:
        weights, _ = mod.load_safetensors(cmp["weights"])
        inputs, _ = mod.load_safetensors(cmp["inputs"])
        for key, wn in (("plain", False), ("wn", True)):
            m = mod.Model(weight_norm=wn)
            m.load_state_dict(weights)
            m = m.double()
            with torch.no_grad():
                eps = [e.double() for e in mod.sdn_noise(mod.NOISE, cmp["noise_seed"], 1)]
                out = m(inputs["x"].double(), eps=eps)
                s_eps = [e.double() for e in mod.sdn_noise(mod.SAMPLE_NOISE, cmp["sample_seed"], 1)]
                sample = m.sample(1, temperature=cmp["temperature"], eps=s_eps)
            result[key] = {**{k: v.flatten().tolist() for k, v in out.items()}, "sample": sample.flatten().tolist()}
    return result


if __name__ == "__main__":
    run_cases(run_case)

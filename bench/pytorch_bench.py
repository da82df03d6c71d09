"""Times exported sdn models in PyTorch for bench/pytorch.ts. usage: pytorch_bench.py cases.json results.json

Each case: {"name", "dir" (holding model.py), "batch", "kind": forward | backward | train, "output" (backward:
the output whose sum is differentiated), "weight_norm" (train), "runs", "threads"}. Inputs are the bench's
deterministic wave sin(k) / 2; each result is the first call and the best of "runs" later calls, in seconds.
"""
import importlib.util
import json
import math
import sys
import time

import torch


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wave(batch, shape):
    n = batch * math.prod(shape)
    return (torch.sin(torch.arange(n, dtype=torch.float64)) * 0.5).float().reshape((batch,) + tuple(shape))


def step_fn(case, mod):
    model = mod.build(weight_norm=case.get("weight_norm", False), seed=0)
    inputs = [wave(case["batch"], shape) for _, shape in mod.INPUTS]
    eps = [torch.randn((case["batch"],) + shape) for _, shape in mod.NOISE]
    kw = {"eps": eps} if mod.NOISE else {}
    if case["kind"] == "forward":
        def run():
            with torch.no_grad():
                model(*inputs, **kw)
        return run
    if case["kind"] == "backward":
        def run():
            model.zero_grad(set_to_none=True)
            model(*inputs, **kw)[case["output"]].sum().backward()
        return run
    optimizer = torch.optim.Adamax(model.parameters(), lr=0.002)
    ema = [p.detach().clone() for p in model.parameters()]

    def run():
        optimizer.zero_grad(set_to_none=True)
        model(*inputs, **kw)["loss"].mean().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
        with torch.no_grad():
            for s, p in zip(ema, model.parameters()):
                s.mul_(0.999).add_(p, alpha=0.001)
    return run


def main():
    cases = json.load(open(sys.argv[1]))
    results = {}
    for case in cases:
        torch.set_num_threads(case["threads"])
        run = step_fn(case, load_module(f"{case['dir']}/model.py", f"bench_{len(results)}"))
        t = time.perf_counter()
        run()
        first = time.perf_counter() - t
        best = math.inf
        for _ in range(case["runs"]):
            t = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t)
        results[case["name"]] = {"firstS": first, "ms": best * 1000}
    json.dump(results, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()

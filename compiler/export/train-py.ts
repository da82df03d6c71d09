// train.py of an export: `sdn train`'s recipe (runtime/train/*) in PyTorch, on one process or
// many through torchrun (DistributedDataParallel: NCCL on GPUs, gloo on CPUs). Adamax with
// per-epoch lr decay, weight norm, EMA, free bits (in the model's loss), β annealing, gradient
// clipping and the NaN/Inf guard; the test −ELBO is computed as `sdn elbo` computes it, with sdn's
// own noise, so the two print the same number for the same weights.
import type { Recipe } from '../../runtime/train/trainer.js';
import { pyFloat } from './ops-py.js';

export interface TrainPyOptions {
  model: string;
  recipe: Recipe;
  usesBeta: boolean;
  /** The default --data. */
  data: string;
}

export function renderTrainPy(o: TrainPyOptions): string {
  const r = o.recipe;
  const recipe = {
    steps: r.steps, batch: r.batch, lr: r.lr, lr_decay: r.lrDecay, ema: r.ema, weight_norm: r.weightNorm, clip_grad: r.clipGrad,
    beta: r.betaFinal, beta_rate: r.betaRate, eval_every: r.evalEvery, eval_images: r.evalImages, eval_batch: r.evalBatch,
    seed: r.seed, max_bad_steps: r.maxBadSteps,
  };
  const pyValue = (v: number | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : Number.isInteger(v) ? String(v) : pyFloat(v));
  const recipeText = Object.entries(recipe).map(([k, v]) => `    "${k}": ${pyValue(v)},`).join('\n');
  return String.raw`"""Train ${o.model} with sdn's recipe in PyTorch, on one process or many (DistributedDataParallel).

  python3 train.py --data ${o.data} --steps 1000 -o runs/${o.model}
  torchrun --nproc_per_node=8 train.py --data ${o.data} --steps 100000 --batch 32 -o runs/${o.model}

--batch is the global batch, split evenly over the processes; the data order and the posterior noise
depend on the seed and the step only, so any number of processes trains on the same images with the
same noise. As in the authors' multi-GPU runs, free bits apply to each process's share of the batch.
The last incomplete batch of an epoch is dropped, so that every process gets the same number of images.

The run folder gets metrics.jsonl (sdn train's records), weights-ema.safetensors and weights.safetensors
(plain weights under the authors' PyTorch names: sdn sample / elbo / eval --weights read them) and
state.safetensors (parameters, Adamax and EMA state, step; --resume continues from it). The test -ELBO is computed as
'sdn elbo --weights weights-ema.safetensors --limit EVAL_IMAGES --batch EVAL_BATCH' computes it,
with sdn's noise, so both print the same number.
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import model as sdn  # noqa: E402

RECIPE = {
${recipeText}
}
USES_BETA = ${o.usesBeta ? 'True' : 'False'}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", ${o.data.includes('DIR') ? 'required=True' : `default=${JSON.stringify(o.data)}`}, help="fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, png:DIR or a folder")
    p.add_argument("-o", "--out", required=True, help="run folder")
    p.add_argument("--steps", type=int, default=RECIPE["steps"])
    p.add_argument("--batch", type=int, default=RECIPE["batch"], help="global batch, over all processes")
    p.add_argument("--lr", type=float, default=RECIPE["lr"])
    p.add_argument("--lr-decay", type=float, default=RECIPE["lr_decay"], help="ExponentialLR gamma, once per epoch")
    p.add_argument("--ema", type=float, default=RECIPE["ema"], help="EMA decay of the weights (0: none)")
    p.add_argument("--no-weight-norm", action="store_true")
    p.add_argument("--clip-grad", type=float, default=RECIPE["clip_grad"], help="global gradient-norm clipping (0: off)")
    p.add_argument("--beta", type=float, default=RECIPE["beta"], help="final beta of a beta-VAE")
    p.add_argument("--beta-rate", type=float, default=RECIPE["beta_rate"], help="beta += rate * final before every step")
    p.add_argument("--eval-every", type=int, default=RECIPE["eval_every"], help="evaluate and checkpoint every N steps (0: at the end)")
    p.add_argument("--eval-images", type=int, default=RECIPE["eval_images"])
    p.add_argument("--eval-batch", type=int, default=RECIPE["eval_batch"])
    p.add_argument("--seed", type=int, default=RECIPE["seed"])
    p.add_argument("--max-bad-steps", type=int, default=RECIPE["max_bad_steps"], help="stop after N non-finite steps in a row")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on GPUs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--init-from", help="weights to start from: a .safetensors from sdn train or this script")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its state.safetensors")
    args = p.parse_args(argv)
    if args.steps < 0 or args.batch < 1 or args.eval_batch < 1 or not args.lr > 0 or not 0 <= args.ema < 1:
        p.error("--steps must be >= 0, --batch and --eval-batch positive, --lr positive and --ema in [0, 1)")
    return args


def setup(device_flag):
    world, rank, local = (int(os.environ.get(k, d)) for k, d in (("WORLD_SIZE", 1), ("RANK", 0), ("LOCAL_RANK", 0)))
    cuda = torch.cuda.is_available() if device_flag == "auto" else device_flag == "cuda"
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    return rank, world, device


def all_sum(t, world):
    if world > 1:
        dist.all_reduce(t)
    return t


def step_generator(seed, purpose, counter):
    return torch.Generator().manual_seed((seed * 1_000_003 + counter) * 4 + purpose)


def load_init(path):
    """Weights from sdn train (weights-ema.safetensors, or checkpoint.safetensors: its params) or this script."""
    tensors, meta = sdn.load_safetensors(path)
    if meta.get("format") == "sdn-train-checkpoint/1":
        tensors = {k[len("params/"):]: v for k, v in tensors.items() if k.startswith("params/")}
    return tensors


def jsonl(record):
    """One metrics line; non-finite numbers become null, as in sdn train's metrics (JSON has no NaN)."""
    return json.dumps({k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in record.items()}) + "\n"


def plain_weights(module):
    return {k: v.detach().float().cpu() for k, v in module.weights().items()}


def save_state(path, state, module, optimizer, ema):
    """Everything --resume needs, as safetensors (no pickle): parameters, Adamax m/u, EMA; step etc. in the metadata."""
    tensors, steps = {}, {}
    for name, p in module.named_parameters():
        tensors[f"params/{name}"] = p
        tensors[f"ema/{name}"] = ema[name]
        st = optimizer.state.get(p)
        if st:
            tensors[f"adamax.m/{name}"], tensors[f"adamax.u/{name}"] = st["exp_avg"], st["exp_inf"]
            steps[name] = float(st["step"])
    sdn.save_safetensors(path, tensors, {"format": "sdn-export-train-state/1", "model": sdn.MODEL, "state": json.dumps(state), "adamax_steps": json.dumps(steps)})


def load_state(path, module, optimizer, device):
    tensors, meta = sdn.load_safetensors(path)
    if meta.get("format") != "sdn-export-train-state/1" or meta.get("model") != sdn.MODEL:
        raise SystemExit(f"train.py: {path} is not a train.py state of {sdn.MODEL}")
    steps = json.loads(meta["adamax_steps"])
    module.load_state_dict({name[len("params/"):]: t for name, t in tensors.items() if name.startswith("params/")})
    for name, p in module.named_parameters():
        if name in steps:
            optimizer.state[p] = {"step": torch.tensor(steps[name]), "exp_avg": tensors[f"adamax.m/{name}"].to(device),
                                  "exp_inf": tensors[f"adamax.u/{name}"].to(device)}
    return json.loads(meta["state"]), {name: tensors[f"ema/{name}"].to(device) for name, _ in module.named_parameters()}


@torch.no_grad()
def evaluate(module, test, args, device):
    """-ELBO and KL in bits/dim of the first --eval-images test images, as sdn (elbo, eval, train) computes them."""
    module.eval()
    n = min(args.eval_images, test.shape[0])
    batch = min(args.eval_batch, n)
    dims = math.prod(test.shape[1:])
    elbo = kl = seen = 0.0
    for start in range(0, n, batch):
        b = min(batch, n - start)
        x = data.scale(test[start:start + b], sdn.LIKELIHOOD, sdn.NBITS).to(device)
        seed = sdn.noise_seed(sdn.noise_seed(args.seed, "eval", 0), "eval", start)
        eps = [e.to(device) for e in sdn.sdn_noise(sdn.NOISE, seed, b)]
        out = module(x, eps=eps)
        elbo, kl, seen = elbo + out["elbo"].double().sum().item(), kl + out["kl"].double().sum().item(), seen + b
    module.train()
    return {"images": int(seen), "elboBpd": -elbo / seen / (dims * math.log(2)), "klBpd": kl / seen / (dims * math.log(2))}


def main(argv):
    args = parse_args(argv)
    rank, world, device = setup(args.device)
    say = print if rank == 0 else (lambda *a, **k: None)
    if args.batch % world:
        raise SystemExit(f"train.py: --batch {args.batch} does not split evenly over {world} processes")
    local = args.batch // world
    try:
        train, test = data.load(args.data)
    except data.DatasetError as e:
        raise SystemExit(f"train.py: {e}")
    if tuple(train.shape[1:]) != tuple(sdn.INPUTS[0][1]):
        raise SystemExit(f"train.py: {args.data} images are {tuple(train.shape[1:])}, {sdn.MODEL} expects {sdn.INPUTS[0][1]}")
    steps_per_epoch = train.shape[0] // args.batch
    if steps_per_epoch < 1:
        raise SystemExit(f"train.py: {train.shape[0]} training images are fewer than one batch of {args.batch}")

    weight_norm = RECIPE["weight_norm"] and not args.no_weight_norm
    torch.manual_seed(args.seed)
    module = sdn.build(weight_norm=weight_norm, seed=args.seed)
    if args.init_from:
        try:
            module.load_state_dict(load_init(args.init_from))
        except (OSError, ValueError, RuntimeError) as e:  # unreadable file, or tensors that don't fit
            raise SystemExit(f"train.py: --init-from {args.init_from}: {e}")
    module.to(device)
    optimizer = torch.optim.Adamax(module.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    ema = {k: v.detach().clone() for k, v in module.named_parameters()}
    state = {"step": 0, "beta": 0.0, "bad_streak": 0, "skipped": 0}
    os.makedirs(args.out, exist_ok=True)
    state_path = os.path.join(args.out, "state.safetensors")
    if os.path.exists(state_path) and not args.resume:
        raise SystemExit(f"train.py: {args.out} already holds a run (state.safetensors); pass --resume to continue it, or choose another -o")
    if args.resume:
        if not os.path.exists(state_path):
            raise SystemExit(f"train.py: --resume: no {state_path}")
        state, ema = load_state(state_path, module, optimizer, device)
    ddp = DistributedDataParallel(module, find_unused_parameters=bool(sdn.NO_LOSS_GRADIENT)) if world > 1 else module
    params = [p for p in module.parameters()]
    metrics_path = os.path.join(args.out, "metrics.jsonl")
    if rank == 0 and args.resume and os.path.exists(metrics_path):
        # Steps after the last checkpoint are trained again: drop their records.
        with open(metrics_path) as f:
            kept = [line for line in f if line.strip() and json.loads(line)["step"] <= state["step"]]
        with open(metrics_path, "w") as f:
            f.writelines(kept)
    metrics = open(metrics_path, "a") if rank == 0 else None
    dims = math.prod(train.shape[1:])
    say(f"training {sdn.MODEL} ({sum(p.numel() for p in params):,} trainable values, weight norm {'on' if weight_norm else 'off'}) "
        f"on {args.data} ({train.shape[0]} images, {steps_per_epoch} steps/epoch), {world} process(es) on {device.type}, batch {args.batch}")

    def checkpoint():
        if rank != 0:
            return
        shadow = sdn.Model(weight_norm=weight_norm)
        shadow.load_state_dict({k: v.cpu() for k, v in ema.items()})
        meta = {"format": "pt", "model": sdn.MODEL, "step": state["step"]}
        sdn.save_safetensors(os.path.join(args.out, "weights-ema.safetensors"), plain_weights(shadow), meta)
        sdn.save_safetensors(os.path.join(args.out, "weights.safetensors"), plain_weights(module), meta)
        save_state(state_path, state, module, optimizer, ema)
        record = {"kind": "eval", "step": state["step"], "weights": "ema", "k": 1, **evaluate(shadow.to(device), test, args, device)}
        metrics.write(jsonl(record))
        metrics.flush()
        say(f"step {state['step']}: test -ELBO {record['elboBpd']:.4f} bits/dim (ema weights, {record['images']} images)")

    amp = args.amp and device.type == "cuda"
    while state["step"] < args.steps:
        t0 = time.time()
        epoch, index = divmod(state["step"], steps_per_epoch)
        order = torch.randperm(train.shape[0], generator=step_generator(args.seed, 0, epoch))
        ids = order[index * args.batch:(index + 1) * args.batch][rank * local:(rank + 1) * local]
        x = data.scale(train[ids], sdn.LIKELIHOOD, sdn.NBITS).to(device)
        noise = step_generator(args.seed, 1, state["step"])
        eps = [torch.randn((args.batch,) + shape, generator=noise)[rank * local:(rank + 1) * local].to(device) for _, shape in sdn.NOISE]
        if USES_BETA:
            state["beta"] = min(args.beta, state["beta"] + args.beta_rate * args.beta)
        kw = {"beta": state["beta"]} if USES_BETA else {}
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16) if amp else contextlib.nullcontext():
            out = ddp(x, eps=eps, **kw)
        loss = out["loss"].float().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        finite = torch.isfinite(loss) & torch.stack([torch.isfinite(p.grad).all() for p in params if p.grad is not None]).all()
        sums = all_sum(torch.stack([out[k].detach().double().sum() for k in ("loss", "elbo", "kl")] + [(~finite).double()]), world)
        state["step"] += 1
        lr = args.lr * args.lr_decay ** epoch
        record = {"kind": "train", "step": state["step"], "epoch": epoch, "loss": sums[0].item() / args.batch,
                  "bpd": sums[0].item() / args.batch / (dims * math.log(2)), "elboBpd": -sums[1].item() / args.batch / (dims * math.log(2)),
                  "klBpd": sums[2].item() / args.batch / (dims * math.log(2)), "gradNorm": float("nan"), "lr": lr}
        if USES_BETA:
            record["beta"] = state["beta"]
        if sums[3].item() > 0:
            state["bad_streak"] += 1
            state["skipped"] += 1
            record["skipped"] = f"step {state['step']}: non-finite loss or gradient; step skipped ({state['bad_streak']} in a row)"
            say(f"warning: {record['skipped']}")
        else:
            state["bad_streak"] = 0
            record["gradNorm"] = torch.nn.utils.clip_grad_norm_(params, args.clip_grad if args.clip_grad > 0 else math.inf).item()
            for g in optimizer.param_groups:
                g["lr"] = lr
            optimizer.step()
            with torch.no_grad():
                for k, p in module.named_parameters():
                    ema[k].mul_(args.ema).add_(p.detach(), alpha=1 - args.ema)
        record["seconds"] = time.time() - t0
        if metrics:
            metrics.write(jsonl(record))
        say(f"step {state['step']}/{args.steps}: loss {record['loss']:.2f} ({record['bpd']:.4f} bits/dim), grad norm {record['gradNorm']:.3g}, "
            f"lr {lr:.3g}, {record['seconds']:.2f} s")
        if state["bad_streak"] >= args.max_bad_steps:
            message = f"stopping after {state['bad_streak']} consecutive non-finite steps (the last checkpoint is left as it was)"
            if metrics:
                metrics.write(jsonl({"kind": "diverged", "step": state["step"], "message": message}))
            say(f"train.py: {message}")
            raise SystemExit(1)
        if args.eval_every > 0 and state["step"] % args.eval_every == 0 and state["step"] < args.steps:
            checkpoint()
    checkpoint()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
`;
}

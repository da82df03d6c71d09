// README.md of an export: what each file is and the commands, for one machine and for 8 GPUs.
export interface ReadmeOptions {
  model: string;
  sourcePath: string;
  sets: Record<string, string>;
  data: string;
  params: number;
}

export function renderReadme(o: ReadmeOptions): string {
  const sets = Object.entries(o.sets).map(([k, v]) => ` --set ${k}=${v}`).join('');
  const fence = '```';
  return `# ${o.model} in PyTorch

Exported by \`sdn export ${o.sourcePath}${sets} --to pytorch\` (${o.params.toLocaleString('en-US')} parameters). Needs
Python 3 and PyTorch 1.13 or later, nothing else (on Debian: \`apt-get install python3-torch\`).

| file | what |
| --- | --- |
| \`model.py\` | the model as a standalone \`torch.nn.Module\`: \`build()\`, \`forward(x, eps=None)\` → per-image \`logpx\`, \`kl\`, \`elbo\`, \`loss\` (nats), \`sample(n, temperature=1.0)\`; state_dict names are the authors' PyTorch names |
| \`train.py\` | \`sdn train\`'s recipe (Adamax, lr decay, weight norm, EMA, free bits, β annealing, clipping, NaN/Inf guard) on one process or many (\`torchrun\`, DistributedDataParallel) |
| \`data.py\` | the datasets \`sdn train\` reads: Fashion-MNIST / MNIST IDX, CIFAR-10 binary batches, PNG folders |
| \`convert.py\` | a PyTorch or Lightning checkpoint (\`.ckpt\`, \`model.\` prefix) to safetensors, without running code from the file |

## One machine

${fence}sh
python3 train.py --data ${o.data} --steps 1000 --batch 32 -o runs/${o.model}
python3 train.py --data ${o.data} --steps 2000 -o runs/${o.model} --resume        # continue
python3 train.py --data ${o.data} --init-from weights-ema.safetensors -o runs/${o.model}-ft   # start from sdn train's weights
${fence}

On a CPU, \`torchrun --nproc_per_node=2 train.py …\` runs two gloo processes. With PyTorch 1.13 on
Python 3.11 (Debian bookworm), torchrun fails while parsing its own defaults; add \`--redirects 1 --tee 1\`
(fixed in PyTorch 2.0).

## 8 GPUs

${fence}sh
torchrun --standalone --nproc_per_node=8 train.py --data ${o.data} --steps 100000 --batch 32 --eval-every 5000 --amp -o runs/${o.model}
${fence}

\`--batch\` is the global batch (here 4 images per GPU). NCCL carries the gradients; \`--amp\` turns on
bfloat16 autocast. For several nodes, add \`--nnodes N --node_rank R --rdzv_endpoint HOST:PORT\` to torchrun.

## Back to sdn

The run folder's \`weights-ema.safetensors\` and \`weights.safetensors\` hold plain weights under the
PyTorch names, which \`sdn\` reads directly:

${fence}sh
sdn elbo ${o.sourcePath}${sets}${o.data === 'fashion-mnist' ? '' : ` --data ${o.data}`} --weights runs/${o.model}/weights-ema.safetensors --limit 500 --batch 32
sdn sample ${o.sourcePath}${sets} --weights runs/${o.model}/weights-ema.safetensors -n 64 -o samples.png
${fence}

train.py's test −ELBO uses sdn's own noise (Philox, \`model.sdn_noise\` under \`model.noise_seed\`),
so \`sdn elbo --limit EVAL_IMAGES --batch EVAL_BATCH --seed SEED\` prints the same number for the same
weights, as \`sdn train\` reports it.

## In Python

${fence}python
import torch, model
m = model.build()
m.load_state_dict(model.load_safetensors("weights-ema.safetensors")[0])   # PyTorch names or sdn paths, plain or weight_g/weight_v
x = torch.rand(8, *model.INPUTS[0][1]) * 2 - 1
out = m(x)                                   # out["elbo"]: per-image ELBO in nats
images = m.sample(16, temperature=0.85)
${fence}
`;
}

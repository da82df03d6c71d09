// Adamax (Kingma & Ba, 2015, §7.1) with PyTorch's semantics (torch.optim.Adamax, no weight decay):
//   m ← β1·m + (1−β1)·g
//   u ← max(β2·u, |g| + ε)
//   θ ← θ − lr / (1 − β1^t) · m / u        (t = 1, 2, … counts the updates)
// Each operation is rounded to float32 as PyTorch's float32 kernels do, so a step reproduces
// theirs to the last bit or so. State is float32 and is saved/restored exactly (resume).

export interface AdamaxOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface AdamaxState {
  m: Map<string, Float32Array>;
  u: Map<string, Float32Array>;
  /** Updates made so far (PyTorch's `step`). */
  step: number;
}

const f = Math.fround;

export class Adamax {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  state: AdamaxState;

  constructor(shapes: Map<string, ArrayLike<number>>, opts: AdamaxOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    const zeros = () => new Map([...shapes].map(([k, v]) => [k, new Float32Array(v.length)]));
    this.state = { m: zeros(), u: zeros(), step: 0 };
  }

  /** One update of every parameter in `params` (in place) from `grads` at learning rate `lr`. */
  update(params: Map<string, Float32Array>, grads: Map<string, Float32Array>, lr: number): void {
    const t = ++this.state.step;
    const b1 = f(this.beta1), b2 = f(this.beta2), eps = f(this.eps), oneMinusB1 = f(1 - this.beta1);
    // PyTorch computes clr = lr / (1 − β1^t) in double, then scales by −clr as a float32 scalar.
    const negClr = f(-(lr / (1 - this.beta1 ** t)));
    for (const [name, p] of params) {
      const g = grads.get(name), m = this.state.m.get(name), u = this.state.u.get(name);
      if (!g || !m || !u) throw new Error(`Adamax: no ${!g ? 'gradient' : 'state'} for parameter '${name}'`);
      if (g.length !== p.length) throw new Error(`Adamax: gradient of '${name}' has ${g.length} values, the parameter ${p.length}`);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = f(f(m[i] * b1) + f(oneMinusB1 * gi));
        const a = f(u[i] * b2), b = f(Math.abs(gi) + eps);
        const ui = a > b ? a : b;
        m[i] = mi;
        u[i] = ui;
        p[i] = f(p[i] + f(negClr * f(mi / ui)));
      }
    }
  }
}

// Exponential moving average of the trainable tensors, as the authors' EMA: shadow ← d·shadow +
// (1 − d)·θ after every optimizer step, started from the parameters at the start of training.
// Evaluation and sampling use the shadow (through weight norm, g and v are averaged, not w).
// decay 0 makes the shadow the current parameters.

export class Ema {
  readonly shadow: Map<string, Float32Array>;

  constructor(params: Map<string, Float32Array>, readonly decay: number, shadow?: Map<string, Float32Array>) {
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`EMA decay must be in [0, 1], got ${decay}`);
    this.shadow = shadow ?? new Map([...params].map(([k, v]) => [k, Float32Array.from(v)]));
  }

  update(params: Map<string, Float32Array>): void {
    const d = Math.fround(this.decay), c = Math.fround(1 - this.decay);
    for (const [name, p] of params) {
      const s = this.shadow.get(name);
      if (!s || s.length !== p.length) throw new Error(`EMA: no shadow of ${p.length} values for '${name}'`);
      for (let i = 0; i < p.length; i++) s[i] = Math.fround(d * s[i]) + Math.fround(c * p[i]);
    }
  }
}

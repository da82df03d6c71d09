// The one place that maps the compiler's parameter names to the authors' PyTorch state_dict
// names (lib/nn.py, lib/utils.py, lib/probability.py of the SDN repository). Module paths
// (labels in .sdn files) are the same on both sides; the names inside a layer differ.

/** Name of an SDN layer's parameter inside the layer, ours and theirs. */
export const sdnNames = {
  inWeight: ['in.weight', 'project_in_stage.weight'],
  inBias: ['in.bias', 'project_in_stage.bias'],
  outWeight: ['out.weight', 'project_out_stage.weight'],
  outBias: ['out.bias', 'project_out_stage.bias'],
  sweep: (i: number) => ({
    wIh: [`sweep.${i}.w_ih`, `sdn_correction_stage.${i}.cell.gru.weight_ih`],
    wHh: [`sweep.${i}.w_hh`, `sdn_correction_stage.${i}.cell.gru.weight_hh`],
    bIh: [`sweep.${i}.b_ih`, `sdn_correction_stage.${i}.cell.gru.bias_ih`],
    bHh: [`sweep.${i}.b_hh`, `sdn_correction_stage.${i}.cell.gru.bias_hh`],
  }),
} as const;

/** A GRU cell's tensors, ours and PyTorch GRUCell's. */
export const gruNames = { wIh: ['w_ih', 'weight_ih'], wHh: ['w_hh', 'weight_hh'], bIh: ['b_ih', 'bias_ih'], bHh: ['b_hh', 'bias_hh'] } as const;

/** A standalone sweep (the authors' _CorrectionLayer) keeps its GRU under `cell.gru`. */
export const sweepTorchPrefix = 'cell.gru';

/** ResSDN: the SDN branch and the convolution branch. */
export const resSdnNames = { sdn: ['sdn', 'sdn'], conv: ['conv', 'cnn'] } as const;

/** IAF posterior with `layers` masked layers: the autoregressive net's input, hidden and output convs. */
export function iafConvNames(layers: number): [string, string][] {
  const names: [string, string][] = [['arnn.in', 'arnn.conv_a']];
  // conv_b is an nn.Sequential of (ELU, MaskedConv2d) pairs, so the convs sit at odd indices.
  for (let i = 0; i < layers; i++) names.push([i === layers - 1 ? 'arnn.out' : `arnn.hidden${i}`, `arnn.conv_b.${2 * i + 1}`]);
  return names;
}

export const dlNames = { logscale: ['logscale', 'logscale'] } as const;

/** Maps a compiler path or a PyTorch name to the compiler path, given the graph's parameters. */
export function resolveParamName(name: string, params: readonly { path: string; torch: string }[]): string | undefined {
  return params.find((p) => p.path === name)?.path ?? params.find((p) => p.torch === name)?.path;
}

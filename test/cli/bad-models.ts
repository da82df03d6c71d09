// Model files for the bad-input corpus: each must give a diagnostic at its source position
// (or naming the flag), quickly, never a crash or a hang.
export interface BadModel {
  text: string;
  message: string | RegExp;
  /** Default: `sdn check FILE`. */
  command?: string[];
  args?: string[];
  code?: 1 | 2;
}

export const MODEL_CASES: Record<string, BadModel> = {
  // A byte-order mark must not shift line 1's columns.
  'bom.sdn': { text: '\uFEFFmodel m { let x = nope }\n', message: 'bom.sdn:1:19: error[E-UNKNOWN-NAME]: unknown name `nope`' },
};

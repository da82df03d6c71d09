// One op, few places: every IR op is named (as an op, outside comments) in at most four product
// files: its name in runtime/ir.ts, its entry in the compiler's op table (compiler/ops/), its CPU
// kernel entry (runtime/cpu/), and at most one more (its language binding, or a runtime tool that
// singles it out). See op-files.ts for what counts as naming an op.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { OP_NAMES } from '../../../compiler/ops/index.js';
import { filesNamingOps } from './op-files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const LIMIT = 4;

describe('op naming', () => {
  let named: Map<string, string[]>;
  beforeAll(() => {
    named = filesNamingOps(root);
  });

  it('finds every op of runtime/ir.ts, each named there', () => {
    expect([...named.keys()].sort()).toEqual([...OP_NAMES].sort());
    for (const [op, files] of named) expect(files, op).toContain('runtime/ir.ts');
  });

  it(`names no op in more than ${LIMIT} product files`, () => {
    const offenders = [...named].filter(([, files]) => files.length > LIMIT).map(([op, files]) => `${op} (${files.length}): ${files.join(', ')}`);
    expect(offenders, `ops named in more than ${LIMIT} files:\n${offenders.join('\n')}`).toEqual([]);
  });
});

// The shipped models are kept in `sdn fmt`'s canonical form.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fmtFile } from '../../cli/commands/fmt.js';

const dir = resolve(__dirname, '../../models');
const files = [...readdirSync(dir).filter((f) => f.endsWith('.sdn')).map((f) => join(dir, f)), ...readdirSync(join(dir, 'lib')).map((f) => join(dir, 'lib', f))];

describe('models/', () => {
  it.each(files)('%s is formatted', (file) => {
    expect(fmtFile(file, 'check').status).toBe('unchanged');
  });
});

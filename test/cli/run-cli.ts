// Runs the CLI from source in a child process (node + tsx), for the command tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from '../runtime/train/helpers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tsx's loader by URL, so that the CLI also runs from a folder outside the repository. */
export const TSX = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;

export function startCli(args: string[], cwd = REPO): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', TSX, `${REPO}/cli/main.ts`, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export const runCli = (args: string[], cwd = REPO): Promise<CliResult> => startCli(args, cwd).done;

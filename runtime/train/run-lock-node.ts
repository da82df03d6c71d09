// One writer per run folder: `train.lock` holds the pid of the process training into it. A second
// writer gets RunLockedError naming the folder and that pid; a lock whose process is gone (a
// crash, SIGKILL) is taken over.
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class RunLockedError extends Error {
  override name = 'RunLockedError';
}

export const LOCK_FILE = 'train.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Throws RunLockedError when a live process holds `dir` (checked before anything else about a run folder). */
export function assertUnlocked(dir: string): void {
  const pid = Number(holder(join(dir, LOCK_FILE))?.trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw lockedError(dir, pid);
}

const lockedError = (dir: string, pid: number) =>
  new RunLockedError(`${dir} is in use by another sdn train (pid ${pid}); wait for it to finish, or train into another -o folder`);

/** Locks `dir` for this process; the returned function (also run at exit) releases it. */
export function lockRunDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  // Written whole under a private name, then hard-linked: the lock appears atomically with its pid.
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}`);
  writeFileSync(tmp, mine);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const text = holder(path);
      if (text === undefined) continue; // released meanwhile
      const pid = Number(text.trim());
      if (pid === process.pid) break;
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw lockedError(dir, pid);
      }
      // Stale: remove it only if it is still the same stale lock, then try again.
      if (holder(path) === text) rmSync(path, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (holder(path) === mine) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', release);
  return release;
}

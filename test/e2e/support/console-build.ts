/**
 * The browser tests test the console as built in dist/console, so they first make sure that build
 * is not older than its sources (web/, src/client/): when it is, or is missing, they run
 * `npm run build:console` once. Test files run in parallel processes: a lock directory makes one of
 * them build while the others wait, then find the build fresh.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CONSOLE_DIST = join(ROOT, 'dist/console');
const SOURCES = ['web', 'src/client'].map((p) => join(ROOT, p));
const LOCK = join(ROOT, '.tmp/console-build.lock');
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Why dist/console must be built again, or undefined when it is up to date. */
export function consoleBuildProblem(): string | undefined {
  const index = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return `${index} is missing`;
  const built = statSync(index).mtimeMs;
  const changed = Math.max(...SOURCES.map(newestMtime));
  return changed > built ? 'console/ or src/client/ changed since dist/console was built' : undefined;
}

async function build(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await promisify(execFile)(npm, ['run', 'build:console'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build:console failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ensureConsoleBuilt(): Promise<void> {
  if (!consoleBuildProblem()) return;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      // Another test file is building: poll until it is done (a lock, not a timing assumption).
      await wait(200);
    }
  }
  try {
    if (consoleBuildProblem()) await build();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

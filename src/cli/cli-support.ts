import type { Services } from '../services.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { openServices } from '../start/boot.js';
import { databaseUnavailable } from '../storage/db-errors.js';

/** Thrown after an error was printed, so the command ends without a second message. */
export class CliExit extends Error {}

/**
 * Runs one CLI action on the configured database and closes it; errors become one stderr line and
 * exit 1. Logs (pino JSON, at LOG_LEVEL) go to stderr, so stdout keeps only the command's result.
 */
export async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  let opened: Awaited<ReturnType<typeof openServices>> | undefined;
  try {
    const config = loadConfig();
    opened = await openServices(config, createLogger({ level: config.logLevel, fd: 2 }));
    return await fn(opened.services);
  } catch (err) {
    const known = err instanceof AppError || err instanceof ConfigError ? err : databaseUnavailable(err);
    const msg = known ? known.message : String((err as Error)?.stack ?? err);
    process.stderr.write(`campaignd: ${msg}\n`);
    process.exitCode = 1;
    throw new CliExit();
  } finally {
    await opened?.db.close();
  }
}

/** `--json` prints exactly one JSON object; otherwise aligned `key  value` lines. */
export function print(obj: Record<string, unknown>, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(obj)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  for (const [k, v] of Object.entries(obj)) {
    process.stdout.write(`${k.padEnd(width)}  ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
  }
}

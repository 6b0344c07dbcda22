import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Paths that must never reach a log line: credentials in request headers and anything named like
 * a secret in what is logged (docs/architecture.md).
 */
export const REDACT = [
  'req.headers.auth',
  'req.headers.authorization',
  'req.headers["x-campaignd-signature"]',
  'req.headers.cookie',
  '*.clientSecret',
  '*.secret',
  '*.token',
  // Agents' credentials, configuration values that are secrets, and pre-call headers (often API keys),
  // should an object holding them ever be logged whole.
  '*.credential',
  '*.adminToken',
  '*.metricsToken',
  '*.secretsKey',
  '*.telephonyWebhookSecret',
  '*.precall.headers',
  '*.headers.authorization',
  '*.headers.auth',
];

export interface LoggerOptions {
  level: LogLevel;
  /** File descriptor to write JSON lines to: 1 (stdout, the server) or 2 (stderr: the worker, the CLI). Default 1. */
  fd?: 1 | 2;
}

/**
 * The process's one pino logger, JSON lines with `time` and `level`. Components log through
 * children that name them (`log.child({ component: 'engine' })`) and add the campaign and instance
 * they speak of (`{ campaignId, instanceId }`), so one grep follows a campaign across processes.
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino({ level: opts.level, redact: REDACT }, pino.destination({ fd: opts.fd ?? 1, sync: true }));
}

/** A logger that writes nothing (tests, and components built without one). */
export const silentLogger: Logger = pino({ level: 'silent' });

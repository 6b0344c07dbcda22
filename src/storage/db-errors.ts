import { errors } from '../shared/errors.js';
import type { AppError } from '../shared/errors.js';

/** True for a unique-constraint violation on either dialect (SQLite: SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL: 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Runs `fn`, turning a unique violation into the given 409 so races end as conflicts, not 500s. */
export async function mapUnique<T>(fn: () => Promise<T>, conflict: () => AppError): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    throw err;
  }
}

export const duplicateName = (what: string, name: string): AppError =>
  errors.conflict(`${what} name '${name}' already exists`, 'name');

/** pg's own messages when it gives up on the server (no code on these). */
const PG_GAVE_UP =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs that say the database cannot serve now, not that the request is wrong: connection
 * exceptions (08…), operator intervention (57P01–57P05: shutdown, cannot connect now), too many
 * connections (53300), out of disk (53100), statement or idle-in-transaction timeout (57014, 25P03).
 */
const PG_UNAVAILABLE = /^(08|57P0|53100|53300|57014|25P03)/;

/**
 * Whether `err` means the database cannot serve right now (down, frozen, full, locked too long)
 * rather than that something is wrong with the request, as a 503 the client may retry; undefined
 * for anything else. The real error goes to the log; the client gets no internals.
 */
export function databaseUnavailable(err: unknown): AppError | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === 'SQLITE_FULL' || code === '53100')
    return errors.unavailable('The database is out of disk space; nothing was changed', 60);
  if (code.startsWith('SQLITE_BUSY')) return errors.unavailable('The database is busy; try again shortly', 1);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
    return errors.unavailable('The database cannot be written; nothing was changed', 30);
  }
  if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code) || PG_GAVE_UP.test(message)) {
    return errors.unavailable('The database is not answering; try again shortly', 5);
  }
  return undefined;
}

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

/**
 * Vitest globalSetup: one throwaway PostgreSQL per run, with a template database migrated to the
 * latest schema. Each test file clones the template (test/support/test-db.ts), which takes
 * milliseconds instead of a migration per file.
 */
import crypto from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { openDb } from '../../src/storage/db.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { createDatabase, dropDatabase, startPostgres, withAdminClient } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL server (its `postgres` database). */
    pgUrl: string;
    /** Name of the migrated template database on that server. */
    pgTemplate: string;
  }
}

export const TEMPLATE_DATABASE = 'campaignd_template';

/** Creates `name` on the server, migrates it, and freezes it as a template nobody can connect to. */
export async function createTemplateDatabase(serverUrl: string, name: string): Promise<void> {
  await dropDatabase(serverUrl, name);
  const url = await createDatabase(serverUrl, name);
  const db = openDb({ databaseUrl: url, poolSize: 1, secrets: SecretBox.ephemeral() });
  try {
    await migrate(db);
  } finally {
    // CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template.
    await db.close();
  }
  await withAdminClient(serverUrl, (c) =>
    c.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`),
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const server = await startPostgres();
  // A shared external server may serve several runs at once: give each its own template.
  const template = server.external ? `campaignd_template_${crypto.randomBytes(4).toString('hex')}` : TEMPLATE_DATABASE;
  try {
    await createTemplateDatabase(server.url, template);
  } catch (err) {
    await server.stop();
    throw err;
  }
  project.provide('pgUrl', server.url);
  project.provide('pgTemplate', template);
  const where = server.external
    ? 'external server (TEST_DATABASE_URL)'
    : `PostgreSQL ${server.version} on port ${server.port}`;
  console.log(`[test-db] ${where}, template ${template} ready in ${Math.round(performance.now() - started)} ms`);

  return async () => {
    if (server.external) await dropDatabase(server.url, template).catch(() => {});
    await server.stop();
  };
}

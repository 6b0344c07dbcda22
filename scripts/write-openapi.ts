/**
 * Writes openapi.json from the running app's route schemas; `--check` fails when the committed
 * file has drifted from the code (CI runs it through `npm test`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/shared/clock.js';
import { loadConfig } from '../src/shared/config.js';
import { openDb } from '../src/storage/db.js';
import { SecretBox } from '../src/shared/secret-box.js';

const file = path.resolve(import.meta.dirname, '..', 'openapi.json');
const check = process.argv.includes('--check');

const db = openDb({ sqliteFile: ':memory:', secrets: SecretBox.ephemeral() });
const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, clock: systemClock });
await app.ready();
const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
await app.close();

if (check) {
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (committed !== text) {
    console.error('openapi.json is out of date: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../shared/config.js';
import { parseKey, SecretBox } from '../shared/secret-box.js';

/** The key file used when SECRETS_KEY is not set, in DATA_DIR next to the SQLite database. */
export const KEY_FILE = 'secrets.key';

/**
 * The secrets key of this installation: SECRETS_KEY when set, else `DATA_DIR/secrets.key`, made on
 * the first start (readable by its owner only). Several processes starting at once make one: the
 * file appears complete or not at all (written aside, then linked into place), and the losers read
 * the winner's. Back it up apart from the database: a copy of the database alone then cannot mint
 * tokens or reach a CRM.
 */
export function secretBoxOf(config: Pick<Config, 'secretsKey' | 'secretsKeysOld' | 'dataDir'>): SecretBox {
  return new SecretBox(config.secretsKey ?? keyFile(config.dataDir), config.secretsKeysOld);
}

function keyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(aside, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }
  const key = parseKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

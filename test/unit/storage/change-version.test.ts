import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EXTERNAL_POLL_MS, sqliteChangeVersion } from '../../../src/storage/change-version.js';

describe('sqliteChangeVersion', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-version-'));
  const file = path.join(dir, 'v.sqlite');
  const open: Database.Database[] = [];
  const connect = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    open.push(db);
    return db;
  };
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  });

  it('stays put while nothing is written and moves on every write of its own connection', () => {
    const db = connect();
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const t = 0;
    const version = sqliteChangeVersion(db, () => t);
    const v0 = version();
    expect(version()).toBe(v0);
    db.prepare('INSERT INTO t (v) VALUES (?)').run('a');
    const v1 = version();
    expect(v1).not.toBe(v0);
    db.prepare('UPDATE t SET v = ? WHERE id = 1').run('b');
    expect(version()).not.toBe(v1);
    // A write that touches no row changes nothing.
    const v2 = version();
    db.prepare('UPDATE t SET v = ? WHERE id = 99').run('c');
    expect(version()).toBe(v2);
  });

  it('is undefined inside a transaction, whose reads may be uncommitted', () => {
    const db = connect();
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const version = sqliteChangeVersion(db, () => 0);
    db.exec('BEGIN');
    expect(version()).toBeUndefined();
    db.exec('ROLLBACK');
    expect(version()).toBeTypeOf('number');
  });

  it("sees another connection's commit once the poll interval has passed", () => {
    const db = connect();
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const other = connect();
    let t = 1000;
    const version = sqliteChangeVersion(db, () => t);
    const v0 = version();
    other.prepare('INSERT INTO t DEFAULT VALUES').run();
    t += EXTERNAL_POLL_MS - 1;
    expect(version()).toBe(v0);
    t += 1;
    expect(version()).not.toBe(v0);
  });
});

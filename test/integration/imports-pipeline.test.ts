/**
 * The fast import path on both dialects: the CSV worker thread, packed batches,
 * dedupe with and without the exclusive-mode filter, and what is visible while a job runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import {
  csvSource,
  readCsvBatches,
  warmCsvWorker,
  type CsvBatchSource,
} from '../../src/domain/contacts/csv-batches.js';
import { readCsvImportBatches, readCsvRows } from '../../src/domain/contacts/csv-source.js';
import type { BatchSource, RowSource } from '../../src/domain/contacts/import-source.js';
import { HEARTBEAT_MS, ImportService, STALE_AFTER_MS } from '../../src/domain/contacts/import-service.js';
import { emptyBatch, type ImportBatch } from '../../src/storage/repos/import-batch.js';
import { ImportsRepo } from '../../src/storage/repos/imports-repo.js';
import { ContactsRepo } from '../../src/storage/repos/contacts-repo.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS, storedContacts } from '../support/test-db.js';

/** 60 rows, 5 of them bad; 39 distinct numbers, repeats spread over batches. */
function csv(): string {
  const lines = ['phoneNumber,firstName,Note'];
  for (let i = 0; i < 60; i++) {
    if (i % 13 === 5) lines.push(`not a number ${i},Bad${i},x`);
    else lines.push(`415555${String(2600 + (i < 40 ? i : i % 20)).padStart(4, '0')},Name${i},"note, ${i}"`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe.each(DIALECTS)('import pipeline on %s', (dialect) => {
  const t = useTestApp(dialect);
  const tenant = () => ({ accountId: t().tenant.accountId, botId: t().tenant.iid });

  async function list(name: string) {
    await t().addList(name);
    return (await t().repos.contactLists.findByName(tenant(), name))!;
  }

  async function importInto(name: string, source: (input: Readable) => BatchSource) {
    const l = await list(name);
    const job = await t().services.imports.createJob(tenant(), l, 'csv', 'x.csv');
    const done = await t().services.imports.run(job, l, source(Readable.from([csv()])));
    const page = await t().services.contactLists.contactsPage(tenant(), l.id, { limit: 100 });
    const rejects = await t().services.imports.rejects(job.id, 0, 100);
    return {
      done,
      phones: page.results.map((c: { phoneNumberE164: string; firstName?: string }) => [
        c.phoneNumberE164,
        c.firstName,
      ]),
      rejects: rejects.results,
      total: page.totalResults,
    };
  }

  it('gives the same job, contacts and rejects through the worker thread as on this thread, dedupe across batches', async () => {
    const opts = { defaultCountry: 'US', ...t().services.imports.batchOptions, batchRows: 7 };
    const inThread = await importInto('In thread', (input) => ({
      batches: readCsvImportBatches(input, opts, opts.batchRows),
    }));
    const worker = await importInto('On a worker', (input) => readCsvBatches(input, opts));
    // A file the worker reads itself (the CLI), counting what it read.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-csv-')), 'contacts.csv');
    fs.writeFileSync(file, csv());
    let fromFile: CsvBatchSource | undefined;
    const worked = await importInto('Worker reads the file', () => (fromFile = readCsvBatches({ file }, opts)));
    expect(worked.phones).toEqual(inThread.phones);
    expect(worked.rejects).toEqual(inThread.rejects);
    expect(fromFile!.bytesRead()).toBe(fs.statSync(file).size);
    // A worker started ahead of its input (the CLI's warm-up), told how to read the file later.
    const warm = warmCsvWorker(fs.statSync(file).size + (1 << 20), async () => true);
    const warmed = await importInto('Warmed-up worker', () => csvSource({ file }, opts, warm));
    expect(await warm.close()).toBe(false); // taken, so the source stopped it
    expect(warmed.phones).toEqual(inThread.phones);
    expect(warmed.rejects).toEqual(inThread.rejects);
    expect(inThread.done).toMatchObject({
      status: 'completed',
      totalRows: 60,
      imported: 39,
      duplicates: 16,
      rejected: 5,
    });
    expect(worker.done).toMatchObject({
      status: 'completed',
      totalRows: 60,
      imported: 39,
      duplicates: 16,
      rejected: 5,
    });
    expect(worker.phones).toEqual(inThread.phones);
    expect(worker.rejects).toEqual(inThread.rejects);
    expect(worker.rejects[0]).toEqual({
      rowNumber: 7,
      column: 'phoneNumber',
      reason: 'invalid phone number "not a number 5": contains letters',
    });
    expect(inThread.phones[0]).toEqual(['+14155552600', 'Name0']);
    expect(inThread.total).toBe(39);
  });

  it('stores every character a cell can hold, as given, whichever way the rows arrive', async () => {
    // 2,500 rows: parsed in 1,024-row pieces and joined into one write batch (on PostgreSQL, one
    // COPY built from three pieces of COPY text); from row 1,100 on, every 10th number repeats an earlier piece's.
    const odd = [
      'tab\there',
      'line\nbreak',
      'cr\rhere',
      'back\\slash',
      '\\N',
      '\\.',
      'é日本😀',
      '"quoted", with comma',
    ];
    const cell = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const lines = ['phoneNumber,firstName,lastName,uniqueId,Note'];
    const expected: unknown[] = [];
    const seen = new Set<string>();
    let [line, nulRow] = [2, 0];
    for (let i = 0; i < 2500; i++) {
      const n = i % 10 === 9 && i >= 1100 ? i - 1100 : i;
      const phone = `+1415555${String(n).padStart(4, '0')}`;
      const [first, last, note] = [
        odd[i % odd.length]!,
        `${odd[(i + 3) % odd.length]!}${i}`,
        i % 7 === 0 ? 'nul\u0000inside' : odd[(i + 5) % odd.length]!,
      ];
      if (i === 1500) {
        nulRow = line; // rejected: PostgreSQL text cannot hold a NUL
        lines.push(`${phone},${cell('Bo\u0000b')},x,,y`);
        line++;
        continue;
      }
      const record = [phone, cell(first), cell(last), cell(`u${i}`), cell(note)].join(',');
      lines.push(record);
      line += 1 + (record.match(/\r\n|\r|\n/g)?.length ?? 0); // row numbers are physical lines
      if (seen.has(phone)) continue;
      seen.add(phone);
      expected.push({ phoneNumberE164: phone, firstName: first, lastName: last, uniqueId: `u${i}`, Note: note });
    }
    const text = `${lines.join('\n')}\n`;
    const opts = { defaultCountry: 'US', ...t().services.imports.batchOptions };
    const sources: Record<string, (input: Readable) => RowSource | BatchSource> = {
      rows: (input) => readCsvRows(input, opts),
      'batches on this thread': (input) => ({ batches: readCsvImportBatches(input, opts, opts.batchRows) }),
      'batches from a worker': (input) => readCsvBatches(input, opts),
    };
    for (const [name, source] of Object.entries(sources)) {
      const l = await list(name);
      const job = await t().services.imports.createJob(tenant(), l, 'csv', 'odd.csv');
      const done = await t().services.imports.run(job, l, source(Readable.from([text])));
      expect(done, name).toMatchObject({
        status: 'completed',
        totalRows: 2500,
        imported: expected.length,
        duplicates: 2499 - expected.length,
        rejected: 1,
      });
      const got: unknown[] = [];
      for (let skip = 0; skip < expected.length; skip += 500) {
        const page = await t().services.contactLists.contactsPage(tenant(), l.id, { skip, limit: 500 });
        for (const c of page.results as Record<string, unknown>[])
          got.push({
            phoneNumberE164: c.phoneNumberE164,
            firstName: c.firstName,
            lastName: c.lastName,
            uniqueId: c.uniqueId,
            Note: c.Note,
          });
      }
      expect(got, name).toEqual(expected);
      expect((await t().services.imports.rejects(job.id, 0, 10)).results, name).toEqual([
        { rowNumber: nulRow, column: 'firstName', reason: 'contains a NUL character' },
      ]);
    }
  });

  it('stops a warmed-up CSV worker nobody took, and starts none for a small file or a busy machine', async () => {
    const unused = warmCsvWorker(2 << 20, async () => true);
    expect(await unused.close()).toBe(true);
    expect(await unused.close()).toBe(false);
    const small = warmCsvWorker(1000, async () => true);
    expect(await small.take()).toBeUndefined();
    const busy = warmCsvWorker(2 << 20, async () => false);
    expect(await busy.take()).toBeUndefined();
    expect(await busy.close()).toBe(false);
  });

  it('finds duplicates among contacts already on the list (no exclusive mode) and of another job', async () => {
    const opts = { defaultCountry: 'US', batchRows: 9 };
    const l = await list('Twice');
    for (const expected of [
      { imported: 39, duplicates: 16 },
      { imported: 0, duplicates: 55 },
    ]) {
      const job = await t().services.imports.createJob(tenant(), l, 'csv', 'x.csv');
      const done = await t().services.imports.run(job, l, readCsvBatches(Readable.from([csv()]), opts));
      expect(done).toMatchObject({ status: 'completed', ...expected });
    }
    expect((await t().services.contactLists.get(tenant(), l.id)).totalRecordCount).toBe(39);
  });

  it('shows progress but none of the rows while a job runs, and all of them once it completes', async () => {
    const l = await list('Watched');
    const job = await t().services.imports.createJob(tenant(), l, 'api');
    const batch = (from: number): ImportBatch => ({
      ...emptyBatch(),
      rows: 3,
      contacts: [0, 1, 2].map((i) => [
        `+1415555${2700 + from + i}`,
        `415555${2700 + from + i}`,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
      ]),
    });
    const seen: { visible: number; progress: number }[] = [];
    async function* batches() {
      yield batch(0);
      // The first batch is written (PostgreSQL may still be committing it: batches are pipelined):
      // the job shows it, the list does not.
      const progress = async () => (await t().services.imports.get(job.id)).imported;
      for (let i = 0; i < 1000 && (await progress()) === 0; i++) await new Promise((resolve) => setImmediate(resolve));
      const page = await t().services.contactLists.contactsPage(tenant(), l.id, {});
      seen.push({ visible: page.totalResults, progress: await progress() });
      // Nor does a membership check (DNC) count them, or the engine's play-time read.
      expect([...(await t().services.dnc.blockedNumbers(tenant(), [l.id], ['+14155552700']))]).toEqual([]);
      expect(await new ContactsRepo(t().db.kysely).playContacts([l.id])).toEqual([]);
      yield batch(3);
    }
    const done = await t().services.imports.run(job, l, { batches: batches() });
    expect(seen).toEqual([{ visible: 0, progress: 3 }]);
    expect(done).toMatchObject({ status: 'completed', imported: 6 });
    expect((await t().services.contactLists.contactsPage(tenant(), l.id, {})).totalResults).toBe(6);
  });

  it('leaves nothing behind when the source fails after some batches', async () => {
    const l = await list('Broken');
    const job = await t().services.imports.createJob(tenant(), l, 'api');
    async function* batches(): AsyncGenerator<ImportBatch> {
      yield {
        ...emptyBatch(),
        rows: 1,
        contacts: [['+14155552790', '4155552790', null, null, null, null, null, null, null]],
      };
      throw new Error('upload aborted');
    }
    await expect(t().services.imports.run(job, l, { batches: batches() })).rejects.toThrow('upload aborted');
    expect(await t().services.imports.get(job.id)).toMatchObject({
      status: 'failed',
      imported: 0,
      error: 'Import failed: upload aborted',
    });
    expect(await storedContacts(t().db, l.id)).toEqual([]);
    expect((await t().services.contactLists.get(tenant(), l.id)).totalRecordCount).toBe(0);
  });

  it('stops a job that was failed underneath it (judged dead), keeping none of its rows', async () => {
    const l = await list('Swept');
    const job = await t().services.imports.createJob(tenant(), l, 'api');
    async function* batches(): AsyncGenerator<ImportBatch> {
      yield {
        ...emptyBatch(),
        rows: 1,
        contacts: [['+14155552791', '4155552791', null, null, null, null, null, null, null]],
      };
      await t()
        .db.kysely.updateTable('imports')
        .set({ status: 'failed', error: 'swept' })
        .where('id', '=', job.id)
        .execute();
      yield {
        ...emptyBatch(),
        rows: 1,
        contacts: [['+14155552792', '4155552792', null, null, null, null, null, null, null]],
      };
    }
    await expect(t().services.imports.run(job, l, { batches: batches() })).rejects.toThrow(/no longer running/);
    expect((await t().services.contactLists.contactsPage(tenant(), l.id, {})).totalResults).toBe(0);
  });

  it('leaves neither rows nor indexed numbers of a job failed while completing', async () => {
    const l = await list('Failed late');
    const repo = new ImportsRepo(t().db);
    const numbersOf = async () =>
      (
        await t()
          .db.kysely.selectFrom('contact_phones')
          .innerJoin('contact_lists', 'contact_lists.list_no', 'contact_phones.list_no')
          .select('contact_phones.seq')
          .where('contact_lists.id', '=', l.id)
          .execute()
      ).length;
    const written = async () => {
      const job = await t().services.imports.createJob(tenant(), l, 'api');
      expect(await repo.start(job.id, t().clock.now(), new Date(t().clock.now()).toISOString())).toBe('started');
      const writer = await repo.openWriter({ id: job.id, listId: l.id, allowDuplicates: false });
      await writer.write(
        {
          ...emptyBatch(),
          rows: 2,
          contacts: [
            ['+14155552781', 'a', null, null, null, null, null, null, null],
            ['+14155552782', 'b', null, null, null, null, null, null, null],
          ],
        },
        t().clock.now(),
      );
      await writer.settle(); // committed (PostgreSQL pipelines it)
      return { job, writer };
    };
    // Failed before completing: completion stops at its first chunk and indexes nothing.
    const first = await written();
    await repo.fail(first.job.id, 'swept', new Date(t().clock.now()).toISOString());
    await expect(first.writer.complete(t().clock.now(), new Date(t().clock.now()).toISOString())).rejects.toThrow(
      /no longer running/,
    );
    expect(await numbersOf()).toBe(0);
    // Failed after its numbers were indexed (SQLite: a crash between completion chunks): both go.
    const second = await written();
    const listNo = (
      await t().db.kysely.selectFrom('contact_lists').select('list_no').where('id', '=', l.id).executeTakeFirstOrThrow()
    ).list_no;
    if (t().db.dialect === 'sqlite')
      await sql`INSERT INTO contact_phones (list_no, phone_e164, seq) SELECT list_no, phone_e164, seq FROM contacts WHERE list_no = ${listNo}`.execute(
        t().db.kysely,
      );
    expect(await numbersOf()).toBe(2);
    expect(await repo.fail(second.job.id, 'swept', new Date(t().clock.now()).toISOString())).toBe(true);
    expect(await numbersOf()).toBe(0);
    expect(await storedContacts(t().db, l.id)).toEqual([]);
  });

  /** A batch of valid contacts with these numbers. */
  const batchOf = (...phones: string[]): ImportBatch => ({
    ...emptyBatch(),
    rows: phones.length,
    contacts: phones.map((p) => [p, p, null, null, null, null, null, null, null]),
  });

  /** What another process would run: its own service (own per-list queue) on the same database. */
  function otherProcess() {
    const repo = new ImportsRepo(t().db);
    const busy = { count: 0, seen: (): void => {} };
    const start = repo.start.bind(repo);
    repo.start = async (...args) => {
      const r = await start(...args);
      if (r === 'busy') {
        busy.count++;
        busy.seen();
      }
      return r;
    };
    const lookups = {
      tenancy: t().repos.tenancy,
      lists: t().repos.contactLists,
      contactLists: t().services.contactLists,
    };
    return { service: new ImportService(repo, t().clock, lookups), busy };
  }

  it('keeps the first of each number, within a batch and against earlier rows, on an empty list and on a filled one, in list order', async () => {
    const l = await list('Held duplicates');
    const n = (i: number) => `+1415555${String(3000 + i)}`;
    // 40 numbers with repeats inside one 16-row INSERT group (1, 2), across groups (3) and of the first contact (0).
    const first = [
      0,
      1,
      1,
      2,
      3,
      2,
      ...Array.from({ length: 14 }, (_, i) => 4 + i),
      3,
      0,
      ...Array.from({ length: 18 }, (_, i) => 18 + i),
      35,
      0,
    ];
    const run = async (phones: string[]) => {
      const job = await t().services.imports.createJob(tenant(), l, 'api');
      return t().services.imports.run(job, l, {
        batches: (async function* () {
          yield batchOf(...phones);
        })(),
      });
    };
    expect(await run(first.map(n))).toMatchObject({ status: 'completed', imported: 36, duplicates: 6 });
    // The list is no longer empty, so every number is looked up (PostgreSQL: no filter).
    expect(await run([36, 4, 37, 37, 38, 36].map(n))).toMatchObject({
      status: 'completed',
      imported: 3,
      duplicates: 3,
    });
    const rows = await storedContacts(t().db, l.id);
    expect(rows.map((r) => r.phone_e164)).toEqual([...Array.from({ length: 36 }, (_, i) => n(i)), n(36), n(37), n(38)]);
    // List order is file order. (SQLite deletes duplicates when the import completes, leaving their seqs unused.)
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    if (dialect === 'postgres') expect(seqs).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(await t().services.contactLists.contactsPage(tenant(), l.id, { limit: 100 })).toMatchObject({
      totalResults: 39,
    });
  });

  it('finds every duplicate of a file bigger than one completion chunk, across chunks and batches, and against the list', async () => {
    // 70,000 numbers in ascending order, so sorted order is file order: SQLite indexes them on
    // completion 65,536 at a time, and the repeat at row 65,536 is its number's second copy, in the
    // second chunk; others repeat a number of an earlier batch, and of the very first row.
    const l = await list('Big');
    const phone = (i: number) => `+1415${2000000 + i}`;
    const phones = Array.from({ length: 70_000 }, (_, i) => phone(i));
    for (const [at, copyOf] of [
      [10, 9],
      [65_536, 65_535],
      [20_000, 3],
      [69_999, 0],
    ] as const)
      phones[at] = phone(copyOf);
    const run = async (numbers: string[]) => {
      const job = await t().services.imports.createJob(tenant(), l, 'api');
      const batches = async function* () {
        for (let i = 0; i < numbers.length; i += 8192) yield batchOf(...numbers.slice(i, i + 8192));
      };
      return t().services.imports.run(job, l, { batches: batches() });
    };
    expect(await run(phones)).toMatchObject({
      status: 'completed',
      totalRows: 70_000,
      imported: 69_996,
      duplicates: 4,
    });
    expect(await run([phone(0), phone(65_535), phone(70_000), phone(70_000)])).toMatchObject({
      status: 'completed',
      imported: 1,
      duplicates: 3,
    });
    const stored = await storedContacts(t().db, l.id);
    expect(stored.length).toBe(69_997);
    expect(new Set(stored.map((r) => r.phone_e164)).size).toBe(69_997);
    expect(stored.at(-1)!.phone_e164).toBe(phone(70_000));
    expect(await new ContactsRepo(t().db.kysely).onLists([l.id], [phone(65_535), phone(70_001)])).toEqual(
      new Map([[phone(65_535), l.id]]),
    );

    // Numbers that arrive in ascending order (repeats right after their first) skip SQLite's sort.
    const ascending = await list('Big ascending');
    const job = await t().services.imports.createJob(tenant(), ascending, 'api');
    const inOrder = phones.slice(0, 69_999).map((p, i) => (i === 20_000 ? phone(19_999) : p));
    const batches = async function* () {
      for (let i = 0; i < inOrder.length; i += 8192) yield batchOf(...inOrder.slice(i, i + 8192));
    };
    expect(await t().services.imports.run(job, ascending, { batches: batches() })).toMatchObject({
      status: 'completed',
      imported: 69_996,
      duplicates: 3,
    });
    const kept = (await storedContacts(t().db, ascending.id)).map((r) => r.phone_e164);
    expect(kept).toEqual([...new Set(inOrder)]);
  });

  it('drops duplicates of a batch that is still committing (PostgreSQL writes two at once), on an empty list and on a filled one', async () => {
    const l = await list('Pipelined duplicates');
    const n = (i: number) => `+1415555${String(3100 + i)}`;
    const run = async (batches: number[][]) => {
      const job = await t().services.imports.createJob(tenant(), l, 'api');
      return t().services.imports.run(job, l, {
        batches: (async function* () {
          for (const b of batches) yield batchOf(...b.map(n));
        })(),
      });
    };
    expect(
      await run([
        [1, 2],
        [2, 3],
        [3, 4],
        [1, 4, 5],
      ]),
    ).toMatchObject({ status: 'completed', imported: 5, duplicates: 4 });
    expect(
      await run([
        [6, 7],
        [7, 8],
        [8, 6, 1],
      ]),
    ).toMatchObject({ status: 'completed', imported: 3, duplicates: 4 });
    const rows = await storedContacts(t().db, l.id);
    expect(rows.map((r) => r.phone_e164)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(n));
    // SQLite leaves the seqs of the duplicates it deleted on completion unused.
    expect(rows.map((r) => Number(r.seq))).toEqual(
      dialect === 'postgres' ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 4, 6, 9, 10, 11, 13],
    );
  });

  it('runs imports into one list one at a time across processes: the second waits queued, then appends', async () => {
    const l = await list('Shared');
    const other = otherProcess();
    const first = await t().services.imports.createJob(tenant(), l, 'api');
    const second = await other.service.createJob(tenant(), l, 'api');
    let firstWrote!: () => void;
    const firstWroteOne = new Promise<void>((resolve) => (firstWrote = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* firstBatches() {
      yield batchOf('+14155552801');
      firstWrote();
      await gate;
      yield batchOf('+14155552802');
    }
    const runFirst = t().services.imports.run(first, l, { batches: firstBatches() });
    await firstWroteOne;
    const twiceBusy = new Promise<void>((resolve) => (other.busy.seen = () => other.busy.count >= 2 && resolve()));
    let waits = 0;
    const runSecond = other.service.run(
      second,
      l,
      {
        batches: (async function* () {
          yield batchOf('+14155552803', '+14155552801');
        })(),
      },
      { onWaiting: () => waits++ },
    );
    await Promise.race([
      twiceBusy,
      runSecond.then(() => expect.fail('the second import ran while the first held the list')),
    ]);
    expect(await other.service.get(second.id)).toMatchObject({ status: 'queued', imported: 0 });

    release();
    expect(await runFirst).toMatchObject({ status: 'completed', imported: 2 });
    expect(await runSecond).toMatchObject({ status: 'completed', imported: 1, duplicates: 1 });
    expect(waits).toBe(1); // told once (the CLI prints it), however long it waited
    const page = await t().services.contactLists.contactsPage(tenant(), l.id, {});
    expect(page.results.map((c: { phoneNumberE164: string }) => c.phoneNumberE164)).toEqual([
      '+14155552801',
      '+14155552802',
      '+14155552803',
    ]);
    expect(page.totalResults).toBe(3);
  });

  it('fails a job that holds the list but whose process died, deleting its rows, and then runs', async () => {
    const l = await list('Orphaned');
    const repo = new ImportsRepo(t().db);
    // A process started an import, wrote a batch and died.
    const dead = await t().services.imports.createJob(tenant(), l, 'api');
    expect(await repo.start(dead.id, t().clock.now(), new Date(t().clock.now()).toISOString())).toBe('started');
    const writer = await repo.openWriter({ id: dead.id, listId: l.id, allowDuplicates: false });
    await writer.write(batchOf('+14155552811', '+14155552812'), t().clock.now());
    t().clock.advance(STALE_AFTER_MS + 1);

    const other = otherProcess();
    const job = await other.service.createJob(tenant(), l, 'api');
    expect(
      await other.service.run(job, l, {
        batches: (async function* () {
          yield batchOf('+14155552811', '+14155552813');
        })(),
      }),
    ).toMatchObject({
      status: 'completed',
      imported: 2,
      duplicates: 0,
    });
    expect(other.busy.count).toBe(1);
    expect(await t().services.imports.get(dead.id)).toMatchObject({
      status: 'failed',
      imported: 0,
      error: expect.stringMatching(/process running it stopped/),
    });
    const rows = await storedContacts(t().db, l.id);
    expect(rows.map((r) => [r.phone_e164, Number(r.seq)])).toEqual([
      ['+14155552811', 1],
      ['+14155552813', 2],
    ]);
  });

  it('lets the list be renamed while an import into it runs (no transaction spans the import)', async () => {
    const l = await list('Before rename');
    const job = await t().services.imports.createJob(tenant(), l, 'api');
    let renamed: number | undefined;
    async function* batches() {
      yield batchOf('+14155552821');
      // Between two batches: a rename must not wait for the import to end (on PostgreSQL it once did).
      renamed = (await t().kore('PUT', `/campaign/contactList/${l.id}`, { name: 'After rename' })).statusCode;
      yield batchOf('+14155552822');
    }
    expect(await t().services.imports.run(job, l, { batches: batches() })).toMatchObject({
      status: 'completed',
      imported: 2,
    });
    expect(renamed).toBe(200);
    expect(await t().services.contactLists.get(tenant(), l.id)).toMatchObject({
      name: 'After rename',
      totalRecordCount: 2,
    });
  });

  it('keeps a job queued behind another of the same list alive, so the sweep does not take it for abandoned', async () => {
    const l = await list('Long queue');
    const first = await t().services.imports.createJob(tenant(), l, 'api');
    const second = await t().services.imports.createJob(tenant(), l, 'api');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstWrote!: () => void;
    const firstWroteOne = new Promise<void>((resolve) => (firstWrote = resolve));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const runFirst = t().services.imports.run(first, l, {
        batches: (async function* () {
          yield batchOf('+14155552831');
          firstWrote();
          await gate;
        })(),
      });
      const runSecond = t().services.imports.run(second, l, {
        batches: (async function* () {
          yield batchOf('+14155552832');
        })(),
      });
      await firstWroteOne;
      // The first job runs longer than the sweep's limit; both processes' timers beat meanwhile.
      t().clock.advance(STALE_AFTER_MS + 1);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      const beat = async (id: string) =>
        Number(
          (
            await t()
              .db.kysely.selectFrom('imports')
              .select('heartbeat_at')
              .where('id', '=', id)
              .executeTakeFirstOrThrow()
          ).heartbeat_at,
        );
      // Each timer's UPDATE is its own round trip: wait for both to land before sweeping.
      const beaten = async () =>
        (await beat(first.id)) === t().clock.now() && (await beat(second.id)) === t().clock.now();
      for (let i = 0; i < 1000 && !(await beaten()); i++) await new Promise((resolve) => setImmediate(resolve));
      expect([await beat(first.id), await beat(second.id)]).toEqual([t().clock.now(), t().clock.now()]);
      expect(await t().services.imports.recoverAbandoned()).toEqual([]);

      release();
      expect(await runFirst).toMatchObject({ status: 'completed', imported: 1 });
      expect(await runSecond).toMatchObject({ status: 'completed', imported: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

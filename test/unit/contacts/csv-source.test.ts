import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseMapArgs, readCsvRows } from '../../../src/domain/contacts/csv-source.js';
import type { CsvOptions, CsvRow } from '../../../src/domain/contacts/csv-source.js';
import { AppError } from '../../../src/shared/errors.js';

const US: CsvOptions = { defaultCountry: 'US' };
const fixture = fileURLToPath(new URL('../../fixtures/contacts/kore-sample.csv', import.meta.url));

async function collect(input: NodeJS.ReadableStream | string, opts: CsvOptions = US): Promise<CsvRow[]> {
  const stream = typeof input === 'string' ? Readable.from([input]) : input;
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(stream, opts)) rows.push(row);
  return rows;
}
const summary = (rows: CsvRow[]) =>
  rows.map((r) => [
    r.rowNumber,
    r.result.ok ? r.result.contact.phoneE164 : r.result.errors.map((e) => `${e.column}: ${e.reason}`).join(' | '),
  ]);

async function failure(input: NodeJS.ReadableStream | string, opts: CsvOptions = US): Promise<AppError> {
  const err = await collect(input, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(400);
  return err as AppError;
}

describe('readCsvRows: parsing', () => {
  it('reads the fixture: BOM, CRLF, quotes, multi-line cells, blank rows, UTF-8 split across tiny chunks', async () => {
    const rows = await collect(createReadStream(fixture, { highWaterMark: 5 }));
    expect(summary(rows)).toEqual([
      [2, '+919876543210'],
      [3, '+15102345678'],
      [5, '+447400123456'],
      [
        7,
        'phoneNumber: invalid phone number "not a phone": contains letters | timeZone: unknown time zone "Nowhere/Zone" | contactPriority: must be a whole number from 1 to 10',
      ],
      [9, '+15102345679'],
    ]);
    const [jose, li, zoe] = rows.map((r) => (r.result.ok ? r.result.contact : undefined));
    expect(jose).toMatchObject({
      timeZone: 'Asia/Kolkata',
      contactPriority: 1,
      extra: { 'first name': 'José', 'last name': 'García' },
    });
    expect(li).toMatchObject({
      phoneRaw: '+1 (510) 234-5678',
      extra: { 'first name': '李', 'last name': 'Wong, Jr.' },
    });
    expect(li).not.toHaveProperty('contactPriority');
    expect(zoe).toMatchObject({ contactPriority: 10, extra: { 'last name': 'O"Brien', email: 'multi\r\nline' } });
  });

  it('trims header names but keeps cell values as given', async () => {
    const rows = await collect(' phoneNumber , First Name \n+15102345678, Ann \n');
    expect(rows[0]?.result).toMatchObject({ ok: true, contact: { extra: { 'First Name': ' Ann ' } } });
  });

  it('numbers rows by the physical line they start on, with LF, CR or mixed line ends', async () => {
    const text =
      'phoneNumber,note\n+15102345678,"a\r\nb"\r\n\n+15102345679,x\r+15102345680,"c\nd\re"\n\n\n+15102345681,y';
    expect((await collect(text)).map((r) => r.rowNumber)).toEqual([2, 5, 6, 11]);
  });

  it('keeps counting lines right when CRLF is split across chunks', async () => {
    const chunks = ['phoneNumber,note\r', '\n+15102345678,"a\r', '\nb"\r', '\n\r', '\n+15102345679,x\r', '\n'];
    expect((await collect(Readable.from(chunks))).map((r) => r.rowNumber)).toEqual([2, 5]);
  });

  it('skips blank lines and rows whose cells are all blank', async () => {
    const rows = await collect('phoneNumber,name\n\n , \n,\n   \n+15102345678,Ann\n');
    expect(summary(rows)).toEqual([[6, '+15102345678']]);
  });

  it('keeps stray quotes inside unquoted cells as text', async () => {
    const rows = await collect(`phoneNumber,height\n+15102345678,5'10"\n`);
    expect(rows[0]?.result).toMatchObject({ ok: true, contact: { extra: { height: `5'10"` } } });
  });

  it('rejects a row with too few or too many cells and carries on', async () => {
    const rows = await collect(
      'phoneNumber,a,b\n+15102345678,1\n+15102345679,1,2,3\n+15102345680,1,2,,\n+15102345681,1,2\n',
    );
    expect(summary(rows)).toEqual([
      [2, '(row): expected 3 columns as in the header, found 2'],
      [3, '(row): expected 3 columns as in the header, found 4'],
      [4, '+15102345680'],
      [5, '+15102345681'],
    ]);
  });

  it('rejects bad rows individually', async () => {
    const rows = await collect('phoneNumber,contactPriority\nabc,1\n+15102345678,11\n,3\n+15102345679,2\n');
    expect(summary(rows)).toEqual([
      [2, 'phoneNumber: invalid phone number "abc": contains letters'],
      [3, 'contactPriority: must be a whole number from 1 to 10'],
      [4, 'phoneNumber: phone number is required'],
      [5, '+15102345679'],
    ]);
  });

  it('rejects a row whose bytes are not UTF-8 (Latin-1 "José"), in a named column or an extra one', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('phoneNumber,firstName,notes\n+15102345678,'),
      Buffer.from([0x4a, 0x6f, 0x73, 0xe9]), // "José" in Latin-1
      Buffer.from(',ok\n+15102345679,Ann,'),
      Buffer.from([0xff]),
      Buffer.from('\n+15102345680,Bea,fine\n'),
    ]);
    const rows = await collect(Readable.from([latin1]));
    expect(summary(rows)).toEqual([
      [2, 'firstName: is not valid UTF-8 text (holds U+FFFD, a character that stands for lost bytes)'],
      [3, 'notes: is not valid UTF-8 text (holds U+FFFD, a character that stands for lost bytes)'],
      [4, '+15102345680'],
    ]);
  });

  it('yields nothing for a header without rows', async () => {
    expect(await collect('phoneNumber,name\r\n')).toEqual([]);
  });
});

describe('readCsvRows: whole-file failures', () => {
  it('names the columns found when there is no phone column', async () => {
    const err = await failure('Mobile,name,email\n+15102345678,Ann,a@b.c\n');
    expect(err.message).toMatch(/no phone number column/);
    expect(err.message).toContain('columns found: "Mobile", "name", "email"');
  });

  it('uses a mapped phone column, and fails when a mapped column is missing', async () => {
    const mapping = parseMapArgs(['Mobile=phoneNumber', 'Given=firstName']);
    const err = await failure('Mobile,name\n+15102345678,Ann\n', { defaultCountry: 'US', mapping });
    expect(err.message).toMatch(/mapped column "Given" is not in the CSV header; columns found: "Mobile", "name"/);
    const rows = await collect('mobile,given\n5102345678,Ann\n', { defaultCountry: 'US', mapping });
    expect(rows[0]?.result).toMatchObject({ ok: true, contact: { phoneE164: '+15102345678', firstName: 'Ann' } });
  });

  it.each([
    ['', /empty: expected a header row/],
    ['\ufeff', /empty: expected a header row/],
    ['\n\n', /empty: expected a header row/],
    ['phoneNumber,name,name\n', /repeats column "name"/],
    ['phoneNumber,PhoneNumber\n', /duplicates column "phoneNumber"/],
    [`phoneNumber,${Array.from({ length: 151 }, (_, i) => `c${i}`).join(',')}\n`, /151 extra columns/],
  ])('refuses %j', async (text, message) => {
    expect((await failure(text)).message).toMatch(message);
  });

  it('refuses a header whose column name is not UTF-8', async () => {
    const header = Buffer.concat([
      Buffer.from('phoneNumber,'),
      Buffer.from([0x4e, 0xe9]),
      Buffer.from('\n+15102345678,x\n'),
    ]);
    const err = await failure(Readable.from([header]));
    expect(err.message).toMatch(/^CSV header cannot be used: column "N\uFFFD" is not valid UTF-8 text/);
  });

  it('aborts on an unclosed quote', async () => {
    const err = await failure(
      'phoneNumber,note\r\n+15102345678,"a\r\nb"\r\n\r\n+15102345679,"never closed\n+15102345680,x\n',
    );
    expect(err.message).toBe('CSV is malformed: the quoted field in the row starting on line 5 is never closed');
  });

  it('aborts on a row larger than maxRowBytes instead of buffering it', async () => {
    const text = `phoneNumber,note\n+15102345677,x\n\n+15102345678,"${'x'.repeat(5000)}\n+15102345679,x\n`;
    const err = await failure(text, { defaultCountry: 'US', maxRowBytes: 1000 });
    expect(err.message).toMatch(/row starting on line 4 is larger than the row size limit/);
    expect(await collect(text.replace('"', ''), { defaultCountry: 'US', maxRowBytes: 10_000 })).toHaveLength(3);
  });

  it('refuses an unknown default country before reading', async () => {
    let pulled = false;
    const input = Readable.from(
      (function* () {
        pulled = true;
        yield 'phoneNumber\n+15102345678\n';
      })(),
    );
    expect((await failure(input, { defaultCountry: 'Narnia' })).message).toMatch(/"Narnia" is not a supported/);
    expect(pulled).toBe(false);
  });

  it('passes on an error of the input stream', async () => {
    const input = new Readable({ read() {} });
    input.push('phoneNumber\n+15102345678\n');
    setImmediate(() => input.destroy(new Error('disk on fire')));
    await expect(collect(input)).rejects.toThrow('disk on fire');
  });
});

describe('readCsvRows: streaming', () => {
  const TOTAL = 200_000;
  // Parsing a row costs ~20 µs (mostly libphonenumber), so the full read uses fewer rows than the
  // streaming check, which stops early; both are enough to tell streaming from buffering.
  const FULL_READ = 50_000;
  function source(state: { produced: number; closed: boolean }, total = TOTAL) {
    return Readable.from(
      (function* () {
        try {
          yield 'phoneNumber,firstName,lastName,email,timeZone\n';
          for (let i = 0; i < total; i += 100) {
            let chunk = '';
            for (let j = i; j < i + 100; j++) {
              chunk += `+1510${String(2_000_000 + j).slice(-7)},First${j},Last${j},u${j}@example.com,America/New_York\n`;
            }
            state.produced = i + 100;
            yield chunk;
          }
        } finally {
          state.closed = true;
        }
      })(),
    );
  }

  it('yields rows while the input is still being produced, and stops reading when the consumer stops', async () => {
    const state = { produced: 0, closed: false };
    let consumed = 0;
    for await (const row of readCsvRows(source(state), US)) {
      expect(row.result.ok).toBe(true);
      consumed += 1;
      // Backpressure: the producer never runs far ahead of a consumer that is still pulling.
      expect(state.produced - consumed).toBeLessThan(5_000);
      if (consumed === 2_000) break;
    }
    expect(state.produced).toBeLessThan(TOTAL / 10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.closed).toBe(true);
  });

  it(`reads ${FULL_READ} rows while holding on to almost none of them`, async () => {
    // A collected heap is what shows retention; an uncollected one only shows garbage not yet swept.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const state = { produced: 0, closed: false };
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let good = 0;
    let lastRow = 0;
    for await (const row of readCsvRows(source(state, FULL_READ), US)) {
      if (row.result.ok) good += 1;
      lastRow = row.rowNumber;
      if (good % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(good).toBe(FULL_READ);
    expect(lastRow).toBe(FULL_READ + 1);
    expect(state.closed).toBe(true);
    // Holding all the contacts (or all the parsed records) at once would take several times this.
    expect(peak).toBeLessThan(10 * 1024 * 1024);
  });
});

describe('parseMapArgs', () => {
  it('parses column=field pairs, trimming and canonicalising targets', () => {
    expect({
      ...parseMapArgs(['Mobile=phoneNumber', ' First Name = FIRSTNAME ', 'E-mail=extra:email', 'a=b=uniqueId']),
    }).toEqual({
      Mobile: 'phoneNumber',
      'First Name': 'firstName',
      'E-mail': 'extra:email',
      'a=b': 'uniqueId',
    });
    expect(parseMapArgs([])).toEqual({});
  });

  it('lists every problem in one error', () => {
    let err: unknown;
    try {
      parseMapArgs([
        'noequals',
        '=phoneNumber',
        'x=phonenumbr',
        'y=extra:',
        'A=firstName',
        'A=lastName',
        'B=phoneNumber',
        'C=phoneNumber',
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const message = (err as AppError).message;
    expect((err as AppError).field).toBe('map');
    for (const part of [
      '"noequals": expected <column>=<field>',
      '"=phoneNumber": expected <column>=<field>',
      '"x=phonenumbr": "phonenumbr" is not one of phoneNumber',
      '"y=extra:": "extra:" is not one of',
      'column "A" is mapped more than once',
      'phoneNumber is mapped from both "B" and "C"',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('returns a prototype-free object that can map a "__proto__" column', async () => {
    const mapping = parseMapArgs(['__proto__=phoneNumber']);
    expect(Object.getPrototypeOf(mapping)).toBeNull();
    expect(Object.keys(mapping)).toEqual(['__proto__']);
    const rows = await collect('__proto__,constructor\n+15102345678,x\n', { defaultCountry: 'US', mapping });
    expect(rows[0]?.result).toMatchObject({ ok: true, contact: { phoneE164: '+15102345678' } });
    expect(rows[0]?.result.ok && Object.keys(rows[0].result.contact.extra)).toEqual(['constructor']);
  });
});

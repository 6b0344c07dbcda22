/**
 * COPY text (copy-text.ts) read back the way PostgreSQL reads its text format: every kept contact's
 * values, creation time, list number and seq come out as they went in, whatever the characters
 * (escapes, non-ASCII, NULL) and whichever contacts are skipped. The round trip through a real
 * server is in imports-pipeline.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COPY_COLUMNS, CopyLines, toCopyText } from '../../../src/storage/repos/copy-text.js';
import type { PackedContact } from '../../../src/storage/repos/import-batch.js';

/** PostgreSQL's text format: lines, tab-separated, \N for NULL, backslash escapes. */
function readCopy(data: Buffer): (string | null)[][] {
  const text = data.toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) =>
      line
        .split('\t')
        .map((v) =>
          v === '\\N'
            ? null
            : v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c),
        ),
    );
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\\N', '\\', '\t', '\r\n', 'é日本😀', '\\.'),
);
const contact: fc.Arbitrary<PackedContact> = fc.tuple(
  text,
  text,
  fc.option(text),
  fc.option(text),
  fc.option(text),
  fc.option(text),
  fc.option(text),
  fc.option(fc.integer({ min: 1, max: 10 })),
  fc.option(text),
);

describe('COPY text', () => {
  it('reads back as the values, creation time, list number and seq of every kept contact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(contact, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 10 ** 6 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        (pieces, skips, createdAt, listNo, firstSeq) => {
          const parts = pieces.map((p) => toCopyText(p));
          const lines = new CopyLines(createdAt, listNo, parts);
          const expected: unknown[] = [];
          let seq = firstSeq;
          let k = 0;
          parts.forEach((part, p) =>
            part.phones.forEach((phone, i) => {
              expect(phone).toBe(pieces[p]![i]![0]);
              if (skips[k++ % skips.length]) return;
              lines.add(part, i, ++seq);
              expected.push([
                ...pieces[p]![i]!.map((v) => (v === null ? null : String(v))),
                String(createdAt),
                String(listNo),
                String(seq),
              ]);
            }),
          );
          expect(lines.empty).toBe(expected.length === 0);
          if (expected.length > 0) expect(readCopy(lines.bytes())).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names its columns in the order of the values', () => {
    expect(COPY_COLUMNS.split(', ')).toEqual([
      'phone_e164',
      'phone_raw',
      'extension',
      'first_name',
      'last_name',
      'time_zone',
      'unique_id',
      'contact_priority',
      'extra',
      'created_at',
      'list_no',
      'seq',
    ]);
  });
});

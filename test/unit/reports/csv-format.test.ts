import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../../src/domain/reports/csv-format.js';

describe('csv-format', () => {
  it('quotes what RFC 4180 requires and nothing else', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(2.5)).toBe('2.5');
    expect(csvCell(false)).toBe('false');
  });

  it('neutralises formula-like text cells but not plain numbers', () => {
    for (const s of ['=1+2', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")'])
      expect((parse(csvLine([s])) as string[][])[0]![0]).toBe(`'${s}`);
    for (const s of ['+14155550100', '-12', '-12.5', '+0', '42']) expect(csvCell(s)).toBe(s);
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('round-trips through csv-parse', () => {
    const row = ['x', 'a,b', 'q"uote', 'multi\nline', '', '=bad'];
    expect(parse(csvLine(row) + csvLine(row))).toEqual([
      ['x', 'a,b', 'q"uote', 'multi\nline', '', "'=bad"],
      ['x', 'a,b', 'q"uote', 'multi\nline', '', "'=bad"],
    ]);
  });
});

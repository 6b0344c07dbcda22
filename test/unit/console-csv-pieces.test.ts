import { describe, expect, it } from 'vitest';
import { pieceOf, splitRecords } from '../../web/src/supervisor/csv.js';

describe("the console's CSV pieces (web/src/supervisor/csv.ts)", () => {
  const text = 'phoneNumber,notes\r\n+14155550101,"one\nline two"\n\n+14155550102,plain\n"bad,number",x\n';

  it('finds records and the file line each starts on, across quoted line breaks and blank lines', () => {
    expect(splitRecords(text)).toEqual([
      { text: 'phoneNumber,notes', line: 1 },
      { text: '+14155550101,"one\nline two"', line: 2 },
      { text: '+14155550102,plain', line: 5 },
      { text: '"bad,number",x', line: 6 },
    ]);
  });

  it("tells a piece's line as the file's line", () => {
    const [header, ...records] = splitRecords(text);
    const all = pieceOf(header!, records);
    expect(all.csv).toBe('phoneNumber,notes\n+14155550101,"one\nline two"\n+14155550102,plain\n"bad,number",x\n');
    // In the piece: header 1, first record 2-3, then 4 and 5 (the blank line is gone).
    expect([2, 3, 4, 5].map(all.fileLine)).toEqual([2, 3, 5, 6]);
    const last = pieceOf(header!, records.slice(2));
    expect(last.csv).toBe('phoneNumber,notes\n"bad,number",x\n');
    expect(last.fileLine(2)).toBe(6);
  });
});

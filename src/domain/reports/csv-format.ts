/**
 * CSV as RFC 4180 writes it (comma, CRLF, a field quoted when it holds a quote, comma or line
 * break, quotes doubled), made safe to open in a spreadsheet: a text cell that starts with `=`,
 * `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (OWASP, CSV injection), so Excel,
 * LibreOffice and Sheets show it as text instead of evaluating it. A cell that is a plain number
 * (`+14155550100`, `-3`, `2.5`) is left alone: it cannot be a formula, and prefixing every E.164
 * number would mangle the main column of both exports.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  let s = value;
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + csvCell(values[i]);
  return `${out}\r\n`;
}

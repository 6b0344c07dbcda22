/**
 * What campaignd refuses in text it is given, wherever it comes from (path, query, body, token).
 *
 * - A NUL character: PostgreSQL cannot store one in text (the statement fails), and SQLite would
 *   store it and give it back to clients that may cut the string there.
 * - A lone surrogate (half of a UTF-16 pair, which JSON's `\ud800` escapes can produce): it is not
 *   a character at all; PostgreSQL's driver would silently store U+FFFD instead.
 *
 * Names shown to people (campaigns, lists, flows, queues, templates, apps) must in addition hold no
 * other control character and no bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069),
 * which can make a name display as something else ("Trojan Source").
 */

const NUL = '\u0000';
/** C0 and C1 controls (tab, line feed and carriage return included) and DEL: finding them is the point. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/** Why `s` is not acceptable text, or undefined when it is. */
export function textProblem(s: string): string | undefined {
  if (s.includes(NUL)) return 'contains a NUL character';
  if (!isWellFormed(s)) return 'is not valid Unicode (it contains a lone surrogate)';
  return undefined;
}

/** Why `s` is not acceptable as a name people read, or undefined when it is. */
export function nameProblem(s: string): string | undefined {
  const problem = textProblem(s);
  if (problem) return problem;
  if (CONTROL.test(s)) return 'contains a control character';
  if (BIDI_CONTROL.test(s)) return 'contains a bidirectional control character (U+202A–U+202E, U+2066–U+2069)';
  return undefined;
}

/** String.prototype.isWellFormed (Node 20; not yet in the ES2023 library TypeScript is given). */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

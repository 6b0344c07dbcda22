/**
 * SMS text arrives in three documented shapes (docs/kore-compatibility.md, inconsistency 16):
 * Base64, URL-encoded Base64 (`VGhp...%3D%3D`) and plain text. It is stored as received and decoded only for sending.
 *
 * Base64 is recognised conservatively, because many plain words are also valid Base64 ("test",
 * "Hello123"): the text must be canonical Base64 (re-encoding gives it back) and decode to valid
 * UTF-8 without control characters. Anything else is sent as it is.
 */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Control characters other than tab / newline / carriage return: binary, so not a message. */
function hasControl(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
}

function tryBase64(s: string): string | undefined {
  if (s.length < 4 || s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return text.trim() === '' || hasControl(text) ? undefined : text;
}

export function decodeSmsMessage(raw: string): string {
  const s = raw.trim();
  if (/%[0-9A-Fa-f]{2}/.test(s)) {
    let unescaped: string | undefined;
    try {
      unescaped = decodeURIComponent(s);
    } catch {
      unescaped = undefined;
    }
    if (unescaped !== undefined) return tryBase64(unescaped) ?? unescaped;
  }
  return tryBase64(s) ?? raw;
}

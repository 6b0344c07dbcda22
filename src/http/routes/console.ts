/**
 * The browser console at /console (docs/console.md): the files Vite wrote to dist/console, read
 * into memory once when the app is built, so a request never touches the disk and can only ever get
 * a file of that set (no path is joined from what a client sent). Hashed assets are cached forever;
 * index.html is revalidated every time and answers every other path below /console/ (the console
 * routes on the client). Each file's `.br` / `.gz` copy, written by the build, is sent when the
 * client accepts it. Without a build (a server-only install) /console answers 404 and the rest of
 * the server works as ever.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import type { TypedApp } from './kore/kore-router.js';

/** dist/console of the package: this file runs as src/http/routes (tsx) or dist/http/routes (built). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console', import.meta.url));

/** What the console's pages may load: only their own files and their own API. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const HTML_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
} as const;

const ASSET_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'public, max-age=31536000, immutable',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

interface ConsoleFile {
  type: string;
  etag: string;
  raw: Buffer;
  br?: Buffer;
  gz?: Buffer;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** Every file of the build by its path below /console/ (`index.html`, `assets/index-1a2b.js`). */
export function loadConsoleFiles(dir: string): Map<string, ConsoleFile> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const all = filesUnder(dir);
  const present = new Set(all);
  for (const path of all) {
    if (/\.(br|gz)$/.test(path)) continue;
    const raw = readFileSync(path);
    files.set(relative(dir, path).split(sep).join('/'), {
      type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`,
      raw,
      ...(present.has(`${path}.br`) ? { br: readFileSync(`${path}.br`) } : {}),
      ...(present.has(`${path}.gz`) ? { gz: readFileSync(`${path}.gz`) } : {}),
    });
  }
  return files;
}

/** The q-value of each coding an `accept-encoding` header names (`*` included). */
function codings(header: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    out.set(name, Number.isFinite(value) ? value : 0);
  }
  return out;
}

/** br when the client takes it, else gzip, else the raw bytes. */
function pickEncoding(file: ConsoleFile, header: string | undefined): 'br' | 'gzip' | undefined {
  if (!file.br && !file.gz) return undefined;
  const accepted = codings(header);
  const takes = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (file.br && takes('br')) return 'br';
  if (file.gz && takes('gzip')) return 'gzip';
  return undefined;
}

function send(req: FastifyRequest, reply: FastifyReply, file: ConsoleFile, headers: Record<string, string>) {
  void reply.headers(headers).header('content-type', file.type).header('etag', file.etag);
  if (file.br || file.gz) void reply.header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const encoding = pickEncoding(file, req.headers['accept-encoding']);
  if (encoding) void reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? file.br : encoding === 'gzip' ? file.gz : file.raw);
}

const notBuilt = () =>
  new AppError(
    404,
    'CONSOLE_NOT_BUILT',
    'The console is not built: run `npm run build:console` (or `npm run build`), then restart the server',
  );

const missingAsset = (path: string) => new AppError(404, 'NOT_FOUND', `Console file /console/${path} not found`);

/** GET /console, /console/ and /console/* from `dir` (default: the package's dist/console). */
export function consoleRoutes(app: TypedApp, dir: string = DEFAULT_CONSOLE_DIR): void {
  const files = loadConsoleFiles(dir);
  const index = files?.get('index.html');
  const schema = { hide: true } as const;

  // The router ignores a trailing slash, so one route answers both; the page's relative links and
  // its client-side routes need the slash, so /console is sent to /console/.
  app.get('/console', { schema }, async (req, reply) => {
    if (!index) throw notBuilt();
    const [path = '', query] = req.url.split(/\?(.*)/s);
    if (!path.endsWith('/')) return reply.redirect(`/console/${query ? `?${query}` : ''}`, 301);
    return send(req, reply, index, HTML_HEADERS);
  });

  app.get('/console/*', { schema }, async (req, reply) => {
    if (!files || !index) throw notBuilt();
    const path = (req.params as { '*': string })['*'];
    const file = path === 'index.html' ? undefined : files.get(path);
    if (file) return send(req, reply, file, path.startsWith('assets/') ? ASSET_HEADERS : HTML_HEADERS);
    // A missing asset is a stale page asking for an old build's file: say so rather than send HTML.
    if (path.startsWith('assets/')) throw missingAsset(path);
    return send(req, reply, index, HTML_HEADERS);
  });
}

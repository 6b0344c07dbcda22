/**
 * The console as served at /console by a real server (src/http/routes/console.ts): in Chromium, the
 * first load works with no console error and no Content-Security-Policy violation, its JavaScript
 * arrives compressed and under the 150 KB budget (docs/console.md); over plain HTTP, the caching,
 * content negotiation and the file set that can never be left.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { Response } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/http/plugins/error-handler.js';
import { CONSOLE_CSP, consoleRoutes } from '../../src/http/routes/console.js';
import type { TypedApp } from '../../src/http/routes/kore/kore-router.js';
import { useBrowser, useConsoleServer } from './support/browser.js';
import { CONSOLE_DIST } from './support/console-build.js';

/** The budget for a screen's first load: compressed JavaScript. */
const FIRST_LOAD_JS_BUDGET = 150 * 1024;

const server = useConsoleServer();

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path exactly as written (no URL normalisation of `..`), nothing decoded. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server().port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const indexHtml = () => readFileSync(join(CONSOLE_DIST, 'index.html'));
const assets = () => readdirSync(join(CONSOLE_DIST, 'assets')).filter((f) => !/\.(br|gz)$/.test(f));
/** Evaluated in the page: the app rendered into its root, so its script ran under the policy. */
const APP_RENDERED = "(document.getElementById('app')?.childElementCount ?? 0) > 0";
const isJs = (r: Response) => /\.m?js(\?|$)/.test(new URL(r.url()).pathname) || r.request().resourceType() === 'script';

describe('console in Chromium', () => {
  const browser = useBrowser();

  it('loads /console/ with no console error or CSP violation, its JavaScript compressed and under budget', async () => {
    const { page, problems, screenshot } = browser();
    const responses: Response[] = [];
    page.on('response', (r) => responses.push(r));

    const doc = await page.goto(`${server().baseUrl}/console/`, { waitUntil: 'load' });
    expect(doc?.status()).toBe(200);
    const docHeaders = await doc!.allHeaders();
    expect(docHeaders['content-security-policy']).toBe(CONSOLE_CSP);
    expect(docHeaders['content-type']).toBe('text/html; charset=utf-8');
    await page.waitForFunction(APP_RENDERED);
    await screenshot('first-load');

    const scripts = responses.filter(isJs);
    expect(scripts.length).toBeGreaterThan(0);
    let transferred = 0;
    for (const r of scripts) {
      expect(r.status(), r.url()).toBe(200);
      const h = await r.allHeaders();
      expect(['br', 'gzip'], `content-encoding of ${r.url()}`).toContain(h['content-encoding']);
      expect(h['cache-control']).toBe('public, max-age=31536000, immutable');
      transferred += (await r.request().sizes()).responseBodySize;
    }
    expect(transferred, `compressed JavaScript of the first load: ${transferred} bytes`).toBeLessThan(
      FIRST_LOAD_JS_BUDGET,
    );
    expect(problems).toEqual([]);
  });

  it('serves index.html for a client-side route, and 404 for a missing asset', async () => {
    const { page, problems } = browser();
    const deep = await page.goto(`${server().baseUrl}/console/campaigns/123`, { waitUntil: 'load' });
    expect(deep?.status()).toBe(200);
    expect((await deep!.allHeaders())['content-type']).toBe('text/html; charset=utf-8');
    expect(await deep!.text()).toBe(indexHtml().toString('utf8'));
    await page.waitForFunction(APP_RENDERED);
    expect(problems).toEqual([]);

    const missing = await page.goto(`${server().baseUrl}/console/assets/missing-0123abcd.js`);
    expect(missing?.status()).toBe(404);
    expect(JSON.parse(await missing!.text())).toMatchObject({ status: 'failure', errors: [{ code: 'NOT_FOUND' }] });
  });

  it('enforces its Content-Security-Policy (and the harness reports a violation)', async () => {
    const { page, problems } = browser();
    await page.goto(`${server().baseUrl}/console/`, { waitUntil: 'load' });
    // Strings, not functions: these run in the page, and the tests are not compiled with the DOM's types.
    const inline = await page.evaluate(`(() => {
      const tag = document.createElement('script');
      tag.textContent = 'window.__inlineRan = true';
      document.head.append(tag);
      return window.__inlineRan === true;
    })()`);
    expect(inline).toBe(false);
    // Another origin (the same server by another name) is not 'self' for connect-src.
    const otherOrigin = `http://localhost:${server().port}/healthz`;
    const fetched = await page.evaluate(
      `fetch(${JSON.stringify(otherOrigin)}).then(() => 'fetched', (err) => err.name)`,
    );
    expect(fetched).toBe('TypeError');
    await expect.poll(() => problems.filter((p) => p.kind === 'csp').length).toBeGreaterThanOrEqual(2);
  });
});

describe('console over HTTP', () => {
  it('redirects /console to /console/, keeping the query', async () => {
    const a = await get('/console');
    expect(a.status).toBe(301);
    expect(a.headers.location).toBe('/console/');
    const b = await get('/console?lang=en');
    expect(b.headers.location).toBe('/console/?lang=en');
  });

  it('answers index.html uncached, with the security headers, br preferred then gzip', async () => {
    const html = indexHtml();
    const br = await get('/console/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-encoding': 'br',
      vary: 'accept-encoding',
      'cache-control': 'no-cache',
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    expect(brotliDecompressSync(br.body).equals(html)).toBe(true);
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-eval');

    const gz = await get('/console/', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(html)).toBe(true);

    const plain = await get('/console/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(html)).toBe(true);

    // A client-side route is the same page.
    const deep = await get('/console/agent/desk?tab=1', { 'accept-encoding': 'identity' });
    expect(deep.status).toBe(200);
    expect(deep.body.equals(html)).toBe(true);
    expect(deep.headers['cache-control']).toBe('no-cache');

    const etag = plain.headers.etag as string;
    expect(etag).toMatch(/^"/);
    const again = await get('/console/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const head = await get('/console/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('answers every built asset cached for good, with its type, compressed as the client allows', async () => {
    expect(assets().some((f) => f.endsWith('.js'))).toBe(true);
    for (const name of assets()) {
      const raw = readFileSync(join(CONSOLE_DIST, 'assets', name));
      const path = `/console/assets/${name}`;
      const identity = await get(path);
      expect(identity.status, path).toBe(200);
      expect(identity.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(identity.headers['x-content-type-options']).toBe('nosniff');
      expect(identity.body.equals(raw), path).toBe(true);
      if (name.endsWith('.js')) expect(identity.headers['content-type']).toBe('text/javascript; charset=utf-8');
      if (name.endsWith('.css')) expect(identity.headers['content-type']).toBe('text/css; charset=utf-8');
      if (raw.length < 1024) continue; // too small for compression to pay
      expect(identity.headers.vary).toBe('accept-encoding');
      const br = await get(path, { 'accept-encoding': 'br;q=1.0, gzip;q=0.8' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).equals(raw)).toBe(true);
      const noBr = await get(path, { 'accept-encoding': 'br;q=0, gzip' });
      expect(noBr.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(noBr.body).equals(raw)).toBe(true);
      const any = await get(path, { 'accept-encoding': '*' });
      expect(any.headers['content-encoding']).toBe('br');
    }
  });

  it('answers a missing asset 404 in the failure envelope', async () => {
    const res = await get('/console/assets/index-00000000.js');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({
      status: 'failure',
      errors: [{ code: 'NOT_FOUND', msg: expect.stringContaining('/console/assets/index-00000000.js') }],
    });
  });

  it.each([
    '/console/..%2F..%2Fpackage.json',
    '/console/assets/../../package.json',
    '/console/assets/..%2F..%2F..%2Fpackage.json',
    '/console/%2e%2e/%2e%2e/package.json',
    '/console/../package.json',
    '/console/assets/%2e%2e%2f%2e%2e%2fsrc%2fapp.ts',
    '/console/..%5C..%5Cpackage.json',
    '/console/%2Fetc%2Fpasswd',
    '/console//etc/passwd',
    '/console/assets/..%00/package.json',
  ])('serves nothing outside dist/console for %s', async (path) => {
    const res = await get(path);
    const body = res.body.toString('utf8');
    expect(body).not.toContain('"name": "campaignd"');
    expect(body).not.toContain('buildApp');
    expect(body).not.toContain('root:');
    // Either the page itself (a client-side route) or a failure in the envelope.
    if (res.status === 200) expect(res.body.equals(indexHtml())).toBe(true);
    else expect(JSON.parse(body)).toMatchObject({ status: 'failure' });
  });

  it('is not part of the OpenAPI document', async () => {
    const res = await get('/openapi.json');
    const doc = JSON.parse(res.body.toString('utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });

  it('answers 404 with a clear message when the console is not built, and the app still starts', async () => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    registerErrorHandling(app, () => undefined);
    consoleRoutes(app as unknown as TypedApp, join(CONSOLE_DIST, 'does-not-exist'));
    await app.ready();
    try {
      for (const url of ['/console', '/console/', '/console/campaigns', '/console/assets/index.js']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json()).toMatchObject({
          status: 'failure',
          message: expect.stringContaining('npm run build:console'),
          errors: [{ code: 'CONSOLE_NOT_BUILT' }],
        });
      }
    } finally {
      await app.close();
    }
  });
});

describe('console server harness', () => {
  it('restarts on the same port and the same database', async () => {
    const s = server();
    const bot = () =>
      fetch(`${s.baseUrl}/admin/v1/bots/${s.tenant.iid}?accountId=${s.tenant.accountId}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
    expect((await bot()).status).toBe(200);
    await s.stop();
    expect(s.running).toBe(false);
    await expect(bot()).rejects.toThrow();
    await s.start();
    expect((await bot()).status).toBe(200);
    expect((await get('/console/')).status).toBe(200);
  });
});

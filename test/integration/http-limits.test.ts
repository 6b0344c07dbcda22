/**
 * The limits of the HTTP server itself, on a real socket (app.inject bypasses Node's HTTP parser):
 * what routing and the parser refuse is answered in the failure envelope; a too-large body gets a
 * 413 the client can read; a slow request is cut off, a refused one sooner. Requests are raw (fetch and
 * sockets), not the typed client (src/client): each is one a well-behaved client would never send.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';

const REQUEST_TIMEOUT_MS = 1500;
const execFileAsync = promisify(execFile);

interface RawResponse {
  status: number;
  headers: string;
  body: string;
  /** The server closed the connection (we never did). */
  closedByServer: boolean;
}

/** Writes `chunks` (strings, or waits in ms) to a fresh connection and reads until the server closes it or `deadlineMs`. */
function raw(port: number, chunks: (string | number)[], deadlineMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let closedByServer = false;
    const deadline = setTimeout(() => socket.destroy(), deadlineMs);
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(deadline);
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body, closedByServer });
    });
    socket.on('connect', async () => {
      try {
        for (const c of chunks) {
          if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
          else if (!socket.destroyed) socket.write(c);
        }
      } catch (err) {
        reject(err);
      }
    });
  });
}

const envelope = (body: string) => JSON.parse(body) as { status: string; errors: { code: string }[] };

describe('HTTP limits on a real socket', () => {
  const t = useTestApp('sqlite', {
    env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), BODY_LIMIT_BYTES: '1048576' },
  });
  let base = '';
  let port = 0;
  beforeAll(async () => {
    base = await t().app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(base).port);
  });
  afterAll(() => t().app.close());

  const kore = (path: string) => `${base}/agentassist/api/v1/public/${t().tenant.iid}${path}`;
  const auth = () => ({ auth: t().tenant.token, accountId: t().tenant.accountId });

  it('answers what routing refuses in the envelope: a too-long path parameter (414), bad percent-encoding (400)', async () => {
    const long = await fetch(kore(`/campaign/${'x'.repeat(300)}`), { headers: auth() });
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ status: 'failure', errors: [{ code: 'URI_TOO_LONG' }] });
    const bad = await fetch(kore('/campaign/%E0%A4%A'), { headers: auth() });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'failure', errors: [{ code: 'BAD_URL' }] });
  });

  it('answers headers over the limit with a 431 in the envelope', async () => {
    const res = await raw(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(envelope(res.body)).toMatchObject({ status: 'failure', errors: [{ code: 'HEADERS_TOO_LARGE' }] });
  });

  it('lets a client sending a too-large body read the 413 (it is not cut off mid-send)', async () => {
    // The client runs in another process: in this one, the server's close and the client's writes
    // take turns on one event loop, and the broken pipe the fix prevents never shows.
    const client = `
      const [url, auth, accountId] = process.argv.slice(1);
      const results = [];
      // Before the fix, over 20 tries each: 2 MiB failed a few times, 8 and 32 MiB nearly always (EPIPE).
      for (const mib of [...Array(5).fill(2), ...Array(20).fill(8), ...Array(5).fill(32)]) {
        try {
          const res = await fetch(url, { method: 'POST', headers: { auth, accountId, 'content-type': 'application/json' }, body: '{"name":"' + 'x'.repeat(mib * 1048576) + '"}' });
          const body = await res.json();
          results.push(res.status + ' ' + body.errors[0].code);
        } catch (err) {
          results.push('failed: ' + (err.cause?.code ?? err.message));
        }
      }
      console.log(JSON.stringify(results));`;
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        client,
        kore('/campaign?campaignType=voice'),
        t().tenant.token,
        t().tenant.accountId,
      ],
      { maxBuffer: 1 << 20 },
    );
    const results = JSON.parse(stdout) as string[];
    expect(results).toHaveLength(30);
    expect(new Set(results)).toEqual(new Set(['413 PAYLOAD_TOO_LARGE']));
  });

  it('cuts off a request whose body does not arrive within REQUEST_TIMEOUT_MS, with a 408 in the envelope', async () => {
    const head = `POST /agentassist/api/v1/public/${t().tenant.iid}/campaign?campaignType=voice HTTP/1.1\r\nHost: x\r\nauth: ${t().tenant.token}\r\naccountId: ${t().tenant.accountId}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`;
    const res = await raw(port, [head, '{"name":', ...Array.from({ length: 30 }, () => [500, ' '] as const).flat()]);
    expect(res.closedByServer).toBe(true);
    expect(res.status).toBe(408);
    expect(envelope(res.body)).toMatchObject({ status: 'failure', errors: [{ code: 'REQUEST_TIMEOUT' }] });
  });
});

describe('a refused request whose body trickles in', () => {
  // REQUEST_TIMEOUT_MS far away: only the linger limit (10 s after the answer) can end this connection.
  const t = useTestApp('sqlite', { env: { REQUEST_TIMEOUT_MS: '600000' } });
  let port = 0;
  beforeAll(async () => {
    port = Number(new URL(await t().app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  afterAll(() => t().app.close());

  it('is answered at once and closed within the linger limit, not held for as long as it trickles', async () => {
    const head = `POST /agentassist/api/v1/public/${t().tenant.iid}/campaign?campaignType=voice HTTP/1.1\r\nHost: x\r\nauth: not-a-token\r\naccountId: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n`;
    // One byte every 200 ms would take 5.5 hours; the connection must end before the 30 s this test waits.
    const res = await raw(port, [head, ...Array.from({ length: 150 }, () => [200, 'x'] as const).flat()], 30_000);
    expect(res.status).toBe(401);
    expect(res.closedByServer).toBe(true);
  });
});

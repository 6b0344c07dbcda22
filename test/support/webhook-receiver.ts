/**
 * A webhook receiver on 127.0.0.1 for tests: records every request (headers and raw body) and
 * answers as `behave` says for the n-th request: a status, a delay first, or never (a timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** The answer given (0: none, the request was left hanging). */
  status: number;
}

export type Behaviour = { status: number; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Bodies of the requests answered 2xx, first delivery of each webhook-id only, parsed. */
  accepted(): { id: string; seq: number; type: string; campaignId: string | null; data: Record<string, unknown> }[];
  /** Every request verifies with the stock Standard Webhooks verifier under `secret`. */
  verifyAll(secret: string): void;
  close(): Promise<void>;
}

export async function startReceiver(behave: (n: number) => Behaviour = () => ({ status: 204 })): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const b = behave(n++);
      const rec: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      };
      received.push(rec);
      if (b === 'hang') {
        hanging.add(res);
        return;
      }
      setTimeout(() => {
        rec.status = b.status;
        res.writeHead(b.status).end();
      }, b.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted() {
      const seen = new Set<string>();
      const out = [];
      for (const r of received) {
        if (r.status < 200 || r.status > 299) continue;
        const id = r.headers['webhook-id']!;
        if (seen.has(id)) continue;
        seen.add(id);
        const e = JSON.parse(r.body) as { id: string; seq: number; type: string; data: Record<string, unknown> };
        out.push({ ...e, campaignId: (e.data.campaignId as string | undefined) ?? null });
      }
      return out;
    },
    verifyAll(secret) {
      const wh = new Webhook(secret);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        for (const r of received) {
          // The verifier checks the timestamp against its clock: give it the sender's.
          vi.setSystemTime(Number(r.headers['webhook-timestamp']) * 1000);
          wh.verify(r.body, r.headers);
        }
      } finally {
        vi.useRealTimers();
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

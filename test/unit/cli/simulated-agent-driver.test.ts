/**
 * The simulator's agent against a scripted agent API (a plain HTTP server): it resumes its event
 * stream after a drop with Last-Event-ID, handles a replayed snapshot without acting twice, accepts
 * an offer, ends its call after the drawn talk time, and gives one disposition from the wrap-up's codes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAgentDriver } from '../../../src/cli/simulated-agent-driver.js';
import { pollUntil } from '../../support/engine-processes.js';

interface Seen {
  method: string;
  url: string;
  lastEventId: string | undefined;
  auth: string | undefined;
  body: string;
}

const frame = (id: number | undefined, type: string, data: unknown) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

describe('SimulatedAgentDriver', () => {
  it('resumes its stream with Last-Event-ID and acts once on each offer, call and wrap-up', async () => {
    const seen: Seen[] = [];
    let streams = 0;
    let live: http.ServerResponse | undefined;
    const agent = { state: 'Available', work: null };
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const h = req.headers['last-event-id'];
        seen.push({
          method: req.method!,
          url: req.url!,
          lastEventId: Array.isArray(h) ? h[0] : h,
          auth: req.headers.authorization,
          body,
        });
        if (req.url === '/agent/v1/events') {
          streams++;
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          if (streams === 1) {
            // An offer, then the stream drops (a proxy restart, say).
            res.end(
              'retry: 10\n' +
                frame(undefined, 'snapshot', agent) +
                ': keepalive\n\n' +
                frame(5, 'offer', {
                  offerId: 'dr-1',
                  skipsLeft: 3,
                  campaign: { id: 'cd-1', name: 'Spring' },
                  contact: { phoneNumberE164: '+12125550100' },
                }),
            );
          } else {
            // The snapshot again (the agent on the accepted call), then what followed the drop.
            res.write(
              frame(undefined, 'snapshot', {
                state: 'OnCall',
                work: { kind: 'call', campaignId: 'cd-1', campaignInstanceId: 'cid-1', attemptId: 'att-1' },
              }) + frame(6, 'call.connected', { attemptId: 'att-1', contact: { phoneNumber: '12125550100' } }),
            );
            live = res;
          }
          return;
        }
        // The agent ends the call: the network hangs up and the wrap-up starts.
        if (req.url === '/agent/v1/calls/att-1/end')
          live?.write(
            frame(7, 'call.ended', { attemptId: 'att-1', outcome: 'completed', connected: true, talkSec: 3 }) +
              frame(8, 'wrapup.started', { attemptId: 'att-1', dispositionCodes: ['Sale', 'No Sale'] }),
          );
        const status = req.url!.endsWith('/end') ? 202 : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/agent/v1/offers/dr-1/accept' ? { status: 'accepted' } : {}));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const lines: string[] = [];
    let handled = 0;
    const driver = new SimulatedAgentDriver({
      id: 'ag-1',
      name: 'Sim Agent 1',
      credential: 'ag-1.secret',
      baseUrl,
      behaviour: { acceptRate: 1, handleTimeMs: 0 },
      draw: () => 0.25,
      say: (text) => lines.push(text),
      handled: () => handled++,
    });
    await driver.start();
    await pollUntil('the disposition', () => handled === 1, 10_000, 10);
    await driver.stop();

    const events = seen.filter((s) => s.url === '/agent/v1/events');
    expect(events.map((s) => s.lastEventId)).toEqual([undefined, '5']);
    expect(seen.every((s) => s.auth === 'Bearer ag-1.secret')).toBe(true);
    const posts = seen.filter((s) => s.method === 'POST').map((s) => [s.url, s.body]);
    expect(posts).toEqual([
      ['/agent/v1/login', '{}'],
      ['/agent/v1/offers/dr-1/accept', ''],
      // Once, although the call was announced twice (the snapshot and call.connected).
      ['/agent/v1/calls/att-1/end', ''],
      ['/agent/v1/calls/att-1/disposition', JSON.stringify({ codes: ['Sale'] })],
      ['/agent/v1/logout', ''],
    ]);
    expect(lines).toContain('offer +12125550100 (Spring) dr-1: accepted');
    expect(lines).toContain('wrapup.started att-1: disposition Sale');
    expect(lines[lines.length - 1]).toBe('logged out');
  });
});

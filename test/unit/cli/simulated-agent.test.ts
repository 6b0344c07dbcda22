/**
 * The pure parts of `campaignd simulate agents`: the Server-Sent Events parser it reads the agent
 * stream with (chunks split anywhere, every line ending, comments, ids kept for Last-Event-ID), and
 * the seeded choices (the same seed makes the same choices; rates and means come out as asked).
 */
import { describe, expect, it } from 'vitest';
import { EventStreamParser, type SseMessage } from '../../../src/cli/event-stream-parser.js';
import {
  agentDraws,
  DEFAULT_DISPOSITION,
  dispositionCode,
  offerChoice,
  talkTimeMs,
} from '../../../src/cli/simulated-agent.js';

/** What the server writes (agent-events.ts): a snapshot without id, then events with ids, keepalives between. */
const STREAM =
  'retry: 2000\nevent: snapshot\ndata: {"state":"Available"}\n\n' +
  ': keepalive\n\n' +
  'id: 41\nevent: offer\ndata: {"offerId":"dr-1"}\n\n' +
  'id: 42\nevent: state\ndata: {"state":"Reserved"}\n\n';

const feed = (p: EventStreamParser, chunks: string[]) => chunks.flatMap((c) => p.push(c));

describe('EventStreamParser', () => {
  const expected: SseMessage[] = [
    { type: 'snapshot', data: '{"state":"Available"}', lastEventId: undefined },
    { type: 'offer', data: '{"offerId":"dr-1"}', lastEventId: '41' },
    { type: 'state', data: '{"state":"Reserved"}', lastEventId: '42' },
  ];

  it('reads the server’s stream whole, and cut into chunks at every possible place', () => {
    const whole = new EventStreamParser();
    expect(whole.push(STREAM)).toEqual(expected);
    expect(whole.retryMs).toBe(2000);
    for (let i = 1; i < STREAM.length; i++) {
      expect(feed(new EventStreamParser(), [STREAM.slice(0, i), STREAM.slice(i)]), `cut at ${i}`).toEqual(expected);
    }
    expect(feed(new EventStreamParser(), [...STREAM])).toEqual(expected);
  });

  it('takes CRLF and CR line ends, a CRLF split across chunks included, as one line end each', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (let i = 1; i < crlf.length; i++)
      expect(feed(new EventStreamParser(), [crlf.slice(0, i), crlf.slice(i)]), `cut at ${i}`).toEqual(expected);
    expect(new EventStreamParser().push(STREAM.replace(/\n/g, '\r'))).toEqual(expected);
  });

  it('joins multi-line data, defaults the type to message, keeps the id of an earlier event, and waits for the blank line', () => {
    const p = new EventStreamParser();
    expect(p.push('id: 7\ndata: a\ndata:b\n')).toEqual([]);
    expect(p.push('\ndata: c\n\n')).toEqual([
      { type: 'message', data: 'a\nb', lastEventId: '7' },
      { type: 'message', data: 'c', lastEventId: '7' },
    ]);
    // An event with no data is not dispatched; a retry that is not a number is ignored.
    expect(p.push('event: nothing\nretry: soon\n\n')).toEqual([]);
    expect(p.retryMs).toBeUndefined();
  });
});

describe('seeded choices of a simulated agent', () => {
  it('replays the same draws for the same seed and agent, and other draws for another seed or agent', () => {
    const take = (d: () => number) => Array.from({ length: 5 }, () => d());
    const a = take(agentDraws(7, 1));
    expect(take(agentDraws(7, 1))).toEqual(a);
    expect(take(agentDraws(8, 1))).not.toEqual(a);
    expect(take(agentDraws(7, 2))).not.toEqual(a);
    for (const u of a) expect(u >= 0 && u < 1).toBe(true);
  });

  it('accepts about the accept rate of offers, and always when no skip is left', () => {
    const draw = agentDraws(1, 1);
    const n = 4000;
    let accepted = 0;
    for (let i = 0; i < n; i++) if (offerChoice(draw(), 0.7, 3) === 'accept') accepted++;
    expect(accepted / n).toBeGreaterThan(0.66);
    expect(accepted / n).toBeLessThan(0.74);
    expect(offerChoice(0.99, 0, 0)).toBe('accept');
    expect(offerChoice(0.99, 0, 1)).toBe('skip');
  });

  it('talks for the mean handle time on average, never under a third of it nor over four times it', () => {
    const draw = agentDraws(3, 1);
    const times = Array.from({ length: 4000 }, () => talkTimeMs(draw(), 60_000));
    const mean = times.reduce((s, t) => s + t, 0) / times.length;
    expect(mean).toBeGreaterThan(55_000);
    expect(mean).toBeLessThan(62_000);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(240_000);
    expect(new Set(times).size).toBeGreaterThan(1000);
    expect(talkTimeMs(0.5, 0)).toBe(0);
  });

  it("gives one of the wrap-up's codes, each of them in turn, or the default when it offers none", () => {
    const codes = ['Sale', 'Call Back', 'No Sale'];
    const draw = agentDraws(5, 2);
    const given = new Set(Array.from({ length: 200 }, () => dispositionCode(draw(), codes)));
    expect([...given].sort()).toEqual([...codes].sort());
    expect(dispositionCode(0.999999, codes)).toBe('No Sale');
    expect(dispositionCode(0.3, [])).toBe(DEFAULT_DISPOSITION);
  });
});

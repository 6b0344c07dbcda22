import { describe, expect, it } from 'vitest';
import { Loop } from '../../../src/runtime/loop.js';

/** A body whose runs the test finishes by hand. */
function heldBody() {
  const finishers: ((v: number) => void)[] = [];
  let runs = 0;
  const body = () => {
    runs++;
    return new Promise<number>((resolve) => finishers.push(resolve));
  };
  return { body, runs: () => runs, finish: (v: number) => finishers.shift()!(v) };
}

describe('Loop', () => {
  it('never overlaps a run: a second call joins the run in progress', async () => {
    const h = heldBody();
    const done: number[] = [];
    const loop = new Loop('test', 60_000, h.body, { done: (v) => done.push(v), failed: () => {} });
    const a = loop.runOnce();
    const b = loop.runOnce();
    expect(h.runs()).toBe(1);
    h.finish(7);
    expect([await a, await b]).toEqual([7, 7]);
    expect(done).toEqual([7]);
    const c = loop.runOnce();
    expect(h.runs()).toBe(2);
    h.finish(8);
    expect(await c).toBe(8);
  });

  it('reports a failed run and goes on', async () => {
    const failures: unknown[] = [];
    let n = 0;
    const loop = new Loop(
      'test',
      60_000,
      async () => {
        if (++n === 1) throw new Error('database gone');
        return n;
      },
      { done: () => {}, failed: (err) => failures.push(err) },
    );
    expect(await loop.runOnce()).toBeUndefined();
    expect(await loop.runOnce()).toBe(2);
    expect(failures.map(String)).toEqual(['Error: database gone']);
  });

  it('runs on its interval once started, and stop waits for the run in progress and ends the runs', async () => {
    const h = heldBody();
    const loop = new Loop('test', 1, h.body, { done: () => {}, failed: () => {} });
    loop.start();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => h.runs() > 0 && (clearInterval(poll), resolve()), 1);
    });
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(stopped).toBe(false); // the run in progress holds it
    h.finish(1);
    await stopping;
    const runs = h.runs();
    await new Promise((r) => setTimeout(r, 5));
    expect(h.runs()).toBe(runs);
  });
});

import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';

/** One attempt as the chart needs it: when it started, when and how it ended. */
export interface ChartAttempt {
  start: number;
  end?: number;
  outcome?: string;
}

const GROUPS = [
  ['completed', 'Completed', '#1a7f37'],
  ['no-answer', 'No answer', '#9a6700'],
  ['busy', 'Busy', '#8250df'],
  ['failed', 'Failed', '#b3261e'],
  ['other', 'Other outcomes', '#57606a'],
] as const;
const groupOf = (o: string): string => (GROUPS.some(([g]) => g === o) ? o : 'other');

/** Cumulative attempts started and ended by outcome, sampled at up to 120 points over the run. */
function series(attempts: ChartAttempt[]): uPlot.AlignedData {
  if (attempts.length === 0) return [[], [], ...GROUPS.map(() => [])];
  const times = attempts.flatMap((a) => (a.end ? [a.start, a.end] : [a.start]));
  const from = Math.min(...times);
  const to = Math.max(...times, from + 1000);
  const n = Math.min(120, Math.max(2, Math.ceil((to - from) / 1000) + 1));
  const step = (to - from) / (n - 1);
  const xs = Array.from({ length: n }, (_, i) => (from + i * step) / 1000);
  const starts = attempts.map((a) => a.start).sort((a, b) => a - b);
  const ends = new Map<string, number[]>(GROUPS.map(([g]) => [g, []]));
  for (const a of attempts) if (a.end && a.outcome) ends.get(groupOf(a.outcome))!.push(a.end);
  for (const list of ends.values()) list.sort((a, b) => a - b);
  const countUpTo = (sorted: number[], t: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [
    xs,
    xs.map((x) => countUpTo(starts, x * 1000 + 0.5)),
    ...GROUPS.map(([g]) => xs.map((x) => countUpTo(ends.get(g)!, x * 1000 + 0.5))),
  ];
}

/** The plot fills its box; the box never takes its width from the plot (see .sv-chart). */
const chartWidth = (box: HTMLElement) => Math.max(160, box.clientWidth);

/**
 * Attempts and outcomes over time (uPlot, loaded on first use so the first screen stays small). The
 * numbers are also given as text for screen readers.
 */
export function AttemptsChart(props: { attempts: ChartAttempt[] }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const data = series(props.attempts);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
        if (cancelled || !box.current) return;
        plot.current = new UPlot(
          {
            width: chartWidth(box.current),
            height: 260,
            series: [
              {},
              { label: 'Attempts started', stroke: '#0b5cad', width: 2 },
              ...GROUPS.map(([, label, color]) => ({ label, stroke: color, width: 2 })),
            ],
            axes: [{}, { label: 'Attempts' }],
            scales: { x: { time: true } },
          },
          series(props.attempts),
          box.current,
        );
      } catch {
        setFailed(true);
      }
    })();
    // The box, not the window: its width also changes with the layout (a font size, a side panel).
    const resized = new ResizeObserver(() => {
      if (plot.current && box.current) plot.current.setSize({ width: chartWidth(box.current), height: 260 });
    });
    if (box.current) resized.observe(box.current);
    return () => {
      cancelled = true;
      resized.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  }, [props.attempts]);

  const last = (i: number) => (data[i] as number[]).at(-1) ?? 0;
  return (
    <figure class="sv-chart">
      <div ref={box} role="img" aria-label="Chart of attempts started and ended by outcome over time" />
      <figcaption>
        {failed && 'The chart could not be loaded. '}
        So far: {last(1)} attempts started;{' '}
        {GROUPS.map(([, label], i) => `${label.toLowerCase()} ${last(i + 2)}`).join(', ')}.
      </figcaption>
    </figure>
  );
}

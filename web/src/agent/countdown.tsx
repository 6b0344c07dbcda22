import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The time now, re-read every `everyMs` while the component is shown. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export const secondsLeft = (until: string, now: number): number =>
  Math.max(0, Math.ceil((Date.parse(until) - now) / 1000));

export function formatSeconds(sec: number): string {
  const m = Math.floor(sec / 60);
  const s = sec % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * Time left until `until`, shown every second (role=timer: not read out on each tick) and announced
 * politely at a few moments (`announceAt` seconds left), so a screen reader user hears it run out.
 */
export function Countdown(props: {
  until: string;
  /** What the time is for, e.g. "to answer": read with the numbers. */
  label: string;
  announceAt?: readonly number[];
}): JSX.Element {
  const now = useNow();
  const left = secondsLeft(props.until, now);
  const [said, setSaid] = useState('');
  const marks = props.announceAt ?? [20, 10, 5];
  useEffect(() => {
    if (marks.includes(left)) setSaid(`${left} seconds left ${props.label}`);
    else if (left === 0) setSaid(`No time left ${props.label}`);
  }, [left]);
  return (
    <p class={`countdown${left <= 10 ? ' countdown-low' : ''}`}>
      <span class="countdown-label">Time left {props.label}:</span>{' '}
      <span role="timer" class="countdown-value">
        {formatSeconds(left)}
      </span>
      <span class="visually-hidden" aria-live="polite">
        {said}
      </span>
    </p>
  );
}

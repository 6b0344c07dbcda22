import { CAMPAIGN_STATUSES, type CampaignStatus } from './campaign-config.js';

/**
 * The campaign state machine, in one table (docs/kore-compatibility.md, lifecycle and triggers):
 * Ready → Active ⇄ Paused → Stopped / Completed, and a rerun (play) from Stopped or Completed
 * starts a new instance.
 * Every status change of a campaign goes through `transition()`, and the repository applies it
 * with `WHERE status IN (from)`, so two concurrent triggers cannot both succeed.
 */
export type Trigger = 'play' | 'stop' | 'pause' | 'resume' | 'complete' | 'schedule' | 'unschedule' | 'expire';

/** The triggers a client may send (`trigger=`). */
export type ClientTrigger = 'play' | 'stop' | 'pause' | 'resume';
export const TRIGGERS: readonly ClientTrigger[] = ['play', 'stop', 'pause', 'resume'];

interface Transition {
  from: readonly CampaignStatus[];
  to: CampaignStatus;
}

/**
 * `complete` is the engine's own trigger (every record final). `schedule` / `unschedule` come from
 * the schedule API (and `schedule` from the engine too, when a scheduled run completes with more
 * runs to come); `expire` is the engine ending a schedule past its end. None is a client trigger.
 */
export const TRANSITIONS: Readonly<Record<Trigger, Transition>> = {
  play: { from: ['Ready', 'Stopped', 'Completed', 'Scheduled', 'Rescheduled'], to: 'Active' },
  stop: { from: ['Active', 'Paused'], to: 'Stopped' },
  pause: { from: ['Active'], to: 'Paused' },
  resume: { from: ['Paused'], to: 'Active' },
  complete: { from: ['Active'], to: 'Completed' },
  schedule: { from: ['Ready', 'Stopped', 'Completed', 'Scheduled', 'Rescheduled'], to: 'Scheduled' },
  unschedule: { from: ['Scheduled', 'Rescheduled'], to: 'Ready' },
  expire: { from: ['Scheduled', 'Rescheduled'], to: 'Completed' },
};

/** Statuses in which an instance is running (dialing or paused): configuration is frozen. */
export const RUNNING_STATUSES: readonly string[] = ['Active', 'Paused'];

/** Statuses in which a campaign's configuration may be replaced or the campaign deleted: all but the running ones. */
export const EDITABLE_STATUSES: string[] = CAMPAIGN_STATUSES.filter((s) => !RUNNING_STATUSES.includes(s));

export type TransitionCheck =
  { ok: true; to: CampaignStatus; from: readonly CampaignStatus[] } | { ok: false; message: string };

/** Whether `trigger` may be applied to a campaign in `status`, with the client-facing reason when not. */
export function transition(trigger: Trigger, status: string, name: string): TransitionCheck {
  const t = TRANSITIONS[trigger];
  if ((t.from as readonly string[]).includes(status)) return { ok: true, to: t.to, from: t.from };
  const hint =
    trigger === 'play' && status === 'Paused'
      ? '; use trigger=resume to continue it, or trigger=stop first to start over'
      : trigger === 'play' && status === 'Active'
        ? '; it is already running'
        : `; ${trigger} is allowed only from ${t.from.join(', ')}`;
  return { ok: false, message: `Campaign ${name} is ${status} and cannot be ${PAST[trigger]}${hint}` };
}

const PAST: Record<Trigger, string> = {
  play: 'started',
  stop: 'stopped',
  pause: 'paused',
  resume: 'resumed',
  complete: 'completed',
  schedule: 'scheduled',
  unschedule: 'unscheduled',
  expire: 'expired',
};

/** Parses a client trigger case-insensitively; undefined when it is not one of play|stop|pause|resume. */
export function parseTrigger(raw: string): ClientTrigger | undefined {
  const t = raw.trim().toLowerCase();
  return (TRIGGERS as readonly string[]).includes(t) ? (t as ClientTrigger) : undefined;
}

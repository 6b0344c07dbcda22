/**
 * Whether an agent is there: an open event stream touches the agent's row every PRESENCE_TOUCH_MS
 * (any server process), and an agent whose stream has been silent for PRESENCE_STALE_MS is gone:
 * never reserved, their offer withdrawn, and logged out after AGENT_PRESENCE_GRACE_MS more.
 */
export const PRESENCE_TOUCH_MS = 5_000;
export const PRESENCE_STALE_MS = 3 * PRESENCE_TOUCH_MS;

/** An agent counts as there when their stream was seen at or after this instant. */
export const presentSince = (now: number): number => now - PRESENCE_STALE_MS;

/**
 * Whether an agent is there: an open event stream touches the agent's row every PRESENCE_TOUCH_MS
 * (any server process), and an agent whose stream has been silent for PRESENCE_STALE_MS (or was
 * closed) is gone: never reserved for new work, their open offer withdrawn OFFER_RECONNECT_MS later,
 * and logged out after AGENT_PRESENCE_GRACE_MS.
 */
export const PRESENCE_TOUCH_MS = 5_000;
export const PRESENCE_STALE_MS = 3 * PRESENCE_TOUCH_MS;

/** An agent counts as there when their stream was seen at or after this instant. */
export const presentSince = (now: number): number => now - PRESENCE_STALE_MS;

/**
 * How long an open offer outlives its agent's stream: a page reload or a brief network drop
 * reconnects well within it and finds the offer still theirs (the offer's own deadline still holds).
 */
export const OFFER_RECONNECT_MS = PRESENCE_STALE_MS;

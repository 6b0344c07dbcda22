import { createHash } from 'node:crypto';

/**
 * What a simulated agent decides (`campaignd simulate agents`), apart from the HTTP that carries it:
 * whether to take an offer, how long to talk, which disposition to give. Every draw comes from the
 * seed, so a run with the same seed makes the same choices in the same order.
 */

/** The disposition given when the campaign (and its bot) lists no codes: any code is accepted then. */
export const DEFAULT_DISPOSITION = 'Completed';

export interface SimBehaviour {
  /** Share of Preview offers accepted, 0–1 (the rest are skipped while skips are left). */
  acceptRate: number;
  /** Mean talk time of a connected call, ms. */
  handleTimeMs: number;
}

/**
 * Uniform draws in [0, 1) for agent `agentNo`: SHA-256 of (seed, agent, draw number). Counter-based,
 * so one agent's draws never depend on how many the others made, whatever order events arrive in.
 */
export function agentDraws(seed: number, agentNo: number): () => number {
  let n = 0;
  return () => createHash('sha256').update(`${seed}\u0000${agentNo}\u0000${n++}`).digest().readUIntBE(0, 6) / 2 ** 48;
}

/** Accept with probability `acceptRate`; always accept when no skip is left (a skip would be refused). */
export function offerChoice(u: number, acceptRate: number, skipsLeft: number): 'accept' | 'skip' {
  return skipsLeft <= 0 || u < acceptRate ? 'accept' : 'skip';
}

/**
 * A talk time around `meanMs`: a floor of a third of the mean plus an exponential tail whose mean is
 * the rest, so the mean is `meanMs`, nobody hangs up at once, and a few calls run long (capped at
 * four times the mean so a run with a short mean ends in a predictable time).
 */
export function talkTimeMs(u: number, meanMs: number): number {
  if (meanMs <= 0) return 0;
  const floor = meanMs / 3;
  return Math.round(Math.min(floor - Math.log(1 - u) * (meanMs - floor), 4 * meanMs));
}

/** One of the codes the wrap-up offered, or DEFAULT_DISPOSITION when it offered none. */
export function dispositionCode(u: number, codes: readonly string[]): string {
  return codes.length === 0 ? DEFAULT_DISPOSITION : codes[Math.min(codes.length - 1, Math.floor(u * codes.length))]!;
}

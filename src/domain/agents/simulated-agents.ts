/**
 * Simulated agents (`campaignd simulate agents`, and the demo tenant's queue) are known by an
 * external id made of their queue and number, so a second run logs in the same agents instead of
 * adding more, and two simulators started at once cannot both create them (external ids are unique
 * per bot).
 */
export const simulatedAgentName = (n: number): string => `Sim Agent ${n}`;

export const simulatedAgentExternalId = (queue: string, n: number): string => `sim:${queue.trim().toLowerCase()}:${n}`;

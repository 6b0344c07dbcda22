import { simulatedAgentExternalId, simulatedAgentName } from '../domain/agents/simulated-agents.js';
import type { Services } from '../services.js';
import type { Config } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { SimulatedAgentDriver } from './simulated-agent-driver.js';
import { agentDraws, type SimBehaviour } from './simulated-agent.js';

export interface SimulateAgentsOpts {
  accountId: string;
  iid: string;
  queue: string;
  count: number;
  /** Mean talk time, seconds. */
  handleTime: number;
  acceptRate: number;
  seed: number;
  /** Stop after this many calls got their disposition (all agents together). */
  calls?: number;
}

export interface SimulatedAgentLogin {
  id: string;
  name: string;
  credential: string;
}

/** The server the simulator talks to when --url is not given: this configuration's HOST and PORT. */
export function defaultServerUrl(config: Pick<Config, 'host' | 'port'>): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/**
 * Agents `Sim Agent 1..count` of the queue, created when missing and otherwise reused (their
 * credential reset, since only its hash is stored): the agents the simulator logs in.
 */
export async function ensureSimulatedAgents(s: Services, o: SimulateAgentsOpts): Promise<SimulatedAgentLogin[]> {
  const t = { accountId: o.accountId, iid: o.iid };
  const queue = o.queue.trim();
  const reuse = async (n: number) => {
    const found = (await s.agentAdmin.list(t)).find((a) => a.externalId === simulatedAgentExternalId(queue, n));
    if (!found) return undefined;
    const inQueue = found.queues.some((q) => q.toLowerCase() === queue.toLowerCase());
    return s.agentAdmin.update(found.id, {
      ...t,
      resetCredential: true,
      ...(inQueue ? {} : { queues: [...found.queues, queue] }),
    });
  };
  const out: SimulatedAgentLogin[] = [];
  for (let n = 1; n <= o.count; n++) {
    const externalId = simulatedAgentExternalId(queue, n);
    let agent = await reuse(n);
    if (!agent) {
      try {
        agent = await s.agentAdmin.create({ ...t, name: simulatedAgentName(n), queues: [queue], externalId });
      } catch (err) {
        // Another simulator created it a moment ago: use that one.
        if (!(err instanceof AppError && err.status === 409)) throw err;
        agent = await reuse(n);
        if (!agent) throw err;
      }
    }
    const { credential } = agent as { credential?: string };
    if (!credential) throw new Error(`no credential for ${agent.name}`);
    out.push({ id: agent.id, name: agent.name, credential });
  }
  return out;
}

/**
 * Drives the agents through the agent API of the server at `baseUrl` until SIGINT / SIGTERM or,
 * with `calls`, until that many calls got their disposition; then logs every agent out. One line
 * per event on stdout. Answers the number of calls handled.
 */
export async function simulateAgents(
  o: SimulateAgentsOpts,
  agents: SimulatedAgentLogin[],
  baseUrl: string,
): Promise<number> {
  const behaviour: SimBehaviour = { acceptRate: o.acceptRate, handleTimeMs: o.handleTime * 1000 };
  const width = Math.max(...agents.map((a) => a.name.length));
  const say = (who: string, text: string) =>
    process.stdout.write(`${new Date().toISOString().slice(11, 23)}  ${who.padEnd(width)}  ${text}\n`);
  let handled = 0;
  let stopping: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  const drivers = agents.map(
    (a, i) =>
      new SimulatedAgentDriver({
        ...a,
        baseUrl,
        behaviour,
        draw: agentDraws(o.seed, i + 1),
        say: (text) => say(a.name, text),
        handled: () => {
          handled++;
          if (o.calls !== undefined && handled >= o.calls) void stop(`${handled} calls handled`);
        },
      }),
  );
  const stop = (why: string) =>
    (stopping ??= (async () => {
      say('simulator', `stopping (${why}): logging the agents out`);
      await Promise.all(drivers.map((d) => d.stop()));
      finished();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal: the user does not want to wait for the log-outs.
    if (stopping) process.exit(130);
    void stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = await Promise.allSettled(drivers.map((d) => d.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await stop('an agent could not start');
      const reason = failed.reason as Error & { cause?: { code?: string } };
      throw new Error(
        reason.cause?.code === 'ECONNREFUSED' || reason.message === 'fetch failed'
          ? `cannot reach the server at ${baseUrl} (start it with campaignd serve, or give --url)`
          : reason.message,
      );
    }
    say('simulator', `${agents.length} agents in queue ${o.queue} at ${baseUrl}; Ctrl-C logs them out and stops`);
    await done;
    say('simulator', `stopped: ${handled} calls handled`);
    return handled;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

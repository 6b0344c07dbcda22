/**
 * `npm run bench -- pacing`: Predictive against Progressive pacing on the same seeded traffic, in the
 * discrete-event simulator of src/domain/pacing/simulation.ts (no database, no engine: the pacing
 * maths alone), and against the best occupancy the traffic allows (src/domain/pacing/theory.ts).
 *
 * For each answer rate (15 %, 30 %, 60 %): BENCH_PACING_AGENTS (default 50) agents, BENCH_PACING_CALLS
 * (default 100 000) calls, seeds BENCH_PACING_SEEDS (default "1"). Call i has the same outcome, ring,
 * talk and wrap-up in both modes. Occupancy = talk time ÷ (agents × time until the last call was
 * placed); abandon rate = abandoned ÷ live-person answers over the run (one window).
 *
 * References, from the simulator's own distributions:
 *   - fluid bound: E[talk] / (E[talk] + E[wrap]) — no dialer can beat it (the goal: within 10 %);
 *   - Erlang: the best occupancy for *random* (Poisson) answers at the abandon target (Erlang C with
 *     the connect deadline) — a dialer that watches its agents should beat it.
 * Goal (issue 13): occupancy ≥ 1.5× progressive at 30 % with abandon < 3 %, and ≥ 0.9× the bound.
 */
import { DEFAULT_TRAFFIC, simulatePacing, type SimulationResult } from '../src/domain/pacing/simulation.js';
import { erlangOccupancy, fluidOccupancyBound } from '../src/domain/pacing/theory.js';

const TARGET = 0.03;
const DEADLINE = 2;

function mean(rs: SimulationResult[], f: (r: SimulationResult) => number): number {
  return rs.reduce((a, r) => a + f(r), 0) / rs.length;
}

const pc = (x: number, d = 1) => `${(x * 100).toFixed(d)} %`;

export async function runPacingBench(): Promise<void> {
  const agents = Number(process.env.BENCH_PACING_AGENTS ?? 50);
  const calls = Number(process.env.BENCH_PACING_CALLS ?? 100_000);
  const seeds = (process.env.BENCH_PACING_SEEDS ?? '1').split(',').map(Number);
  const t = DEFAULT_TRAFFIC;
  const wrapMean = (t.wrapMinSec + t.wrapMaxSec) / 2;
  const bound = fluidOccupancyBound(t.talkMeanSec, wrapMean);
  const erlang = erlangOccupancy(agents, t.talkMeanSec, wrapMean, DEADLINE, TARGET);
  console.log(
    `\npacing: ${agents} agents, ${calls.toLocaleString('en-US')} calls per run, seeds ${seeds.join(',')}; ` +
      `talk log-normal ${t.talkMeanSec}±${t.talkSdSec} s, wrap-up ${t.wrapMinSec}-${t.wrapMaxSec} s, ` +
      `ring ${t.ringMeanSec}±${t.ringSdSec} s (no answer ${t.noAnswerSec} s), ${pc(t.machineShare, 0)} of answers machines; ` +
      `target ${pc(TARGET, 0)}, deadline ${DEADLINE} s`,
  );
  console.log(`  fluid bound ${pc(bound)}, Erlang (random answers) ${pc(erlang)}`);
  console.log(
    `  ${'answer'.padEnd(7)} ${'progr. occ'.padStart(10)} ${'pred. occ'.padStart(10)} ${'pred/prog'.padStart(9)} ` +
      `${'abandon'.padStart(8)} ${'peak'.padStart(7)} ${'pred/bound'.padStart(10)} ${'pred/Erlang'.padStart(11)} ${'wall s'.padStart(7)}`,
  );
  const verdicts: string[] = [];
  for (const answerRate of [0.15, 0.3, 0.6]) {
    const started = performance.now();
    const run = (mode: 'predictive' | 'progressive') =>
      seeds.map((seed) => simulatePacing({ seed, agents, calls, mode, traffic: { answerRate } }));
    const pred = run('predictive');
    const prog = run('progressive');
    const wall = (performance.now() - started) / 1000;
    const occPred = mean(pred, (r) => r.occupancy);
    const occProg = mean(prog, (r) => r.occupancy);
    const abandon = Math.max(...pred.map((r) => r.abandonRate));
    const peak = Math.max(...pred.map((r) => r.peakAbandonRate));
    console.log(
      `  ${pc(answerRate, 0).padEnd(7)} ${pc(occProg).padStart(10)} ${pc(occPred).padStart(10)} ${(occPred / occProg).toFixed(2).padStart(8)}× ` +
        `${pc(abandon, 2).padStart(8)} ${pc(peak, 2).padStart(7)} ${(occPred / bound).toFixed(3).padStart(10)} ` +
        `${(occPred / erlang).toFixed(2).padStart(10)}× ${wall.toFixed(1).padStart(7)}`,
    );
    if (answerRate === 0.3) {
      verdicts.push(
        `${occPred / occProg >= 1.5 ? 'met' : 'MISSED'}: ≥ 1.5× progressive at 30 % (${(occPred / occProg).toFixed(2)}×)`,
        `${abandon < TARGET ? 'met' : 'MISSED'}: abandon < 3 % at 30 % (${pc(abandon, 2)})`,
        `${occPred / bound >= 0.9 ? 'met' : 'MISSED'}: within 10 % of the fluid bound at 30 % (${(occPred / bound).toFixed(3)}); ` +
          `the bound itself is ${(bound / occProg).toFixed(2)}× progressive`,
      );
    }
  }
  for (const v of verdicts) console.log(`  goal ${v}`);
}

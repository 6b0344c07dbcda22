import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { paths } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { Notice } from '../ui/form.js';
import { Announcer, fmtDuration, Pager } from './common.js';
import { useLiveEvents, useThrottled, type ScreenProps } from './live.js';

type BoardPage =
  paths['/agentassist/api/v1/public/{iid}/campaign/agents']['get']['responses'][200]['content']['application/json']['data'];
type BoardAgent = BoardPage['results'][number];
type Queues =
  paths['/agentassist/api/v1/public/{iid}/campaign/queues/summary']['get']['responses'][200]['content']['application/json']['data']['queues'];

const PAGE_SIZE = 100;
const STATES = ['Available', 'Reserved', 'OnCall', 'WrapUp', 'NotReady', 'Offline'] as const;

/** `#/agents`: each agent's state and time in state (ticking here, corrected by every event), and queues. */
export function AgentsBoard({ client, iid }: ScreenProps): JSX.Element {
  const [page, setPage] = useState(1);
  const [board, setBoard] = useState<BoardPage>();
  const [queues, setQueues] = useState<Queues>([]);
  const [error, setError] = useState<string>();
  const [announce, setAnnounce] = useState('');
  const [now, setNow] = useState(Date.now());
  /** The server's clock minus this one's, so times in state count from the server's `since`. */
  const skew = useRef(0);

  const readBoard = async () => {
    const { data, error: err } = await client.GET(`${KORE}/campaign/agents`, {
      params: { path: { iid }, query: { page, limit: PAGE_SIZE } },
    });
    if (!data) return setError(messageOf(err));
    setError(undefined);
    skew.current = Date.parse(data.data.asOf) - Date.now();
    setBoard(data.data);
  };
  const readQueues = async () => {
    const { data } = await client.GET(`${KORE}/campaign/queues/summary`, { params: { path: { iid } } });
    if (data) setQueues(data.data.queues);
  };
  const refreshQueues = useThrottled(() => void readQueues(), 1000);
  const refreshBoard = useThrottled(() => void readBoard(), 1000);

  const hub = useLiveEvents((e) => {
    if (e.type !== 'agent.state_changed') {
      if (e.type === 'campaign.status_changed') refreshQueues();
      return;
    }
    const d = e.data;
    const known = board?.results.some((a) => a.id === d.agentId);
    if (!known) refreshBoard();
    else
      setBoard(
        (b) =>
          b && {
            ...b,
            results: b.results.map((a): BoardAgent =>
              a.id === d.agentId ? { ...a, state: d.state, reason: d.reason, since: e.timestamp } : a,
            ),
          },
      );
    setAnnounce(`${d.agentName} is now ${d.state}${d.reason ? ` (${d.reason})` : ''}`);
    refreshQueues();
  });

  useEffect(() => {
    void readBoard();
    void readQueues();
  }, [page, hub.epoch]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const inState = (a: BoardAgent) => (now + skew.current - Date.parse(a.since)) / 1000;
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      {error && <Notice kind="error">{error}</Notice>}
      <Announcer text={announce} />
      <h2>Queues</h2>
      <div class="table-scroll" role="region" tabIndex={0} aria-label="Queues table">
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Agents</th>
              <th scope="col">Connected</th>
              {STATES.map((s) => (
                <th scope="col" key={s}>
                  {s}
                </th>
              ))}
              <th scope="col">Running campaigns</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.id}>
                <th scope="row">{q.name}</th>
                <td>{q.agents}</td>
                <td>{q.present}</td>
                {STATES.map((s) => (
                  <td key={s}>{q.states[s]}</td>
                ))}
                <td>
                  {q.campaigns.length === 0
                    ? '—'
                    : q.campaigns.map((c) => (
                        <div key={c.campaignInstanceId}>
                          {c.campaignName} ({c.status}, {c.dialingMode}): {c.callsInFlight} calls, {c.inWrapUp} in
                          wrap-up, {c.offered} offers
                        </div>
                      ))}
                </td>
              </tr>
            ))}
            {queues.length === 0 && (
              <tr>
                <td colSpan={STATES.length + 4}>No queues.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <h2>Agents</h2>
      <div class="table-scroll" role="region" tabIndex={0} aria-label="Agents table">
        <table aria-busy={!board}>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Time in state</th>
              <th scope="col">Reason</th>
              <th scope="col">Connected</th>
              <th scope="col">Queues</th>
              <th scope="col">Working on</th>
            </tr>
          </thead>
          <tbody>
            {(board?.results ?? []).map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.name}</th>
                <td>
                  <span class={`badge agent-${a.state.toLowerCase()}`}>{a.state}</span>
                </td>
                <td>
                  <time>{fmtDuration(inState(a))}</time>
                </td>
                <td>{a.reason ?? '—'}</td>
                <td>{a.present ? 'yes' : 'no'}</td>
                <td>{a.queues.join(', ')}</td>
                <td>
                  {a.work
                    ? `${a.work.kind === 'offer' ? 'Offer' : 'Call'} of ${a.work.campaignName ?? a.work.campaignId}`
                    : '—'}
                </td>
              </tr>
            ))}
            {board?.results.length === 0 && (
              <tr>
                <td colSpan={7}>No agents.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {board && (
        <Pager
          label="Agent pages"
          page={page}
          totalPages={board.totalPages}
          totalResults={board.totalResults}
          onPage={setPage}
        />
      )}
    </section>
  );
}

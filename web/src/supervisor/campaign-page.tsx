import type { JSX } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { components, paths } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { href } from '../router.js';
import { Notice } from '../ui/form.js';
import type { ChartAttempt } from './chart.js';
import { Announcer, fmtTime, pct } from './common.js';
import { ContactsTable } from './contacts-table.js';
import { LifecycleButtons } from './lifecycle.js';
import { useLiveEvents, useThrottled, type ScreenProps } from './live.js';

type Campaign = components['schemas']['Campaign'];
type Run = NonNullable<
  paths['/agentassist/api/v1/public/{iid}/campaign/{campaignId}/runs']['get']['responses'][200]['content']['application/json']
>['data'][number];

const AttemptsChart = lazy(() => import('./chart.js').then((m) => m.AttemptsChart));
/** Attempts read to draw the chart of a run (the rest arrive live). */
const CHART_SEED_PAGES = 10;

/** `#/campaigns/<id>`: live progress, a chart of attempts, the contacts and their explanations, run history. */
export function CampaignPage({ client, iid, session, campaignId }: ScreenProps & { campaignId: string }): JSX.Element {
  const [campaign, setCampaign] = useState<Campaign>();
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<string>();
  const [announce, setAnnounce] = useState('');
  const [attempts, setAttempts] = useState<Map<string, ChartAttempt>>(new Map());
  const [contactsVersion, setContactsVersion] = useState(0);
  const seededFor = useRef<string | undefined>(undefined);

  const path = { iid, campaignId };
  const readCampaign = async () => {
    const { data, error: err } = await client.GET(`${KORE}/campaign/{campaignId}`, { params: { path } });
    if (data) setCampaign(data.data);
    else setError(messageOf(err));
  };
  const readRuns = async () => {
    const { data } = await client.GET(`${KORE}/campaign/{campaignId}/runs`, { params: { path } });
    if (!data) return;
    setRuns(data.data);
    const current = data.data[0];
    if (current && seededFor.current !== current.instanceId) void seedChart(current.instanceId);
  };
  /** The current run's attempts so far, oldest first, for the chart. */
  const seedChart = async (instanceId: string) => {
    seededFor.current = instanceId;
    const map = new Map<string, ChartAttempt>();
    let cursor: string | undefined;
    for (let i = 0; i < CHART_SEED_PAGES; i++) {
      const { data } = await client.GET(`${KORE}/campaign/{campaignId}/runs/{instanceId}/attempts`, {
        params: {
          path: { ...path, instanceId },
          query: { limit: '500', order: 'oldest', ...(cursor ? { cursor } : {}) },
        },
      });
      if (!data) break;
      for (const a of data.data.results)
        map.set(a.attemptId, {
          start: Date.parse(a.startedAt),
          ...(a.endedAt ? { end: Date.parse(a.endedAt) } : {}),
          ...(a.outcome ? { outcome: a.outcome } : {}),
        });
      if (!data.data.hasMore || !data.data.nextCursor) break;
      cursor = data.data.nextCursor;
    }
    if (seededFor.current !== instanceId) return;
    setAttempts((live) => {
      // Attempts heard live while reading win: they are newer.
      for (const [id, a] of live) map.set(id, { ...map.get(id), ...a });
      return map;
    });
  };

  const refresh = useThrottled(() => {
    void readRuns();
    setContactsVersion((v) => v + 1);
  }, 1000);

  const hub = useLiveEvents((e) => {
    if (e.type === 'agent.state_changed' || e.data.campaignId !== campaignId) return;
    if (e.type === 'campaign.status_changed') {
      const { to, instanceId } = e.data;
      setCampaign((c) => (c ? { ...c, status: to, campaignInstanceId: instanceId ?? c.campaignInstanceId } : c));
      setAnnounce(`Campaign is now ${e.data.to}`);
      if (e.data.instanceId && e.data.instanceId !== seededFor.current) {
        seededFor.current = undefined;
        setAttempts(new Map());
      }
    } else if (e.type === 'attempt.started') {
      const { attemptId } = e.data;
      const start = Date.parse(e.timestamp);
      setAttempts((m) => new Map(m).set(attemptId, { ...m.get(attemptId), start }));
    } else {
      const { attemptId, outcome } = e.data;
      const end = Date.parse(e.timestamp);
      setAttempts((m) => new Map(m).set(attemptId, { start: m.get(attemptId)?.start ?? end, end, outcome }));
    }
    refresh();
  });

  useEffect(() => {
    // First load, and after each reconnection: the stream may have missed events while it was down.
    void readCampaign();
    seededFor.current = undefined;
    void readRuns();
    if (hub.epoch > 0) setContactsVersion((v) => v + 1);
  }, [campaignId, hub.epoch]);

  if (!campaign) return error ? <Notice kind="error">{error}</Notice> : <p role="status">Loading campaign…</p>;
  const current = runs[0];
  const live = current;
  return (
    <article aria-labelledby="campaign-title">
      <p>
        <a href={href('campaigns')}>← Campaigns</a>
      </p>
      <div class="toolbar sv-heading">
        <h1 id="campaign-title">{campaign.name}</h1>
        <p>
          Status: <span class={`badge status-${campaign.status.toLowerCase()}`}>{campaign.status}</span>
        </p>
      </div>
      <p class="hint">
        {campaign.campaignType} · {campaign.dialingMode ?? '—'} · priority {campaign.priority} · lists{' '}
        {campaign.contactLists.join(', ')}
      </p>
      <Announcer text={announce} />
      <LifecycleButtons
        campaign={campaign}
        client={client}
        iid={iid}
        onChanged={(status) => {
          setCampaign({ ...campaign, status });
          setAnnounce(`Campaign is now ${status}`);
          // The answer has the status; the campaign has the new run too.
          void readCampaign();
          refresh();
        }}
        extra={
          <a class="button-link" href={href('campaigns', campaign.id, 'edit')}>
            Edit
          </a>
        }
      />

      <section aria-labelledby="progress-title">
        <h2 id="progress-title">Progress</h2>
        {live ? <Progress run={live} /> : <p>Not played yet.</p>}
        {live && (
          <Suspense fallback={<p role="status">Loading chart…</p>}>
            <AttemptsChart attempts={[...attempts.values()]} />
          </Suspense>
        )}
      </section>

      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title">Contacts</h2>
        {campaign.campaignInstanceId || runs.length > 0 ? (
          <ContactsTable
            client={client}
            iid={iid}
            session={session}
            campaignId={campaignId}
            version={contactsVersion}
          />
        ) : (
          <p>The contacts of a run show here once the campaign has been played.</p>
        )}
      </section>

      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Run history</h2>
        <RunsTable runs={runs} />
      </section>
    </article>
  );
}

function Progress({ run }: { run: Run }): JSX.Element {
  const inFlight = run.attempts.total - run.attempts.ended;
  const done = run.records.finished + run.records.excluded;
  const outcomes = Object.entries(run.attempts.byDialerOutcome).sort((a, b) => b[1] - a[1]);
  return (
    <div class="sv-progress">
      <p>
        <progress max={Math.max(1, run.records.total)} value={done} aria-label="Contacts finished" /> {done} of{' '}
        {run.records.total} contacts finished
      </p>
      <dl class="sv-stats" aria-live="polite">
        <div>
          <dt>Dialed</dt>
          <dd data-testid="dialed">{run.attempts.total}</dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd>{inFlight}</dd>
        </div>
        <div>
          <dt>Open contacts</dt>
          <dd>{run.records.open}</dd>
        </div>
        <div>
          <dt>Connect rate</dt>
          <dd>{pct(run.connectRate)}</dd>
        </div>
        {outcomes.map(([o, n]) => (
          <div key={o}>
            <dt>{o}</dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function RunsTable({ runs }: { runs: Run[] }): JSX.Element {
  if (runs.length === 0) return <p>No runs yet.</p>;
  return (
    <div class="table-scroll" role="region" tabIndex={0} aria-label="Run history table">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Ended</th>
            <th scope="col">Contacts</th>
            <th scope="col">Attempts</th>
            <th scope="col">Connect rate</th>
            <th scope="col">Mean talk</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.instanceId}>
              <th scope="row">{r.instanceId}</th>
              <td>{r.status}</td>
              <td>{fmtTime(r.startedAt)}</td>
              <td>{fmtTime(r.endedAt)}</td>
              <td>
                {r.records.finished}/{r.records.total}
              </td>
              <td>{r.attempts.total}</td>
              <td>{pct(r.connectRate)}</td>
              <td>{r.avgTalkSec == null ? '—' : `${Math.round(r.avgTalkSec)} s`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

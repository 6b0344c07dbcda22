import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { href } from '../router.js';
import { Notice } from '../ui/form.js';
import { Announcer, Confirm, Pager } from './common.js';
import { useLiveEvents, useThrottled, type ScreenProps } from './live.js';
import { LifecycleButtons } from './lifecycle.js';

type Campaign = components['schemas']['Campaign'];
/** Rows per page: the API's pages (limit ≤ 100) are the list's pages, so 1,000 campaigns never render at once. */
const PAGE_SIZE = 50;
/** Progress reads in parallel, for the rows on screen only. */
const PROGRESS_CONCURRENCY = 4;

interface Progress {
  finished: number;
  total: number;
  inFlight: number;
}

/** `#/campaigns`: every campaign of the bot, a page at a time, with live status and progress. */
export function CampaignsList({ client, iid }: ScreenProps): JSX.Element {
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<Campaign[]>([]);
  /** The page `rows` are of: until the page asked for has come, the table says it is busy. */
  const [rowsPage, setRowsPage] = useState(0);
  const [meta, setMeta] = useState({ totalPages: 1, totalResults: 0 });
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [announce, setAnnounce] = useState('');
  const [deleting, setDeleting] = useState<Campaign>();
  const stale = useRef(new Set<string>());

  const asked = useRef(0);

  const load = async (p = page) => {
    const mine = ++asked.current;
    setLoading(true);
    const { data, error: err } = await client.POST(`${KORE}/campaign/getAllCampaignDetails`, {
      params: { path: { iid } },
      body: { page: p, limit: PAGE_SIZE, sortBy: { createdAt: 'desc' } },
    });
    // Pages clicked through quickly: only the last one asked for is shown.
    if (mine !== asked.current) return;
    setLoading(false);
    if (!data) return setError(messageOf(err));
    // The last row of the last page was deleted (or others deleted meanwhile): show the new last page.
    if (data.data.results.length === 0 && p > 1) return setPage(Math.max(1, data.data.totalPages));
    setError(undefined);
    setRows(data.data.results);
    setRowsPage(p);
    setMeta({ totalPages: data.data.totalPages, totalResults: data.data.totalResults });
    for (const c of data.data.results) if (c.campaignInstanceId) stale.current.add(c.id);
    void readProgress();
  };

  /** Reads the latest run of the visible campaigns marked stale, a few at a time. */
  const readProgress = async () => {
    const ids = [...stale.current];
    stale.current.clear();
    const next = async (): Promise<void> => {
      const id = ids.shift();
      if (!id) return;
      const { data } = await client.GET(`${KORE}/campaign/{campaignId}/runs`, {
        params: { path: { iid, campaignId: id } },
      });
      const run = data?.data[0];
      if (run)
        setProgress((p) => ({
          ...p,
          [id]: {
            finished: run.records.finished + run.records.excluded,
            total: run.records.total,
            inFlight: run.attempts.total - run.attempts.ended,
          },
        }));
      return next();
    };
    await Promise.all(Array.from({ length: PROGRESS_CONCURRENCY }, next));
  };
  const refreshProgress = useThrottled(() => void readProgress(), 2000);

  const hub = useLiveEvents((e) => {
    if (e.type === 'agent.state_changed') return;
    if (!rows.some((r) => r.id === e.data.campaignId)) return;
    if (e.type === 'campaign.status_changed') {
      const { campaignId, to, instanceId } = e.data;
      setRows((rs) =>
        rs.map((r) =>
          r.id === campaignId ? { ...r, status: to, campaignInstanceId: instanceId ?? r.campaignInstanceId } : r,
        ),
      );
      const name = rows.find((r) => r.id === campaignId)?.name ?? campaignId;
      setAnnounce(`${name} is now ${to}`);
    }
    stale.current.add(e.data.campaignId);
    refreshProgress();
  });

  useEffect(() => {
    void load(page);
    // Re-read after each reconnection: events missed while away are not counted twice.
  }, [page, hub.epoch]);

  return (
    <section aria-labelledby="campaigns-title">
      <div class="toolbar sv-heading">
        <h1 id="campaigns-title">Campaigns</h1>
        <a class="button-link" href={href('campaigns', 'new')}>
          New campaign
        </a>
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      <Announcer text={announce} />
      <div class="table-scroll" role="region" tabIndex={0} aria-label="Campaigns table">
        <table aria-busy={loading || rowsPage !== page}>
          <caption class="visually-hidden">Campaigns, page {rowsPage || page}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Type</th>
              <th scope="col">Mode</th>
              <th scope="col">Priority</th>
              <th scope="col">Progress</th>
              <th scope="col">Live</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <CampaignRow
                key={c.id}
                c={c}
                progress={progress[c.id]}
                client={client}
                iid={iid}
                onChanged={(status) => {
                  setRows((rs) => rs.map((r) => (r.id === c.id ? { ...r, status } : r)));
                  stale.current.add(c.id);
                  refreshProgress();
                }}
                onDelete={() => setDeleting(c)}
              />
            ))}
            {!loading && rows.length === 0 && (
              <tr>
                <td colSpan={8}>No campaigns yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager
        label="Campaign pages"
        page={page}
        totalPages={meta.totalPages}
        totalResults={meta.totalResults}
        onPage={setPage}
      />
      {deleting && (
        <Confirm
          title="Delete campaign"
          message={`Delete the campaign “${deleting.name}”? This cannot be undone.`}
          confirmLabel="Delete"
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const c = deleting;
            setDeleting(undefined);
            const { error: err } = await client.DELETE(`${KORE}/campaign/{campaignId}`, {
              params: { path: { iid, campaignId: c.id } },
            });
            if (err) return setError(messageOf(err));
            setAnnounce(`Deleted ${c.name}`);
            void load(page);
          }}
        />
      )}
    </section>
  );
}

function CampaignRow(props: {
  c: Campaign;
  progress: Progress | undefined;
  client: ScreenProps['client'];
  iid: string;
  onChanged: (status: string) => void;
  onDelete: () => void;
}): JSX.Element {
  const { c, progress } = props;
  const running = c.status === 'Active' || c.status === 'Paused';
  return (
    <tr>
      <th scope="row">
        <a href={href('campaigns', c.id)}>{c.name}</a>
      </th>
      <td>
        <span class={`badge status-${c.status.toLowerCase()}`}>{c.status}</span>
      </td>
      <td>{c.campaignType}</td>
      <td>{c.dialingMode ?? '—'}</td>
      <td>{c.priority}</td>
      <td>
        {progress && progress.total > 0 ? (
          <>
            <progress max={progress.total} value={progress.finished} aria-label={`Progress of ${c.name}`} />{' '}
            {progress.finished}/{progress.total}
          </>
        ) : (
          '—'
        )}
      </td>
      <td>{running ? (progress ? `${progress.inFlight} in flight` : 'running') : '—'}</td>
      <td>
        <LifecycleButtons
          campaign={c}
          client={props.client}
          iid={props.iid}
          onChanged={props.onChanged}
          compact
          extra={
            <>
              <a class="button-link" href={href('campaigns', c.id, 'edit')} aria-label={`Edit ${c.name}`}>
                Edit
              </a>
              <button type="button" class="danger" aria-label={`Delete ${c.name}`} onClick={props.onDelete}>
                Delete
              </button>
            </>
          }
        />
      </td>
    </tr>
  );
}

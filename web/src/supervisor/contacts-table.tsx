import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { paths } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { Notice } from '../ui/form.js';
import { fmtTime, Modal, Pager } from './common.js';
import type { ScreenProps } from './live.js';

type StatusAnswer =
  paths['/agentassist/api/v1/public/{iid}/campaign/{campaignId}/status']['post']['responses'][200]['content']['application/json']['data'];
type ContactsPage = Extract<StatusAnswer, { results: unknown }>;
type Contact = ContactsPage['results'][number];
type Explanation =
  paths['/agentassist/api/v1/public/{iid}/campaign/{campaignId}/contacts/{contact}/explain']['get']['responses'][200]['content']['application/json']['data'];

const PAGE_SIZE = 25;
const OUTCOMES = [
  'completed',
  'no-answer',
  'busy',
  'failed',
  'invalid',
  'machine_detected',
  'dnc_excluded',
  'filter_skipped',
  'retry-cancelled',
  'timezone_skip',
];

/**
 * The current run's contacts (`POST …/status?view=contacts`), a page at a time; the outcome and
 * number filters apply to the page shown (the API pages, it does not filter).
 */
export function ContactsTable(props: ScreenProps & { campaignId: string; version: number }): JSX.Element {
  const { client, iid, campaignId } = props;
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ContactsPage>();
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState('');
  const [search, setSearch] = useState('');
  const [explaining, setExplaining] = useState<Contact>();

  useEffect(() => {
    void (async () => {
      const { data: res, error: err } = await client.POST(`${KORE}/campaign/{campaignId}/status`, {
        params: {
          path: { iid, campaignId },
          query: { view: 'contacts', page: String(page), limit: String(PAGE_SIZE) },
        },
        body: { page, limit: PAGE_SIZE },
      });
      if (!res) return setError(messageOf(err));
      setError(undefined);
      if ('results' in res.data) setData(res.data);
    })();
  }, [page, props.version, campaignId]);

  const rows = (data?.results ?? []).filter(
    (c) =>
      (outcome === '' || (outcome === 'in-progress' ? c.dialerOutcome === '' : c.dialerOutcome === outcome)) &&
      (search === '' || c.phoneNumber.includes(search.trim()) || c.uniqueId.includes(search.trim())),
  );
  return (
    <div>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="toolbar" role="search" aria-label="Filter contacts">
        <label>
          Outcome{' '}
          <select value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="in-progress">In progress</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Number or id <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
      </div>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Contacts of the current run, page {page}</caption>
          <thead>
            <tr>
              <th scope="col">Phone number</th>
              <th scope="col">Unique id</th>
              <th scope="col">Outcome</th>
              <th scope="col">Attempts</th>
              <th scope="col">Bot status</th>
              <th scope="col">Dispositions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={`${c.uniqueId}|${c.phoneNumber}`}>
                <th scope="row">
                  <button
                    type="button"
                    class="link"
                    aria-label={`Explain ${c.phoneNumber}`}
                    onClick={() => setExplaining(c)}
                  >
                    {c.phoneNumber}
                  </button>
                </th>
                <td>{c.uniqueId || '—'}</td>
                <td>{c.dialerOutcome || 'in progress'}</td>
                <td>{c.numberOfAttemptsSoFar}</td>
                <td>{c.botOutboundStatus || '—'}</td>
                <td>{c.agentDispositionCodes.join(', ') || '—'}</td>
              </tr>
            ))}
            {data && rows.length === 0 && (
              <tr>
                <td colSpan={6}>No contacts on this page match.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {data && (
        <Pager
          label="Contact pages"
          page={data.page}
          totalPages={data.totalPages}
          totalResults={data.totalResults}
          onPage={setPage}
        />
      )}
      {explaining && <ExplainDialog {...props} contact={explaining} onClose={() => setExplaining(undefined)} />}
    </div>
  );
}

/** A contact's `explain` answer, rule by rule. */
function ExplainDialog(
  props: ScreenProps & { campaignId: string; contact: Contact; onClose: () => void },
): JSX.Element {
  const { client, iid, campaignId, contact } = props;
  const [answer, setAnswer] = useState<Explanation>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    void (async () => {
      const { data, error: err } = await client.GET(`${KORE}/campaign/{campaignId}/contacts/{contact}/explain`, {
        params: { path: { iid, campaignId, contact: contact.uniqueId || contact.phoneNumber } },
      });
      if (data) setAnswer(data.data);
      else setError(messageOf(err));
    })();
  }, [contact]);
  return (
    <Modal title={`Why ${contact.phoneNumber} is or is not dialed`} onClose={props.onClose}>
      {error && <Notice kind="error">{error}</Notice>}
      {!answer && !error && <p role="status">Loading…</p>}
      {answer && (
        <>
          <p role="status">
            {answer.dialableNow ? 'Dialable now.' : 'Not dialable now.'}{' '}
            {answer.nextDialableAt && `Next dialable at ${fmtTime(answer.nextDialableAt)}.`} As of {fmtTime(answer.at)}.
          </p>
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Rules</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Passes</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {answer.rules.map((r) => (
                  <tr key={r.rule} class={r.ok ? 'rule-ok' : 'rule-fail'}>
                    <th scope="row">{r.rule}</th>
                    <td>{r.ok ? '✓ yes' : '✗ no'}</td>
                    <td>{r.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div class="toolbar">
        <button type="button" autofocus onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

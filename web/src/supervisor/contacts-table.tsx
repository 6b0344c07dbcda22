import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
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
/** How long the number box waits after the last key before asking the API. */
const TYPING_MS = 300;
/** Kore's dialerOutcome values a finished contact can show. */
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
  // campaignd's Predictive campaigns: answered with no agent free within the connect deadline.
  'abandoned',
];
/** campaignd's states of a contact (its `filters.state`), with the words shown. */
const STATES: [string, string][] = [
  ['pending', 'Pending'],
  ['in-progress', 'In progress'],
  ['done', 'Done'],
];

/** The API's `filters` (campaignd's extension of view=contacts); undefined when nothing is chosen. */
function filtersOf(outcomes: string[], states: string[], number: string): Record<string, unknown> | undefined {
  const f: Record<string, unknown> = {};
  if (outcomes.length > 0) f.dialerOutcome = outcomes;
  if (states.length > 0) f.state = states;
  if (number.trim() !== '') f.phoneNumber = number.trim();
  return Object.keys(f).length > 0 ? f : undefined;
}

const toggle = (list: string[], v: string, on: boolean): string[] =>
  on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v);

/**
 * The current run's contacts (`POST …/status?view=contacts`), a page at a time. The outcome, state
 * and number filters are the API's (`filters`): the page and its totals are of the matching
 * contacts, so paging goes over the filtered result.
 */
export function ContactsTable(props: ScreenProps & { campaignId: string; version: number }): JSX.Element {
  const { client, iid, campaignId } = props;
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ContactsPage>();
  const [error, setError] = useState<string>();
  const [outcomes, setOutcomes] = useState<string[]>([]);
  const [states, setStates] = useState<string[]>([]);
  const [typed, setTyped] = useState('');
  const [number, setNumber] = useState('');
  const [explaining, setExplaining] = useState<Contact>();
  const asked = useRef(0);

  useEffect(() => {
    if (typed === number) return;
    const timer = setTimeout(() => {
      setNumber(typed);
      setPage(1);
    }, TYPING_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const filters = filtersOf(outcomes, states, number);
  const filterKey = JSON.stringify(filters ?? null);
  useEffect(() => {
    const mine = ++asked.current;
    void (async () => {
      const { data: res, error: err } = await client.POST(`${KORE}/campaign/{campaignId}/status`, {
        params: {
          path: { iid, campaignId },
          query: { view: 'contacts', page: String(page), limit: String(PAGE_SIZE) },
        },
        body: { page, limit: PAGE_SIZE, ...(filters ? { filters } : {}) },
      });
      // Only the answer to the latest question is shown (filters change faster than answers come).
      if (mine !== asked.current) return;
      if (!res) return setError(messageOf(err));
      setError(undefined);
      if ('results' in res.data) setData(res.data);
    })();
  }, [page, props.version, campaignId, filterKey]);

  const rows = data?.results ?? [];
  const filtered = filters !== undefined;
  return (
    <div>
      <div role="search" aria-label="Filter contacts">
        <div class="toolbar">
          <label>
            Number starts with{' '}
            <input
              type="search"
              inputMode="tel"
              value={typed}
              aria-invalid={error !== undefined && number !== '' ? 'true' : undefined}
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
          </label>
          {filtered && (
            <button
              type="button"
              onClick={() => {
                setOutcomes([]);
                setStates([]);
                setTyped('');
                setNumber('');
                setPage(1);
              }}
            >
              Clear filters
            </button>
          )}
        </div>
        <fieldset>
          <legend>State</legend>
          {STATES.map(([v, label]) => (
            <label key={v} class="sv-inline">
              <input
                type="checkbox"
                checked={states.includes(v)}
                onChange={(e) => {
                  setStates(toggle(states, v, e.currentTarget.checked));
                  setPage(1);
                }}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Outcome</legend>
          {OUTCOMES.map((o) => (
            <label key={o} class="sv-inline">
              <input
                type="checkbox"
                checked={outcomes.includes(o)}
                onChange={(e) => {
                  setOutcomes(toggle(outcomes, o, e.currentTarget.checked));
                  setPage(1);
                }}
              />{' '}
              {o}
            </label>
          ))}
        </fieldset>
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="table-scroll" role="region" tabIndex={0} aria-label="Contacts table">
        <table>
          <caption class="visually-hidden">
            Contacts of the current run{filtered ? ' matching the filters' : ''}, page {page}
          </caption>
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
                <td colSpan={6}>{filtered ? 'No contacts match the filters.' : 'No contacts yet.'}</td>
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

/** At most this many items of a list are shown in a fact; the rest are counted. */
const FACT_ITEMS = 10;

/** A fact's value as text, whatever its shape: no `[object Object]`, nothing nested beyond reading. */
function factText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '—';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) return 'none';
    const shown = v
      .slice(0, FACT_ITEMS)
      .map((x) => (x !== null && typeof x === 'object' ? `(${factText(x)})` : factText(x)));
    return shown.join(', ') + (v.length > FACT_ITEMS ? `, … ${v.length - FACT_ITEMS} more` : '');
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '—';
    return entries
      .map(([k, x]) => `${k}: ${x !== null && typeof x === 'object' ? `(${factText(x)})` : factText(x)}`)
      .join(', ');
  }
  return String(v);
}

/** A rule's facts (the numbers behind its detail), name and value, as the API names them. */
function Facts(props: { facts: Record<string, unknown> | undefined }): JSX.Element | null {
  const entries = Object.entries(props.facts ?? {});
  if (entries.length === 0) return null;
  return (
    <ul class="rule-facts">
      {entries.map(([k, v]) => (
        <li key={k}>
          <span class="fact-name">{k}</span> {factText(v)}
        </li>
      ))}
    </ul>
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
          <div class="table-scroll" role="region" tabIndex={0} aria-label="Rules table">
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
                    <td>
                      {r.detail}
                      <Facts facts={r.facts} />
                    </td>
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

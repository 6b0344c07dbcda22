import type { JSX, TargetedEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { fieldErrors, KORE, messageOf } from '../api.js';
import { href } from '../router.js';
import { Field, Notice } from '../ui/form.js';
import { fmtTime, Pager } from './common.js';
import type { ScreenProps } from './live.js';
import { CsvUpload } from './csv-upload.js';
import { dncKindOf, useDncUse, type DncUse } from './dnc-lists.js';

type ContactList = components['schemas']['ContactList'];
type Show = 'all' | 'contacts' | 'dnc';

/** `#/lists` and `#/lists/<id>`: the bot's contact and do-not-call lists, a new list, a list's contacts and CSV upload. */
export function ContactLists(props: ScreenProps & { listId: string | undefined }): JSX.Element {
  const { client, iid } = props;
  const [lists, setLists] = useState<ContactList[]>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const [show, setShow] = useState<Show>('all');
  const dncUse = useDncUse(props, version);

  useEffect(() => {
    void (async () => {
      const { data, error: err } = await client.POST(`${KORE}/campaign/contactList/getAllListDetails`, {
        params: { path: { iid } },
      });
      if (data) setLists(data.data);
      else setError(messageOf(err));
    })();
  }, [version]);

  const list = props.listId ? lists?.find((l) => l.id === props.listId) : undefined;
  if (props.listId)
    return list ? (
      <ListPage {...props} list={list} dncUse={dncUse} onChanged={() => setVersion((v) => v + 1)} />
    ) : (
      <p role="status">{lists ? 'No such list.' : 'Loading…'}</p>
    );

  const shown = (lists ?? []).filter(
    (l) => show === 'all' || (dncKindOf(l, dncUse) !== undefined) === (show === 'dnc'),
  );
  return (
    <section aria-labelledby="lists-title">
      <h1 id="lists-title">Contact and do-not-call lists</h1>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="field">
        <label for="lists-show">Show</label>
        <select id="lists-show" value={show} onChange={(e) => setShow(e.currentTarget.value as Show)}>
          <option value="all">All lists</option>
          <option value="contacts">Contact lists</option>
          <option value="dnc">Do-not-call lists</option>
        </select>
      </div>
      <div class="table-scroll" role="region" tabIndex={0} aria-label="Contact lists table">
        <table aria-busy={!lists}>
          <caption class="visually-hidden">Lists of the bot</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Contacts</th>
              <th scope="col">Status</th>
              <th scope="col">Kind</th>
              <th scope="col">Used by</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((l) => (
              <tr key={l.id}>
                <th scope="row">
                  <a href={href('lists', l.id)}>{l.name}</a>
                </th>
                <td>{l.totalRecordCount}</td>
                <td>{l.status}</td>
                <td>{dncKindOf(l, dncUse) ?? 'Contacts'}</td>
                <td>{l.campaignInUse.map((c) => c.name).join(', ') || '—'}</td>
                <td>{fmtTime(l.updatedAt)}</td>
              </tr>
            ))}
            {lists && shown.length === 0 && (
              <tr>
                <td colSpan={6}>{lists.length === 0 ? 'No lists yet.' : 'No lists of this kind.'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <NewList {...props} onCreated={() => setVersion((v) => v + 1)} />
    </section>
  );
}

function NewList({ client, iid, onCreated }: ScreenProps & { onCreated: () => void }): JSX.Element {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  async function submit(e: TargetedEvent<HTMLFormElement, SubmitEvent>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setDone(undefined);
    const { data, error } = await client.POST(`${KORE}/campaign/contactList/createContactList`, {
      params: { path: { iid } },
      body: {
        name: String(f.get('name') ?? ''),
        description: String(f.get('description') ?? ''),
        allowDuplicates: f.get('allowDuplicates') === 'on',
        ...(f.get('kind') === 'global-dnc' ? { isGlobalDNC: true } : {}),
      },
    });
    if (!data) {
      setErrors(fieldErrors(error));
      setProblem(messageOf(error));
      return;
    }
    setErrors({});
    setProblem(undefined);
    setDone(`Created the ${data.data.isGlobalDNC ? "account's global do-not-call list" : 'list'} ${data.data.name}.`);
    form.reset();
    onCreated();
  }
  return (
    <form class="sv-form" onSubmit={submit} aria-labelledby="new-list-title" noValidate>
      <h2 id="new-list-title">New contact list</h2>
      {problem && <Notice kind="error">{problem}</Notice>}
      {done && <Notice kind="success">{done}</Notice>}
      <Field label="List name" name="name" errors={errors}>
        {(c) => <input {...c} type="text" maxLength={48} />}
      </Field>
      <Field label="List description" name="description" errors={errors}>
        {(c) => <input {...c} type="text" />}
      </Field>
      <Field
        label="Kind"
        name="isGlobalDNC"
        errors={errors}
        hint="A campaign's do-not-call list is a contact list chosen as its DNC list in the campaign's form. The global do-not-call list holds numbers no campaign of the account dials; an account has one."
      >
        {(c) => (
          <select {...c} name="kind">
            <option value="contacts">Contact list (or a campaign's do-not-call list)</option>
            <option value="global-dnc">Global do-not-call list</option>
          </select>
        )}
      </Field>
      <label class="choice">
        <input type="checkbox" name="allowDuplicates" /> Allow the same number twice
      </label>
      <button type="submit">Create list</button>
    </form>
  );
}

/** A contact of a list: the known fields plus any columns the file had. */
type ListContact = Record<string, unknown>;

const CONTACTS_PAGE = 25;

function ListPage(props: ScreenProps & { list: ContactList; dncUse: DncUse; onChanged: () => void }): JSX.Element {
  const { client, iid, list } = props;
  const dnc = dncKindOf(list, props.dncUse);
  const [page, setPage] = useState(1);
  const [version, setVersion] = useState(0);
  const [contacts, setContacts] = useState<{ results: ListContact[]; totalPages: number; totalResults: number }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    void (async () => {
      const { data, error: err } = await client.GET(`${KORE}/campaign/contactList/{contactListId}/getAllContacts`, {
        params: { path: { iid, contactListId: list.id }, query: { page, limit: CONTACTS_PAGE } },
      });
      if (data) setContacts({ ...data.data, results: data.data.results as ListContact[] });
      else setError(messageOf(err));
    })();
  }, [page, version, list.id]);

  const columns = ['phoneNumber', 'firstName', 'lastName', 'timeZone', 'uniqueId'];
  const extra = [...new Set((contacts?.results ?? []).flatMap((c) => Object.keys(c)))].filter(
    (k) =>
      !columns.includes(k) &&
      !['_id', 'phoneNumberE164', 'createdAt', 'updatedAt', 'extension', 'contactPriority'].includes(k),
  );
  return (
    <section aria-labelledby="list-title">
      <p>
        <a href={href('lists')}>← Contact lists</a>
      </p>
      <h1 id="list-title">{list.name}</h1>
      <p class="hint">
        {dnc ? `${dnc} · ${list.totalRecordCount} numbers` : `${list.totalRecordCount} contacts`} · {list.status}
        {list.description && ` · ${list.description}`}
      </p>
      <CsvUpload
        {...props}
        {...(dnc
          ? {
              title: 'Upload numbers (CSV)',
              hint: (
                <p class="hint">
                  A header row <code>phoneNumber</code>, then one number per row. Numbers on this list are not dialed
                  {list.isGlobalDNC
                    ? ' by any campaign of the account'
                    : ' by the campaigns using it as their DNC list'}
                  .
                </p>
              ),
            }
          : {})}
        onDone={() => {
          setVersion((v) => v + 1);
          props.onChanged();
        }}
      />
      <h2>{dnc ? 'Numbers' : 'Contacts'}</h2>
      {error && <Notice kind="error">{error}</Notice>}
      <div
        class="table-scroll"
        role="region"
        tabIndex={0}
        aria-label={`${dnc ? 'Numbers' : 'Contacts'} of ${list.name}`}
      >
        <table>
          <caption class="visually-hidden">
            Contacts of {list.name}, page {page}
          </caption>
          <thead>
            <tr>
              {[...columns, ...extra].map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(contacts?.results ?? []).map((c, i) => (
              <tr key={String(c._id ?? i)}>
                {[...columns, ...extra].map((k) => (
                  <td key={k}>{c[k] == null ? '' : String(c[k])}</td>
                ))}
              </tr>
            ))}
            {contacts?.results.length === 0 && (
              <tr>
                <td colSpan={columns.length + extra.length}>No contacts yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {contacts && (
        <Pager
          label="Contact pages"
          page={page}
          totalPages={contacts.totalPages}
          totalResults={contacts.totalResults}
          onPage={setPage}
        />
      )}
    </section>
  );
}

import type { JSX, TargetedEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { fieldErrors, KORE, messageOf } from '../api.js';
import { href } from '../router.js';
import { Field, Notice } from '../ui/form.js';
import { fmtTime, Pager } from './common.js';
import type { ScreenProps } from './live.js';
import { CsvUpload } from './csv-upload.js';

type ContactList = components['schemas']['ContactList'];

/** `#/lists` and `#/lists/<id>`: the bot's contact lists, a new list, a list's contacts and CSV upload. */
export function ContactLists(props: ScreenProps & { listId: string | undefined }): JSX.Element {
  const { client, iid } = props;
  const [lists, setLists] = useState<ContactList[]>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);

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
      <ListPage {...props} list={list} onChanged={() => setVersion((v) => v + 1)} />
    ) : (
      <p role="status">{lists ? 'No such list.' : 'Loading…'}</p>
    );

  return (
    <section aria-labelledby="lists-title">
      <h1 id="lists-title">Contact lists</h1>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="table-scroll">
        <table aria-busy={!lists}>
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
            {(lists ?? []).map((l) => (
              <tr key={l.id}>
                <th scope="row">
                  <a href={href('lists', l.id)}>{l.name}</a>
                </th>
                <td>{l.totalRecordCount}</td>
                <td>{l.status}</td>
                <td>{l.isGlobalDNC ? 'Do-not-call (global)' : 'Contacts'}</td>
                <td>{l.campaignInUse.map((c) => c.name).join(', ') || '—'}</td>
                <td>{fmtTime(l.updatedAt)}</td>
              </tr>
            ))}
            {lists?.length === 0 && (
              <tr>
                <td colSpan={6}>No lists yet.</td>
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
      },
    });
    if (!data) {
      setErrors(fieldErrors(error));
      setProblem(messageOf(error));
      return;
    }
    setErrors({});
    setProblem(undefined);
    setDone(`Created the list ${data.data.name}.`);
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

function ListPage(props: ScreenProps & { list: ContactList; onChanged: () => void }): JSX.Element {
  const { client, iid, list } = props;
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
        {list.totalRecordCount} contacts · {list.status}
        {list.description && ` · ${list.description}`}
      </p>
      <CsvUpload
        {...props}
        onDone={() => {
          setVersion((v) => v + 1);
          props.onChanged();
        }}
      />
      <h2>Contacts</h2>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="table-scroll">
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

/**
 * Fuzzing every endpoint of the Kore API on both dialects (test/support/fuzz.ts): for each generated
 * request, never a 5xx, every failure in the envelope, and whatever a 2xx stored reads back as it
 * was sent, modulo the documented canonicalisation (trimmed names, canonical enumerations, string
 * priority: src/domain/campaigns/campaign-rules.ts, campaign-view.ts, src/domain/contacts/*).
 *
 * Shared fixtures are made once per dialect; a property that deletes creates what it deletes.
 */
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CampaignInput, ListCampaignsBody, type Campaign } from '../../src/contract/campaign.js';
import { CallContactAtBody, StatusQuery, TriggerQuery } from '../../src/contract/engine.js';
import {
  AddContactsBody,
  ContactsQuery,
  CreateContactListBody,
  UpdateContactListBody,
  type ContactList,
} from '../../src/contract/contact-list.js';
import { KORE_PREFIXES } from '../../src/http/routes/kore/kore-router.js';
import { smsSimpleSample } from '../fixtures/kore-samples.js';
import { createCampaign, trigger } from '../support/engine-harness.js';
import {
  arbitraryOf,
  bodyOf,
  describeRequest,
  encodeComponent,
  expectAnswer,
  expectContactAsSent,
  freshName,
  fuzzChecks,
  fuzzParams,
  hostileString,
  inject,
  pathSegment,
  queryOf,
  queryString,
  sentBody,
  surrogateQueryRequests,
  text,
  withBody,
  type FuzzRequest,
} from '../support/fuzz.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'fuzz-kore-admin-token-0123456789';
/** Cases per endpoint and dialect. */
const RUNS = 200;
/** A failing property shrinks against the database; give it room beyond the default test timeout. */
const TIMEOUT = 300_000;

const SEEDED_LISTS = ['Recent Buyers - Q2 2025', 'Renewal Due - May/June 2025'];
const DIALING_MODES = ['Agentless', 'Progressive', 'Preview'];
const FREQUENCIES = ['WEEKLY', 'DAILY', 'CUSTOM'];
const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const MACHINE_DETECT = ['no', 'detect', 'disconnect'];

/** The canonical spelling of `raw` among `values` (matched trimmed and case-insensitively), as the domain reads it. */
function canonicalOf(values: readonly string[], raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === lower);
}

const lower = (s: string) => s.trim().toLowerCase();
/** "9:00  am " -> "9:00 AM": calling-hours times are trimmed, inner spaces collapsed, upper-cased (campaign-rules.ts). */
const clockTime = (s: string) => s.trim().replace(/\s+/g, ' ').toUpperCase();

/** Name and list-name spellings that refer to the same thing: case and surrounding spaces do not matter. */
const spellings = (names: readonly string[]) =>
  fc.constantFrom(...names.flatMap((n) => [n, n, n.toLowerCase(), ` ${n.toUpperCase()} `]));

interface Fixtures {
  /** A voice campaign left Ready: get, status, explain. */
  campaign: string;
  /** Update targets, never started: id -> type. */
  updatable: Record<string, 'voice' | 'sms'>;
  /** The trigger target. */
  triggered: string;
  schedule: { id: string; name: string };
  running: { id: string; instanceId: string; keys: string[] };
  /** A list with contacts, used by the running campaign. */
  contactsList: string;
  /** Update target list, used by no campaign. */
  updateList: string;
  /** addContacts target that allows duplicates, so every accepted row is stored and can be read back in order. */
  addList: { id: string; name: string };
  templateId: string;
}

describe.each(DIALECTS)('Kore API fuzz on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  let fx: Fixtures;

  beforeAll(async () => {
    const app = t();
    /** A list filled through addContacts, so its header counts its contacts as an import would. */
    const importedList = async (name: string, data: Record<string, string>[]) => {
      const res = await app.kore('POST', '/campaign/contactList/createContactList', { name });
      expect(res.statusCode, res.body).toBe(200);
      const add = await app.kore('POST', '/campaign/contactList/addContacts', { contact_list_name: name, data });
      expect(add.statusCode, add.body).toBe(200);
      await app.services.imports.whenIdle();
      const id = res.json().data._id as string;
      const list = await app.kore('GET', `/campaign/contactList/${id}`);
      expect(list.json().data.totalRecordCount, list.body).toBe(data.length);
      return id;
    };
    const contactsList = await importedList('Fuzz Contacts', [
      { phoneNumber: '+14155550101', uniqueId: 'fz-1' },
      { phoneNumber: '+14155550102', uniqueId: 'fz-2' },
      { phoneNumber: '+14155550103', uniqueId: 'fz-3' },
    ]);
    await importedList('Fuzz Trigger', [{ phoneNumber: '+14155550111' }, { phoneNumber: '+14155550112' }]);
    const updateList = await app.addList('Fuzz Update List');
    await app.addList('Fuzz DNC');
    const add = await app.kore('POST', '/campaign/contactList/createContactList', {
      name: 'Fuzz AddContacts',
      allowDuplicates: true,
    });
    expect(add.statusCode, add.body).toBe(200);

    const campaign = await createCampaign(app, { name: 'Fuzz Get', contactLists: [SEEDED_LISTS[0]!] });
    const updVoice = await createCampaign(app, { name: 'Fuzz Update Voice', contactLists: [SEEDED_LISTS[0]!] });
    const sms = await app.kore('POST', '/campaign?campaignType=sms', { ...smsSimpleSample, name: 'Fuzz Update SMS' });
    expect(sms.statusCode, sms.body).toBe(200);
    const triggered = await createCampaign(app, { name: 'Fuzz Trigger', contactLists: ['Fuzz Trigger'] });
    const scheduleName = 'Fuzz Schedule Target';
    const schedule = await createCampaign(app, { name: scheduleName, contactLists: [SEEDED_LISTS[1]!] });
    const running = await createCampaign(app, { name: 'Fuzz Running', contactLists: ['Fuzz Contacts'] });
    const instanceId = (await trigger(app, running, 'play')).campaignInstanceId as string;
    const template = await app.repos.tenancy.findTemplateByName(app.tenant.iid, 'Payment Reminder Template');
    fx = {
      campaign,
      updatable: { [updVoice]: 'voice', [sms.json().id as string]: 'sms' },
      triggered,
      schedule: { id: schedule, name: scheduleName },
      running: { id: running, instanceId, keys: ['fz-1', 'fz-2', '+14155550103', '14155550101'] },
      contactsList,
      updateList,
      addList: { id: add.json().data._id as string, name: 'Fuzz AddContacts' },
      templateId: template!.id,
    };
  });

  // -------------------------------------------------------------------------------------------
  // Requests

  const primary = `/agentassist/api/v1/public/`;
  /** Mostly the documented prefix, sometimes one of its aliases (v2 among them). */
  const prefix = () =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(primary) },
      { weight: 1, arbitrary: fc.constantFrom(...KORE_PREFIXES.map((p) => p.prefix.replace(':iid', ''))) },
    );
  const headers = () => t().headers();
  const kore = (...args: Parameters<TestApp['kore']>) => t().kore(...args);

  /**
   * The accountId query parameter (the header carries it already): mostly absent, sometimes the
   * right one, rarely another value (then the header and the query disagree: 400).
   */
  const accountParam = () =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant({}) },
      { weight: 2, arbitrary: fc.constant({ accountId: t().tenant.accountId }) },
      { weight: 1, arbitrary: hostileString({ long: false }).map((accountId) => ({ accountId })) },
    );

  /** The bot in the path: the tenant's (which its token is for), rarely anything else. */
  const iid = () =>
    fc.oneof({ weight: 15, arbitrary: fc.constant(t().tenant.iid) }, { weight: 1, arbitrary: pathSegment([]) });

  function request(
    method: string,
    base: fc.Arbitrary<string>,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<unknown>,
    body?: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(base, iid(), path, query, accountParam(), body ? bodyOf(body) : fc.constant({}))
      .map(([b, i, p, q, account, part]) =>
        withBody({ method, url: `${b}${i}${p}${queryString(merge(q, account))}`, headers: headers() }, part),
      );
  }

  const { check, property } = fuzzChecks({
    app: () => t().app,
    db: () => t().db.kysely,
    label: dialect,
    runs: RUNS,
  });

  async function getJson<T>(path: string): Promise<T> {
    const res = await kore('GET', path);
    expect(res.statusCode, `GET ${path}: ${res.body}`).toBe(200);
    return res.json<{ data: T }>().data;
  }

  async function adminGet<T>(path: string): Promise<T> {
    const res = await t().app.inject({
      method: 'GET',
      url: `/admin/v1${path}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.statusCode, `GET ${path}: ${res.body}`).toBe(200);
    return res.json<T>();
  }

  const what = (req: FuzzRequest) =>
    `${req.method} ${req.url.slice(0, 200)} ${JSON.stringify(sentBody(req))?.slice(0, 400)}`;

  // -------------------------------------------------------------------------------------------
  // Campaigns

  function campaignHints(): Record<string, fc.Arbitrary<unknown>> {
    return {
      name: freshName(48),
      contactLists: fc
        .subarray([...SEEDED_LISTS], { minLength: 1 })
        .chain((names) => fc.tuple(...names.map((n) => spellings([n])))),
      priority: fc.constantFrom('1', '5', ' 3 ', '05', 2, 4),
      campaignType: fc.constantFrom('voice', 'sms', 'VOICE', ' Sms '),
      dialingMode: fc.constantFrom(...DIALING_MODES, 'progressive', ' PREVIEW '),
      'dialingStrategy.callerId.phoneNumber': fc.constantFrom('+15101234567', ' +919876543210 '),
      'dialingStrategy.callingHours.frequency': fc.constantFrom(...FREQUENCIES, 'daily', ' Weekly '),
      'dialingStrategy.callingHours.timezone': fc.constantFrom(
        'Asia/Kolkata',
        'UTC',
        ' America/New_York ',
        'europe/london',
      ),
      'dialingStrategy.callingHours.days[].day': fc.constantFrom(...DAY_CODES, 'tu', ' Fr '),
      'dialingStrategy.callingHours.days[].start': fc.constantFrom('9:00 AM', '12:00 am', ' 8:30  PM ', '09:15 AM'),
      'dialingStrategy.callingHours.days[].end': fc.constantFrom('6:00 PM', '11:59 pm', ' 5:45  AM '),
      'dialingStrategy.dialingOrder': fc.constantFrom('FIFO', 'LIFO', 'lifo'),
      experienceFlowName: spellings(['Voice Survey Entry Flow', 'SMS Support Flow']),
      queue_name: spellings(['Default Queue']),
      enableMachineDetect: fc.constantFrom(false, true, 'no', 'Detect', 'disconnect'),
      format: fc.constantFrom('simple', 'advanced', 'template', 'basic', ' SIMPLE '),
      'message.template_name': fc.constantFrom('Payment Reminder Template', 'payment reminder template', '', ' '),
      'message.templateId': fc.constantFrom('', fx.templateId),
      dncLists: fc.constantFrom({ name: 'Fuzz DNC' }, [{ name: ' fuzz dnc ' }], []),
    };
  }

  /**
   * What a stored campaign must read back as, given the body it was created or replaced with
   * (campaign-rules.ts normaliseCampaignInput, campaign-service.ts, campaign-view.ts).
   */
  function expectCampaignAsSent(sent: Record<string, unknown>, type: 'voice' | 'sms', got: Campaign, what: string) {
    const b = sent as unknown as typeof CampaignInput.static;
    expect(got.name, what).toBe(b.name.trim());
    expect(got.lname, what).toBe(b.name.trim().toLowerCase());
    expect(got.description, what).toBe(b.description ?? '');
    expect(got.priority, what).toBe(b.priority === undefined ? '5' : String(Number(String(b.priority).trim())));
    expect(got.campaignType, what).toBe(type);
    expect(got.contactLists.map(lower), what).toEqual(b.contactLists.map(lower));
    const ds = b.dialingStrategy;
    expect(got.dialingStrategy.callerId, what).toEqual({ phoneNumber: ds.callerId.phoneNumber.trim() });
    expect(got.dialingStrategy.callingHours, what).toEqual({
      frequency: canonicalOf(FREQUENCIES, ds.callingHours.frequency),
      timezone: ds.callingHours.timezone.trim(),
      days: ds.callingHours.days.map((d) => ({
        day: canonicalOf(DAY_CODES, d.day),
        start: clockTime(d.start),
        end: clockTime(d.end),
      })),
    });
    expect(got.dialingStrategy.useSystemMappings, what).toBe(ds.useSystemMappings);
    expect(got.schedule, what).toEqual({
      isSchedulingEnabled: b.schedule?.isSchedulingEnabled ?? false,
      isRecurrenceEnabled: b.schedule?.isRecurrenceEnabled ?? false,
    });
    const dnc = Array.isArray(b.dncLists) ? b.dncLists[0] : b.dncLists;
    const dncName = dnc?.name.trim();
    if (dncName) expect(lower(got.dncLists?.name ?? ''), what).toBe(lower(dncName));
    else expect(got.dncLists, what).toBeUndefined();
    if (type === 'voice') {
      const mode = canonicalOf(DIALING_MODES, b.dialingMode);
      expect(got.dialingMode, what).toBe(mode);
      expect(got.dialingStrategy.dialingOrder, what).toBe(canonicalOf(['FIFO', 'LIFO'], ds.dialingOrder));
      expect(got.dialingStrategy.maxAttemptsPerRecord, what).toBe(ds.maxAttemptsPerRecord);
      expect(got.dialingStrategy.defaultRetryPeriod, what).toBe(ds.defaultRetryPeriod);
      expect(got.dialingStrategy.maxRingTime, what).toBe(ds.maxRingTime);
      const md = b.enableMachineDetect;
      const detect = md === undefined || md === false ? 'no' : md === true ? 'detect' : canonicalOf(MACHINE_DETECT, md);
      expect(got.machineDetectMode, what).toBe(detect);
      expect(got.enableMachineDetect, what).toBe(detect !== 'no');
      if (mode === 'Agentless') {
        expect(got.experienceFlow, what).toMatch(/^cf-/);
        expect(got.queue_name, what).toBeUndefined();
      } else {
        expect(lower(got.queue_name ?? ''), what).toBe(lower(b.queue_name ?? ''));
        expect(got.experienceFlow, what).toBeUndefined();
      }
      expect(got.maxSkips, what).toBe(mode === 'Preview' ? b.maxSkips : undefined);
    } else {
      expect(got.dialingMode, what).toBeUndefined();
      expect(Object.keys(got.dialingStrategy).sort(), what).toEqual(
        ['callerId', 'callingHours', ...(ds.useSystemMappings === undefined ? [] : ['useSystemMappings'])].sort(),
      );
      const format =
        b.format === 'template' || b.format === 'basic' ? 'simple' : canonicalOf(['simple', 'advanced'], b.format);
      expect(got.format, what).toBe(format);
      expect(got.enableMachineDetect, what).toBe(false);
      if (format === 'simple') {
        // The text is stored as received (Base64, URL-encoded Base64 or plain), never altered.
        const sentText = b.message?.message ?? '';
        if (sentText.trim() !== '') expect(got.message?.message, what).toBe(sentText);
      } else {
        expect(got.experienceFlow, what).toMatch(/^cf-/);
        expect(got.message, what).toBeUndefined();
      }
    }
  }

  /**
   * Bodies the domain accepts as a whole (mode and flow or queue agree, SMS format and message…),
   * with free text in every string it stores as given: most of them succeed and are read back.
   */
  function consistentCampaign(type?: 'voice' | 'sms'): fc.Arbitrary<Record<string, unknown>> {
    const h = campaignHints();
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
    const day = fc.record({
      day: h['dialingStrategy.callingHours.days[].day']!,
      start: h['dialingStrategy.callingHours.days[].start']!,
      end: h['dialingStrategy.callingHours.days[].end']!,
    });
    const common = fc.record({
      name: fc.oneof({ weight: 3, arbitrary: freshName(48) }, { weight: 1, arbitrary: text(1, 48) }),
      description: opt(text(0, 256)),
      contactLists: h.contactLists!,
      priority: opt(h.priority!),
      dialingStrategy: fc.record(
        {
          callerId: fc.record({ phoneNumber: h['dialingStrategy.callerId.phoneNumber']! }),
          callingHours: fc.record({
            frequency: h['dialingStrategy.callingHours.frequency']!,
            timezone: h['dialingStrategy.callingHours.timezone']!,
            days: fc.array(day, { minLength: 1, maxLength: 3 }),
          }),
          dialingOrder: h['dialingStrategy.dialingOrder']!,
          maxAttemptsPerRecord: fc.integer({ min: 1, max: 100 }),
          defaultRetryPeriod: fc.integer({ min: 1, max: 1440 }),
          maxRingTime: fc.integer({ min: 5, max: 120 }),
          useSystemMappings: fc.boolean(),
        },
        { requiredKeys: ['callerId', 'callingHours'] },
      ),
      schedule: opt(
        fc.record({ isSchedulingEnabled: fc.boolean(), isRecurrenceEnabled: fc.boolean() }, { requiredKeys: [] }),
      ),
      dncLists: opt(h.dncLists!),
    });
    const voice = fc.oneof(
      fc.record({
        campaignType: fc.constantFrom('voice', ' VOICE '),
        dialingMode: fc.constantFrom('Agentless', 'agentless'),
        experienceFlowName: spellings(['Voice Survey Entry Flow']),
        enableMachineDetect: opt(h.enableMachineDetect!),
      }),
      fc.record({
        campaignType: fc.constant('voice'),
        dialingMode: fc.constantFrom('Progressive', ' PROGRESSIVE '),
        queue_name: h.queue_name!,
        enableMachineDetect: opt(fc.constantFrom(false, 'no', ' No ')),
      }),
      fc.record({
        campaignType: fc.constant('voice'),
        dialingMode: fc.constantFrom('Preview', 'preview'),
        queue_name: h.queue_name!,
        maxSkips: fc.integer({ min: 0, max: 100 }),
      }),
    );
    const sms = fc.oneof(
      fc.record({
        campaignType: fc.constantFrom('sms', 'SMS'),
        format: fc.constantFrom('simple', 'basic', ' Simple '),
        message: fc.record({
          message: fc.oneof(
            { weight: 8, arbitrary: text(1, 200) },
            { weight: 1, arbitrary: fc.constant('VGhpcyBpcyBhIHJlbWluZGVyLg%3D%3D') },
            // The longest text allowed (maxLength counts code points: 20 000 emoji are 40 000 UTF-16 units).
            {
              weight: 1,
              arbitrary: fc.constantFrom('x'.repeat(20_000), '😀'.repeat(20_000), ` ${'é'.repeat(19_998)} `),
            },
          ),
          templateId: fc.constant(''),
        }),
      }),
      fc.record({
        campaignType: fc.constant('sms'),
        format: fc.constantFrom('template', 'simple'),
        message: fc.record(
          { message: text(0, 200), template_name: h['message.template_name']!, templateId: h['message.templateId']! },
          { requiredKeys: ['template_name'] },
        ),
      }),
      fc.record({
        campaignType: fc.constant('sms'),
        format: fc.constantFrom('advanced', 'ADVANCED'),
        experienceFlowName: spellings(['SMS Support Flow']),
      }),
    );
    return fc
      .tuple(common, type === 'voice' ? voice : type === 'sms' ? sms : fc.oneof(voice, sms))
      .map(([c, specific]) => JSON.parse(JSON.stringify({ ...c, ...specific })) as Record<string, unknown>);
  }

  const campaignBody = (type?: 'voice' | 'sms') =>
    fc.oneof(
      { weight: 1, arbitrary: consistentCampaign(type) },
      { weight: 1, arbitrary: arbitraryOf(CampaignInput, { hints: campaignHints() }) },
    );
  const noQuery = () => fc.constant({});
  const campaignIds = () => [fx.campaign, fx.running.id, fx.triggered, ...Object.keys(fx.updatable)];

  it(
    'create campaign (voice and sms)',
    async () => {
      const query = arbitraryOf(Type.Object({ campaignType: Type.Optional(Type.String()) }), {
        hints: { campaignType: fc.constantFrom('voice', 'sms', 'Voice') },
      });
      const arb = request('POST', prefix(), fc.constantFrom('/campaign', '/campaign/'), query, campaignBody());
      await property(arb, async (req, body) => {
        const created = body as { id: string; data: Campaign & { campId: string } };
        const sent = sentBody(req) as Record<string, unknown>;
        const type = canonicalOf(['voice', 'sms'], sent.campaignType ?? queryOf(req).get('campaignType'));
        const got = await getJson<Campaign>(`/campaign/${created.id}`);
        const { campId, ...answered } = created.data;
        expect(campId, what(req)).toBe(created.id);
        // The create answer is the stored campaign; only voice says Preparing (create-campaign.ts).
        expect(got, what(req)).toEqual({ ...answered, status: 'Ready' });
        expectCampaignAsSent(sent, type as 'voice' | 'sms', got, what(req));
      });
    },
    TIMEOUT,
  );

  it(
    'get campaign',
    async () => {
      const arb = request(
        'GET',
        prefix(),
        pathSegment(campaignIds()).map((id) => `/campaign/${id}`),
        noQuery(),
      );
      await property(arb, async (req, body) => {
        expect(campaignIds(), what(req)).toContain((body as { data: Campaign }).data.id);
      });
    },
    TIMEOUT,
  );

  it(
    'update campaign (PUT, and the body-less Get as PUT)',
    async () => {
      const query = arbitraryOf(Type.Object({ campaignType: Type.Optional(Type.String()) }), {
        hints: { campaignType: fc.constantFrom('voice', 'sms') },
      });
      // The target first, so that a consistent body is of its type.
      const target = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...Object.entries(fx.updatable)) },
        { weight: 1, arbitrary: pathSegment([fx.running.id]).map((id) => [id, undefined] as const) },
      );
      const arb = target.chain(([id, type]) =>
        request('PUT', prefix(), fc.constant(`/campaign/${id}`), query, campaignBody(type)),
      );
      await property(arb, async (req, body) => {
        const data = (body as { data: Campaign }).data;
        const got = await getJson<Campaign>(`/campaign/${data.id}`);
        expect(got, what(req)).toEqual(data);
        const sent = sentBody(req);
        const empty =
          sent === undefined ||
          sent === null ||
          (typeof sent === 'object' && !Array.isArray(sent) && Object.keys(sent).length === 0);
        if (empty) return;
        const type = fx.updatable[data.id];
        expect(type, `${what(req)}: only a campaign that is not running can be updated`).toBeDefined();
        expectCampaignAsSent(sent as Record<string, unknown>, type!, got, what(req));
      });
    },
    TIMEOUT,
  );

  it(
    'delete campaign',
    async () => {
      let n = 0;
      const path = fc
        .oneof({ weight: 3, arbitrary: fc.constant(FRESH) }, { weight: 2, arbitrary: pathSegment([]) })
        .map((id) => `/campaign/${id}`);
      const query = arbitraryOf(Type.Object({ campaignType: Type.Optional(Type.String()) }), {
        hints: { campaignType: fc.constantFrom('voice', 'sms') },
      });
      const arb = request('DELETE', prefix(), path, query);
      await fc.assert(
        fc.asyncProperty(arb, async (generated) => {
          // Deletes only what this case created: the shared fixtures stay.
          let fresh: string | undefined;
          let req = generated;
          if (generated.url.includes(FRESH)) {
            fresh = await createCampaign(t(), { name: `Fuzz delete ${++n}`, contactLists: [SEEDED_LISTS[0]!] });
            req = { ...generated, url: generated.url.replace(FRESH, fresh) };
          }
          await check(req, async (r, body) => {
            const data = (body as { data: Campaign }).data;
            expect(data.id, what(r)).toBe(fresh);
            expectEnvelope(await kore('GET', `/campaign/${data.id}`), 404);
          });
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'getAllCampaignDetails',
    async () => {
      const hints = {
        type: fc.constantFrom('voice', 'sms', '', ' SMS '),
        startDate: fc.constantFrom('2026-05-01', '2026-06-01T12:00:00Z', '2026-06-01T12:00:00.5+05:30', ''),
        endDate: fc.constantFrom('2027-01-01', '2026-06-01T12:00:00Z', ''),
        sortBy: fc.constantFrom({ createdAt: 'desc' }, { name: 'ASC' }, { updatedAt: ' asc ' }, {}),
        'filters.status[]': fc.constantFrom('Ready', 'stopped', 'running', 'Active', 'Scheduled'),
        'filters.priority[]': fc.constantFrom(1, 5, '5', ' 3 '),
        'filters.dialingMode[]': fc.constantFrom(...DIALING_MODES, 'preview'),
      };
      const arb = request(
        'POST',
        prefix(),
        fc.constant('/campaign/getAllCampaignDetails'),
        noQuery(),
        arbitraryOf(ListCampaignsBody, { hints }),
      );
      await property(arb, async (req, body) => {
        const page = (body as { data: { results: Campaign[]; limit: number; totalResults: number } }).data;
        expect(page.results.length, what(req)).toBeLessThanOrEqual(page.limit);
        expect(page.totalResults, what(req)).toBeGreaterThanOrEqual(page.results.length);
        const type = canonicalOf(['voice', 'sms'], (sentBody(req) as { type?: unknown } | undefined)?.type);
        if (type) for (const c of page.results) expect(c.campaignType, what(req)).toBe(type);
      });
    },
    TIMEOUT,
  );

  it(
    'trigger (play, stop, pause, resume), on both paths',
    async () => {
      const path = fc
        .tuple(fc.constantFrom('/campaign/', '/campaign/trigger/'), pathSegment([fx.triggered]))
        .map(([p, id]) => `${p}${id}`);
      const query = arbitraryOf(Type.Omit(TriggerQuery, ['accountId']), {
        hints: {
          trigger: fc.constantFrom('play', 'stop', 'pause', 'resume', 'PLAY', ' Stop '),
          campaignType: fc.constantFrom('voice', 'sms'),
        },
      });
      const arb = request('POST', prefix(), path, query, arbitraryOf(Type.Unknown()));
      await property(arb, async (req, body) => {
        const answer = body as { status: string };
        expect(req.url, what(req)).toContain(fx.triggered);
        const got = await getJson<Campaign>(`/campaign/${fx.triggered}`);
        expect(got.status, what(req)).toBe(answer.status);
      });
    },
    TIMEOUT,
  );

  for (const method of ['GET', 'POST'] as const) {
    it(
      `campaign status and contacts (${method})`,
      async () => {
        const query = arbitraryOf(Type.Omit(StatusQuery, ['accountId']), {
          hints: {
            view: fc.constantFrom('status', 'contacts', 'CONTACTS', ''),
            page: fc.constantFrom('1', '2', '0', ' 1 ', ''),
            limit: fc.constantFrom('1', '100', '101', '0'),
          },
        });
        const pageBody = arbitraryOf(
          Type.Object({
            page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          }),
        );
        const path = pathSegment(campaignIds()).map((id) => `/campaign/${id}/status`);
        const arb = request(method, prefix(), path, query, method === 'POST' ? pageBody : undefined);
        await property(arb, async (req, body) => {
          const data = (body as { data: { id?: string; results?: unknown[]; limit?: number } }).data;
          if (data.results) expect(data.results.length, what(req)).toBeLessThanOrEqual(data.limit!);
          else expect(campaignIds(), what(req)).toContain(data.id);
        });
      },
      TIMEOUT,
    );
  }

  it(
    'schedule (enable and disable)',
    async () => {
      const ScheduleBody = Type.Object({
        startDateTime: Type.String(),
        endDateTime: Type.String(),
        timezone: Type.Optional(Type.String()),
        recurrenceObject: Type.Object({
          recurType: Type.String(),
          dailyDetails: Type.Optional(Type.Object({ onceEveryNdays: Type.Integer({ minimum: 1, maximum: 365 }) })),
          weeklyDetails: Type.Optional(
            Type.Object({
              onceEveryNweeks: Type.Integer({ minimum: 1, maximum: 52 }),
              whichDays: Type.Array(Type.String(), { minItems: 1, maxItems: 7 }),
            }),
          ),
        }),
      });
      const body = arbitraryOf(ScheduleBody, {
        hints: {
          startDateTime: fc.constantFrom('2026-06-02 09:00:00', '2026-6-2 9:00', '2026-06-10T18:29:00'),
          endDateTime: fc.constantFrom('2026-07-01 18:00:00', '2027-1-1 00:00:00', ' 2026-12-31 23:59 '),
          timezone: fc.constantFrom('Asia/Kolkata', 'UTC', ''),
          'recurrenceObject.recurType': fc.constantFrom('Daily', 'weekly', ' WEEKLY '),
          'recurrenceObject.weeklyDetails.whichDays[]': fc.constantFrom('Mon', 'tuesday', 'SUN', 'Fri'),
        },
      });
      const query = arbitraryOf(
        Type.Object({
          enableSchedule: Type.Optional(Type.String()),
          campaignName: Type.Optional(Type.String()),
        }),
        {
          hints: {
            enableSchedule: fc.constantFrom('true', 'false', 'TRUE', ' false '),
            campaignName: spellings([fx.schedule.name]),
          },
        },
      );
      const arb = request('POST', prefix(), fc.constant('/campaign/schedule'), query, body);
      await property(arb, async (req, answer) => {
        const q = queryOf(req);
        const enable = q.get('enableSchedule')!.trim().toLowerCase() === 'true';
        // The campaign is named, not identified: any campaign of that name (the create fuzz makes many).
        const got = await getJson<Campaign>(`/campaign/${(answer as { id: string }).id}`);
        expect(got.lname, what(req)).toBe(q.get('campaignName')!.trim().toLowerCase());
        expect(got.schedule.isSchedulingEnabled, what(req)).toBe(enable);
        if (!enable) return;
        const sent = sentBody(req) as Record<string, unknown> & {
          recurrenceObject: { recurType: string; dailyDetails?: { onceEveryNdays: unknown } };
        };
        // The campaign's calling-hours zone when the body names none (schedule.ts parseScheduleBody).
        expect(got.schedule.timezone, what(req)).toBe(
          sent.timezone === undefined || sent.timezone === ''
            ? got.dialingStrategy.callingHours.timezone
            : sent.timezone,
        );
        expect(got.schedule.startDateTime, what(req)).toBe(localDateTime(sent.startDateTime as string));
        expect(got.schedule.endDateTime, what(req)).toBe(localDateTime(sent.endDateTime as string));
        expect(got.schedule.recurrenceObject?.recurType, what(req)).toBe(
          canonicalOf(['Daily', 'Weekly'], sent.recurrenceObject.recurType),
        );
      });
    },
    TIMEOUT,
  );

  it(
    'callContactAt',
    async () => {
      const body = arbitraryOf(CallContactAtBody, {
        hints: {
          '[].campaignDialingListId': fc.constantFrom(...fx.running.keys),
          '[].timeToContact': fc.constantFrom(
            '2026-06-01T13:00:00Z',
            '2026-06-02T10:00:00+05:30',
            '2026-06-01T11:00:00Z',
            '2027-07-01T00:00:00Z',
            '2026-06-01T13:00:00',
          ),
        },
      });
      const path = pathSegment([fx.running.instanceId]).map((id) => `/campaign/${id}/callContactAt`);
      const arb = request('POST', prefix(), path, noQuery(), body);
      await property(arb, async (req, answer) => {
        const sent = sentBody(req) as { campaignDialingListId: string }[];
        const data = (answer as { data: { campaignDialingListId: string; status: string }[] }).data;
        // Each item answers on its own, naming the contact exactly as it was asked for.
        expect(
          data.map((d) => d.campaignDialingListId),
          what(req),
        ).toEqual(sent.map((s) => s.campaignDialingListId));
        for (const d of data) expect(['success', 'failed'], what(req)).toContain(d.status);
      });
    },
    TIMEOUT,
  );

  it(
    'explain a contact',
    async () => {
      const path = fc
        .tuple(pathSegment([fx.running.id, fx.campaign]), pathSegment(fx.running.keys.map(encodeComponent)))
        .map(([id, key]) => `/campaign/${id}/contacts/${key}/explain`);
      const arb = request('GET', prefix(), path, noQuery());
      await property(arb, async (req, answer) => {
        expect((answer as { data: { campaignId: string } }).data.campaignId, what(req)).toBe(fx.running.id);
      });
    },
    TIMEOUT,
  );

  it(
    'a percent-encoded lone surrogate in the query is refused with a 400, as a NUL is',
    async () => {
      const base = (method: string, path: string, body?: unknown): FuzzRequest => ({
        method,
        url: `${primary}${t().tenant.iid}${path}`,
        headers: { ...headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
      // Each of these succeeds as it is (checked first), so only the surrogate can make it fail.
      const bases = [
        base('GET', `/campaign/${fx.campaign}`),
        base('PUT', `/campaign/${fx.campaign}`, {}),
        base('GET', `/campaign/${fx.campaign}/status?view=status`),
        base('POST', `/campaign/${fx.running.id}/status?view=contacts&limit=10`, { page: 1 }),
        base('GET', `/campaign/${fx.running.id}/contacts/fz-1/explain`),
        base('POST', '/campaign/getAllCampaignDetails?accountId=' + t().tenant.accountId, { limit: 5 }),
        base('GET', '/campaign/contactList/getAllListDetails?type=call'),
        base('GET', `/campaign/contactList/${fx.contactsList}`),
        base('GET', `/campaign/contactList/${fx.contactsList}/getAllContacts?skip=0&limit=10`),
      ];
      for (const b of bases) expect((await inject(t().app, b)).statusCode, describeRequest(b)).toBe(200);
      await fc.assert(
        fc.asyncProperty(surrogateQueryRequests(bases), async (req) => {
          const res = await inject(t().app, req);
          expectAnswer(req, res);
          expect(res.statusCode, `${describeRequest(req)} -> ${res.body}`).toBe(400);
        }),
        fuzzParams(100),
      );
    },
    TIMEOUT,
  );

  it(
    'a path parameter over 256 characters answers 414',
    async () => {
      const routes: [string, (id: string) => string][] = [
        ['GET', (id) => `/campaign/${id}`],
        ['PUT', (id) => `/campaign/${id}`],
        ['DELETE', (id) => `/campaign/${id}`],
        ['POST', (id) => `/campaign/${id}?trigger=play`],
        ['POST', (id) => `/campaign/trigger/${id}?trigger=play`],
        ['GET', (id) => `/campaign/${id}/status`],
        ['POST', (id) => `/campaign/${id}/status?view=contacts`],
        ['GET', (id) => `/campaign/${fx.running.id}/contacts/${id}/explain`],
        ['GET', (id) => `/campaign/${id}/contacts/fz-1/explain`],
        ['POST', (id) => `/campaign/${id}/callContactAt`],
        ['GET', (id) => `/campaign/contactList/${id}`],
        ['PUT', (id) => `/campaign/contactList/${id}`],
        ['POST', (id) => `/campaign/contactList/${id}`],
        ['DELETE', (id) => `/campaign/contactList/${id}`],
        ['GET', (id) => `/campaign/contactList/${id}/getAllContacts`],
      ];
      const arb = fc
        .tuple(fc.constantFrom(...routes), fc.integer({ min: 257, max: 2048 }), fc.constantFrom('x', 'cd-', '9'))
        .map(([[method, path], n, c]) => ({
          method,
          url: `${primary}${t().tenant.iid}${path(c.repeat(Math.ceil(n / c.length)).slice(0, n))}`,
          headers: { ...headers(), 'content-type': 'application/json' },
          body: {},
        }));
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          expectEnvelope(await inject(t().app, req), 414);
        }),
        fuzzParams(40),
      );
    },
    TIMEOUT,
  );

  it(
    'a body over the 1 MiB limit answers 413',
    async () => {
      const limit = t().config.bodyLimitBytes;
      const routes: [string, string][] = [
        ['POST', '/campaign?campaignType=voice'],
        ['PUT', `/campaign/${Object.keys(fx.updatable)[0]}`],
        ['POST', '/campaign/getAllCampaignDetails'],
        ['POST', `/campaign/${fx.triggered}?trigger=pause`],
        ['POST', `/campaign/${fx.campaign}/status?view=contacts`],
        ['POST', '/campaign/schedule?enableSchedule=false&campaignName=x'],
        ['POST', `/campaign/${fx.running.instanceId}/callContactAt`],
        ['POST', '/campaign/contactList/createContactList'],
        ['POST', '/campaign/contactList/getAllListDetails'],
        ['PUT', `/campaign/contactList/${fx.updateList}`],
        ['POST', `/campaign/contactList/${fx.updateList}`],
        ['POST', '/campaign/contactList/addContacts'],
      ];
      const arb = fc
        .tuple(
          fc.constantFrom(...routes),
          fc.integer({ min: 1, max: 1 << 16 }),
          fc.constantFrom('a', 'é', '😀'),
          fc.constantFrom('application/json', 'text/plain', 'application/vnd.api+json'),
        )
        .map(([[method, path], over, c, contentType]) => {
          const bytes = Buffer.byteLength(c);
          return {
            method,
            url: `${primary}${t().tenant.iid}${path}`,
            headers: { ...headers(), 'content-type': contentType },
            body: { name: c.repeat(Math.ceil((limit + over) / bytes)) },
          };
        });
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          expectEnvelope(await inject(t().app, req), 413);
        }),
        fuzzParams(30),
      );
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Contact lists

  const SOURCES: Record<string, string> = {
    passiveapi: 'passiveApi',
    passiveapiintegration: 'passiveApiIntegration',
  };

  it(
    'createContactList (and the update sent to its URL)',
    async () => {
      const hints = {
        name: freshName(48),
        name1: freshName(48),
        source: fc.constantFrom('passiveApi', 'passiveApiIntegration', 'PASSIVEAPI', ' passiveApi ', ''),
        isGlobalDNC: fc.constant(false),
        contactListId: fc.constant(fx.updateList),
        _id: fc.constant(fx.updateList),
        id: fc.constant(fx.updateList),
      };
      const body = fc.oneof(
        {
          weight: 4,
          arbitrary: arbitraryOf(Type.Omit(CreateContactListBody, ['contactListId', '_id', 'id']), { hints }),
        },
        { weight: 1, arbitrary: arbitraryOf(CreateContactListBody, { hints }) },
      );
      const query = fc.oneof(
        { weight: 5, arbitrary: noQuery() },
        {
          weight: 1,
          arbitrary: arbitraryOf(Type.Object({ contactListId: Type.Optional(Type.String()) }), {
            hints: { contactListId: fc.constant(fx.updateList) },
          }),
        },
      );
      const arb = request('POST', prefix(), fc.constant('/campaign/contactList/createContactList'), query, body);
      await property(arb, async (req, answer) => {
        const sent = sentBody(req) as Record<string, unknown> & typeof CreateContactListBody.static;
        const list = (answer as { data: ContactList }).data;
        const got = await getJson<ContactList>(`/campaign/contactList/${list._id}`);
        expect(list, what(req)).toMatchObject(got);
        const target = queryOf(req).get('contactListId') ?? sent.contactListId ?? sent._id ?? sent.id;
        const name = (sent.name ?? sent.name1)?.trim();
        if (target === undefined) {
          expect(got.name, what(req)).toBe(name);
          expect(got.lname, what(req)).toBe(name!.toLowerCase());
          expect(got.description, what(req)).toBe(sent.description ?? '');
          expect(got.source, what(req)).toBe(SOURCES[(sent.source?.trim() || 'passiveApi').toLowerCase()]);
          expect(got.allowDuplicates, what(req)).toBe(sent.allowDuplicates === true);
          expect(got.isGlobalDNC, what(req)).toBe(sent.isGlobalDNC === true);
        } else {
          expect(got._id, what(req)).toBe(target);
          expectListUpdated(sent, got, what(req));
        }
      });
    },
    TIMEOUT,
  );

  /** The fields an update names are stored as sent (names trimmed); the rest is not checked here. */
  function expectListUpdated(sent: typeof UpdateContactListBody.static, got: ContactList, what: string) {
    const name = (sent.name ?? sent.name1)?.trim();
    if (name !== undefined) expect(got.name, what).toBe(name);
    if (sent.description !== undefined) expect(got.description, what).toBe(sent.description);
    if (sent.allowDuplicates !== undefined) expect(got.allowDuplicates, what).toBe(sent.allowDuplicates);
  }

  const listIds = () => [fx.contactsList, fx.updateList, fx.addList.id];

  for (const method of ['GET', 'POST'] as const) {
    it(
      `getAllListDetails (${method})`,
      async () => {
        const query = arbitraryOf(Type.Object({ type: Type.Optional(Type.String()) }), {
          hints: { type: fc.constantFrom('call', 'voice', 'sms', '', ' CALL ') },
        });
        const path = fc.constant('/campaign/contactList/getAllListDetails');
        const arb = request(method, prefix(), path, query, method === 'POST' ? arbitraryOf(Type.Unknown()) : undefined);
        await property(arb, async (req, answer) => {
          const ids = (answer as { data: ContactList[] }).data.map((l) => l._id);
          for (const id of listIds()) expect(ids, what(req)).toContain(id);
        });
      },
      TIMEOUT,
    );
  }

  it(
    'get contact list',
    async () => {
      const path = pathSegment(listIds()).map((id) => `/campaign/contactList/${id}`);
      const arb = request('GET', prefix(), path, noQuery());
      await property(arb, async (req, answer) => {
        expect(listIds(), what(req)).toContain((answer as { data: ContactList }).data._id);
      });
    },
    TIMEOUT,
  );

  for (const method of ['PUT', 'POST'] as const) {
    it(
      `update contact list (${method})`,
      async () => {
        const body = arbitraryOf(UpdateContactListBody, { hints: { name: freshName(48), name1: freshName(48) } });
        const path = pathSegment([fx.updateList, fx.contactsList]).map((id) => `/campaign/contactList/${id}`);
        const arb = request(method, prefix(), path, noQuery(), body);
        await property(arb, async (req, answer) => {
          const data = (answer as { data: ContactList & { contactListId: string; body: { name: string } } }).data;
          const got = await getJson<ContactList>(`/campaign/contactList/${data._id}`);
          expect(data, what(req)).toMatchObject(got);
          expect(data.contactListId, what(req)).toBe(got._id);
          expect(data.body.name, what(req)).toBe(got.name);
          expectListUpdated(sentBody(req) as typeof UpdateContactListBody.static, got, what(req));
        });
      },
      TIMEOUT,
    );
  }

  it(
    'delete contact list',
    async () => {
      let n = 0;
      const path = fc
        .oneof({ weight: 3, arbitrary: fc.constant(FRESH) }, { weight: 2, arbitrary: pathSegment([]) })
        .map((id) => `/campaign/contactList/${id}`);
      const arb = request('DELETE', prefix(), path, noQuery());
      await fc.assert(
        fc.asyncProperty(arb, async (generated) => {
          // Deletes only what this case created: the shared fixtures stay.
          let fresh: string | undefined;
          let req = generated;
          if (generated.url.includes(FRESH)) {
            fresh = await t().addList(`Fuzz delete list ${++n}`);
            req = { ...generated, url: generated.url.replace(FRESH, fresh) };
          }
          await check(req, async (r, body) => {
            const data = (body as { data: ContactList }).data;
            expect(data._id, what(r)).toBe(fresh);
            expectEnvelope(await kore('GET', `/campaign/contactList/${data._id}`), 404);
          });
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'getAllContacts',
    async () => {
      const page = fc.constantFrom('0', '1', '2', '', '500', '501', 3);
      const query = arbitraryOf(Type.Omit(ContactsQuery, ['accountId']), {
        hints: { skip: page, page, limit: page },
      });
      const path = pathSegment([fx.contactsList, fx.addList.id]).map(
        (id) => `/campaign/contactList/${id}/getAllContacts`,
      );
      const arb = request('GET', prefix(), path, query);
      await property(arb, async (req, answer) => {
        const data = (answer as { data: { results: unknown[]; limit: number; totalResults: number } }).data;
        expect(data.results.length, what(req)).toBeLessThanOrEqual(data.limit);
        expect(data.totalResults, what(req)).toBeGreaterThanOrEqual(data.results.length);
      });
    },
    TIMEOUT,
  );

  it(
    'addContacts',
    async () => {
      const ContactRow = Type.Object({
        phoneNumber: Type.Union([Type.String(), Type.Integer()]),
        firstName: Type.Optional(Type.String()),
        lastName: Type.Optional(Type.String()),
        timeZone: Type.Optional(Type.String()),
        uniqueId: Type.Optional(Type.String()),
        contactPriority: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
        note: Type.Optional(Type.String()),
        'first name': Type.Optional(Type.String()),
      });
      const row = arbitraryOf(ContactRow, {
        hints: {
          phoneNumber: fc.constantFrom(
            '+14155550100',
            ' +44 20 7946 0958 ',
            '4155550123',
            14155550100,
            '+1 (415) 555-0199',
          ),
          timeZone: fc.constantFrom('America/New_York', 'UTC', ' Asia/Kolkata '),
          contactPriority: fc.constantFrom(1, '10', ' 3 '),
        },
      });
      const body = arbitraryOf(AddContactsBody, {
        hints: { contact_list_name: spellings([fx.addList.name, 'Fuzz Contacts']), 'data[]': row },
      });
      const base = fc.oneof(
        { weight: 4, arbitrary: prefix() },
        { weight: 1, arbitrary: fc.constantFrom('/api/1.1/public/', '/api/public/') },
      );
      const arb = request('POST', base, fc.constant('/campaign/contactList/addContacts'), noQuery(), body);
      await property(arb, async (req, answer) => {
        const { importId } = answer as { importId: string };
        const sent = sentBody(req) as { data: unknown[] };
        await t().services.imports.whenIdle();
        const job = await adminGet<{
          status: string;
          listId: string;
          totalRows: number;
          imported: number;
          duplicates: number;
          rejected: number;
        }>(`/imports/${importId}`);
        expect(job.status, what(req)).toBe('completed');
        expect(job.totalRows, what(req)).toBe(sent.data.length);
        expect(job.imported + job.duplicates + job.rejected, what(req)).toBe(job.totalRows);
        if (job.listId !== fx.addList.id) return;
        // The list allows duplicates: every row not rejected is stored, in order, at the end of the list.
        const rejects = await adminGet<{ results: { rowNumber: number }[] }>(`/imports/${importId}/rejects`);
        const rejected = new Set(rejects.results.map((r) => r.rowNumber));
        const accepted = sent.data.filter((_, i) => !rejected.has(i + 1)) as Record<string, unknown>[];
        expect(job.duplicates, what(req)).toBe(0);
        expect(job.imported, what(req)).toBe(accepted.length);
        if (accepted.length === 0) return;
        const list = await getJson<ContactList>(`/campaign/contactList/${fx.addList.id}`);
        const skip = list.totalRecordCount - accepted.length;
        const stored = await getJson<{ results: Record<string, unknown>[] }>(
          `/campaign/contactList/${fx.addList.id}/getAllContacts?skip=${skip}&limit=${accepted.length}`,
        );
        expect(stored.results.length, what(req)).toBe(accepted.length);
        accepted.forEach((c, i) => expectContactAsSent(Object.entries(c), stored.results[i]!, what(req)));
      });
    },
    TIMEOUT,
  );
});

/** A generated query with the accountId part added (a non-object query, as generated hostile, stays as it is). */
function merge(q: unknown, extra: Record<string, unknown>): unknown {
  return q !== null && typeof q === 'object' && !Array.isArray(q) ? { ...q, ...extra } : q;
}

/** `FRESH` in a generated path stands for a resource the case creates first (and may then delete). */
const FRESH = '%7Bfresh%7D';

/** `YYYY-M-D H:mm[:ss]` as the schedule stores it: zero-padded, with seconds (schedule.ts). */
function localDateTime(raw: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(raw.trim())!;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0));
  const p = (n: number | undefined, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(mo)}-${p(d)} ${p(h)}:${p(mi)}:${p(s)}`;
}

/**
 * Row shapes of every table. Timestamps are ISO-8601 UTC strings (they sort as text on both
 * dialects); instants the engine computes with are epoch milliseconds, and so are contacts'
 * creation times (a million-row import stores one per row: 8 bytes instead of 24). Booleans are 0/1 integers
 * and JSON documents are text, so one representation serves SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';
export interface AccountRow {
  id: string;
  name: string;
  created_at: string;
}

export interface BotRow {
  id: string;
  account_id: string;
  name: string;
  /** ISO country used to read numbers given without `+`. */
  default_country: string;
  /** Kore's pre-call contact fetch: its configuration as JSON, or null when off. */
  precall_config: string | null;
  /** Calls one campaign of the bot may have out at once; null: Kore's agentless default (migration 008). */
  campaign_max_concurrent: number | null;
  /** Disposition codes the bot's agents may give, as a JSON array; null: any code (migration 012). */
  disposition_codes: string | null;
  /** JSON BotContactRules: frequency caps and chosen rule packs; null: none (migration 016). */
  contact_rules: string | null;
  created_at: string;
}

export interface AppRow {
  /** The clientId. */
  id: string;
  account_id: string;
  name: string;
  secret: string;
  enforce_jti: number;
  created_at: string;
}

export interface AppScopeRow {
  app_id: string;
  bot_id: string;
  scope: string;
}

export interface JtiRow {
  app_id: string;
  jti: string;
  expires_at: number;
}

export interface FlowRow {
  id: string;
  account_id: string;
  bot_id: string;
  name: string;
  lname: string;
  channel: string;
  created_at: string;
}

/** A phone number attached to an SMS experience flow of a bot (migration 014): Send Outbound SMS's `fromNo`. */
export interface FlowNumberRow {
  bot_id: string;
  /** E.164. */
  phone_e164: string;
  flow_id: string;
}

export interface QueueRow {
  id: string;
  account_id: string;
  bot_id: string;
  name: string;
  lname: string;
  created_at: string;
}

export interface TemplateRow {
  id: string;
  account_id: string;
  bot_id: string;
  name: string;
  lname: string;
  message: string;
  created_at: string;
}

export interface CampaignRow {
  id: string;
  account_id: string;
  bot_id: string;
  type: 'voice' | 'sms';
  name: string;
  lname: string;
  description: string;
  status: string;
  priority: number;
  dialing_mode: string | null;
  /** The rest of the configuration as stored JSON (see domain/campaigns/campaign-config.ts). */
  config: string;
  instance_id: string | null;
  instance_updated_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Which lists a campaign uses, by id, so renames and deletes of used lists can be refused. */
export interface CampaignListRow {
  campaign_id: string;
  list_id: string;
  role: 'contacts' | 'dnc';
  position: number;
}

export interface ContactListRow {
  id: string;
  account_id: string;
  bot_id: string;
  name: string;
  lname: string;
  description: string;
  source: string;
  allow_duplicates: number;
  is_global_dnc: number;
  status: string;
  total_record_count: number;
  created_at: string;
  updated_at: string;
}

/** A stored contact (migration 009); reads go through contacts-repo.ts, which gives a ListContactRow. */
export interface ContactRow {
  /** contact_lists.list_no of its list. */
  list_no: number;
  /** List order: FIFO dials ascending, LIFO descending. */
  seq: number;
  /** Only for ids given before migration 007 in another form; otherwise derived (contacts-repo.ts). */
  id: string | null;
  phone_e164: string;
  phone_raw: string;
  extension: string | null;
  first_name: string | null;
  last_name: string | null;
  time_zone: string | null;
  unique_id: string | null;
  contact_priority: number | null;
  /** Other columns as given (JSON object of strings). */
  extra: string | null;
  /** Epoch ms. Stored contacts never change (but for expires_at), so this is also when it was last updated. */
  created_at: number;
  /** DNC entries (migration 013): epoch ms from which the entry no longer counts; null: never expires. */
  expires_at: number | null;
}

/**
 * Which list holds which number (migration 011): on SQLite a table an import fills, sorted, when it
 * completes; on PostgreSQL a view of contacts. Like contacts, only rows with seq <= the list's
 * visible_seq count.
 */
export interface ContactPhoneRow {
  list_no: number;
  phone_e164: string;
  seq: number;
}

export interface ImportRow {
  id: string;
  account_id: string;
  bot_id: string;
  list_id: string;
  source: 'csv' | 'api';
  file_name: string | null;
  status: 'queued' | 'running' | 'completed' | 'failed';
  total_rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Epoch ms of the last sign of life of the process running the import (migration 003). */
  heartbeat_at: number;
}

export interface ImportRejectRow {
  import_id: string;
  row_number: number;
  column_name: string | null;
  reason: string;
}

export interface CampaignInstanceRow {
  /** cid-… */
  id: string;
  campaign_id: string;
  account_id: string;
  bot_id: string;
  type: 'voice' | 'sms';
  /** Active | Paused | Stopped | Completed */
  status: string;
  total_records: number;
  excluded_records: number;
  started_at: number;
  ended_at: number | null;
  /** Attempts whose outcome is `sms-sent`, kept by a trigger as outcomes are stored (migration 022). */
  messages_sent: number;
}

/** A list a campaign instance dials, and how far into it the run has taken contacts (migration 015). */
export interface InstanceListRow {
  instance_id: string;
  /** contact_lists.list_no. */
  list_no: number;
  /** The list's place in the campaign's `contactLists` (0 first). */
  position: number;
  /** The run holds the list's contacts with seq <= this; later visible ones are taken in by the engine. */
  absorbed_seq: number;
}

/**
 * `offered`: shown to a Preview agent, not dialed; `accepted`: the agent said yes, the next tick
 * dials it (migration 012). Neither holds a line.
 */
export type DialRecordState = 'pending' | 'offered' | 'accepted' | 'leased' | 'in_flight' | 'done';

/** One distinct number of one campaign instance (see migrations/004-engine.ts). */
export interface DialRecordRow {
  id: string;
  instance_id: string;
  campaign_id: string;
  contact_id: string | null;
  phone_e164: string;
  unique_id: string | null;
  /** The contact's own zone as given (may be invalid; the effective zone is derived). */
  time_zone: string | null;
  /** Dial order within the instance (contactPriority, then FIFO / LIFO list order). */
  order_key: number;
  state: DialRecordState;
  attempts: number;
  /** Epoch ms before which the record is not looked at. */
  next_at: number;
  current_attempt_id: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_outcome: string | null;
  final_outcome: string | null;
  excluded_reason: string | null;
  bot_session_id: string | null;
  bot_outbound_status: string | null;
  bot_outbound_status_detail: string | null;
  /** JSON array of strings. */
  agent_disposition_codes: string | null;
  /** JSON object of the contact's fields, for the call context and pre-call fetch. */
  contact_data: string | null;
  updated_at: number;
  /** Preview: how often agents skipped the record. */
  skips: number;
  /** The agent the record is offered to, accepted by, or being dialed for. */
  agent_id: string | null;
}

export interface AttemptRow {
  /** att-…; the provider idempotency key. */
  id: string;
  record_id: string;
  instance_id: string;
  attempt_no: number;
  channel: 'voice' | 'sms';
  /** Engine process that claimed it. */
  worker: string;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  provider_outcome: string | null;
  detail: string | null;
  ring_sec: number | null;
  talk_sec: number | null;
  machine_detected: number | null;
  /** A real outcome that arrived after the attempt was already recorded as `unknown`. */
  late_outcome: string | null;
  /** The agent the call was for (Progressive, Preview). */
  agent_id: string | null;
  /** When the person who answered was connected to the agent. */
  connected_at: number | null;
  /** Predictive: when a person answered (migration 021); waiting for an agent while agent_id is null. */
  answered_at: number | null;
  /** JSON: what the agent was shown of the contact (fields and pre-call data). */
  call_data: string | null;
  /** When the agent asked to end the call; the engine that placed it tells the provider. */
  hangup_requested_at: number | null;
  /** JSON AttemptDisposition: what the agent said of the call. */
  disposition: string | null;
  /** The account and number called (migration 016): frequency caps count attempts by them. */
  account_id: string | null;
  phone_e164: string | null;
}

/** An operator's own jurisdiction rule pack (migration 016); the shipped ones are files in rules/packs. */
export interface RulePackRow {
  id: string;
  version: string;
  /** The pack as given, JSON. */
  body: string;
  created_at: number;
}

/** Dates on which an account (or one of its bots) calls nobody (migration 016). */
export interface BlackoutRow {
  /** blk-… */
  id: string;
  account_id: string;
  /** Null: every bot of the account. */
  bot_id: string | null;
  name: string;
  /** YYYY-MM-DD, local to the contact, inclusive. */
  from_date: string;
  to_date: string;
  created_at: number;
}

/** An `Idempotency-Key` of a Kore mutation (migration 018), kept 24 h. */
export interface IdempotencyKeyRow {
  account_id: string;
  /** The key as the client sent it (unquoted), 1-255 printable ASCII characters. */
  key: string;
  /** SHA-256 (hex) of the request: method, route and its parameters, query (less accountId), canonical body. */
  fingerprint: string;
  /** Names the claim: only its holder completes or releases the key. */
  token: string;
  /** `running` while the first request runs; `done` once its answer is stored. */
  state: 'running' | 'done';
  /** The stored answer (done only). */
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: number;
  expires_at: number;
}

/** The recent admitted requests of one rate-limited key (migration 020; PostgreSQL only writes it). */
export interface RateLimitRow {
  /** The account id. */
  key: string;
  /** Epoch-ms times of the key's last admitted requests, oldest first, each 13 digits, no separator. */
  recent: string;
}

export const AGENT_STATES = ['Offline', 'Available', 'Reserved', 'OnCall', 'WrapUp', 'NotReady'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** A person who takes the calls of Progressive and Preview campaigns (migration 012). */
export interface AgentRow {
  /** ag-… */
  id: string;
  account_id: string;
  bot_id: string;
  name: string;
  external_id: string | null;
  extension: string | null;
  /** SHA-256 (hex) of the agent's API credential. */
  credential_hash: string;
  state: AgentState;
  /** NotReady's reason code; why the agent went Offline. */
  state_reason: string | null;
  state_since: number;
  /** When an event stream of the agent was last known open; null: none is. */
  stream_seen_at: number | null;
  /** Reserved for an `offer` or a `call`; OnCall and WrapUp: `call`. */
  work_kind: 'offer' | 'call' | null;
  work_instance_id: string | null;
  work_campaign_id: string | null;
  work_record_id: string | null;
  work_attempt_id: string | null;
  /** Reserved for an offer: its deadline; WrapUp: when it ends by itself. */
  work_until: number | null;
  created_at: string;
  updated_at: string;
}

export interface AgentQueueRow {
  agent_id: string;
  queue_id: string;
}

export interface AgentStateHistoryRow {
  id: Generated<number>;
  agent_id: string;
  at: number;
  state: AgentState;
  reason: string | null;
  campaign_id: string | null;
  attempt_id: string | null;
}

export interface AgentEventRow {
  /** The SSE event id. */
  id: Generated<number>;
  agent_id: string;
  at: number;
  type: string;
  /** JSON object. */
  data: string;
}

/** The outbox (migration 017, docs/events.md): one row per event, written with its change. */
export interface EventRow {
  /** Insertion order. */
  id: Generated<number>;
  /** Publication order, the public cursor: null until the publisher has seen the row committed. */
  seq: number | null;
  type: string;
  version: number;
  account_id: string;
  bot_id: string | null;
  campaign_id: string | null;
  instance_id: string | null;
  occurred_at: number;
  /** JSON object: the event's `data`. */
  data: string;
}

export interface WebhookSubscriptionRow {
  id: string;
  account_id: string;
  bot_id: string | null;
  url: string;
  /** Sealed (SecretBox) `whsec_…`. */
  secret: string;
  /** JSON array of event types; null: every type. */
  event_types: string | null;
  status: 'active' | 'paused' | 'failing';
  /** Every matching event with seq <= this has been delivered. */
  cursor_seq: number;
  /** When the event at the head first failed; null while deliveries succeed. */
  failing_since: number | null;
  tries: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveryRow {
  id: Generated<number>;
  subscription_id: string;
  event_seq: number;
  at: number;
  /** 1: the receiver answered 2xx. */
  ok: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

/** What pacing measured for a Predictive campaign (migration 021): PacingMeasurements as JSON. */
export interface PacingMeasurementsRow {
  campaign_id: string;
  data: string;
  updated_at: number;
}

/** A Predictive campaign's live answers and abandons in one hour (epoch ms of its start). */
export interface PacingWindowRow {
  campaign_id: string;
  hour: number;
  answered: number;
  abandoned: number;
}

/** A number barred from agent calls of the account until `until` after an abandoned call. */
export interface AgentCallLockoutRow {
  account_id: string;
  phone_e164: string;
  until: number;
}

export interface Database {
  accounts: AccountRow;
  bots: BotRow;
  apps: AppRow;
  app_scopes: AppScopeRow;
  jti_seen: JtiRow;
  flows: FlowRow;
  flow_numbers: FlowNumberRow;
  queues: QueueRow;
  templates: TemplateRow;
  campaigns: CampaignRow;
  campaign_lists: CampaignListRow;
  contact_lists: ContactListRow & {
    /** Small integer key of the list, the contacts' `list_no` (migration 009); given on insert. */
    list_no: Generated<number>;
    /** The list's contents are its contacts with seq <= this (migration 007); 0 for a new list. */
    visible_seq: Generated<number>;
  };
  contacts: ContactRow;
  contact_phones: ContactPhoneRow;
  imports: ImportRow;
  import_rejects: ImportRejectRow;
  kv: { key: string; value: string };
  campaign_instances: CampaignInstanceRow;
  instance_lists: InstanceListRow;
  dial_records: DialRecordRow;
  attempts: AttemptRow;
  agents: AgentRow;
  agent_queues: AgentQueueRow;
  agent_state_history: AgentStateHistoryRow;
  agent_events: AgentEventRow;
  rule_packs: RulePackRow;
  blackouts: BlackoutRow;
  idempotency_keys: IdempotencyKeyRow;
  events: EventRow;
  webhook_subscriptions: WebhookSubscriptionRow;
  webhook_deliveries: WebhookDeliveryRow;
  rate_limits: RateLimitRow;
  pacing_measurements: PacingMeasurementsRow;
  pacing_windows: PacingWindowRow;
  agent_call_lockouts: AgentCallLockoutRow;
}

/**
 * Row shapes of every table. Timestamps are ISO-8601 UTC strings (they sort as text on both
 * dialects); instants the engine computes with are epoch milliseconds. Booleans are 0/1 integers
 * and JSON documents are text, so one representation serves SQLite and PostgreSQL.
 */
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
  /** Pre-call contact fetch (§4.11) configuration as JSON, or null when off. */
  precall_config: string | null;
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

export interface ContactRow {
  id: string;
  list_id: string;
  /** List order: FIFO dials ascending, LIFO descending. */
  seq: number;
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
  /** Set while the import that wrote the row is unfinished; such rows are invisible. */
  pending_import_id: string | null;
  created_at: string;
  updated_at: string;
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
}

export interface ImportRejectRow {
  import_id: string;
  row_number: number;
  column_name: string | null;
  reason: string;
}

export interface Database {
  accounts: AccountRow;
  bots: BotRow;
  apps: AppRow;
  app_scopes: AppScopeRow;
  jti_seen: JtiRow;
  flows: FlowRow;
  queues: QueueRow;
  templates: TemplateRow;
  campaigns: CampaignRow;
  campaign_lists: CampaignListRow;
  contact_lists: ContactListRow;
  contacts: ContactRow;
  imports: ImportRow;
  import_rejects: ImportRejectRow;
  kv: { key: string; value: string };
}

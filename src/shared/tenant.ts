/**
 * Whose data a call is about: the account and the bot (Kore's `iid`, the `st-…` stream id). Every
 * service and repository call takes one, and a row of another tenant reads as missing (404).
 */
export interface Tenant {
  accountId: string;
  botId: string;
}

/** A Kore API caller admitted by domain/tenancy: the tenant, the app whose token it showed, and the bot's settings it needs. */
export interface ApiTenant extends Tenant {
  appId: string;
  /** ISO country for reading numbers written without `+` (the bot's setting). */
  defaultCountry: string;
}

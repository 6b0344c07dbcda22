/**
 * Who is signed in, kept in sessionStorage: readable by this origin's pages only, gone when the tab
 * closes, never in a URL or in localStorage. A reload keeps the session; another tab signs in anew.
 */
export type Session =
  /** A supervisor with the tenant's app credentials: every Kore call carries a fresh JWT signed here. */
  | { kind: 'app'; accountId: string; iid: string; appId: string; clientSecret: string }
  /**
   * The operator of the whole install: the admin token, and the app whose bot they supervise (Kore
   * calls carry tokens the admin API mints for it).
   */
  | { kind: 'operator'; adminToken: string; accountId: string; iid: string; appId: string }
  /** An agent with their own credential (admin API `POST /admin/v1/agents`). */
  | { kind: 'agent'; credential: string };

const KEY = 'campaignd.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

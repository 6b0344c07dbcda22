import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { clientFor } from './api.js';
import { AgentDesk } from './agent/desk.js';
import { useRoute } from './router.js';
import { loadSession, saveSession, type Session } from './session.js';
import { SignIn } from './sign-in.js';
import { Supervisor } from './supervisor/supervisor.js';

/** The console: sign-in, then the supervisor's screens or the agent's desk, by who signed in. */
export function App(): JSX.Element {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const client = useMemo(() => (session ? clientFor(session) : undefined), [session]);
  const route = useRoute();

  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
    location.hash = '';
  };

  if (!session || !client) return <SignIn onSignedIn={signIn} />;
  return session.kind === 'agent' ? (
    <AgentDesk session={session} client={client} onSignOut={signOut} />
  ) : (
    <Supervisor session={session} client={client} route={route} onSignOut={signOut} />
  );
}

import { useState } from 'preact/hooks';
import { messageOf } from '../api.js';

/**
 * One button's call of the agent API: busy while it runs, the API's message when it fails (a 409
 * "no longer open", say). `run` answers the data, or undefined after a failure.
 */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  clear: () => void;
  run: <T>(call: () => Promise<{ data?: T; error?: unknown }>) => Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return {
    busy,
    error,
    clear: () => setError(undefined),
    run: async (call) => {
      setBusy(true);
      setError(undefined);
      try {
        const { data, error: failed } = await call();
        if (data !== undefined) return data;
        setError(messageOf(failed));
      } catch (err) {
        setError(messageOf(err));
      } finally {
        setBusy(false);
      }
      return undefined;
    },
  };
}

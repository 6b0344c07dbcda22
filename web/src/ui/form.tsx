import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';

/**
 * A labelled control and, under it, the API's message for its field: linked by aria-describedby and
 * marked aria-invalid, so a screen reader reads the error with the field.
 */
export function Field(props: {
  label: string;
  /** The field's name as the API names it in `errors[].field`. */
  name: string;
  errors?: Record<string, string>;
  hint?: string;
  children: (control: {
    id: string;
    name: string;
    'aria-invalid'?: boolean;
    'aria-describedby'?: string;
  }) => JSX.Element;
}): JSX.Element {
  const id = useId();
  const error = props.errors?.[props.name];
  const described = [error ? `${id}-error` : '', props.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        name: props.name,
        ...(error ? { 'aria-invalid': true } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="error" role="alert" data-field={props.name}>
          {error}
        </small>
      )}
    </div>
  );
}

/** A message box: errors are announced at once (role=alert), other notes politely. */
export function Notice(props: { kind: 'error' | 'info' | 'success'; children: ComponentChildren }): JSX.Element {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** Shown while a live connection is down; the page reconnects by itself. */
export function ConnectionBanner(props: { connected: boolean }): JSX.Element | null {
  if (props.connected) return null;
  return (
    <div class="notice notice-error connection" role="status" aria-live="polite">
      Connection lost — reconnecting…
    </div>
  );
}

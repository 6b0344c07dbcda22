import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** Previous / next over a paged API answer, with where we are said in words. */
export function Pager(props: {
  label: string;
  page: number;
  totalPages: number;
  totalResults?: number;
  onPage: (page: number) => void;
}): JSX.Element {
  const { page, totalPages } = props;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={page <= 1} onClick={() => props.onPage(page - 1)}>
        Previous page
      </button>
      <span>
        Page {page} of {Math.max(1, totalPages)}
        {props.totalResults !== undefined && ` (${props.totalResults} in all)`}
      </span>
      <button type="button" disabled={page >= totalPages} onClick={() => props.onPage(page + 1)}>
        Next page
      </button>
    </nav>
  );
}

/**
 * A modal `<dialog>`: focus moves into it, Escape closes it, focus returns to what opened it.
 * Rendered only while open.
 */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => opener?.focus?.();
  }, []);
  const titleId = `dlg-${props.title.replace(/\W+/g, '-')}`;
  return (
    <dialog
      ref={ref}
      class="sv-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** Asks before something that cannot be undone; Cancel has the focus first. */
export function Confirm(props: {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  return (
    <Modal title={props.title} onClose={props.onCancel}>
      <p>{props.message}</p>
      <div class="toolbar">
        <button type="button" autofocus onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

/** A polite live region: what changed is read out without taking the focus. */
export function Announcer(props: { text: string }): JSX.Element {
  return (
    <div class="visually-hidden" role="status" aria-live="polite">
      {props.text}
    </div>
  );
}

export const fmtTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export function fmtDuration(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

export const pct = (n: number | null | undefined): string => (n == null ? '—' : `${Math.round(n * 100)}%`);

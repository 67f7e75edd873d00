// Small shared components: copy buttons, code blocks, alerts, confirm dialogs,
// breadcrumbs and loading placeholders that keep the page's layout while loading.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link } from '../router';
import { formatSize } from '../format';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a remote host: the Clipboard API is unavailable there.
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  document.body.removeChild(ta);
  if (!ok) throw new Error('copy refused');
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className="btn btn-small copy"
      aria-label={label}
      title={label}
      onClick={() => copyText(text).then(() => setState('copied'), () => setState('failed'))}
    >
      <svg aria-hidden="true" width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5">
        {state === 'copied' ? <path d="M3 8.5l3 3 7-7" /> : (<><rect x="5.5" y="5.5" width="8" height="8" rx="1.5" /><path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-7a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h1" /></>)}
      </svg>
      <span className="copy-text" aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : 'Copy'}
      </span>
    </button>
  );
}

export function CodeBlock({ label, code, language }: { label: string; code: string; language?: string }) {
  const id = useId();
  return (
    <figure className="code" data-language={language}>
      <figcaption id={id}>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label}`} />
      </figcaption>
      <pre aria-labelledby={id} tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}

export function Alert({ kind = 'error', children }: { kind?: 'error' | 'success' | 'info' | 'warning'; children: ReactNode }) {
  if (!children) return null;
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** Skeleton stands in for text while loading, with the height of what replaces it. */
export function Skeleton({ width = '100%', height = '1em' }: { width?: string; height?: string }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden="true" />;
}

export function Loading({ rows = 3, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div className="loading" aria-busy="true" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div className="skeleton-row" key={i}>
          <Skeleton width={`${60 - i * 7}%`} />
          <Skeleton width="20%" />
        </div>
      ))}
    </div>
  );
}

export type Crumb = { label: string; href?: string };

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((c, i) => (
          <li key={i}>
            {c.href && i < items.length - 1 ? <Link href={c.href}>{c.label}</Link> : <span aria-current={i === items.length - 1 ? 'page' : undefined}>{c.label}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** pathCrumbs are the breadcrumbs of a full path: each prefix links to its namespace page. */
export function pathCrumbs(fullPath: string, suffix: Crumb[] = []): Crumb[] {
  const parts = fullPath.split('/');
  return [
    ...parts.map((p, i) => ({ label: p, href: '/' + parts.slice(0, i + 1).join('/') })),
    ...suffix,
  ];
}

/** ConfirmDialog asks before a destructive action; Escape or Cancel closes it. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <Alert>{error}</Alert>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Badge({ children, kind = 'neutral' }: { children: ReactNode; kind?: 'neutral' | 'info' | 'success' | 'warning' | 'danger' }) {
  return <span className={`badge badge-${kind}`}>{children}</span>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className="empty">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** SecretOnce shows a newly created token's secret with a copy button, once. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  return (
    <div className="alert alert-success secret" role="status">
      <p>
        <strong>{label}</strong> Copy it now: it is not shown again.
      </p>
      <div className="secret-row">
        <input readOnly value={secret} aria-label={label} className="mono" onFocus={(e) => e.currentTarget.select()} data-testid="new-token" />
        <CopyButton text={secret} label={`Copy ${label.toLowerCase()}`} />
        <button type="button" className="btn btn-small" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** Size is a byte count in binary units, the exact count in its tooltip. */
export function Size({ bytes }: { bytes: number }) {
  return <span title={`${bytes.toLocaleString('en')} bytes`}>{formatSize(bytes)}</span>;
}

/** StorageLine is the one-line storage usage of a project, a group or the instance. */
export function StorageLine({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p className="storage muted small" data-testid={testId}>
      <strong>Storage</strong> · {children}
    </p>
  );
}

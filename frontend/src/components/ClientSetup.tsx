import { useId, useState } from 'react';
import { clientSetups, type Credential, type SetupTarget } from '../snippets';
import { CodeBlock } from './ui';

/** ClientSetup shows ready-to-paste client configurations for a credential, one tab per format. */
export function ClientSetup({ target, credential, title }: { target: SetupTarget; credential: Credential; title: string }) {
  const setups = clientSetups(target, credential);
  const [tab, setTab] = useState(setups[0]?.type ?? '');
  const id = useId();
  if (setups.length === 0) return null;
  const shown = setups.find((s) => s.type === tab) ?? setups[0];
  return (
    <section className="card" aria-labelledby={`${id}-h`} data-testid="client-setup">
      <h2 id={`${id}-h`}>{title}</h2>
      <div className="tabs tabs-small" role="tablist" aria-label="Package formats">
        {setups.map((s) => (
          <button key={s.type} type="button" role="tab" id={`${id}-${s.type}`} aria-selected={shown.type === s.type} aria-controls={`${id}-panel`} onClick={() => setTab(s.type)}>
            {s.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${shown.type}`} data-testid={`client-setup-${shown.type}`}>
        {shown.snippets.map((c) => (
          <CodeBlock key={c.label} label={`${shown.label}: ${c.label}`} code={c.code} language={c.language} />
        ))}
      </div>
    </section>
  );
}

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Breadcrumbs } from '../components/ui';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';

const CreateProject = graphql(`
  mutation CreateProject($input: ProjectCreateInput!) {
    projectCreate(input: $input) {
      project {
        id
        fullPath
      }
      errors
    }
  }
`);

const CreateGroup = graphql(`
  mutation CreateGroup($input: GroupCreateInput!) {
    groupCreate(input: $input) {
      group {
        id
        fullPath
      }
      errors
    }
  }
`);

const pathPattern = '[A-Za-z0-9_][A-Za-z0-9_.\\-]*';

function Visibility({ value, onChange }: { value: string; onChange: (v: 'private' | 'internal' | 'public') => void }) {
  return (
    <fieldset className="field">
      <legend>Visibility</legend>
      {(
        [
          ['private', 'Private', 'Only members see it.'],
          ['internal', 'Internal', 'Every signed-in user sees it.'],
          ['public', 'Public', 'Anyone sees it, without signing in.'],
        ] as const
      ).map(([v, label, help]) => (
        <label key={v} className="radio">
          <input type="radio" name="visibility" value={v} checked={value === v} onChange={() => onChange(v)} />
          <span>
            <strong>{label}</strong> <span className="muted">{help}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function NewProject() {
  const { session } = useSession();
  const loc = useLocation();
  const [namespace, setNamespace] = useState(loc.search.get('namespace') ?? session?.user.username ?? '');
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'private' | 'internal' | 'public'>('private');
  const [access, setAccess] = useState<'PRIVATE' | 'PUBLIC' | 'DISABLED'>('PRIVATE');
  const [error, setError] = useState('');
  const [{ fetching }, create] = useMutation(CreateProject);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    const fullPath = `${namespace.trim().replace(/^\/+|\/+$/g, '')}/${path.trim()}`;
    const res = await create({ input: { fullPath, name: name.trim() || null, visibility, packageRegistryAccessLevel: access } });
    const errs = res.data?.projectCreate?.errors ?? [];
    if (res.error || errs.length) {
      setError(res.error ? errorText(res.error) : errs.join(' '));
      return;
    }
    navigate(`/${res.data?.projectCreate?.project?.fullPath ?? fullPath}/-/packages`);
  };
  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'New project' }]} />
      <h1>New project</h1>
      <form className="card form" onSubmit={submit}>
        <div className="field-row">
          <div className="field">
            <label htmlFor="np-namespace">Namespace</label>
            <input id="np-namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} required aria-describedby="np-namespace-help" />
            <p className="help" id="np-namespace-help">
              A group’s full path, or your username for a personal project.
            </p>
          </div>
          <div className="field">
            <label htmlFor="np-path">Project path</label>
            <input id="np-path" value={path} onChange={(e) => setPath(e.target.value)} required pattern={pathPattern} aria-describedby="np-path-help" />
            <p className="help" id="np-path-help">
              Letters, digits, <code>_ . -</code>. The URL will be /{namespace || '…'}/{path || '…'}.
            </p>
          </div>
        </div>
        <div className="field">
          <label htmlFor="np-name">Name (optional)</label>
          <input id="np-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <Visibility value={visibility} onChange={setVisibility} />
        <div className="field">
          <label htmlFor="np-access">Package registry</label>
          <select id="np-access" value={access} onChange={(e) => setAccess(e.target.value as typeof access)}>
            <option value="PRIVATE">Follows the project’s visibility</option>
            <option value="PUBLIC">Anyone can pull</option>
            <option value="DISABLED">Disabled</option>
          </select>
        </div>
        <Alert>{error}</Alert>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={fetching}>
            {fetching ? 'Creating…' : 'Create project'}
          </button>
        </div>
      </form>
    </div>
  );
}

export function NewGroup() {
  const loc = useLocation();
  const [path, setPath] = useState(loc.search.get('parent') ? `${loc.search.get('parent')}/` : '');
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'private' | 'internal' | 'public'>('private');
  const [error, setError] = useState('');
  const [{ fetching }, create] = useMutation(CreateGroup);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    const res = await create({ input: { path: path.trim().replace(/^\/+|\/+$/g, ''), name: name.trim() || null, visibility } });
    const errs = res.data?.groupCreate?.errors ?? [];
    if (res.error || errs.length) {
      setError(res.error ? errorText(res.error) : errs.join(' '));
      return;
    }
    navigate(`/${res.data?.groupCreate?.group?.fullPath}`);
  };
  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'New group' }]} />
      <h1>New group</h1>
      <form className="card form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="ng-path">Group path</label>
          <input id="ng-path" value={path} onChange={(e) => setPath(e.target.value)} required aria-describedby="ng-path-help" />
          <p className="help" id="ng-path-help">
            A full path: <code>parent/child</code> creates a subgroup.
          </p>
        </div>
        <div className="field">
          <label htmlFor="ng-name">Name (optional)</label>
          <input id="ng-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <Visibility value={visibility} onChange={setVisibility} />
        <Alert>{error}</Alert>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={fetching}>
            {fetching ? 'Creating…' : 'Create group'}
          </button>
        </div>
      </form>
    </div>
  );
}

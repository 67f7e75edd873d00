import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { PackageRegistryAccessLevel, PackagesCleanupKeepDuplicatedPackageFilesEnum, UpdateNamespacePackageSettingsInput } from '../gql/graphql';
import { errorText } from '../client';
import { Alert, Loading } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { formatDate, typeLabel } from '../format';
import { NotFound } from './NotFound';

const SettingsQuery = graphql(`
  query Settings($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      packageRegistryAccessLevel
      userPermissions {
        adminPackage
        adminProject
      }
      packagesCleanupPolicy {
        keepNDuplicatedPackageFiles
        removeNotDownloadedForDays
        nextRunAt
      }
    }
    group(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminGroup
      }
      packageSettings {
        genericDuplicatesAllowed
        genericDuplicateExceptionRegex
        mavenDuplicatesAllowed
        mavenDuplicateExceptionRegex
        nugetDuplicatesAllowed
        nugetDuplicateExceptionRegex
        nugetSymbolServerEnabled
        terraformModuleDuplicatesAllowed
        terraformModuleDuplicateExceptionRegex
      }
    }
  }
`);

const UpdateProject = graphql(`
  mutation UpdateProjectRegistry($input: ProjectUpdateInput!) {
    projectUpdate(input: $input) {
      project {
        id
        packageRegistryAccessLevel
        visibility
      }
      errors
    }
  }
`);

const UpdateCleanup = graphql(`
  mutation UpdateCleanupPolicy($input: UpdatePackagesCleanupPolicyInput!) {
    updatePackagesCleanupPolicy(input: $input) {
      packagesCleanupPolicy {
        keepNDuplicatedPackageFiles
        removeNotDownloadedForDays
        nextRunAt
      }
      errors
    }
  }
`);

const UpdateNamespaceSettings = graphql(`
  mutation UpdateNamespaceSettings($input: UpdateNamespacePackageSettingsInput!) {
    updateNamespacePackageSettings(input: $input) {
      packageSettings {
        genericDuplicatesAllowed
        genericDuplicateExceptionRegex
        mavenDuplicatesAllowed
        mavenDuplicateExceptionRegex
        nugetDuplicatesAllowed
        nugetDuplicateExceptionRegex
        nugetSymbolServerEnabled
        terraformModuleDuplicatesAllowed
        terraformModuleDuplicateExceptionRegex
      }
      errors
    }
  }
`);

const keepOptions: [PackagesCleanupKeepDuplicatedPackageFilesEnum, string][] = [
  ['ALL_PACKAGE_FILES', 'All duplicates (no cleanup)'],
  ['ONE_PACKAGE_FILE', 'The newest file only'],
  ['TEN_PACKAGE_FILES', '10 newest'],
  ['TWENTY_PACKAGE_FILES', '20 newest'],
  ['THIRTY_PACKAGE_FILES', '30 newest'],
  ['FORTY_PACKAGE_FILES', '40 newest'],
  ['FIFTY_PACKAGE_FILES', '50 newest'],
];

function result(res: { error?: unknown; data?: unknown }, errs: string[] | undefined): string {
  if (res.error) return errorText(res.error as Error);
  return (errs ?? []).join(' ');
}

export function Settings({ path }: { path: string }) {
  const [{ data, fetching, error }] = useQuery({ query: SettingsQuery, variables: { fullPath: path } });
  if (fetching && !data) return <Loading rows={6} />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  const p = data?.project;
  const g = data?.group;
  if (p && (p.userPermissions.adminProject || p.userPermissions.adminPackage)) {
    return (
      <>
        <NamespaceNav ns={{ kind: 'project', fullPath: p.fullPath, name: p.name, visibility: p.visibility, canAdmin: true }} active="settings" />
        <ProjectAccess fullPath={p.fullPath} level={p.packageRegistryAccessLevel} canEdit={p.userPermissions.adminProject} />
        <Cleanup
          fullPath={p.fullPath}
          keep={p.packagesCleanupPolicy?.keepNDuplicatedPackageFiles ?? 'ALL_PACKAGE_FILES'}
          staleDays={p.packagesCleanupPolicy?.removeNotDownloadedForDays ?? 0}
          nextRunAt={p.packagesCleanupPolicy?.nextRunAt}
        />
      </>
    );
  }
  if (g && g.userPermissions.adminGroup && g.packageSettings) {
    return (
      <>
        <NamespaceNav ns={{ kind: 'group', fullPath: g.fullPath, name: g.name, visibility: g.visibility, canAdmin: true }} active="settings" />
        <Duplicates fullPath={g.fullPath} settings={g.packageSettings} />
      </>
    );
  }
  return <NotFound />;
}

function ProjectAccess({ fullPath, level, canEdit }: { fullPath: string; level: PackageRegistryAccessLevel; canEdit: boolean }) {
  const [value, setValue] = useState(level);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [{ fetching }, update] = useMutation(UpdateProject);
  useEffect(() => setValue(level), [level]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await update({ input: { fullPath, packageRegistryAccessLevel: value } });
    const err = result(res, res.data?.projectUpdate?.errors);
    setMsg(err ? { ok: false, text: err } : { ok: true, text: 'Package registry access saved.' });
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="access-h">
      <h2 id="access-h">Package registry access</h2>
      <fieldset className="field" disabled={!canEdit}>
        <legend className="sr-only">Who may pull packages</legend>
        {(
          [
            ['PRIVATE', 'Follow the project’s visibility', 'Members pull from private projects; signed-in users from internal ones; anyone from public ones.'],
            ['PUBLIC', 'Allow anyone to pull', 'Anyone may install this project’s packages without a token, even when the project is private. Publishing still needs Developer access.'],
            ['DISABLED', 'Disabled', 'The registry is off: nothing can be pulled or published.'],
          ] as const
        ).map(([v, label, help]) => (
          <label key={v} className="radio">
            <input type="radio" name="access" value={v} checked={value === v} onChange={() => setValue(v)} />
            <span>
              <strong>{label}</strong>
              <br />
              <span className="muted small">{help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {!canEdit && <p className="muted small">Only project owners and maintainers with project admin rights can change this.</p>}
      {msg && <Alert kind={msg.ok ? 'success' : 'error'}>{msg.text}</Alert>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!canEdit || fetching || value === level}>
          Save access
        </button>
      </div>
    </form>
  );
}

function Cleanup({ fullPath, keep, staleDays, nextRunAt }: { fullPath: string; keep: PackagesCleanupKeepDuplicatedPackageFilesEnum; staleDays: number; nextRunAt?: string | null }) {
  const [value, setValue] = useState(keep);
  const [days, setDays] = useState(String(staleDays));
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [{ fetching }, update] = useMutation(UpdateCleanup);
  useEffect(() => setValue(keep), [keep]);
  useEffect(() => setDays(String(staleDays)), [staleDays]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await update({ input: { projectPath: fullPath, keepNDuplicatedPackageFiles: value, removeNotDownloadedForDays: Number(days) } });
    const err = result(res, res.data?.updatePackagesCleanupPolicy?.errors);
    setMsg(err ? { ok: false, text: err } : { ok: true, text: 'Cleanup policy saved.' });
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="cleanup-h">
      <h2 id="cleanup-h">Cleanup policy</h2>
      <p className="muted small">
        When a package version has several files with the same name, keep only the newest ones; remove versions nobody has downloaded for a while (a version never downloaded counts from when it was published). Cleanup runs with garbage collection.
      </p>
      <div className="field">
        <label htmlFor="keep">Duplicated files to keep</label>
        <select id="keep" value={value} onChange={(e) => setValue(e.target.value as PackagesCleanupKeepDuplicatedPackageFilesEnum)}>
          {keepOptions.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="stale-days">Remove versions not downloaded for (days; 0: never)</label>
        <input id="stale-days" type="number" min={0} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
      </div>
      {nextRunAt && <p className="muted small">Next run: {formatDate(nextRunAt)}</p>}
      {msg && <Alert kind={msg.ok ? 'success' : 'error'}>{msg.text}</Alert>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={fetching || (value === keep && Number(days) === staleDays)}>
          Save cleanup policy
        </button>
      </div>
    </form>
  );
}

type DupSettings = {
  genericDuplicatesAllowed: boolean;
  genericDuplicateExceptionRegex?: string | null;
  mavenDuplicatesAllowed: boolean;
  mavenDuplicateExceptionRegex?: string | null;
  nugetDuplicatesAllowed: boolean;
  nugetDuplicateExceptionRegex?: string | null;
  nugetSymbolServerEnabled: boolean;
  terraformModuleDuplicatesAllowed: boolean;
  terraformModuleDuplicateExceptionRegex?: string | null;
};

// The PackageSettings fields of each format a group setting governs, by package type.
const formats = [
  ['generic', 'Generic', 'GENERIC'],
  ['maven', 'Maven', 'MAVEN'],
  ['nuget', 'NuGet', 'NUGET'],
  ['terraformModule', 'Terraform module', 'TERRAFORM_MODULE'],
] as const;

const ServedFormats = graphql(`
  query SettingsFormats {
    packageFormats {
      packageType
      duplicateSetting
    }
  }
`);

function Duplicates({ fullPath, settings }: { fullPath: string; settings: DupSettings }) {
  const [s, setS] = useState<DupSettings>(settings);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [{ fetching }, update] = useMutation(UpdateNamespaceSettings);
  const [{ data: served }] = useQuery({ query: ServedFormats });
  useEffect(() => setS(settings), [settings]);
  // Every served format gets a row; those without a group setting say their fixed rule.
  const rows = (served?.packageFormats ?? []).map((f) => ({ type: f.packageType as string, setting: f.duplicateSetting ? formats.find((x) => x[2] === f.packageType) : undefined }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input: UpdateNamespacePackageSettingsInput = { namespacePath: fullPath };
    for (const [f] of formats) {
      (input as Record<string, unknown>)[`${f}DuplicatesAllowed`] = s[`${f}DuplicatesAllowed`];
      (input as Record<string, unknown>)[`${f}DuplicateExceptionRegex`] = s[`${f}DuplicateExceptionRegex`] ?? '';
    }
    input.nugetSymbolServerEnabled = s.nugetSymbolServerEnabled;
    const res = await update({ input });
    const err = result(res, res.data?.updateNamespacePackageSettings?.errors);
    setMsg(err ? { ok: false, text: err } : { ok: true, text: 'Duplicate settings saved.' });
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="dup-h">
      <h2 id="dup-h">Duplicate packages</h2>
      <p className="muted small">Whether the group’s projects accept a package whose name and version already exist. The exception pattern (a regular expression on the name or version) reverses the rule for the packages it matches.</p>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Format</th>
              <th scope="col">Allow duplicates</th>
              <th scope="col">Exceptions (regex)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ type, setting }) =>
              !setting ? (
                <tr key={type} data-testid="fixed-duplicates">
                  <th scope="row">{typeLabel(type)}</th>
                  <td colSpan={2} className="muted small">
                    Not configurable: {typeLabel(type)} always refuses a file the version already has.
                  </td>
                </tr>
              ) : (
                <DuplicateRow key={type} f={setting[0]} label={setting[1]} s={s} setS={setS} />
              ),
            )}
          </tbody>
        </table>
      </div>
      {msg && <Alert kind={msg.ok ? 'success' : 'error'}>{msg.text}</Alert>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={fetching}>
          Save duplicate settings
        </button>
      </div>
    </form>
  );
}

/** DuplicateRow is one format's duplicate setting and exception pattern. */
function DuplicateRow({ f, label, s, setS }: { f: (typeof formats)[number][0]; label: string; s: DupSettings; setS: (s: DupSettings) => void }) {
  return (
    <Fragment key={f}>
      <tr>
        <th scope="row">{label}</th>
        <td>
          <label className="switch">
            <input
              type="checkbox"
              checked={s[`${f}DuplicatesAllowed`]}
              onChange={(e) => setS({ ...s, [`${f}DuplicatesAllowed`]: e.target.checked })}
            />
            <span>{s[`${f}DuplicatesAllowed`] ? 'Allowed' : 'Rejected'}</span>
            <span className="sr-only"> for {label}</span>
          </label>
        </td>
        <td>
          <input
            className="mono"
            aria-label={`${label} duplicate exception regex`}
            value={s[`${f}DuplicateExceptionRegex`] ?? ''}
            placeholder="e.g. .*-SNAPSHOT"
            onChange={(e) => setS({ ...s, [`${f}DuplicateExceptionRegex`]: e.target.value })}
          />
        </td>
      </tr>
      {f === 'nuget' && (
        <tr>
          <td />
          <td colSpan={2}>
            <label className="switch">
              <input
                type="checkbox"
                checked={s.nugetSymbolServerEnabled}
                onChange={(e) => setS({ ...s, nugetSymbolServerEnabled: e.target.checked })}
              />
              <span>Serve NuGet symbol files (symbol server)</span>
            </label>
          </td>
        </tr>
      )}
    </Fragment>
  );
}

// Display helpers shared by the pages.

/** formatSize is a byte count in binary units: "512 B", "1.5 KiB", "12 MiB" (one
 * decimal below 10). Package file sizes and storage usage both use it. */
export function formatSize(bytes: string | number): string {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return String(bytes);
  if (Math.abs(n) < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  // Step up once the value would round to 1024 ("1.0 MiB", not "1024 KiB").
  while (Math.abs(v) >= 1023.5 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(Math.abs(v) < 9.95 ? 1 : 0)} ${units[i]}`;
}

/** downloadsLabel is a download count as a phrase: "no downloads", "1 download",
 * "1,234 downloads". */
export function downloadsLabel(n: number): string {
  if (n === 0) return 'no downloads';
  return `${n.toLocaleString('en-US')} download${n === 1 ? '' : 's'}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** relative is "3 minutes ago" style text, with the date in the title attribute. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  const abs = Math.abs(s);
  const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (abs < 60) return fmt.format(-s, 'second');
  if (abs < 3600) return fmt.format(-Math.round(s / 60), 'minute');
  if (abs < 86400) return fmt.format(-Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return fmt.format(-Math.round(s / 86400), 'day');
  return formatDate(iso);
}

export const packageTypes: { value: string; label: string }[] = [
  { value: 'GENERIC', label: 'Generic' },
  { value: 'MAVEN', label: 'Maven' },
  { value: 'NPM', label: 'npm' },
  { value: 'NUGET', label: 'NuGet' },
  { value: 'PYPI', label: 'PyPI' },
  { value: 'CONAN', label: 'Conan' },
  { value: 'COMPOSER', label: 'Composer' },
  { value: 'GOLANG', label: 'Go' },
  { value: 'HELM', label: 'Helm' },
  { value: 'RUBYGEMS', label: 'RubyGems' },
  { value: 'DEBIAN', label: 'Debian' },
  { value: 'RPM', label: 'RPM' },
  { value: 'TERRAFORM_MODULE', label: 'Terraform module' },
  { value: 'CARGO', label: 'Cargo' },
  { value: 'ML_MODEL', label: 'ML model' },
];

export function typeLabel(t: string): string {
  return packageTypes.find((x) => x.value === t)?.label ?? t;
}

export const statuses = ['DEFAULT', 'HIDDEN', 'PROCESSING', 'ERROR', 'PENDING_DESTRUCTION', 'DEPRECATED'];

export function statusLabel(s: string): string {
  return s === 'DEFAULT' ? 'Published' : s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');
}

/** pkgPath is a package page's path: /<project full path>/-/packages/<number>. */
export function pkgPath(projectPath: string, gid: string): string {
  return `/${projectPath}/-/packages/${gid.replace(/^.*\//, '')}`;
}

// Browser tests of the package pages, lists, usage and accessibility (issue 18),
// called by e2e.mjs with its helpers and the group, project and token it set up.
// Packages of every format are published over REST as their clients would; the UI
// is then read in Chromium at desktop and phone widths.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkA11y } from './a11y.mjs';

// crc32 and zip build the small archives wheels and nupkgs are (stored, not deflated).
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const fname = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fname.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    centrals.push(central, fname);
    offset += 30 + fname.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** packagesSuite runs the package-page, list, usage and accessibility steps. */
export async function packagesSuite(t) {
  const { step, shot, newPage, page, api, gql, BASE, token, group, project, tarball } = t;
  const enc = encodeURIComponent(project);
  const basic = { Authorization: 'Basic ' + Buffer.from(`root:${token}`).toString('base64') };
  const webPath = async (name, version) => {
    const d = await gql(token, 'query($p: ID!, $n: String!, $v: String) { project(fullPath: $p) { packages(packageName: $n, packageVersion: $v, first: 20, includeVersionless: true) { nodes { name version _links { webPath } } } } }', { p: project, n: name, v: version });
    const hit = d.project.packages.nodes.find((n) => n.name === name && (version === undefined || n.version === version));
    assert.ok(hit, `no package ${name} ${version}`);
    return hit._links.webPath;
  };
  const overflow = (p) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const phoneShot = async (url, name, ready) => {
    const phone = await newPage({ width: 390, height: 844 });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(url);
    await ready(phone);
    assert.equal(await overflow(phone), 0, `no horizontal scroll at phone width: ${name}`);
    await shot(phone, `phone-${name}`);
    await phone.context().close();
  };
  const npmPublish = async (name, version, manifest) => {
    const full = { name, version, ...manifest };
    const tgz = tarball(full);
    const file = `${name}-${version}.tgz`;
    const doc = {
      _id: name,
      name,
      'dist-tags': { latest: version },
      versions: { [version]: { ...full, _id: `${name}@${version}`, dist: { shasum: createHash('sha1').update(tgz).digest('hex'), tarball: `${BASE}/${name}/-/${file}` } } },
      _attachments: { [file]: { content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length } },
    };
    const r = await api('PUT', `/api/v4/projects/${enc}/packages/npm/${encodeURIComponent(name)}`, token, JSON.stringify(doc), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 200, r.text);
  };
  const pypiUpload = async (fields, fileName, content) => {
    const form = new FormData();
    form.append(':action', 'file_upload');
    for (const [k, v] of fields) form.append(k, v);
    form.append('content', new Blob([content]), fileName);
    const res = await fetch(`${BASE}/api/v4/projects/${enc}/packages/pypi`, { method: 'POST', headers: basic, body: form });
    assert.equal(res.status, 201, await res.text());
  };

  const dep = `@${group}/is-even`;
  const demo = `@${group}/readme-demo`;
  await step('npm package page: the readme rendered safely, keywords, license, links, dependencies linked to this registry', async () => {
    await npmPublish(dep, '1.0.0', { description: 'Is it even?', license: 'ISC' });
    await npmPublish(demo, '2.0.0', {
      description: 'Shows a readme',
      license: 'MIT',
      keywords: ['strings', 'padding'],
      homepage: 'https://example.com/home',
      repository: { type: 'git', url: 'git+https://example.com/demo.git' },
      dependencies: { [dep]: '^1.0.0', 'not-in-this-registry': '1.x' },
      peerDependencies: { react: '>=18' },
      readme: [
        '# Readme demo',
        '',
        'Some **bold** text and a [docs link](https://example.com/docs).',
        '',
        '<script>window.__pwned = 1</script>',
        '<img src="x.png" onerror="window.__pwned = 2">',
        '',
        '[evil link](javascript:window.__pwned=3) <a href="javascript:window.__pwned=4">raw evil</a>',
        '',
        '```js\nconst x = 1;\n```',
      ].join('\n'),
    });
    await page.goto(await webPath(demo, '2.0.0'));
    const readme = page.getByTestId('readme');
    await readme.getByRole('heading', { name: 'Readme demo', level: 1 }).waitFor();
    assert.equal(await readme.locator('strong').innerText(), 'bold');
    assert.equal(await readme.locator('script').count(), 0, 'no script element in the readme');
    assert.equal(await readme.locator('[onerror]').count(), 0, 'no event handler attributes');
    assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0, 'javascript: links refused');
    const docs = readme.getByRole('link', { name: 'docs link' });
    assert.equal(await docs.getAttribute('href'), 'https://example.com/docs');
    assert.match(await docs.getAttribute('rel'), /noopener/);
    assert.match(await docs.getAttribute('rel'), /noreferrer/);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing from the readme ran');
    const meta = await page.locator('section[aria-labelledby="meta-h"]').innerText();
    assert.match(meta, /License\s+MIT/);
    assert.match(meta, /Keywords\s+strings, padding/);
    assert.equal(await page.getByRole('link', { name: 'https://example.com/home' }).getAttribute('href'), 'https://example.com/home');
    assert.equal(await page.getByRole('link', { name: 'https://example.com/demo' }).getAttribute('rel'), 'noopener noreferrer nofollow');
    const deps = page.getByTestId('dependencies');
    await deps.getByRole('heading', { name: 'Peer dependencies' }).waitFor();
    assert.match(await deps.innerText(), /not-in-this-registry\s+1\.x/);
    assert.equal(await deps.getByRole('link', { name: 'not-in-this-registry' }).count(), 0, 'no link for a package this registry lacks');
    await checkA11y(page, 'npm package details');
    await shot(page, 'npm-readme-package');
    await phoneShot(page.url(), 'npm-readme-package', (p) => p.getByTestId('readme').waitFor());
    await deps.getByRole('link', { name: dep }).click();
    await page.getByRole('heading', { name: new RegExp(`${dep}\\s+1\\.0\\.0`) }).waitFor();
  });

  await step('PyPI package page: Markdown description, Requires-Dist linked, the wheel\'s .metadata file hidden; reStructuredText as text', async () => {
    await pypiUpload([['name', 'demo-core'], ['version', '1.0'], ['filetype', 'sdist'], ['pyversion', 'source']], 'demo-core-1.0.tar.gz', 'core sdist');
    const metadata = 'Metadata-Version: 2.1\nName: demo-app\nVersion: 1.0\nRequires-Dist: demo-core>=1.0\n';
    const wheel = zip({ 'demo_app/__init__.py': '', 'demo_app-1.0.dist-info/METADATA': metadata, 'demo_app-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\n' });
    await pypiUpload(
      [
        ['name', 'demo-app'],
        ['version', '1.0'],
        ['metadata_version', '2.1'],
        ['summary', 'An app'],
        ['description', '# Demo app\n\nUses *demo-core*.\n\n<script>window.__pwned = 5</script>'],
        ['description_content_type', 'text/markdown'],
        ['license', 'Apache-2.0'],
        ['home_page', 'https://example.com/app'],
        ['keywords', 'demo,app'],
        ['requires_dist', 'demo-core>=1.0'],
        ['requires_dist', "rich; extra == 'cli'"],
        ['project_urls', 'Source, https://example.com/app/src'],
        ['filetype', 'bdist_wheel'],
        ['pyversion', 'py3'],
      ],
      'demo_app-1.0-py3-none-any.whl',
      wheel,
    );
    const d = await gql(token, 'query($p: ID!) { project(fullPath: $p) { packages(packageName: "demo-app", packageType: PYPI) { nodes { packageFiles { nodes { fileName } } } } } }', { p: project });
    const stored = d.project.packages.nodes[0].packageFiles.nodes.map((f) => f.fileName).sort();
    assert.deepEqual(stored, ['demo_app-1.0-py3-none-any.whl', 'demo_app-1.0-py3-none-any.whl.metadata'], 'the server keeps the core metadata');
    await page.goto(await webPath('demo-app', '1.0'));
    await page.getByTestId('readme').getByRole('heading', { name: 'Demo app' }).waitFor();
    assert.equal(await page.getByTestId('readme').locator('script').count(), 0);
    const files = page.getByTestId('files');
    assert.deepEqual((await files.locator('.file-name').allInnerTexts()).map((s) => s.trim()), ['demo_app-1.0-py3-none-any.whl'], 'the .metadata file is not listed');
    const meta = await page.locator('section[aria-labelledby="meta-h"]').innerText();
    assert.match(meta, /License\s+Apache-2\.0/);
    assert.match(meta, /Keywords\s+demo,app/);
    await page.getByRole('link', { name: 'https://example.com/app/src' }).waitFor();
    const deps = page.getByTestId('dependencies');
    await deps.getByRole('link', { name: 'demo-core' }).waitFor();
    assert.match(await deps.innerText(), /rich\s+; extra == 'cli'/);
    await checkA11y(page, 'PyPI package details');
    await shot(page, 'pypi-package');

    await pypiUpload([['name', 'demo-rst'], ['version', '0.9'], ['description', 'Title\n=====\n\n<b>not html</b>'], ['description_content_type', 'text/x-rst'], ['filetype', 'sdist'], ['pyversion', 'source']], 'demo-rst-0.9.tar.gz', 'rst sdist');
    await page.goto(await webPath('demo-rst', '0.9'));
    const pre = page.getByTestId('readme').locator('pre.readme-text');
    await pre.waitFor();
    assert.match(await pre.innerText(), /^Title\r?\n=====\r?\n\r?\n<b>not html<\/b>/); // form fields travel with CRLF
    assert.equal(await page.getByTestId('readme').locator('b').count(), 0, 'reStructuredText is text, not HTML');
  });

  await step('NuGet package page: the description and dependency groups by target framework', async () => {
    const nuspec = `<?xml version="1.0"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>
<id>Acme.Widgets</id><version>1.2.0</version><authors>Acme Team</authors>
<description>Widgets for .NET &lt;script&gt;alert(1)&lt;/script&gt;</description>
<projectUrl>https://example.com/widgets</projectUrl><tags>widgets ui</tags>
<dependencies><group targetFramework="net8.0"><dependency id="Newtonsoft.Json" version="13.0.1" /></group><group><dependency id="Serilog" version="3.1.1" /></group></dependencies>
</metadata></package>`;
    const nupkg = zip({ 'Acme.Widgets.nuspec': nuspec, 'lib/net8.0/Acme.Widgets.dll': 'dll' });
    const form = new FormData();
    form.append('package', new Blob([nupkg]), 'Acme.Widgets.1.2.0.nupkg');
    // NuGet's routes take the project's numeric id.
    const pid = (await gql(token, 'query($p: ID!) { project(fullPath: $p) { id } }', { p: project })).project.id.split('/').pop();
    const res = await fetch(`${BASE}/api/v4/projects/${pid}/packages/nuget/`, { method: 'PUT', headers: basic, body: form });
    assert.equal(res.status, 201, await res.text());
    let url;
    for (let i = 0; !url; i++) {
      url = await webPath('Acme.Widgets', '1.2.0').catch(() => undefined);
      assert.ok(url || i < 20, 'the pushed package is listed');
      if (!url) await page.waitForTimeout(250);
    }
    await page.goto(url);
    const description = page.getByTestId('readme').locator('pre.readme-text');
    await description.waitFor();
    assert.equal(await description.innerText(), 'Widgets for .NET <script>alert(1)</script>', 'the description is text');
    assert.match(await page.locator('section[aria-labelledby="meta-h"]').innerText(), /Authors\s+Acme Team/);
    const groups = page.getByTestId('dependencies').getByTestId('dependency-group');
    assert.deepEqual((await groups.locator('h3').allInnerTexts()).map((s) => s.trim()), ['All frameworks', 'net8.0']);
    await checkA11y(page, 'NuGet package details');
    await shot(page, 'nuget-package');
  });

  await step('Maven package page: pom dependencies, and "other versions" never shows the version-less entry', async () => {
    const base = `/api/v4/projects/${enc}/packages/maven/com/acme/lib`;
    const deps = '<dependencies><dependency><groupId>com.acme</groupId><artifactId>core</artifactId><version>2.0</version></dependency><dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version><scope>test</scope></dependency></dependencies>';
    const pom = (v, a = 'lib') => `<project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>${a}</artifactId><version>${v}</version>${a === 'lib' ? deps : ''}</project>`;
    const core = await api('PUT', `/api/v4/projects/${enc}/packages/maven/com/acme/core/2.0/core-2.0.pom`, token, pom('2.0', 'core'));
    assert.equal(core.status, 200, core.text);
    for (const v of ['1.0', '1.1']) {
      for (const [f, body] of [[`lib-${v}.jar`, `jar ${v}`], [`lib-${v}.pom`, pom(v)]]) {
        const r = await api('PUT', `${base}/${v}/${f}`, token, body);
        assert.equal(r.status, 200, `${f}: ${r.status} ${r.text}`);
      }
    }
    const r = await api('PUT', `${base}/maven-metadata.xml`, token, '<metadata><groupId>com.acme</groupId><artifactId>lib</artifactId><versioning><latest>1.1</latest></versioning></metadata>');
    assert.equal(r.status, 200, r.text);
    await page.goto(await webPath('com/acme/lib', '1.0'));
    const versions = page.locator('section[aria-labelledby="versions-h"]');
    await versions.getByRole('link', { name: '1.1' }).waitFor();
    const links = (await versions.getByRole('link').allInnerTexts()).map((s) => s.trim());
    assert.ok(links.every((l) => l !== ''), `a version-less entry is listed: ${JSON.stringify(links)}`);
    assert.ok(!links.includes('1.0'), 'the version shown is not among the others');
    // The pom's dependencies, read on upload; com.acme:core lives in this registry.
    const mdeps = page.getByTestId('dependencies');
    await mdeps.getByRole('link', { name: 'com/acme/core' }).waitFor();
    assert.match(await mdeps.innerText(), /junit\/junit\s+4\.13 \(test\)/);
    assert.equal(await mdeps.getByRole('link', { name: 'junit/junit' }).count(), 0);
    await shot(page, 'maven-package');
  });

  const list = page.getByTestId('package-list');
  await step('lists: a dense table, versions grouped under one row, only served formats, bulk delete', async () => {
    await npmPublish(dep, '1.1.0', { description: 'Is it even? Now faster.' });
    await page.goto(`/${project}/-/packages?search=is-even`);
    await list.waitFor();
    const headers = (await list.locator('thead th').allTextContents()).map((s) => s.trim()).filter(Boolean);
    for (const h of ['Name', 'Version', 'Type', 'Published by', 'Size', 'Downloads', 'Last downloaded']) assert.ok(headers.includes(h), `column ${h} in ${headers}`);
    assert.equal(await page.getByTestId('package-count').innerText(), '2');
    assert.equal(await list.locator('tbody tr').count(), 1, 'two versions, one row');
    const toggle = list.getByRole('button', { name: `2 versions of ${dep}` });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    await list.getByTestId('version-row').waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.deepEqual((await list.locator('.pkg-version').allInnerTexts()).map((s) => s.trim()), ['1.1.0', '1.0.0']);
    assert.equal(await page.getByTestId('page-range').innerText(), '1–2 of 2');
    await shot(page, 'grouped-versions');

    const served = (await gql(token, '{ packageFormats { packageType } }')).packageFormats.map((f) => f.packageType);
    const options = await page.getByLabel('Type').locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(options.sort(), [...served].sort(), 'the type filter offers the served formats only');

    for (const n of ['bulk-a', 'bulk-b', 'bulk-c']) {
      const r = await api('PUT', `/api/v4/projects/${enc}/packages/generic/${n}/1.0.0/${n}.txt`, token, n);
      assert.equal(r.status, 201, r.text);
    }
    await page.goto(`/${project}/-/packages?search=bulk-&sort=name_asc`);
    await list.waitFor();
    assert.equal(await page.getByTestId('package-count').innerText(), '3');
    await page.getByRole('checkbox', { name: 'Select bulk-a 1.0.0' }).check();
    await page.getByRole('checkbox', { name: 'Select bulk-b 1.0.0' }).check();
    assert.equal(await page.getByTestId('selected-count').innerText(), '2 selected');
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete selected packages?' });
    await dialog.getByText('bulk-b 1.0.0').waitFor();
    await checkA11y(page, 'bulk delete dialog');
    await shot(page, 'confirm-bulk-delete');
    await dialog.getByRole('button', { name: 'Delete 2 packages' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted 2 packages.' }).waitFor();
    await page.getByTestId('package-count').filter({ hasText: /^1$/ }).waitFor();
    assert.deepEqual((await list.locator('.row-title').allInnerTexts()).map((s) => s.trim()), ['bulk-c']);
    const left = await gql(token, 'query($p: ID!) { project(fullPath: $p) { packages(packageName: "bulk-") { nodes { name } } } }', { p: project });
    assert.deepEqual(left.project.packages.nodes.map((n) => n.name), ['bulk-c'], 'the server deleted them');

    await page.goto(`/${group}/-/packages`);
    await list.waitFor();
    assert.ok((await list.locator('thead th').allTextContents()).map((s) => s.trim()).includes('Project'), 'the group view has a project column');
    await checkA11y(page, 'group package list');
    await shot(page, 'group-package-table');
    await phoneShot(`/${group}/-/packages`, 'group-package-table', (p) => p.getByTestId('package-list').waitFor());
  });

  await step('usage: storage over time and the largest packages; downloads over time on the package page', async () => {
    await page.goto(`/${project}/-/packages`);
    const usage = page.getByTestId('usage');
    await usage.waitFor();
    const chart = usage.getByRole('img', { name: /Storage, last 30 days/ });
    await chart.waitFor();
    assert.equal(await usage.locator('svg rect').count(), 30, 'a bar per day');
    assert.match(await page.getByTestId('storage-chart-summary').innerText(), /on \d{4}-\d\d-\d\d/);
    const largest = usage.getByTestId('largest-packages').getByRole('link');
    assert.ok((await largest.count()) >= 1, 'the largest packages are listed');
    await checkA11y(page, 'project package list');
    await shot(page, 'project-usage');
    await phoneShot(`/${project}/-/packages`, 'project-usage', (p) => p.getByTestId('usage').waitFor());
    await page.goto(`/${group}/-/packages`);
    await page.getByTestId('usage').getByRole('img', { name: /Storage/ }).waitFor();

    await page.goto(await webPath(dep, '1.1.0'));
    const href = await page.getByTestId('files').locator('a.file-name').first().getAttribute('href');
    assert.equal(await page.evaluate(async (u) => (await fetch(u)).status, href), 200, 'the tarball downloads');
    const summary = page.getByTestId('downloads-chart-summary');
    for (let i = 0; ; i++) {
      await summary.waitFor();
      if (/^1 download from/.test(await summary.innerText())) break;
      assert.ok(i < 25, `the download is not charted: ${await summary.innerText()}`);
      await page.waitForTimeout(200);
      await page.reload();
    }
    assert.equal(await page.getByTestId('downloads-chart').getByRole('img').count(), 1);
    await page.getByTestId('downloads-chart').getByText('Data table').click();
    assert.equal(await page.getByTestId('downloads-chart').locator('tbody tr').count(), 30);
    await shot(page, 'package-downloads-chart');
  });

  await step('settings: a duplicates row for every served format', async () => {
    const served = (await gql(token, '{ packageFormats { packageType duplicateSetting } }')).packageFormats;
    await page.goto(`/${group}/-/settings/packages_and_registries`);
    const table = page.locator('form').filter({ hasText: 'Duplicate packages' }).locator('tbody');
    await table.locator('tr').first().waitFor();
    const rowNames = (await table.locator('th[scope="row"]').allInnerTexts()).map((s) => s.trim());
    assert.equal(rowNames.length, served.length, `a row per served format: ${rowNames}`);
    assert.ok(!rowNames.includes('Terraform module'), 'no row for a format this server does not serve');
    assert.equal(await page.getByTestId('fixed-duplicates').count(), served.filter((f) => !f.duplicateSetting).length);
    await page.getByTestId('fixed-duplicates').filter({ hasText: 'npm' }).getByText(/Not configurable/).waitFor();
    await checkA11y(page, 'group settings');
    await shot(page, 'group-settings-formats');
    await page.goto(`/${project}/-/settings/packages_and_registries`);
    await page.getByRole('heading', { name: 'Package registry access' }).waitFor();
    await checkA11y(page, 'project settings');
  });

  await step('accessibility: no serious or critical violations on the other pages', async () => {
    const pagesToCheck = [
      ['home', '/', (p) => p.getByRole('heading', { name: 'All projects and groups' }).waitFor()],
      ['group', `/${group}`, (p) => p.getByRole('heading', { name: group, level: 1 }).waitFor()],
      ['project', `/${project}`, (p) => p.getByRole('heading', { level: 1 }).first().waitFor()],
      ['personal access tokens', '/-/user_settings/personal_access_tokens', (p) => p.getByRole('heading', { name: 'Personal access tokens' }).waitFor()],
      ['project access tokens', `/${project}/-/settings/access_tokens`, (p) => p.getByRole('button', { name: 'Create access token' }).waitFor()],
    ];
    for (const [name, url, ready] of pagesToCheck) {
      await page.goto(url);
      await ready(page);
      await checkA11y(page, name);
    }
    const anon = await newPage();
    await anon.goto('/-/sign_in');
    await anon.getByLabel('Username').waitFor();
    await checkA11y(anon, 'sign-in');
    await anon.context().close();
  });
}

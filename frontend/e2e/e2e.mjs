// End-to-end test of the web UI in headless Chromium (Debian's, driven by
// playwright-core). frontend/e2e_test.go starts a registry and runs this with:
//   BASE_URL       the registry (serving the built UI)
//   ROOT_PASSWORD  the bootstrap administrator's password
//   ARTIFACTS      where screenshots go (git-ignored)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// It prints "N passed, N failed" and exits non-zero on the first failure.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { sessionMembers } from './session_members.mjs';
import { packagesSuite } from './packages.mjs';

const BASE = process.env.BASE_URL;
const ROOT_PASSWORD = process.env.ROOT_PASSWORD;
const ARTIFACTS = process.env.ARTIFACTS || 'test-artifacts/ui';
assert.ok(BASE && ROOT_PASSWORD, 'BASE_URL and ROOT_PASSWORD are required');
mkdirSync(ARTIFACTS, { recursive: true });

const stamp = Date.now().toString(36);
const group = `acme-${stamp}`;
const project = `${group}/tools`;
const npmName = `@${group}/left-pad`;
const outsider = { username: `eve-${stamp}`, password: 'eve-password-123' };
const pubGroup = `oss-${stamp}`;
const pubProject = `${pubGroup}/widgets`;
const PAGE = 20; // the UI's page size (PackageList.tsx)
const bulk = Array.from({ length: PAGE + 5 }, (_, i) => `widget-${String(i + 1).padStart(2, '0')}`);

let passed = 0;
let shots = 0;
const pages = [];
// newSecret waits until the "shown once" box holds a secret with the given prefix.
async function newSecret(page, prefix) {
  await page.waitForFunction(
    (p) => document.querySelector('[data-testid="new-token"]')?.value?.startsWith(p),
    prefix,
    { timeout: 10000 },
  );
  return page.getByTestId('new-token').inputValue();
}

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
  } catch (e) {
    console.log(`FAIL ${name} (${Date.now() - t} ms)`);
    for (const [i, p] of pages.entries()) {
      if (!p.isClosed()) await p.screenshot({ path: path.join(ARTIFACTS, `failure-${i}.png`), fullPage: true }).catch(() => {});
      if (!p.isClosed()) console.log(`page ${i} at ${p.url()}`);
    }
    throw e;
  }
  passed++;
  console.log(`ok   ${name} (${Date.now() - t} ms)`);
}

async function shot(page, name) {
  shots++;
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// REST and GraphQL with a token, as a package client or a script would.
async function api(method, url, token, body, headers = {}) {
  const res = await fetch(BASE + url, { method, headers: { 'PRIVATE-TOKEN': token, ...headers }, body });
  const text = await res.text();
  return { status: res.status, text };
}
async function gql(token, query, variables = {}) {
  const res = await fetch(`${BASE}/api/graphql`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.ok(!body.errors, `GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// tarball is a minimal npm package tarball: package/package.json in a gzipped ustar archive.
function tarball(manifest) {
  const data = Buffer.from(JSON.stringify(manifest, null, 2));
  const header = Buffer.alloc(512);
  header.write('package/package.json', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, data, pad, Buffer.alloc(1024)]));
}

function npmPublishDoc(name, version) {
  const manifest = { name, version, description: 'Pads strings on the left', license: 'MIT', main: 'index.js', dependencies: { 'is-number': '^7.0.0' } };
  const tgz = tarball(manifest);
  const file = `${name}-${version}.tgz`;
  return JSON.stringify({
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...manifest,
        _id: `${name}@${version}`,
        dist: {
          shasum: createHash('sha1').update(tgz).digest('hex'),
          integrity: 'sha512-' + createHash('sha512').update(tgz).digest('base64'),
          tarball: `${BASE}/${name}/-/${file}`,
        },
      },
    },
    _attachments: { [file]: { content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length } },
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const consoleErrors = [];
async function newPage(viewport = { width: 1280, height: 860 }) {
  const ctx = await browser.newContext({ viewport, baseURL: BASE });
  // Cumulative layout shift of the current document, read by layoutShift().
  await ctx.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  pages.push(page);
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

async function layoutShift(page) {
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => window.__cls);
}

async function signIn(page, username, password) {
  await page.goto('/');
  await page.waitForURL(/\/-\/sign_in/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

let exitCode = 0;
try {
  const page = await newPage();
  let token;
  let projectId;

  await step('anonymous visitors are sent to the sign-in page; a wrong password is refused in words', async () => {
    await page.goto('/');
    await page.waitForURL(/\/-\/sign_in/);
    await page.getByLabel('Username').fill('root');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /invalid login or password/i }).waitFor();
    await shot(page, 'sign-in-error');
  });

  await step('the bootstrap admin signs in', async () => {
    await page.getByLabel('Password').fill(ROOT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'All projects and groups' }).waitFor();
    await shot(page, 'home');
  });

  await step('creates a group and a project in the UI', async () => {
    await page.getByRole('link', { name: 'New group' }).click();
    await page.getByLabel('Group path').fill(group);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(`**/${group}`);
    await page.getByRole('heading', { name: group, level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New project' }).click();
    assert.equal(await page.getByLabel('Namespace').inputValue(), group);
    await page.getByLabel('Project path').fill('tools');
    await page.getByLabel('Name (optional)').fill('tools');
    await shot(page, 'new-project');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(`**/${project}/-/packages`);
    await page.getByRole('heading', { name: 'There are no packages yet' }).waitFor();
    const empty = await page.locator('.empty').innerText();
    assert.match(empty, /upload-file/, 'the empty state shows how to publish');
    await shot(page, 'empty-project');
  });

  await step('creates a personal access token in the UI; the secret is shown once', async () => {
    await page.getByRole('link', { name: 'Access tokens' }).first().click();
    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    await page.getByLabel('Token name').fill(`e2e-${stamp}`);
    await page.getByRole('checkbox', { name: /^api\b/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('new-token');
    await secret.waitFor();
    token = await secret.inputValue();
    assert.match(token, /^glpat-/);
    await page.getByRole('cell', { name: `e2e-${stamp}`, exact: true }).waitFor();
    await shot(page, 'personal-access-tokens');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('new-token').count(), 0);
  });

  await step('rotates and revokes a personal access token after confirming', async () => {
    const name = `short-lived-${stamp}`;
    await page.getByLabel('Token name').fill(name);
    await page.getByRole('checkbox', { name: /^read_api\b/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const first = await page.getByTestId('new-token').inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: `Rotate token ${name}` }).click();
    await page.getByRole('dialog', { name: 'Rotate token?' }).getByRole('button', { name: 'Rotate' }).click();
    const rotated = await page.getByTestId('new-token').inputValue();
    assert.notEqual(rotated, first);
    assert.equal((await fetch(`${BASE}/api/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${first}`, 'Content-Type': 'application/json' }, body: '{"query":"{ currentUser { id } }"}' })).status, 401);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: `Revoke token ${name}` }).click();
    await page.getByRole('dialog', { name: 'Revoke token?' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('row').filter({ hasText: name }).filter({ hasText: 'Active' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('row').filter({ hasText: name }).filter({ hasText: 'Revoked' }).count(), 2);
  });

  await step('publishes generic and npm packages over REST, one from a CI job', async () => {
    const enc = encodeURIComponent(project);
    const d = await gql(token, 'query($p: ID!) { project(fullPath: $p) { id } }', { p: project });
    projectId = Number(d.project.id.split('/').pop());
    let r = await api('PUT', `/api/v4/projects/${enc}/packages/generic/tool/1.0.0/tool.tar.gz`, token, 'tool one');
    assert.equal(r.status, 201, r.text);
    r = await api('PUT', `/api/v4/projects/${projectId}/packages/npm/${encodeURIComponent(npmName)}`, token, npmPublishDoc(npmName, '1.0.0'), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    const job = await gql(
      token,
      'mutation($p: ID!) { ciJobCreate(input: {projectPath: $p, pipelineId: 4242, ref: "main", sha: "0123456789abcdef0123", name: "release"}) { token errors } }',
      { p: project },
    );
    assert.deepEqual(job.ciJobCreate.errors, []);
    for (const f of ['tool.tar.gz', 'tool.sha256']) {
      r = await fetch(`${BASE}/api/v4/projects/${enc}/packages/generic/tool/1.1.0/${f}`, { method: 'PUT', headers: { 'JOB-TOKEN': job.ciJobCreate.token }, body: `tool two ${f}` });
      assert.equal(r.status, 201, await r.text());
    }
  });

  const list = page.getByTestId('package-list');
  const names = async () => (await list.locator('.pkg-row .row-title').allInnerTexts()).map((s) => s.trim());
  const rows = () => list.locator('.pkg-row');

  await step('the project list shows them; search, filter and sort live in the URL', async () => {
    await page.goto(`/${project}/-/packages`);
    await list.waitFor();
    // Three versions, two packages: tool's versions share a row.
    assert.equal(await rows().count(), 2);
    const cls = await layoutShift(page);
    assert.ok(cls < 0.05, `layout shift while loading the list: ${cls}`);
    assert.equal(await page.getByTestId('package-count').innerText(), '3');
    // What the packages take in storage, from the database.
    assert.match(await page.getByTestId('project-storage').innerText(), /Packages: \d+(\.\d)? (B|KiB|MiB)/);
    await shot(page, 'project-packages');

    await page.getByLabel('Search packages by name').fill('left');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/search=left/);
    await page.getByTestId('package-count').filter({ hasText: /^1$/ }).waitFor();
    assert.deepEqual(await names(), [npmName]);

    await page.goto(`/${project}/-/packages`);
    await page.getByLabel('Type').selectOption('GENERIC');
    await page.waitForURL(/type=generic/);
    await page.getByTestId('package-count').filter({ hasText: /^2$/ }).waitFor();
    assert.deepEqual(await names(), ['tool']);

    await page.getByLabel('Sort by').selectOption('VERSION');
    await page.waitForURL(/sort=version_desc/);
    await page.getByRole('button', { name: /sort ascending/ }).click();
    await page.waitForURL(/sort=version_asc/);
    await list.locator('.pkg-version').first().filter({ hasText: '1.0.0' }).waitFor();
    await list.getByRole('button', { name: '2 versions of tool' }).click();
    assert.deepEqual(await list.locator('.pkg-version').allInnerTexts(), ['1.0.0', '1.1.0']);

    // A copied URL shows the same result.
    const shared = page.url();
    const other = await newPage();
    await other.context().addCookies(await page.context().cookies());
    await other.goto(shared);
    await other.getByTestId('package-list').waitFor();
    await other.getByTestId('package-list').getByRole('button', { name: '2 versions of tool' }).click();
    assert.deepEqual(await other.getByTestId('package-list').locator('.pkg-version').allInnerTexts(), ['1.0.0', '1.1.0']);
    assert.equal(await other.getByLabel('Type').inputValue(), 'GENERIC');
    await other.context().close();

    await page.goto(`/${project}/-/packages?sort=name_asc`);
    await list.waitFor();
    assert.deepEqual(await names(), [npmName, 'tool']);
    await page.goto(`/${project}/-/packages?sort=name_desc&status=default`);
    await list.waitFor();
    assert.equal((await names())[0], 'tool');
    await shot(page, 'project-packages-sorted');
  });

  await step('the group list finds them by search', async () => {
    await page.goto(`/${group}/-/packages?search=tool`);
    await list.waitFor();
    assert.equal(await page.getByTestId('package-count').innerText(), '2');
    assert.match(await rows().first().innerText(), new RegExp(project));
    await page.goto(`/${group}/-/packages?type=npm`);
    await page.getByTestId('package-count').filter({ hasText: /^1$/ }).waitFor();
    assert.deepEqual(await names(), [npmName]);
    await shot(page, 'group-packages');
  });

  await step('npm details: install snippet with the host and project id, metadata', async () => {
    await list.getByRole('link', { name: npmName }).click();
    await page.getByRole('heading', { name: new RegExp(npmName) }).waitFor();
    const install = await page.getByTestId('snippets-install').innerText();
    assert.match(install, new RegExp(`npm i ${npmName}@1\\.0\\.0`));
    await page.getByRole('tab', { name: 'Project level' }).click();
    const setup = await page.getByTestId('snippets-project').innerText();
    assert.ok(setup.includes(`@${group}:registry=${BASE}/api/v4/projects/${projectId}/packages/npm/`), setup);
    await page.getByRole('tab', { name: 'Group level' }).click();
    assert.match(await page.getByTestId('snippets-group').innerText(), /\/api\/v4\/groups\/\d+\/-\/packages\/npm\//);
    await page.getByText('is-number').waitFor();
    await page.getByRole('tab', { name: 'Install' }).click();
    await shot(page, 'npm-package');
  });

  await step('generic details: the pipeline, files with checksums, the curl snippet', async () => {
    await page.goto(`/${project}/-/packages?search=tool&sort=version_desc`);
    await list.getByRole('link', { name: 'tool' }).first().click();
    await page.getByRole('heading', { name: /tool\s+1\.1\.0/ }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: /tool\s+1\.1\.0/ }).waitFor();
    const cls = await layoutShift(page);
    assert.ok(cls < 0.05, `layout shift while loading the details: ${cls}`);
    const ci = await page.getByTestId('pipelines').innerText();
    assert.match(ci, /#4242/);
    assert.match(ci, /main/);
    assert.match(ci, /01234567/);
    assert.match(ci, /@root/);
    const install = await page.getByTestId('snippets-install').innerText();
    assert.ok(install.includes(`${BASE}/api/v4/projects/${projectId}/packages/generic/tool/1.1.0/tool.tar.gz`), install);
    const files = page.getByTestId('files');
    assert.equal(await files.locator('tbody tr').count(), 2);
    const href = await files.getByRole('link', { name: 'tool.sha256', exact: true }).getAttribute('href');
    const dl = await page.evaluate(async (u) => (await fetch(u)).text(), href);
    assert.equal(dl, 'tool two tool.sha256', 'download link with the session cookie');
    // The download is counted once the server has flushed its tally (a fraction of a second here).
    for (let i = 0; ; i++) {
      await page.reload();
      await page.getByRole('heading', { name: /tool\s+1\.1\.0/ }).waitFor();
      if ((await page.getByTestId('downloads').innerText()) === '1 download') break;
      assert.ok(i < 25, `the download was not counted: ${await page.getByTestId('downloads').innerText()}`);
      await page.waitForTimeout(200);
    }
    await files.getByRole('row', { name: /tool\.sha256/ }).getByRole('cell', { name: '1', exact: true }).waitFor();
    await files.locator('summary').first().click();
    await shot(page, 'generic-package');
  });

  await step('copy buttons copy the snippet', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
    await page.getByRole('button', { name: /^Copy curl/ }).first().click();
    await page.getByText('Copied').first().waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^curl --header "PRIVATE-TOKEN/);
  });

  await step('deletes one file after confirming, then the package', async () => {
    const files = page.getByTestId('files');
    await page.getByRole('button', { name: 'Delete file tool.sha256' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete file?' });
    await dialog.waitFor();
    await shot(page, 'confirm-delete-file');
    await dialog.getByRole('button', { name: 'Delete file' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted tool.sha256.' }).waitFor();
    await files.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
    assert.equal(await files.locator('tbody tr').count(), 1);
    await page.getByRole('button', { name: 'Delete package' }).click();
    await page.getByRole('dialog', { name: 'Delete package?' }).getByRole('button', { name: 'Delete package' }).click();
    await page.waitForURL(`**/${project}/-/packages`);
    await page.getByTestId('package-count').filter({ hasText: /^2$/ }).waitFor();
    assert.deepEqual((await list.locator('.pkg-version').allInnerTexts()).sort(), ['1.0.0', '1.0.0']);
  });

  await step('settings: allow anyone to pull, a cleanup policy; group duplicate settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Package registry access' }).waitFor();
    await page.getByLabel(/Allow anyone to pull/).check();
    await page.getByRole('button', { name: 'Save access' }).click();
    await page.getByText('Package registry access saved.').waitFor();
    await page.getByLabel('Duplicated files to keep').selectOption('TEN_PACKAGE_FILES');
    await page.getByLabel(/Remove versions not downloaded for/).fill('90');
    await page.getByRole('button', { name: 'Save cleanup policy' }).click();
    await page.getByText('Cleanup policy saved.').waitFor();
    await shot(page, 'project-settings');
    const d = await gql(token, 'query($p: ID!) { project(fullPath: $p) { packageRegistryAccessLevel packagesCleanupPolicy { keepNDuplicatedPackageFiles removeNotDownloadedForDays } } }', { p: project });
    assert.equal(d.project.packagesCleanupPolicy.removeNotDownloadedForDays, 90);
    assert.equal(d.project.packageRegistryAccessLevel, 'PUBLIC');
    assert.equal(d.project.packagesCleanupPolicy.keepNDuplicatedPackageFiles, 'TEN_PACKAGE_FILES');
    await page.getByLabel(/Follow the project/).check();
    await page.getByRole('button', { name: 'Save access' }).click();
    await page.getByText('Package registry access saved.').waitFor();

    await page.goto(`/${group}/-/settings/packages_and_registries`);
    await page.getByRole('heading', { name: 'Duplicate packages' }).waitFor();
    await page.getByRole('checkbox', { name: /for Generic/ }).uncheck();
    await page.getByLabel('Generic duplicate exception regex').fill('.*-dev');
    await page.getByRole('button', { name: 'Save duplicate settings' }).click();
    await page.getByText('Duplicate settings saved.').waitFor();
    await shot(page, 'group-settings');
  });

  await packagesSuite({ step, shot, newPage, page, api, gql, BASE, token, group, project, tarball });

  await step('a public project with more than a page of packages: next and previous pages live in the URL', async () => {
    let d = await gql(token, 'mutation($p: String!) { groupCreate(input: {path: $p, visibility: public}) { errors } }', { p: pubGroup });
    assert.deepEqual(d.groupCreate.errors, []);
    d = await gql(token, 'mutation($p: String!) { projectCreate(input: {fullPath: $p, visibility: public}) { errors } }', { p: pubProject });
    assert.deepEqual(d.projectCreate.errors, []);
    const enc = encodeURIComponent(pubProject);
    for (let i = 0; i < bulk.length; i += 5) {
      const rs = await Promise.all(bulk.slice(i, i + 5).map((n) => api('PUT', `/api/v4/projects/${enc}/packages/generic/${n}/1.0.0/${n}.tar.gz`, token, `${n} contents`)));
      for (const r of rs) assert.equal(r.status, 201, r.text);
    }

    await page.goto(`/${pubProject}/-/packages?sort=name_asc`);
    await list.waitFor();
    assert.equal(await page.getByTestId('package-count').innerText(), String(bulk.length));
    const first = await names();
    assert.deepEqual(first, bulk.slice(0, PAGE));
    assert.equal(await page.getByTestId('page-range').innerText(), `1–${PAGE} of ${bulk.length}`);
    const pager = page.getByRole('navigation', { name: 'Pages' });
    assert.ok(await pager.getByRole('button', { name: /Previous/ }).isDisabled(), 'no previous page on the first');

    await pager.getByRole('button', { name: /Next/ }).click();
    await page.waitForURL(/[?&]after=/);
    assert.match(page.url(), /sort=name_asc/, 'paging keeps the sort');
    await list.getByRole('link', { name: bulk[PAGE], exact: true }).waitFor();
    const second = await names();
    assert.deepEqual(second, bulk.slice(PAGE));
    assert.equal(await page.getByTestId('page-range').innerText(), `${PAGE + 1}–${bulk.length} of ${bulk.length}`);
    assert.ok(await pager.getByRole('button', { name: /Next/ }).isDisabled(), 'no next page on the last');
    await shot(page, 'packages-page-2');

    // The URL is the page: a reload shows the same items.
    await page.reload();
    await list.getByRole('link', { name: bulk[PAGE], exact: true }).waitFor();
    assert.deepEqual(await names(), second);

    await pager.getByRole('button', { name: /Previous/ }).click();
    await page.waitForURL(/[?&]before=/);
    await list.getByRole('link', { name: bulk[0], exact: true }).waitFor();
    assert.deepEqual(await names(), first);
    assert.ok(await pager.getByRole('button', { name: /Previous/ }).isDisabled(), 'back on the first page');

    // The browser's back button returns to the second page.
    await page.goBack();
    await page.waitForURL(/[?&]after=/);
    await list.getByRole('link', { name: bulk[PAGE], exact: true }).waitFor();
    assert.deepEqual(await names(), second);
  });

  await step('project deploy token, shown once', async () => {
    await page.goto(`/${project}/-/settings/access_tokens`);
    const form = page.locator('form').filter({ hasText: 'Add a deploy token' });
    await form.getByLabel('Token name').fill('ci-pull');
    await form.getByRole('checkbox', { name: /read_package_registry/ }).check();
    await form.getByRole('button', { name: 'Create deploy token' }).click();
    await newSecret(page, 'gldt-');
    await page.getByTestId('deploy-tokens').getByRole('cell', { name: 'ci-pull', exact: true }).waitFor();
    await shot(page, 'project-tokens');
  });

  await step('project access token: created with its secret once, listed, revoked after confirming; REST then refuses it', async () => {
    const name = `deployer-${stamp}`;
    const form = page.locator('form').filter({ hasText: 'Add a project access token' });
    await form.getByLabel('Token name').fill(name);
    await form.getByLabel('Role').selectOption('DEVELOPER');
    await form.getByRole('checkbox', { name: /^api\b/ }).check();
    await form.getByRole('button', { name: 'Create access token' }).click();
    // The box may still show the deploy token created just before: wait for the new one.
    const secret = await newSecret(page, 'glpat-');
    const table = page.getByTestId('access-tokens');
    const row = table.getByRole('row').filter({ hasText: name });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.match(cells[0], new RegExp(`${name}\\s+@\\S+`), 'name and bot user');
    assert.equal(cells[1], 'Developer');
    assert.equal(cells[2], 'api');
    assert.match(cells[3], /now|second/);
    assert.equal(cells[4], 'never', 'not used yet');
    assert.equal(cells[5], 'Never');
    assert.equal(cells[6], 'Active');
    await shot(page, 'project-access-tokens');
    await page.getByRole('button', { name: 'Done' }).click();

    const enc = encodeURIComponent(project);
    let r = await api('PUT', `/api/v4/projects/${enc}/packages/generic/bot-made/1.0.0/a.txt`, secret, 'made by a bot');
    assert.equal(r.status, 201, r.text);
    await page.reload();
    await row.waitFor();
    assert.notEqual(await row.getByRole('cell').nth(4).innerText(), 'never', 'last used after the upload');

    await page.getByRole('button', { name: `Revoke access token ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke access token?' });
    await dialog.getByText(name).waitFor();
    await shot(page, 'confirm-revoke-access-token');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await row.filter({ hasText: 'Revoked' }).waitFor();
    assert.equal(await page.getByRole('button', { name: `Revoke access token ${name}` }).count(), 0);
    await shot(page, 'project-access-token-revoked');
    r = await api('PUT', `/api/v4/projects/${enc}/packages/generic/bot-made/1.0.1/a.txt`, secret, 'made by a bot');
    assert.equal(r.status, 401, r.text);

    // The group's page lists the group's tokens.
    const d = await gql(token, 'mutation($p: ID!, $n: String!) { groupAccessTokenCreate(input: {path: $p, name: $n, accessLevel: REPORTER, scopes: ["read_api"]}) { errors } }', { p: group, n: `reader-${stamp}` });
    assert.deepEqual(d.groupAccessTokenCreate.errors, []);
    await page.goto(`/${group}/-/settings/access_tokens`);
    const grow = page.getByTestId('access-tokens').getByRole('row').filter({ hasText: `reader-${stamp}` });
    await grow.waitFor();
    assert.equal(await grow.getByRole('cell').nth(1).innerText(), 'Reporter');
    assert.equal(await page.getByTestId('access-tokens').getByRole('row').filter({ hasText: name }).count(), 0, 'no project tokens on the group page');
    await shot(page, 'group-access-tokens');
  });

  await step('the admin creates a second user', async () => {
    await page.goto('/-/admin/users');
    await page.getByLabel('Username').fill(outsider.username);
    await page.getByLabel('Password').fill(outsider.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`Created @${outsider.username}.`).waitFor();
    assert.match(await page.getByTestId('instance-storage').innerText(), /Packages: .*stored once: /);
    await shot(page, 'admin-users');
  });

  await step('a user without access gets the 404 page for the project, its packages and the group', async () => {
    const eve = await newPage();
    await signIn(eve, outsider.username, outsider.password);
    const pkg = await gql(token, 'query($p: ID!) { project(fullPath: $p) { packages(first: 1) { nodes { _links { webPath } } } } }', { p: project });
    for (const url of [`/${project}/-/packages`, pkg.project.packages.nodes[0]._links.webPath, `/${group}/-/packages`, `/${project}/-/settings/packages_and_registries`]) {
      await eve.goto(url);
      await eve.getByTestId('not-found').waitFor();
      assert.equal(await eve.getByTestId('package-list').count(), 0, url);
    }
    await shot(eve, 'outsider-404');

    // As a Reporter, the same user reads the package but is offered no delete.
    const m = await gql(token, 'mutation($p: ID!, $u: String!) { membershipCreate(input: {projectPath: $p, username: $u, accessLevel: REPORTER}) { errors } }', { p: project, u: outsider.username });
    assert.deepEqual(m.membershipCreate.errors, []);
    await eve.goto(pkg.project.packages.nodes[0]._links.webPath);
    await eve.getByTestId('files').waitFor();
    assert.equal(await eve.getByRole('button', { name: /Delete/ }).count(), 0, 'no delete buttons for a Reporter');
    assert.equal(await eve.getByRole('link', { name: 'Settings' }).count(), 0, 'no settings tab for a Reporter');
    await shot(eve, 'reporter-package');
    await eve.context().close();
  });

  await step('the admin blocks the second user', async () => {
    await page.goto('/-/admin/users');
    await page.getByRole('button', { name: `Block ${outsider.username}` }).click();
    await page.getByText(`Blocked @${outsider.username}.`).waitFor();
    await page.getByRole('button', { name: `Unblock ${outsider.username}` }).waitFor();
    const r = await fetch(`${BASE}/-/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(outsider) });
    assert.notEqual(r.status, 200, 'a blocked user cannot sign in');
  });

  await step('the admin reads the audit events, newest first, page by page', async () => {
    await page.goto('/-/admin/audit');
    const events = page.getByTestId('audit-events');
    // The Reporter membership given above is among the newest; the bulk publishes make more than a page.
    const member = events.getByRole('row').filter({ hasText: `${project} ${outsider.username}` });
    await member.waitFor();
    assert.match(await member.innerText(), /member\.add/);
    assert.match(await member.innerText(), /@root/);
    assert.ok(Number(await page.getByTestId('audit-count').innerText()) > 25, 'more than a page of events');
    await shot(page, 'admin-audit');
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.waitForURL(/\/-\/admin\/audit\?after=/);
    await member.waitFor({ state: 'detached' });
    assert.ok((await events.getByRole('row').count()) > 1, 'the second page lists events');
    await page.getByRole('button', { name: '← Newer' }).click();
    await member.waitFor();
  });

  await step('a signed-out visitor browses the public project but gets the 404 page for the private one', async () => {
    const anon = await newPage();
    await anon.goto(`/${pubProject}/-/packages?sort=name_asc`);
    await anon.getByTestId('package-list').waitFor();
    assert.equal(await anon.getByTestId('package-count').innerText(), String(bulk.length));
    await anon.getByRole('link', { name: 'Sign in' }).first().waitFor();
    assert.equal(await anon.getByRole('button', { name: /Delete/ }).count(), 0, 'no delete buttons for a visitor');
    assert.equal(await anon.getByRole('link', { name: 'Settings' }).count(), 0, 'no settings tab for a visitor');
    await shot(anon, 'anonymous-public-packages');
    await anon.getByTestId('package-list').getByRole('link', { name: bulk[0], exact: true }).click();
    await anon.getByRole('heading', { name: new RegExp(`${bulk[0]}\\s+1\\.0\\.0`) }).waitFor();
    await anon.getByTestId('files').getByRole('link', { name: `${bulk[0]}.tar.gz`, exact: true }).waitFor();
    assert.equal(await anon.getByRole('button', { name: /Delete/ }).count(), 0, 'no delete buttons on the details');
    await shot(anon, 'anonymous-public-package');

    const pkg = await gql(token, 'query($p: ID!) { project(fullPath: $p) { packages(first: 1) { nodes { _links { webPath } } } } }', { p: project });
    for (const url of [`/${project}/-/packages`, pkg.project.packages.nodes[0]._links.webPath, `/${pubProject}/-/settings/access_tokens`]) {
      await anon.goto(url);
      await anon.getByTestId('not-found').waitFor();
      assert.equal(await anon.getByTestId('package-list').count(), 0, url);
    }
    await anon.getByText('You are not signed in').waitFor();
    await shot(anon, 'anonymous-404');
    await anon.context().close();
  });

  await step('the GraphQL explorer loads from this server only and runs as the signed-in user; the footer shows the version', async () => {
    const offsite = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(BASE)) return route.continue();
      offsite.push(route.request().url());
      return route.abort();
    });
    await page.goto(`/${project}/-/packages`);
    await page.getByTestId('version').waitFor();
    assert.match(await page.getByTestId('version').innerText(), /^pkgreg \S+/);
    await page.getByRole('contentinfo').getByRole('link', { name: 'GraphQL explorer' }).click();
    await page.waitForURL(/\/-\/graphql-explorer$/);
    await page.locator('.graphiql-container').waitFor({ timeout: 20000 });
    // GraphiQL ignores a run while it still loads the schema: run until it answers.
    const answer = page.locator('.result-window').getByText('"username": "root"');
    for (let i = 0; i < 20 && !(await answer.isVisible()); i++) {
      await page.getByRole('button', { name: /Execute query/ }).click();
      await answer.waitFor({ timeout: 1000 }).catch(() => {});
    }
    await answer.waitFor({ timeout: 1000 });
    await shot(page, 'graphql-explorer');
    await page.unroute('**/*');
    assert.deepEqual(offsite, [], 'the explorer asked for nothing from another host');
  });

  await step('phone width: list and details fit the screen', async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`/${project}/-/packages`);
    await phone.getByTestId('package-list').waitFor();
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(await overflow(), 0, 'no horizontal scroll on the list');
    await shot(phone, 'phone-packages');
    await phone.getByTestId('package-list').getByRole('link', { name: npmName }).click();
    await phone.getByTestId('snippets-install').waitFor();
    assert.equal(await overflow(), 0, 'no horizontal scroll on the details');
    await shot(phone, 'phone-package');
    await phone.context().close();
  });

  await sessionMembers({ BASE, ROOT_PASSWORD, token, stamp, newPage, step, shot, gql, signIn, newSecret });

  await step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/-\/sign_in/);
    const r = await page.evaluate(async () => {
      const res = await fetch('/-/session');
      return res.status === 401 ? null : (await res.json()).user;
    });
    assert.equal(r, null, 'the session ended on the server');
  });

  await step('no script errors in the browser console', async () => {
    assert.deepEqual(consoleErrors, []);
  });
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser.close();
}
console.log(`screenshots: ${shots} in ${ARTIFACTS}`);
console.log(`${passed} passed, ${exitCode} failed`);
process.exit(exitCode);

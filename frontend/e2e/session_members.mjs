// Browser tests of sessions, members, token snippets and the pipeline page (issue 18),
// called by e2e.mjs with its helpers. Each step screenshots at desktop and phone widths.
import assert from 'node:assert/strict';
import { checkA11y } from './a11y.mjs';

const PHONE = { width: 390, height: 844 };

/**
 * sessionMembers runs the steps. h: { BASE, token (root's api token), stamp, newPage,
 * step, shot, gql, signIn }.
 */
export async function sessionMembers(h) {
  const { BASE, token, stamp, newPage, step, shot, gql, signIn } = h;
  const team = `team-${stamp}`;
  const app = `${team}/app`;
  const users = { alice: `alice-${stamp}`, bob: `bob-${stamp}`, carol: `carol-${stamp}` };
  const password = 'member-password-123';
  let pipelineURL = '';
  let packageName = '';

  // both checks a page with axe-core and screenshots it at desktop width, then the same
  // address at phone width (with the same cookies), checking that nothing scrolls sideways there.
  const both = async (page, name, ready) => {
    await checkA11y(page, name);
    await shot(page, name);
    const phone = await newPage(PHONE);
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(page.url());
    await ready(phone);
    const { overflow, wide } = await phone.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > w + 1)
        .filter((el) => {
          for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return false;
          return true;
        })
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
      return { overflow: document.documentElement.scrollWidth - w, wide };
    });
    assert.equal(overflow, 0, `no horizontal scroll at phone width on ${page.url()}; wider: ${wide.join(', ')}`);
    await shot(phone, `phone-${name}`);
    await phone.context().close();
  };

  await step('members setup: a public group and project, users, and a package published by a pipeline', async () => {
    const d = await gql(token, 'mutation($g: String!) { groupCreate(input: {path: $g, visibility: public}) { errors } }', { g: team });
    assert.deepEqual(d.groupCreate.errors, []);
    const p = await gql(token, 'mutation($p: String!) { projectCreate(input: {fullPath: $p, visibility: public, packageRegistryAccessLevel: PUBLIC}) { errors project { id } } }', { p: app });
    assert.deepEqual(p.projectCreate.errors, []);
    for (const u of Object.values(users)) {
      const c = await gql(token, 'mutation($u: String!, $e: String!, $pw: String!) { userCreate(input: {username: $u, name: $u, email: $e, password: $pw}) { errors } }', { u, e: `${u}@example.com`, pw: password });
      assert.deepEqual(c.userCreate.errors, []);
    }
    for (const [u, at, role] of [
      [users.alice, { projectPath: app }, 'MAINTAINER'],
      [users.carol, { groupPath: team }, 'DEVELOPER'],
    ]) {
      const m = await gql(token, 'mutation($i: MembershipInput!) { membershipCreate(input: $i) { errors } }', { i: { ...at, username: u, accessLevel: role } });
      assert.deepEqual(m.membershipCreate.errors, []);
    }
    const job = await gql(token, 'mutation($p: ID!) { ciJobCreate(input: {projectPath: $p, pipelineId: 42, ref: "main", sha: "0123456789abcdef0123456789abcdef01234567", name: "release"}) { token errors } }', { p: app });
    assert.deepEqual(job.ciJobCreate.errors, []);
    const id = p.projectCreate.project.id.split('/').pop();
    packageName = `built-${stamp}`;
    const up = await fetch(`${BASE}/api/v4/projects/${id}/packages/generic/${packageName}/1.0.0/built.txt`, {
      method: 'PUT',
      headers: { 'JOB-TOKEN': job.ciJobCreate.token },
      body: 'built by CI',
    });
    assert.equal(up.status, 201, await up.text());
    const list = await (await fetch(`${BASE}/api/v4/projects/${id}/packages`, { headers: { 'PRIVATE-TOKEN': token } })).json();
    pipelineURL = list[0].pipeline?.web_url ?? '';
    assert.match(pipelineURL, new RegExp(`/${app}/-/pipelines/\\d+$`), JSON.stringify(list[0]));
  });

  const page = await newPage();
  const basic = []; // responses that would open the browser's password dialog
  page.on('response', (r) => {
    if (/^basic/i.test(r.headers()['www-authenticate'] ?? '')) basic.push(`${r.status()} ${r.url()}`);
  });

  await step('a pipeline link from the REST API opens the pipeline page, which lists what it published', async () => {
    await page.goto(pipelineURL);
    await page.getByTestId('pipeline').getByText('#42').waitFor();
    await page.getByTestId('pipeline-packages').getByRole('link', { name: packageName }).click();
    await page.getByRole('heading', { name: new RegExp(packageName) }).waitFor();
    // The package page links the pipeline back (a visitor of the public project).
    await page.getByTestId('pipelines').getByRole('link', { name: '#42' }).click();
    await page.waitForURL(pipelineURL);
    await page.getByTestId('pipeline-packages').waitFor();
    await both(page, 'pipeline', (p) => p.getByTestId('pipeline-packages').waitFor());
    await page.goto(`/${app}/-/pipelines/999999`);
    await page.getByTestId('not-found').waitFor();
  });

  await step('anonymous visitors of the public project get snippets without a token', async () => {
    await page.goto(pipelineURL);
    await page.getByTestId('pipeline-packages').getByRole('link', { name: packageName }).click();
    const install = page.getByTestId('snippets-install');
    await install.waitFor();
    const text = await install.innerText();
    assert.match(text, /curl/);
    assert.doesNotMatch(text, /TOKEN|personal_access_token/i, 'an anonymous download carries no token');
    await both(page, 'anonymous-snippets', (p) => p.getByTestId('snippets-install').waitFor());
  });

  await step('a Maintainer lists members with role and source, adds, changes and removes one, never above their own role', async () => {
    await signIn(page, users.alice, password);
    await page.goto(`/${app}`);
    await page.getByRole('link', { name: 'Members' }).click();
    await page.waitForURL(`**/${app}/-/project_members`);
    const table = page.getByTestId('members');
    const row = (u) => table.locator(`tr[data-username="${u}"]`);
    await row(users.carol).getByText(`Inherited from ${team}`).waitFor();
    await row(users.alice).getByText('Direct member').waitFor();
    const options = await page.getByLabel('Role', { exact: true }).locator('option').allInnerTexts();
    assert.deepEqual(options, ['Guest', 'Planner', 'Reporter', 'Developer', 'Maintainer'], 'a Maintainer grants up to Maintainer');
    assert.equal(await row(users.carol).getByRole('button', { name: /Remove/ }).count(), 0, 'inherited members are managed in their group');

    await page.getByLabel('Username').fill(users.bob);
    await page.getByLabel('Role', { exact: true }).selectOption('DEVELOPER');
    const expires = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
    await page.getByLabel('Expires (optional)').fill(expires);
    await page.getByRole('button', { name: 'Add member' }).click();
    await row(users.bob).waitFor();
    assert.notEqual(await row(users.bob).getByTestId('member-expires').innerText(), 'Never', 'the expiry is shown');
    assert.equal(await row(users.alice).getByTestId('member-expires').innerText(), 'Never');
    assert.equal(await row(users.bob).getByLabel(`Role of @${users.bob}`).inputValue(), 'DEVELOPER');
    await both(page, 'project-members', (p) => p.getByTestId('members').waitFor());

    await row(users.bob).getByLabel(`Role of @${users.bob}`).selectOption('REPORTER');
    await page.getByText(`@${users.bob} is now a Reporter.`).waitFor();
    const m = await gql(token, 'query($p: ID!) { project(fullPath: $p) { projectMembers { nodes { user { username } accessLevel expiresAt } } } }', { p: app });
    assert.ok(
      m.project.projectMembers.nodes.some((n) => n.user.username === users.bob && n.accessLevel === 'REPORTER' && n.expiresAt?.startsWith(expires)),
      `the change reached the server, keeping the expiry: ${JSON.stringify(m.project.projectMembers.nodes)}`,
    );

    await row(users.bob).getByRole('button', { name: `Remove @${users.bob}` }).click();
    await page.getByRole('dialog', { name: 'Remove member?' }).getByRole('button', { name: 'Remove' }).click();
    await row(users.bob).waitFor({ state: 'detached' });

    // The server refuses what the form does not offer: a Maintainer cannot grant Owner.
    const res = await page.evaluate(
      async ({ app, bob }) => {
        const s = await (await fetch('/-/session')).json();
        const r = await fetch('/api/graphql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken },
          body: JSON.stringify({ query: `mutation { membershipCreate(input: {projectPath: "${app}", username: "${bob}", accessLevel: OWNER}) { errors } }` }),
        });
        return JSON.stringify(await r.json());
      },
      { app, bob: users.bob },
    );
    assert.match(res, /above yours/, res);
  });

  await step('the group members page, as its Owner', async () => {
    const root = await newPage();
    await signIn(root, 'root', h.ROOT_PASSWORD);
    await root.goto(`/${team}/-/group_members`);
    const row = root.getByTestId('members').locator(`tr[data-username="${users.carol}"]`);
    await row.getByText('Direct member').waitFor();
    assert.equal(await row.getByLabel(`Role of @${users.carol}`).inputValue(), 'DEVELOPER');
    const options = await root.getByLabel('Role', { exact: true }).locator('option').allInnerTexts();
    assert.ok(options.includes('Owner'), 'an Owner grants Owner');
    await both(root, 'group-members', (p) => p.getByTestId('members').waitFor());
    await root.context().close();
  });

  await step('a new deploy token comes with ready-to-paste client configurations for every format', async () => {
    await page.goto(`/${app}/-/settings/access_tokens`);
    const form = page.locator('form').filter({ hasText: 'Add a deploy token' });
    await form.getByLabel('Token name').fill('snippets');
    await form.getByRole('checkbox', { name: /read_package_registry/ }).check();
    await form.getByRole('button', { name: 'Create deploy token' }).click();
    const secret = await h.newSecret(page, 'gldt-');
    const setup = page.getByTestId('client-setup');
    for (const [tab, want] of [
      ['npm', `:_authToken=${secret}`],
      ['PyPI', `:${secret}@`],
      ['Maven', `<name>Deploy-Token</name>`],
      ['NuGet', `--password ${secret}`],
      ['Generic', `DEPLOY-TOKEN: ${secret}`],
    ]) {
      await setup.getByRole('tab', { name: tab, exact: true }).click();
      assert.ok((await setup.getByRole('tabpanel').innerText()).includes(want), `${tab} setup has ${want}`);
    }
    await setup.getByRole('tab', { name: 'npm', exact: true }).click();
    await shot(page, 'deploy-token-snippets');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('client-setup').count(), 0, 'the configurations go with the secret');
  });

  await step('a session ended elsewhere: the UI says so without a password dialog and returns to the page after signing in', async () => {
    await page.goto(`/${app}/-/project_members`);
    await page.getByTestId('members').waitFor();
    const s = await gql(token, 'mutation($u: String!) { signOutEverywhere(input: {username: $u}) { errors } }', { u: users.alice });
    assert.deepEqual(s.signOutEverywhere.errors, []);
    // The next GraphQL request of the open page (a client-side navigation) finds the session gone.
    await page.getByRole('link', { name: 'Packages' }).first().click();
    await page.waitForURL(/\/-\/sign_in\?session=ended/);
    await page.getByText('Your session has ended').waitFor();
    await both(page, 'session-ended', (p) => p.getByRole('heading', { name: /Sign in/ }).waitFor());
    await page.getByLabel('Username').fill(users.alice);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/${app}/-/packages`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  await step('a password changed: loading a page with the stale cookie goes to sign-in, which returns there', async () => {
    const u = await gql(token, 'mutation($u: String!) { userUpdate(input: {username: $u, password: "a-new-password-456"}) { errors } }', { u: users.alice });
    assert.deepEqual(u.userUpdate.errors, []);
    await page.goto(`/${app}/-/project_members`);
    await page.waitForURL(/\/-\/sign_in\?session=ended/);
    await page.getByText('Your session has ended').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    await page.getByLabel('Username').fill(users.alice);
    await page.getByLabel('Password').fill('a-new-password-456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/${app}/-/project_members`);
    await page.getByTestId('members').waitFor();
    assert.deepEqual(basic, [], 'no response asked the browser for Basic credentials');
    await page.context().close();
  });
}

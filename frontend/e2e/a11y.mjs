// Automated accessibility check of a page with axe-core (run in the page through
// the DevTools protocol, so the UI's Content-Security-Policy does not block it).
// checkA11y fails on violations of impact serious or critical, listing each rule,
// its help URL and the first offending elements; it returns every violation found.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** FAILING are the impacts that fail the check. */
export const FAILING = ['serious', 'critical'];

/**
 * checkA11y runs axe-core on the page (WCAG 2.x A and AA rules and best practices)
 * and throws when a violation is serious or critical. name says which page, for
 * the message.
 */
export async function checkA11y(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const failing = violations.filter((v) => FAILING.includes(v.impact));
  if (failing.length > 0) {
    const lines = failing.map((v) => `  ${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n    at ${v.nodes.join('\n    at ')}`);
    throw new Error(`accessibility: ${failing.length} serious or critical violation(s) on ${name} (${page.url()}):\n${lines.join('\n')}`);
  }
  return violations;
}

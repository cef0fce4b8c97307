// Loads reprobe HTML reports in Debian's chromium (headless, through
// playwright-core) and checks what a reader relies on:
//   * no console errors, no page errors, no network request but the file itself;
//   * the verdict table has one row per replayed policy;
//   * one lane per device after the collapsing rules (healthy devices hidden
//     until the expander is clicked; the filter box narrows the lanes);
//   * the policy selector switches the overlay without a reload;
//   * screenshots for a person to look at.
// usage: node report_test.mjs OUTDIR REPORT.html...
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.REPROBE_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const [outDir, ...reports] = process.argv.slice(2);
if (!outDir || reports.length === 0) {
  console.error('usage: node report_test.mjs OUTDIR REPORT.html...');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

let failures = 0;
function check(cond, what) {
  if (cond) {
    console.log('  ok   ' + what);
  } else {
    console.log('  FAIL ' + what);
    failures++;
  }
}

async function testReport(file) {
  const name = path.basename(file, '.html');
  console.log(`${name}: ${file}`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprobe-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const url = pathToFileURL(path.resolve(file)).href;
    const errors = [], foreign = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    page.on('request', (r) => { if (r.url() !== url) foreign.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#timeline-svg', { timeout: 20000 });

    const data = await page.evaluate(() => JSON.parse(document.getElementById('reprobe-data').textContent));
    const devLanes = data.lanes.filter((l) => l[0] === 2);
    const healthy = devLanes.filter((l) => l[4]).length;
    // Full-page screenshots of thousands of lanes are huge: fall back to the viewport.
    const shot = async (file) => {
      const tall = await page.evaluate(() => document.documentElement.scrollHeight > 12000);
      await page.screenshot({ path: path.join(outDir, file), fullPage: !tall });
    };
    const laneCount = () => page.locator('#timeline-svg g.lane[data-kind=device]').count();
    const ovCount = () => page.locator('#timeline-svg .ov').count();

    // Verdict table and selector.
    const rows = await page.locator('#verdicts tbody tr').count();
    check(rows === data.policies.length && rows >= 2, `verdict table: ${rows} rows for ${data.policies.length} replayed policies`);
    const rowPolicies = await page.locator('#verdicts tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.policy));
    check(JSON.stringify(rowPolicies) === JSON.stringify(data.policies), 'verdict rows are the replayed policies, in order');
    const options = await page.locator('#policy option').count();
    check(options === data.policies.length + 1, `policy selector: ${options - 1} policies + "none"`);

    // Lanes after the collapsing rules, and the expander.
    check(await laneCount() === devLanes.length - healthy,
      `collapsed: ${await laneCount()} device lanes = ${devLanes.length} devices - ${healthy} healthy`);
    const labels = await page.locator('#timeline-svg g.lane[data-kind=device]').evaluateAll((gs) => gs.map((g) => g.dataset.lane));
    check(new Set(labels).size === labels.length, 'one lane per device (no duplicates)');
    check(await page.locator('#timeline-svg g.lane[data-kind=core]').count() === 1, 'driver-core lane present');
    await shot(`${name}-observed.png`);
    if (healthy > 0) {
      await page.click('#toggle-healthy');
      check(await laneCount() === devLanes.length, `expanded: ${await laneCount()} device lanes = ${devLanes.length} devices`);
      await shot(`${name}-expanded.png`);
      await page.click('#toggle-healthy');
      check(await laneCount() === devLanes.length - healthy, 'collapsed again');
    } else {
      check(await page.locator('#toggle-healthy').isDisabled(), 'no healthy devices: expander disabled');
    }

    // Filter box.
    const probe = data.strings[devLanes[devLanes.length - 1][1]];
    const needle = probe.slice(0, Math.min(6, probe.length)).toLowerCase();
    const expected = devLanes.filter((l) => data.strings[l[1]].toLowerCase().includes(needle) ||
      data.strings[l[2]].toLowerCase().includes(needle)).length;
    await page.fill('#filter', needle);
    check(await laneCount() === expected && expected >= 1, `filter "${needle}": ${await laneCount()} lanes, expected ${expected}`);
    await page.fill('#filter', '');

    // Overlay: none, then two policies with different replays.
    check(await ovCount() === 0, 'no overlay before a policy is chosen');
    const sig = (i) => JSON.stringify(data.timelines[i].p.map((p) => [p[0], p[1], p[2], p[3]]));
    let a = 1, b = -1;
    for (let i = 2; i <= data.policies.length; i++) if (sig(i) !== sig(a)) { b = i; break; }
    check(b > 0, 'the report has two policies whose replays differ');
    const overlaySig = () => page.locator('#timeline-svg rect.probe.ov').evaluateAll(
      (rs) => rs.map((r) => `${r.closest('g.lane').dataset.lane}@${r.getAttribute('x')}+${r.getAttribute('width')}`).join(' '));
    await page.selectOption('#policy', String(a));
    const nA = await ovCount(), sA = await overlaySig();
    check(nA > 0, `overlay of ${data.policies[a - 1]}: ${nA} elements`);
    check(await page.locator('#verdicts tr.selected').getAttribute('data-policy') === data.policies[a - 1], 'selected policy highlighted in the table');
    await shot(`${name}-overlay-${data.policies[a - 1]}.png`);
    // The timeline as a reader first sees it when scrolling to it (full pages of big traces are very tall).
    await page.evaluate(() => document.getElementById('timeline-section').scrollIntoView());
    await page.screenshot({ path: path.join(outDir, `${name}-timeline-view.png`) });
    if (b > 0) {
      await page.selectOption('#policy', String(b));
      const sB = await overlaySig();
      check(sB !== sA && (await ovCount()) > 0, `overlay switched to ${data.policies[b - 1]} (drawn differently)`);
      await shot(`${name}-overlay-${data.policies[b - 1]}.png`);
    }
    await page.selectOption('#policy', '-1');
    check(await ovCount() === 0, 'overlay removed again');
    check(page.url() === url, 'no reload or navigation');

    check(errors.length === 0, 'no console errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
    check(foreign.length === 0, 'no network requests' + (foreign.length ? ': ' + foreign.join(' ') : ''));
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

for (const r of reports) {
  try {
    await testReport(r);
  } catch (e) {
    console.log('  FAIL ' + r + ': ' + (e && e.stack ? e.stack : e));
    failures++;
  }
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);

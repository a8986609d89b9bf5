// Every view of the real app, audited for accessibility in real WebKit: axe-core (the audit
// engine browsers' own tools use) injected through WebDriver, WCAG 2.1 A and AA rules and axe's
// best practices, on the welcome screen, the inbox and a thread, search, members and a profile
// with its notes, the calendar and the post editor, the Dashboard, Moderation, Settings with
// the account form, and the dialogs (shortcuts, About, snooze). A serious or critical violation
// fails the test, named with the elements it is on. Each view is audited in the light theme and
// again in the dark one (the app started with GTK's dark variant, which WebKit reports as
// `prefers-color-scheme: dark`), since contrast is a property of both.
//
// Then the main views at 150% text (Settings → Text size, as Ctrl+= sets it): a screenshot of
// each beside the one at 100%, and nothing wider than the window or cut off.
//
// The reports (every violation, minor ones too) and the screenshots land in
// tests/e2e/artifacts/a11y/.
// Needs what app.test.mjs needs, without Synapse.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, until } from "selenium-webdriver";
import { openApp as openApp_, SCREENSHOTS, startDriver } from "./driver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const app = process.env.HEARTH_APP ?? path.join(root, "target/debug/hearth-desktop");
const reports = path.join(here, "artifacts", "a11y");
const db = path.join(mkdtempSync(path.join(tmpdir(), "hearth-a11y-")), "hearth.db");
const WAIT = 60_000;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const byTest = (id) => By.css(`[data-testid="${id}"]`);

async function press(driver, keys) {
  await driver.actions({ async: true }).sendKeys(keys).perform();
}

/** Every serious or critical violation found, by theme and view, for the failure message. */
const failures = [];

/**
 * Audits the page as it is now, as view `name`: writes axe's report to the artifacts and
 * records its serious and critical violations.
 */
async function audit(driver, theme, name) {
  await driver.sleep(400); // transitions and the last paint settled
  const loaded = await driver.executeScript("return typeof window.axe === 'object'");
  if (!loaded) await driver.executeScript(AXE);
  const result = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    window.axe
      .run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        resultTypes: ["violations"],
      })
      .then((r) => done(JSON.stringify(r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
      })))))
      .catch((e) => done(JSON.stringify({ error: String(e) })));
  `);
  const violations = JSON.parse(result);
  assert.ok(Array.isArray(violations), `axe ran on ${name}: ${result}`);
  mkdirSync(reports, { recursive: true });
  writeFileSync(path.join(reports, `${theme}-${name}.json`), JSON.stringify(violations, null, 2));
  if (theme === "light") await shot(driver, `zoom-100-${name}`);
  for (const v of violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
    failures.push(
      `${theme} / ${name}: ${v.id} (${v.impact}) — ${v.help}\n` +
        v.nodes.slice(0, 5).map((n) => `    on ${n.target}`).join("\n"),
    );
  }
}

async function shot(driver, name) {
  writeFileSync(path.join(reports, `${name}.png`), await driver.takeScreenshot(), "base64");
}

/**
 * Where the page is wider than the window (something clipped off to the side) or a fixed-size
 * box's text runs out of it: what 150% text must not cause. Returns descriptions.
 */
async function clipped(driver) {
  return driver.executeScript(`
    const out = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) out.push('the page is ' + root.scrollWidth + 'px wide in a ' + root.clientWidth + 'px window');
    for (const el of document.querySelectorAll('button, .btn, select, input, textarea, h1, h2, h3')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // cut off to a side by the box that holds it (a list scrolled down is not cut off)
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX === 'visible') continue;
        const box = a.getBoundingClientRect();
        const inSight = r.bottom > box.top && r.top < box.bottom;
        if (inSight && (r.left < box.left - 1 || r.right > box.right + 1)) {
          out.push((el.getAttribute('data-testid') || el.getAttribute('aria-label') || el.tagName.toLowerCase()) +
            ' "' + (el.textContent || el.placeholder || '').trim().slice(0, 30) + '" is cut off at the side');
        }
        break;
      }
    }
    return out;
  `);
}

async function waitGone(driver, id) {
  await driver.wait(async () => (await driver.findElements(byTest(id))).length === 0, WAIT, `${id} closes`);
}

/** Walks every view, auditing each. `fresh`: the database is new, so the welcome screen shows. */
async function walk(driver, theme, fresh) {
  if (fresh) {
    await driver.wait(until.elementLocated(byTest("welcome")), WAIT);
    await audit(driver, theme, "welcome");
    await driver.findElement(byTest("demo-button")).click();
  }
  await driver.wait(until.elementLocated(byTest("inbox-item")), 180_000);
  await driver.wait(until.elementLocated(byTest("thread")), WAIT);
  await driver.wait(until.elementLocated(byTest("message")), WAIT);
  await audit(driver, theme, "inbox-and-thread");

  await press(driver, "?");
  await driver.wait(until.elementLocated(byTest("shortcut-help")), WAIT);
  await audit(driver, theme, "dialog-shortcuts");
  await press(driver, "\uE00C");
  await waitGone(driver, "shortcut-help");

  await press(driver, "s");
  await driver.wait(until.elementLocated(By.css('[role="dialog"]')), WAIT);
  await audit(driver, theme, "dialog-snooze");
  await press(driver, "\uE00C");

  const search = await driver.findElement(byTest("search-input"));
  await search.click();
  await search.sendKeys("dark mode");
  await driver.wait(until.elementLocated(byTest("search-hit")), WAIT);
  await audit(driver, theme, "search");
  await press(driver, "\uE00C");

  await driver.findElement(byTest("nav-members")).click();
  await driver.wait(until.elementLocated(byTest("member-row")), WAIT);
  await driver.findElement(byTest("member-row")).click();
  await driver.wait(until.elementLocated(byTest("member-profile")), WAIT);
  await audit(driver, theme, "members-and-profile");

  await driver.findElement(byTest("nav-calendar")).click();
  await driver.wait(until.elementLocated(byTest("calendar-item")), WAIT);
  await audit(driver, theme, "calendar");
  await driver.findElement(byTest("calendar-new")).click();
  await driver.wait(until.elementLocated(byTest("calendar-editor")), WAIT);
  await audit(driver, theme, "post-editor");
  await press(driver, "\uE00C");

  await driver.findElement(byTest("nav-health")).click();
  await driver.wait(until.elementLocated(byTest("response-views-table")), WAIT);
  await audit(driver, theme, "dashboard");

  await driver.findElement(byTest("nav-moderation")).click();
  await driver.wait(until.elementLocated(byTest("moderation")), WAIT);
  await audit(driver, theme, "moderation");

  await driver.findElement(byTest("nav-settings")).click();
  await driver.wait(until.elementLocated(byTest("about-facts")), WAIT);
  await audit(driver, theme, "settings");
  await driver.findElement(byTest("add-account")).click();
  await driver.wait(until.elementLocated(byTest("account-form")), WAIT);
  await audit(driver, theme, "settings-account-form");
}

/** The main views at 150% text (Settings → Text size): a screenshot of each, nothing clipped. */
async function atOneAndAHalf(driver) {
  await driver.findElement(byTest("nav-settings")).click();
  const select = await driver.wait(until.elementLocated(byTest("text-size-select")), WAIT);
  await select.findElement(By.css('option[value="150"]')).click();
  await driver.wait(
    async () => Math.round((await driver.executeScript("return window.outerWidth / window.innerWidth")) * 100) === 150,
    WAIT,
    "the window's text is at 150%",
  ).catch(() => {}); // WebKit may not report zoom in innerWidth; the screenshots show it
  const problems = [];
  for (const [view, ready] of [
    ["inbox", "inbox-item"],
    ["members", "member-row"],
    ["calendar", "calendar-item"],
    ["health", "response-views-table"],
    ["moderation", "moderation"],
    ["settings", "about-facts"],
  ]) {
    // (a script's click: WebKitWebDriver aims its pointer at where the element would be at 100%)
    await driver.executeScript("arguments[0].click()", await driver.findElement(byTest(`nav-${view}`)));
    await driver.wait(until.elementLocated(byTest(ready)), WAIT).catch(async (e) => {
      await shot(driver, `zoom-150-${view}-not-ready`);
      throw e;
    });
    await driver.sleep(400);
    await shot(driver, `zoom-150-${view}`);
    for (const p of await clipped(driver)) problems.push(`${view}: ${p}`);
  }
  // back to 100% for the dark theme's walk (the size is kept for the next start)
  await driver.executeScript("arguments[0].click()", await driver.findElement(byTest("nav-settings")));
  const again = await driver.wait(until.elementLocated(byTest("text-size-select")), WAIT);
  await driver.executeScript(
    "arguments[0].value = '100'; arguments[0].dispatchEvent(new Event('change', { bubbles: true }))",
    again,
  );
  await driver.sleep(300);
  return problems;
}

let light;
let dark;

before(async () => {
  mkdirSync(reports, { recursive: true });
  const log = path.join(reports, "tauri-driver.log");
  writeFileSync(log, "");
  light = await startDriver({ env: { HEARTH_DB: db, ...SCREENSHOTS }, log });
  dark = await startDriver({ env: { HEARTH_DB: db, GTK_THEME: "Adwaita:dark", ...SCREENSHOTS }, log });
});

after(async () => {
  await light?.stop();
  await dark?.stop();
});

test("every view passes an accessibility audit in the light and the dark theme", async () => {
  const first = await openApp_(light.port, app);
  try {
    await walk(first, "light", true);
    const problems = await atOneAndAHalf(first);
    assert.deepEqual(problems, [], "at 150% text nothing is clipped");
  } finally {
    await first.quit().catch(() => {});
  }
  const second = await openApp_(dark.port, app);
  try {
    const dark = await second.executeScript("return matchMedia('(prefers-color-scheme: dark)').matches");
    assert.ok(dark, "the app started with GTK's dark variant reports the dark theme");
    await walk(second, "dark", false);
  } finally {
    await second.quit().catch(() => {});
  }
  assert.equal(failures.length, 0, `serious or critical accessibility violations:\n${failures.join("\n")}`);
});

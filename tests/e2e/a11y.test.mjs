// Every view of the real app, audited for accessibility in real WebKit: axe-core (the audit
// engine browsers' own tools use) injected through WebDriver, WCAG 2.1 A and AA rules and axe's
// best practices, on the welcome screen, the inbox and a thread, search, members and a profile
// with its notes, the calendar and the post editor, the Dashboard, Moderation, Settings (with
// About) and the account form, and the dialogs (shortcuts, snooze). A violation above minor
// (serious and critical ones, and moderate ones such as a view without a level-one heading or
// two banners on one page) fails the test, named with the elements it is on. Each view is audited in the light theme and
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
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, Key, until } from "selenium-webdriver";
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

/** Every violation above minor found, by theme and view, for the failure message. */
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
  for (const v of violations.filter((v) => v.impact !== "minor")) {
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

/** Waits for the inbox with the demo in it, loading the demo if this database is new. */
async function withDemo(driver) {
  const first = await driver.wait(
    async () => (await driver.findElements(By.css('[data-testid="welcome"], [data-testid="inbox-item"]')))[0],
    WAIT,
    "the app shows its first screen",
  );
  if ((await first.getAttribute("data-testid")) === "welcome") {
    await driver.findElement(byTest("demo-button")).click();
  }
  await driver.wait(until.elementLocated(byTest("inbox-item")), 180_000);
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

/** Opens each main view: a screenshot of each named `prefix-view`, and what is clipped. */
async function eachView(driver, prefix) {
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
      await shot(driver, `${prefix}-${view}-not-ready`);
      throw e;
    });
    await driver.sleep(400);
    await shot(driver, `${prefix}-${view}`);
    for (const p of await clipped(driver)) problems.push(`${view}: ${p}`);
  }
  return problems;
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
  const problems = await eachView(driver, "zoom-150");
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

/**
 * What the focused element is and where: on the screen, not hidden from screen readers, in which
 * landmark. Its look with focus (outline, shadow, border, background and colour of it and of what
 * it holds) is kept in the page, to compare with its look once focus has moved on (RINGS).
 * Measured two frames after the key, once the engine has scrolled it into view; transitions are
 * stopped, so a ring fading in is seen at its end.
 */
const FOCUS_STOP = `
  const done = arguments[arguments.length - 1];
  if (!document.getElementById('no-transitions')) {
    const style = document.createElement('style');
    style.id = 'no-transitions';
    style.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
    document.head.append(style);
  }
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return done({ none: true });
    if (!el.dataset.tabStop) el.dataset.tabStop = String(Math.random()).slice(2);
    window.__focusLooks ??= {};
    window.__focusLooks[el.dataset.tabStop] = window.__look(el);
    const r = el.getBoundingClientRect();
    // the outermost landmark it is in (a message's header is part of the main view)
    let region = null;
    for (let a = el; a; a = a.parentElement) {
      if (a.matches('[role="dialog"], nav, header, main, aside, [role="complementary"]')) region = a;
    }
    const name = (el.getAttribute('aria-label') || el.textContent || el.placeholder || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    done({
      id: el.dataset.tabStop,
      what: el.tagName.toLowerCase() + (el.getAttribute('data-testid') ? '[' + el.getAttribute('data-testid') + ']' : '') + ' "' + name + '"',
      rect: [r.left, r.top, r.width, r.height].map(Math.round).join(',') + ' in a ' + innerWidth + 'x' + innerHeight + ' window',
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
      hidden: !!el.closest('[aria-hidden="true"], [inert]'),
      region: region ? (region.getAttribute('role') || region.tagName.toLowerCase()) : 'page',
    });
  }));
`;

/** The look FOCUS_STOP keeps, as a function in the page. */
const LOOK = `
  window.__look = (el) => {
    const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow', 'background-color',
      'border-top-color', 'border-left-color', 'border-bottom-color', 'color', 'text-decoration-line'];
    return [el, ...el.querySelectorAll('*')].slice(0, 40)
      .map((n) => { const s = getComputedStyle(n); return props.map((p) => s.getPropertyValue(p)).join('|'); })
      .join('#');
  };
  window.__focusLooks = {};
`;

/** The stops (by id) that look the same without focus as with it: no visible focus ring. */
const RINGS = `
  document.activeElement?.blur();
  const same = [];
  for (const [id, focused] of Object.entries(window.__focusLooks ?? {})) {
    const el = document.querySelector('[data-tab-stop="' + id + '"]');
    if (el && window.__look(el) === focused) same.push(id);
  }
  return same;
`;

/**
 * Tabs through the open view until focus comes back to where it started (or 150 stops): each
 * stop has a visible focus ring, is on the screen and not hidden from screen readers, and the
 * order goes through the page's regions one after another (the sidebar, the search bar, the
 * view, a pane) rather than jumping back and forth. Shift+Tab walks the same stops backwards.
 * Returns the problems in words.
 */
async function tabWalk(driver, view) {
  const problems = [];
  const positive = await driver.executeScript(
    "return [...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0).map((e) => e.outerHTML.slice(0, 80))",
  );
  for (const p of positive) problems.push(`${view}: a tabindex above 0 breaks the page's order: ${p}`);
  await driver.executeScript(LOOK);
  const stops = [];
  let closed = false;
  for (let i = 0; i < 150 && !closed; i++) {
    await press(driver, "\uE004");
    const stop = await driver.executeAsyncScript(FOCUS_STOP);
    if (stop.none) continue; // the page itself, between the last control and the first
    closed = stops.length > 0 && stop.id === stops[0].id;
    if (!closed) stops.push(stop);
  }
  assert.ok(stops.length > 3, `${view}: Tab reaches the view's controls (${stops.length} stops)`);
  // regions in one pass, counted from the sidebar's first stop (the cycle may start anywhere)
  const from = closed
    ? Math.max(0, stops.findIndex((s, i) => s.region === "nav" && stops.at(i - 1).region !== "nav"))
    : 0;
  const order = [...stops.slice(from), ...stops.slice(0, from)].map((s) => s.region);
  const runs = order.filter((r, i) => i === 0 || r !== order[i - 1]);
  const seen = new Set();
  for (const r of runs) {
    if (seen.has(r)) problems.push(`${view}: Tab comes back to the ${r} after leaving it (${runs.join(" → ")})`);
    seen.add(r);
  }
  // and back: Shift+Tab walks the last stops in reverse (from the first stop again where the
  // cycle closed; from the last one reached in a long view)
  let want = closed ? stops.length - 1 : stops.length - 2;
  for (let tries = 0; tries < 12 && want >= Math.max(0, stops.length - 6); tries++) {
    await driver.actions({ async: true }).keyDown(Key.SHIFT).sendKeys(Key.TAB).keyUp(Key.SHIFT).perform();
    const back = await driver.executeAsyncScript(FOCUS_STOP);
    if (back.none) continue;
    if (back.id !== stops[want].id) {
      problems.push(`${view}: Shift+Tab went to ${back.what}, not back to ${stops[want].what}`);
      break;
    }
    want--;
  }
  // then each stop's look without focus, against its look with it
  const ringless = new Set(await driver.executeScript(RINGS));
  for (const s of stops) {
    s.ring = !ringless.has(s.id);
    if (!s.ring) problems.push(`${view}: ${s.what} shows no sign of having focus`);
    if (!s.onScreen) problems.push(`${view}: ${s.what} takes focus off the screen (at ${s.rect})`);
    if (s.hidden) problems.push(`${view}: ${s.what} takes focus while hidden from screen readers`);
  }
  return { problems, stops };
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
  assert.equal(failures.length, 0, `accessibility violations (above minor):\n${failures.join("\n")}`);
});

test("every view can be walked with Tab: a visible focus ring on each stop, in the page's order", async () => {
  const driver = await openApp_(light.port, app);
  const problems = [];
  const stops = {};
  try {
    await withDemo(driver);
    await driver.wait(until.elementLocated(byTest("message")), WAIT);
    for (const [view, ready] of [
      ["inbox", "message"],
      ["members", "member-profile"],
      ["calendar", "calendar-item"],
      ["health", "response-views-table"],
      ["moderation", "moderation"],
      ["settings", "about-facts"],
    ]) {
      await driver.findElement(byTest(`nav-${view}`)).click();
      if (view === "members") {
        await driver.wait(until.elementLocated(byTest("member-row")), WAIT);
        await driver.findElement(byTest("member-row")).click();
      }
      await driver.wait(until.elementLocated(byTest(ready)), WAIT);
      await driver.sleep(300);
      const walked = await tabWalk(driver, view);
      problems.push(...walked.problems);
      stops[view] = walked.stops.map((s) => `${s.region}: ${s.what}${s.ring ? "" : " (no ring)"}`);
    }
    writeFileSync(path.join(reports, "tab-order.json"), JSON.stringify(stops, null, 2));
  } finally {
    await driver.quit().catch(() => {});
  }
  assert.deepEqual(problems, [], "every view walks with Tab, each stop visibly focused, in order");
});

/**
 * An X display of its own whose desktop asks for text 1.5 times larger, the way GNOME does it
 * (its settings daemon publishes Xft/DPI over XSETTINGS: "Large Text", or a text scaling factor
 * of 1.5, is 144 dpi). xsettingsd publishes it here. No other test's app sees this display.
 */
async function largeTextDisplay() {
  const server = spawn("Xvfb", ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const display = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(`:${out.trim()}`);
    });
    server.once("exit", (code) => reject(new Error(`Xvfb stopped (${code}) before it showed a display`)));
  });
  const config = path.join(mkdtempSync(path.join(tmpdir(), "hearth-xsettings-")), "xsettingsd.conf");
  writeFileSync(config, `Xft/DPI ${144 * 1024}\n`);
  const settings = spawn("xsettingsd", ["-c", config], {
    env: { ...process.env, DISPLAY: display },
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 500)); // it has taken the XSETTINGS selection
  assert.equal(settings.exitCode, null, "xsettingsd runs on the test's display");
  return {
    display,
    stop: () => {
      settings.kill();
      server.kill();
    },
  };
}

/** How tall the sidebar's "Inbox" link is drawn, and how wide the page is, in CSS pixels. */
const TEXT_SIZE = `
  const link = document.querySelector('[data-testid="nav-inbox"]').getBoundingClientRect();
  return { text: link.height, width: innerWidth };
`;

test("the system's text size is followed: 1.5 times larger text, and no view clipped", async () => {
  const normal = await openApp_(light.port, app);
  let usual;
  try {
    await withDemo(normal);
    usual = await normal.executeScript(TEXT_SIZE);
  } finally {
    await normal.quit().catch(() => {});
  }
  const x = await largeTextDisplay();
  const log = path.join(reports, "tauri-driver.log");
  const large = await startDriver({ env: { HEARTH_DB: db, DISPLAY: x.display, ...SCREENSHOTS }, log });
  try {
    const driver = await openApp_(large.port, app);
    try {
      await driver.wait(until.elementLocated(byTest("inbox-item")), 180_000);
      const big = await driver.executeScript(TEXT_SIZE);
      // larger letters in CSS pixels (text zoom), or fewer CSS pixels across the window (page
      // zoom): on the screen, both are the text drawn larger
      const ratio = (big.text / usual.text) * (usual.width / big.width);
      writeFileSync(path.join(reports, "system-text-size.json"), JSON.stringify({ usual, big, ratio }, null, 2));
      assert.ok(ratio > 1.3, `text is drawn larger with the system's larger fonts: ${JSON.stringify({ usual, big })}`);
      const problems = await eachView(driver, "system-150");
      assert.deepEqual(problems, [], "with the system's larger text nothing is clipped");
    } finally {
      await driver.quit().catch(() => {});
    }
  } finally {
    await large.stop();
    x.stop();
  }
});

// Benchmark, not a test (it asserts nothing and is not in CI): how long the calendar's month view
// takes to show a month of 2,000 posts in the real app, in real WebKit (issue 10: ≤ 100 ms).
//
// The workspace is a small demo community with 2,000 posts planned in one month (the current
// one), in every state, each with one to three targets. The calendar is opened, then the months
// are paged with → and ← as a person would: for each press, the time from the keydown to the
// frame that shows the new month with its posts (stamped in the page: performance.now() on
// keydown, then requestAnimationFrame until the heading has changed and the page holds as many
// posts as that month shows at rest, then one more frame). The
// same presses into an empty month, in the same run, are the baseline: what paging costs with
// nothing to draw (asking the core for the month, and the frame itself).
//
// Usage (the app built with its UI embedded, in release for figures worth quoting):
//   xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring env NO_AT_BRIDGE=1 \
//     node tests/e2e/calendar-month.bench.mjs
// HEARTH_APP (default target/release/hearth-desktop), HEARTH_CLI (target/release/hearth),
// HEARTH_BENCH_POSTS (2000) and HEARTH_BENCH_ROUNDS (30) change what is run.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, until } from "selenium-webdriver";
import { openApp, startDriver } from "./driver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const app = process.env.HEARTH_APP ?? path.join(root, "target/release/hearth-desktop");
const cli = process.env.HEARTH_CLI ?? path.join(root, "target/release/hearth");
const POSTS = Number(process.env.HEARTH_BENCH_POSTS ?? 2000);
const ROUNDS = Number(process.env.HEARTH_BENCH_ROUNDS ?? 30);

const work = mkdtempSync(path.join(tmpdir(), "hearth-month-"));
const db = path.join(work, "hearth.db");

// Posts spread over this month's days (local time, as the app shows them), 08:00–19:59, in
// every state a month holds, each on one to three of the demo's accounts.
const FILL = `
import sqlite3, sys, datetime, random
db, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
now = datetime.datetime.now().astimezone()
first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
days = ((first.replace(month=first.month % 12 + 1, year=first.year + (first.month == 12))) - first).days
c = sqlite3.connect(db)
accounts = c.execute("SELECT id, platform FROM accounts ORDER BY id").fetchall()
states = ["idea", "draft", "in_review", "approved", "published", "partly", "failed", "missed"]
for i in range(n):
    at = first + datetime.timedelta(days=i % days, hours=8 + random.randrange(12), minutes=random.randrange(60))
    ms = int(at.timestamp() * 1000)
    cur = c.execute(
        "INSERT INTO calendar_items (title, body, state, scheduled_at, created_at, updated_at, time_zone)"
        " VALUES (?, ?, ?, ?, ?, ?, 'UTC')",
        (f"Post {i + 1}: release notes, a spotlight or a call", "Text of the post " * 8,
         random.choice(states), ms, ms, ms))
    for account, platform in random.sample(accounts, random.randint(1, 3)):
        c.execute("INSERT INTO calendar_targets (item_id, platform, account_id, body) VALUES (?, ?, ?, ?)",
                  (cur.lastrowid, platform, account, "Text for " + platform))
c.commit()
print(days)
`;

function prepareDatabase() {
  execFileSync(cli, ["--db", db, "demo", "--members", "300", "--messages", "3000"], { stdio: "ignore" });
  return Number(execFileSync("python3", ["-c", FILL, db, String(POSTS)], { encoding: "utf8" }).trim());
}

// Installed in the page once the calendar shows, with the number of post chips each month
// shows once loaded (counted beforehand, at rest): each arrow keydown is stamped before the app's
// handler runs; its sample is taken at the frame after the one in which the new month shows its
// heading and all its posts.
const INSTRUMENT = `
  const [full, empty] = arguments;
  const expected = { ArrowRight: full, ArrowLeft: empty };
  const heading = () => document.querySelector('[data-testid="calendar"] h1')?.textContent ?? '';
  const chips = () => document.querySelectorAll('[data-testid="calendar-item"]').length;
  window.__month = { samples: [] };
  document.addEventListener('keydown', (event) => {
    if (!(event.key in expected)) return;
    const t0 = performance.now();
    const before = heading();
    const check = () => {
      const shown = heading() !== before && chips() === expected[event.key];
      if (!shown && performance.now() - t0 < 5000) { requestAnimationFrame(check); return; }
      requestAnimationFrame(() =>
        window.__month.samples.push({ key: event.key, ms: performance.now() - t0, shown }));
    };
    requestAnimationFrame(check);
  }, true);
`;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v) => v.toFixed(1).padStart(6);
  return `p50 ${f(quantile(sorted, 0.5))} ms · p95 ${f(quantile(sorted, 0.95))} ms · max ${f(sorted.at(-1))} ms (n=${sorted.length})`;
}

async function press(driver, key) {
  await driver.actions({ async: true }).sendKeys(key).perform();
  // a person's pace: the next press after this one has been painted
  await driver.sleep(400);
}

async function main() {
  const days = prepareDatabase();
  const log = path.join(work, "tauri-driver.log");
  const tauriDriver = await startDriver({ env: { HEARTH_DB: db }, log });
  let driver;
  try {
    driver = await openApp(tauriDriver.port, app);
    await driver.manage().window().setRect({ width: 1280, height: 800 });
    await driver.wait(until.elementLocated(By.css('[data-testid="inbox-item"]')), 120_000);
    await driver.findElement(By.css('[data-testid="nav-calendar"]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid="calendar-item"]')), 60_000);
    const Key = { left: "\uE012", right: "\uE014" };
    const chips = () => driver.executeScript("return document.querySelectorAll('[data-testid=\"calendar-item\"]').length");
    // what each month shows at rest
    await driver.sleep(3_000);
    const full = await chips();
    await driver.actions({ async: true }).sendKeys(Key.left).perform();
    await driver.sleep(3_000);
    const empty = await chips();
    await driver.actions({ async: true }).sendKeys(Key.right).perform();
    await driver.sleep(3_000);
    await driver.executeScript(INSTRUMENT, full, empty);
    // into the month before (empty) and back (full), ROUNDS times; the first round warms up
    for (let i = 0; i <= ROUNDS; i++) {
      await press(driver, Key.left);
      await press(driver, Key.right);
    }
    const samples = await driver.executeScript("return window.__month.samples");
    const rest = samples.slice(2);
    const into = rest.filter((s) => s.key === "ArrowRight");
    const out = rest.filter((s) => s.key === "ArrowLeft");
    const timedOut = rest.filter((s) => !s.shown).length;
    console.log(`\nHearth calendar, month view, real app in WebKit (${app})`);
    console.log(`${POSTS.toLocaleString("en")} posts over the ${days} days of this month: ${full} post chips on the page (two a day and "+N more"); the month before shows ${empty} (the unscheduled ideas).\n`);
    console.log(`→ into the month of ${POSTS.toLocaleString("en")} posts   ${summary(into.map((s) => s.ms))}`);
    console.log(`← into an empty month (baseline)   ${summary(out.map((s) => s.ms))}`);
    if (timedOut > 0) console.log(`(${timedOut} presses did not show their month within 5 s)`);
  } finally {
    await driver?.quit().catch(() => {});
    await tauriDriver.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// The real Hearth desktop app in real WebKit, driven through WebDriver (tauri-driver +
// WebKitWebDriver), on a fresh database: open it, explore the demo community, triage a
// conversation by keyboard, write a member note, quit, reopen, and find both persisted; triage
// by keyboard alone (waiting, a snooze in words, tag, assign, undo, bulk done of five, a canned
// reply), restart, and find every change in the database; then
// connect a Matrix account on a real Synapse homeserver in Settings → Accounts, watch it sync,
// and reply from the inbox — the reply lands in the room exactly once; a new mention raises a
// desktop notification (seen by a notification service on the test's D-Bus session) that opens
// the conversation when clicked; a reply written while Synapse is stopped goes out exactly once
// when it is back.
// Screenshots of every view land in tests/e2e/artifacts/.
//
// Needs: a display (run under xvfb-run), a Secret Service (scripts/with-keyring), Synapse
// (scripts/synapse.sh), tauri-driver on PATH, the app built with its UI embedded
// (cargo build -p hearth-desktop --features custom-protocol). scripts/test does all.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, Key, until } from "selenium-webdriver";
import { openApp as openApp_, SCREENSHOTS, startDriver } from "./driver.mjs";
import { startNotifications } from "./notifications.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const app = process.env.HEARTH_APP ?? path.join(root, "target/debug/hearth-desktop");
const cli = process.env.HEARTH_CLI ?? path.join(root, "target/debug/hearth");
const artifacts = path.join(here, "artifacts");
const db = path.join(mkdtempSync(path.join(tmpdir(), "hearth-e2e-")), "hearth.db");
const WAIT = 60_000;

// tauri-driver's output (and the app's) goes to a log file: see driver.mjs.
const driverLog = path.join(artifacts, "tauri-driver.log");

// The desktop's notification service on the test's D-Bus session: what the app raises.
let notifications;

let tauriDriver;

before(async () => {
  notifications = await startNotifications();
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(driverLog, "");
  tauriDriver = await startDriver({ env: { HEARTH_DB: db, ...SCREENSHOTS }, log: driverLog });
});

after(async () => {
  notifications?.stop();
  await tauriDriver?.stop();
});

const openApp = () => openApp_(tauriDriver.port, app);

const byTest = (id) => By.css(`[data-testid="${id}"]`);

async function shot(driver, name) {
  const png = await driver.takeScreenshot();
  writeFileSync(path.join(artifacts, `${name}.png`), png, "base64");
}

async function press(driver, keys) {
  await driver.actions({ async: true }).sendKeys(keys).perform();
}

async function count(driver, testId) {
  const text = await driver.findElement(byTest(testId)).getText();
  const n = text.match(/\d+/);
  assert.ok(n, `${testId} shows a number: "${text}"`);
  return Number(n[0]);
}

async function selectedId(driver) {
  const selected = await driver.findElements(By.css('[data-testid="inbox-item"][aria-selected="true"]'));
  assert.equal(selected.length, 1, "exactly one conversation is selected");
  return selected[0].getAttribute("data-id");
}

/** The pair of members the review shows now, as [a, b]. */
async function reviewPair(driver) {
  const pair = await driver.wait(until.elementLocated(byTest("review-pair")), WAIT);
  return [await pair.getAttribute("data-a"), await pair.getAttribute("data-b")];
}

/** Waits for the review to show another pair than `shown`, and returns it. */
async function nextPair(driver, shown) {
  let now = shown;
  await driver.wait(
    async () => {
      now = await reviewPair(driver).catch(() => shown);
      return now.join() !== shown.join();
    },
    WAIT,
    "the next suggestion shows",
  );
  return now;
}

/** Opens member `id`'s profile from the list. */
async function openMember(driver, id) {
  const row = await driver
    .wait(until.elementLocated(By.css(`[data-testid="member-row"][data-id="${id}"]`)), WAIT)
    .catch(async (e) => {
      await shot(driver, `member-${id}-not-listed`);
      throw e;
    });
  await row.click();
  await driver.wait(until.elementLocated(By.css(`[data-testid="member-profile"][data-id="${id}"]`)), WAIT);
}

// What the first session did, checked by the second.
const state = { triaged: null, member: null, note: `Met at FOSDEM, wants to help with i18n docs (${Date.now()})` };

test("a new user explores the demo, triages by keyboard, writes a note and reviews duplicates", async () => {
  const driver = await openApp();
  try {
    const welcome = await driver.wait(until.elementLocated(byTest("welcome")), WAIT);
    await driver.wait(until.elementIsVisible(welcome), WAIT);
    assert.ok(await driver.findElement(byTest("connect-button")).isDisplayed(), "Connect an account is offered");
    await shot(driver, "welcome");

    await driver.findElement(byTest("demo-button")).click();
    await driver.wait(until.elementLocated(byTest("inbox-item")), 180_000);
    const openBefore = await count(driver, "nav-inbox");
    assert.ok(openBefore > 5, `the demo inbox has work in it (${openBefore})`);
    // the rows say why they rank where they do; g r opens Needs reply, g i the Inbox again
    await driver.wait(until.elementLocated(byTest("row-reasons")), WAIT);
    await press(driver, "g");
    await press(driver, "r");
    await driver.wait(async () => (await driver.findElement(byTest("view-title")).getText()).startsWith("Needs reply"), WAIT, "g r opens Needs reply");
    assert.ok((await count(driver, "view-needs-reply")) > 0, "the demo has questions waiting for a reply");
    await press(driver, "g");
    await press(driver, "i");
    await driver.wait(async () => (await driver.findElement(byTest("view-title")).getText()).startsWith("Inbox"), WAIT, "g i opens the Inbox");
    await driver.wait(async () => (await selectedId(driver).catch(() => null)) !== null, WAIT, "the Inbox's first row is selected");

    // j moves the selection down; e marks the selected conversation done.
    const first = await selectedId(driver).catch(() => null);
    await press(driver, "j");
    const target = await selectedId(driver);
    assert.notEqual(target, first, "j moved the selection");
    await driver.wait(until.elementLocated(By.css(`[data-testid="thread"][data-id="${target}"]`)), WAIT);
    assert.ok((await driver.findElements(byTest("message"))).length > 0, "the thread shows its messages");
    await shot(driver, "inbox");

    // The list is virtualised: a screenful of rows is in the page, each saying where it sits in
    // the whole view, however long the view is.
    const rowsInPage = (await driver.findElements(byTest("inbox-item"))).length;
    const setSize = Number(await driver.findElement(byTest("inbox-item")).getAttribute("aria-setsize"));
    assert.equal(setSize, openBefore, "each row knows how long the view is");
    assert.ok(rowsInPage < 40 && rowsInPage < setSize, `only the rows in sight are in the page: ${rowsInPage} of ${setSize}`);

    // i makes a post idea of the conversation, in the calendar and linked back to it
    await press(driver, "i");
    await driver.wait(async () => {
      for (const toast of await driver.findElements(byTest("toast"))) {
        if ((await toast.getText()).includes("Idea saved to the calendar")) return true;
      }
      return false;
    }, WAIT, "i says the idea is saved");
    const ideas = JSON.parse(execFileSync(cli, ["--db", db, "calendar", "list", "--json"], { encoding: "utf8" }));
    state.idea = ideas.find((item) => item.sourceConversationId === Number(target) && item.state === "idea");
    assert.ok(state.idea, `an idea linked to conversation ${target} is in the calendar`);

    await press(driver, "e");
    await driver.wait(async () => (await driver.findElements(By.css(`[data-testid="inbox-item"][data-id="${target}"]`))).length === 0, WAIT, "the done conversation leaves the open queue");
    await driver.wait(async () => (await count(driver, "nav-inbox")) === openBefore - 1, WAIT, "the open count drops by one");
    state.triaged = target;

    await press(driver, "?");
    await driver.wait(until.elementLocated(byTest("shortcut-help")), WAIT);
    await press(driver, "\uE00C"); // Escape
    await driver.wait(async () => (await driver.findElements(byTest("shortcut-help"))).length === 0, WAIT, "Esc closes the help");

    // A note on the first member, saved as it is typed.
    await driver.findElement(byTest("nav-members")).click();
    const row = await driver.wait(until.elementLocated(byTest("member-row")), WAIT);
    state.member = await row.getAttribute("data-id");
    await row.click();
    await driver.wait(until.elementLocated(By.css(`[data-testid="member-profile"][data-id="${state.member}"]`)), WAIT);
    assert.ok((await driver.findElements(byTest("identity"))).length > 0, "the profile lists identities");
    const editor = await driver.findElement(byTest("note-editor"));
    await editor.sendKeys(state.note);
    const status = await driver.findElement(byTest("note-status"));
    await driver.wait(until.elementTextIs(status, "Saved"), WAIT);
    await shot(driver, "members");

    // Possible duplicates, reviewed by keyboard: accept one, reject one, skip one.
    const dupes = await driver.wait(until.elementLocated(byTest("duplicates")), WAIT);
    state.duplicates = await count(driver, "duplicates");
    assert.ok(state.duplicates >= 3, `the demo has possible duplicates to review (${state.duplicates})`);
    await dupes.click();
    state.accepted = await reviewPair(driver);
    const sides = await driver.findElements(byTest("review-side"));
    assert.equal(sides.length, 2, "the two people are side by side");
    assert.ok((await driver.findElement(By.css(".why")).getText()).match(/[+−]\d/), "the reasons show their weights");
    await shot(driver, "review");
    await press(driver, "a");
    state.rejected = await nextPair(driver, state.accepted);
    await press(driver, "x");
    state.skipped = await nextPair(driver, state.rejected);
    await press(driver, "j");
    await driver.wait(async () => (await driver.findElement(byTest("review-said")).getText()).startsWith("Skipped"), WAIT, "the skip is said");
    await press(driver, "\uE00C"); // Escape: done reviewing

    // The accepted merge is in the kept member's history, and undoing it brings both back.
    const [x, y] = state.accepted;
    const history = (id) => JSON.parse(execFileSync(cli, ["--db", db, "members", "history", id, "--json"], { encoding: "utf8" }));
    // (a history asked of the absorbed member is the member it lives in now)
    const accepted = history(x).find((m) => m.how === "accepted" && [x, y].includes(String(m.absorbedMemberId)));
    assert.ok(accepted, `the merge of ${x} and ${y} is in the history, as accepted`);
    const kept = String(accepted.keptMemberId);
    state.kept = kept;
    state.merge = accepted.id;
    // found by the absorbed account's name, which is now one of the kept member's
    const search = await driver.findElement(byTest("member-search"));
    await search.sendKeys(accepted.absorbedName);
    await openMember(driver, kept);
    const record = await driver.wait(until.elementLocated(By.css(`[data-testid="merge-record"][data-id="${state.merge}"] button`)), WAIT);
    await record.click();
    await driver.wait(async () => (await driver.findElement(By.css(`[data-testid="merge-record"][data-id="${state.merge}"]`)).getText()).includes("undone"), WAIT, "the merge shows as undone");
    await shot(driver, "unmerged");

    await driver.findElement(byTest("nav-calendar")).click();
    await driver.wait(until.elementLocated(byTest("calendar")), WAIT);
    await driver.wait(until.elementLocated(byTest("calendar-item")), WAIT);
    // the idea from the inbox is among the undated ideas
    await driver.wait(until.elementLocated(By.css(`[data-testid="calendar-item"][data-id="${state.idea.id}"]`)), WAIT);
    await shot(driver, "calendar");

    // The Dashboard: the demo's last 30 days, its charts drawn in the real WebKit (which, in a
    // session without a language set, as here, reports "C", which uPlot's number format refuses).
    await driver.findElement(byTest("nav-health")).click();
    const health = await driver.wait(until.elementLocated(byTest("health")), WAIT);
    await driver.wait(async () => (await health.findElements(By.css("canvas"))).length >= 3, WAIT, "the charts are drawn");
    const text = await health.getText();
    assert.match(text, /Active members/);
    assert.doesNotMatch(text, /No messages in these/, "the demo has a month of messages");
    const numbers = await health.findElement(By.xpath(".//button[normalize-space()='Show the numbers']"));
    await numbers.click();
    await driver.wait(async () => (await numbers.getAttribute("aria-expanded")) === "true", WAIT, "the numbers are one click away");
    await numbers.click();
    // each chart saves its numbers and its picture; the retention table is there too
    assert.equal((await health.findElements(By.xpath(".//button[normalize-space()='CSV']"))).length, 5);
    assert.equal((await health.findElements(By.xpath(".//button[normalize-space()='PNG']"))).length, 4);
    await driver.wait(until.elementLocated(byTest("cohorts-table")), WAIT);
    // the response times per inbox view follow the figures: how fast the demo's first-timers
    // hear back, against the view's target
    const views = await driver.wait(until.elementLocated(byTest("response-views-table")), WAIT);
    assert.match(await views.getText(), /First-timers/);
    // the README's picture: the earlier steps' toasts dismissed, the charts in view
    for (let i = 0; i < 10; i++) {
      const [close] = await driver.findElements(By.css('button[aria-label="Dismiss"]'));
      if (!close) break;
      await close.click().catch(() => {});
      await driver.sleep(100);
    }
    await shot(driver, "dashboard");
    const charts = await health.findElement(By.css(".charts"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'start' })", charts);
    await shot(driver, "dashboard-charts");
    // the feedback theme that keeps coming back: dark mode, asked for every week; opened, it
    // lists its conversations as text
    const themes = await driver.wait(until.elementLocated(byTest("feedback-themes")), WAIT);
    await driver.wait(async () => (await themes.findElements(byTest("feedback-theme"))).length > 2, WAIT, "themes are listed");
    const dark = await themes.findElement(By.xpath(".//button[normalize-space()='Dark mode']"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", dark);
    await shot(driver, "feedback-themes");
    await dark.click();
    const theme = await driver.wait(until.elementLocated(byTest("theme-dialog")), WAIT);
    await driver.wait(async () => (await theme.findElements(byTest("theme-item"))).length >= 12, WAIT, "the twelve requests are in it");
    assert.match(await theme.getText(), /Dark mode toggle for the docs theme\?/);
    await driver.sleep(300); // the dialog's rows painted before the picture
    await shot(driver, "feedback-theme");
    await press(driver, "\uE00C"); // Esc
    await driver.wait(async () => (await driver.findElements(byTest("theme-dialog"))).length === 0, WAIT, "Esc closes the theme");

    // Moderation: the demo's rules flagged the month's spam and the rough week's worst; a
    // false flag is dismissed with x and leaves the list
    await press(driver, "5");
    await driver.wait(until.elementLocated(byTest("moderation")), WAIT);
    await driver.wait(async () => (await driver.findElements(byTest("mod-flag"))).length > 1, WAIT, "flags are listed");
    const flagged = (await driver.findElements(byTest("mod-flag"))).length;
    const firstFlag = await driver.findElement(byTest("mod-flag")).getText();
    assert.match(firstFlag, /breaks “/, "a flag names the guideline it breaks");
    await shot(driver, "moderation");
    await press(driver, "x");
    await driver.wait(async () => (await driver.findElements(byTest("mod-flag"))).length === flagged - 1, WAIT, "the dismissed flag leaves the list");
    // a acts on the next flag: w warns, the reason starts as the rule's name; the demo records
    // it (nothing is sent) in the log beside the two actions the demo's moderator took
    await press(driver, "a");
    const dialog = await driver.wait(until.elementLocated(byTest("mod-action-dialog")), WAIT);
    await driver.wait(async () => /demo community is sample data/.test(await dialog.getText()), WAIT, "each action says how it happens");
    await press(driver, "w");
    const confirm = await dialog.findElement(byTest("mod-action-confirm"));
    await driver.wait(async () => /Record: warn/.test(await confirm.getText()), WAIT, "w chooses a warning");
    await shot(driver, "moderation-action");
    await confirm.click();
    await driver.wait(async () => (await driver.findElements(byTest("mod-action-dialog"))).length === 0, WAIT, "the form closes");
    await driver.wait(async () => (await driver.findElements(byTest("mod-flag"))).length < flagged - 1, WAIT, "the flag acted on leaves the list");
    await driver.findElement(By.xpath("//button[@role='tab' and text()='Log']")).click();
    await driver.wait(async () => (await driver.findElements(byTest("mod-log-line"))).length === 3, WAIT, "the log has the demo's two actions and this warning");
    assert.match(await driver.findElement(byTest("mod-log-line")).getText(), /Warned[\s\S]*Recorded as done by hand/);
    await shot(driver, "moderation-log");
  } finally {
    await driver.quit();
  }
});

test("after quitting and reopening, the triage, the note and the duplicates review are still there", async () => {
  assert.ok(state.triaged && state.member, "the first session got far enough");
  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    assert.equal((await driver.findElements(byTest("welcome"))).length, 0, "no welcome screen once there is data");
    // The core painted the inbox's first frame into the page before the UI's script ran
    // (src-tauri/src/first_paint.rs); taking over, the UI compared each of its rows, line by line,
    // with where that frame put them (ui/src/lib/firstPaint.ts): nothing moves when it does.
    const handedOver = await driver.wait(
      () => driver.executeScript("return document.documentElement.dataset.firstPaint ?? null"),
      WAIT,
      "the UI took over the frame the core painted",
    );
    assert.match(handedOver, /^same:\d+$/, `the UI's rows sit and read where the core painted them: ${handedOver}`);
    assert.equal((await driver.findElements(By.id("hearth-first-paint"))).length, 0, "and the core's frame is gone");
    assert.equal(show(state.triaged).status, "done", "the done conversation stays done");
    assert.equal((await driver.findElements(By.css(`[data-testid="inbox-item"][data-id="${state.triaged}"]`))).length, 0, "and out of the open queue");
    // the sidebar's views come a moment after the rows (its counts wait for them)
    await (await driver.wait(until.elementLocated(byTest("view-done")), WAIT)).click();
    await findRow(driver, state.triaged, "the done conversation is in Done");

    await driver.findElement(byTest("nav-members")).click();
    const row = await driver.wait(until.elementLocated(By.css(`[data-testid="member-row"][data-id="${state.member}"]`)), WAIT);
    await row.click();
    await driver.wait(until.elementLocated(By.css(`[data-testid="member-profile"][data-id="${state.member}"]`)), WAIT);
    const notes = await driver.wait(until.elementsLocated(byTest("note")), WAIT);
    const texts = await Promise.all(notes.map(async (n) => (await n.getText()) || (await n.getAttribute("value"))));
    assert.ok(texts.some((t) => t.includes(state.note)), `the note is on the profile: ${JSON.stringify(texts)}`);

    // The review is kept: fewer possible duplicates, and the undone merge says so.
    assert.ok(state.kept, "the first session reviewed duplicates");
    await driver.wait(until.elementLocated(byTest("duplicates")), WAIT);
    const left = await count(driver, "duplicates");
    assert.ok(left <= state.duplicates - 2, `accepted and rejected pairs are off the list (${state.duplicates} → ${left})`);
    await driver.findElement(byTest("duplicates")).click();
    const first = await reviewPair(driver);
    for (const gone of [state.accepted, state.rejected]) {
      assert.notEqual(first.join(), gone.join(), "a decided pair is not shown again");
    }
    await press(driver, "\uE00C");
  } finally {
    await driver.quit();
  }

  // The same facts, read straight from the database file by the CLI.
  const shown = JSON.parse(execFileSync(cli, ["--db", db, "show", state.triaged, "--json"], { encoding: "utf8" }));
  assert.equal(shown.conversation.status, "done");
  const notes = JSON.parse(execFileSync(cli, ["--db", db, "notes", "list", state.member, "--json"], { encoding: "utf8" }));
  assert.ok(notes.some((n) => n.body === state.note), "the note is in the database");

  // … and the review's three decisions and the unmerge, as the CLI reads them.
  const suggested = JSON.parse(execFileSync(cli, ["--db", db, "members", "suggest", "--limit", "100000", "--json"], { encoding: "utf8" }));
  const find = (pair) => suggested.find((x) => [x.a.id, x.b.id].map(String).sort().join() === [...pair].sort().join());
  assert.equal(find(state.accepted), undefined, "merged then unmerged: told apart, not suggested again");
  assert.equal(find(state.rejected), undefined, "rejected: not suggested again");
  assert.equal(find(state.skipped)?.skipped, true, "skipped: still suggested, after the others");
  const merge = JSON.parse(execFileSync(cli, ["--db", db, "members", "history", state.kept, "--json"], { encoding: "utf8" })).find((m) => m.id === state.merge);
  assert.ok(merge.undoneAt, "the accepted merge is recorded as undone");
  for (const id of state.accepted) {
    const shown = JSON.parse(execFileSync(cli, ["--db", db, "members", "show", id, "--json"], { encoding: "utf8" }));
    assert.equal(String(shown.member.id), id, `member ${id} is their own member again`);
  }
});

// --- triage at the speed of thought -------------------------------------------------------------

/** The conversation selected now, once it is another than `not`. */
async function selectedOtherThan(driver, not) {
  let id = not;
  await driver.wait(
    async () => {
      id = await selectedId(driver).catch(() => not);
      return id !== not;
    },
    WAIT,
    "the selection moves on",
  );
  return id;
}

/** Waits until the element matching `css` has the keyboard focus. */
async function focused(driver, css) {
  await driver.wait(
    async () => driver.executeScript(`return !!document.activeElement && document.activeElement.matches(${JSON.stringify(css)});`),
    WAIT,
    `${css} has the focus`,
  );
}

/**
 * Conversation `id`'s row in the list shown, scrolled to as a person would: the list is
 * virtualised, so only the rows in sight are in the page.
 */
async function findRow(driver, id, what = `conversation ${id} is in the list`) {
  const css = By.css(`[data-testid="inbox-item"][data-id="${id}"]`);
  return driver.wait(
    async () => {
      const [row] = await driver.findElements(css);
      // (a row just put in the page stays hidden until the list has measured it)
      if (row && (await row.isDisplayed().catch(() => false))) {
        // in the middle of the list, clear of the toasts at the window's foot (the list may
        // have drawn the row afresh meanwhile: then look for it again)
        const centred = await driver
          .executeScript("arguments[0].scrollIntoView({ block: 'center' })", row)
          .then(() => true, () => false);
        return centred && row;
      }
      if (row) return false;
      await driver.executeScript(`
        const list = document.querySelector('[data-testid="inbox-list"]');
        if (!list) return;
        const before = list.scrollTop;
        list.scrollTop += list.clientHeight * 0.8;
        if (list.scrollTop === before) list.scrollTop = 0; // at the end: look again from the top
      `);
      await driver.sleep(100);
      return false;
    },
    WAIT,
    what,
  );
}

/** Waits until conversation `id` is no longer listed (it was in sight: the selected one). */
async function leaves(driver, id, what) {
  await driver.wait(
    async () => (await driver.findElements(By.css(`[data-testid="inbox-item"][data-id="${id}"]`))).length === 0,
    WAIT,
    what,
  );
}

const show = (id) => JSON.parse(execFileSync(cli, ["--db", db, "show", String(id), "--json"], { encoding: "utf8" })).conversation;

const triage = {};

test("triage by keyboard alone: waiting, a snooze in words, tag, assign, undo, bulk done of five, a canned reply", async () => {
  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    // waiting on the member
    triage.waiting = await selectedId(driver);
    await press(driver, "w");
    await leaves(driver, triage.waiting, "w takes the conversation out of the open queue");
    await driver.wait(async () => (await count(driver, "view-waiting")) >= 1, WAIT, "the Waiting view counts it");

    // snoozed until a time written in words, shown exactly before Enter
    triage.snoozed = await selectedOtherThan(driver, triage.waiting);
    await press(driver, "s");
    await driver.wait(until.elementLocated(byTest("snooze-text")), WAIT);
    await press(driver, "t"); // a letter starts the field
    await focused(driver, '[data-testid="snooze-text"]');
    await press(driver, "omorrow 9am");
    const preview = await driver.findElement(byTest("snooze-preview"));
    await driver.wait(async () => (await preview.getText()).startsWith("Until"), WAIT, "the exact time is shown");
    await shot(driver, "snooze-in-words");
    await press(driver, Key.ENTER);
    await leaves(driver, triage.snoozed, "the snoozed conversation leaves the open queue");

    // tagged and assigned
    triage.tagged = await selectedOtherThan(driver, triage.snoozed);
    await press(driver, "t");
    await focused(driver, 'input[aria-label="Find or create a tag"]');
    await press(driver, "e2e-feedback");
    await press(driver, Key.ENTER);
    await press(driver, Key.ESCAPE);
    await press(driver, "a");
    await focused(driver, 'input[aria-label="Assign to"]');
    await press(driver, "Sam Okafor");
    await press(driver, Key.ENTER);
    // (the row's text as written: a narrow list may cut a long name short on screen)
    const rowText = async () =>
      driver.executeScript(
        "const r = document.querySelector(arguments[0]); return r ? r.textContent : '';",
        `[data-testid="inbox-item"][data-id="${triage.tagged}"]`,
      );
    await driver.wait(async () => (await rowText()).includes("Sam Okafor"), WAIT, "the row shows who it is assigned to");
    await driver.wait(async () => (await rowText()).includes("e2e-feedback"), WAIT, "and its new tag");
    await shot(driver, "tagged-and-assigned");

    // done, then undone: back exactly as it was
    await press(driver, "j");
    triage.undone = await selectedOtherThan(driver, triage.tagged);
    await press(driver, "e");
    await leaves(driver, triage.undone, "e marks it done");
    await press(driver, "u");
    await findRow(driver, triage.undone, "u puts it back in the queue");

    // five picked with x and Shift+J, all done at once
    await press(driver, "j");
    await selectedOtherThan(driver, triage.undone);
    await press(driver, "x");
    triage.bulk = [await selectedId(driver)];
    for (let i = 0; i < 4; i++) {
      await press(driver, "J");
      triage.bulk.push(await selectedOtherThan(driver, triage.bulk.at(-1)));
    }
    const bar = await driver.wait(until.elementLocated(byTest("picked-bar")), WAIT);
    await driver.wait(async () => (await bar.getText()).startsWith("5 picked"), WAIT, "five are picked");
    assert.equal(new Set(triage.bulk).size, 5, `five different conversations: ${triage.bulk}`);
    // the picked rows in sight say so (the list holds only the rows in sight)
    const picked = await driver.findElements(By.css('[data-testid="inbox-item"][aria-checked="true"]'));
    assert.ok(picked.length > 0, "the picked rows in sight are marked");
    for (const row of picked) assert.ok(triage.bulk.includes(await row.getAttribute("data-id")), "only the picked rows are marked");
    await shot(driver, "bulk-picked");
    await press(driver, "e");
    for (const id of triage.bulk) await leaves(driver, id, "every picked conversation is done");

    // a canned reply with a variable, from the reply box
    await driver.wait(async () => (await driver.findElements(byTest("reply-composer"))).length > 0, WAIT);
    await press(driver, "r");
    await focused(driver, '[data-testid="reply-composer"] textarea');
    await press(driver, ";");
    await driver.wait(until.elementLocated(byTest("canned-picker")), WAIT);
    await press(driver, "win");
    await driver.wait(until.elementLocated(byTest("canned-option")), WAIT);
    await press(driver, Key.ENTER);
    const box = await driver.findElement(By.css('[data-testid="reply-composer"] textarea'));
    await driver.wait(async () => (await box.getAttribute("value")).includes("the Windows steps are pinned"), WAIT, "the canned reply is inserted");
    const text = await box.getAttribute("value");
    assert.match(text, /^Hi [^{},]+, the Windows steps/, `filled in for the member: ${text}`);
    await shot(driver, "canned-reply");
    await press(driver, Key.ESCAPE);
  } finally {
    await driver.quit();
  }
});

test("after a restart, every triage change is in the database", async () => {
  assert.ok(triage.bulk, "the triage session got far enough");
  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    // the sidebar's views come a moment after the rows (its counts wait for them)
    await (await driver.wait(until.elementLocated(byTest("view-waiting")), WAIT)).click();
    await findRow(driver, triage.waiting, "the conversation set waiting is in Waiting");
  } finally {
    await driver.quit();
  }
  assert.equal(show(triage.waiting).status, "waiting");
  const snoozed = show(triage.snoozed);
  const nine = new Date();
  nine.setDate(nine.getDate() + 1);
  nine.setHours(9, 0, 0, 0);
  assert.equal(snoozed.status, "snoozed");
  assert.equal(snoozed.snoozedUntil, nine.getTime(), "snoozed until tomorrow 9:00, local time");
  const tagged = show(triage.tagged);
  assert.ok(tagged.tags.includes("e2e-feedback"), JSON.stringify(tagged.tags));
  assert.equal(tagged.assignee, "Sam Okafor");
  assert.equal(show(triage.undone).status, "open", "undone: open again");
  for (const id of triage.bulk) assert.equal(show(id).status, "done", `conversation ${id} is done`);
});

test("at the window's smallest, 900 × 600, the thread keeps most of the width and its actions one row", async () => {
  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    await driver.manage().window().setRect({ width: 900, height: 600 });
    await driver.wait(until.elementLocated(byTest("thread")), WAIT);
    const layout = async () =>
      driver.executeScript(`
        const rect = (el) => el.getBoundingClientRect();
        const thread = document.querySelector('[data-testid="thread"]');
        const actions = [...thread.querySelectorAll('.actions > *')];
        const composer = thread.querySelector('.composer');
        return {
          window: window.innerWidth,
          nav: rect(document.querySelector('nav[aria-label="Main"]')).width,
          thread: rect(thread).width,
          rows: new Set(actions.map((a) => Math.round(rect(a).top))).size,
          inside: actions.every((a) => rect(a).right <= rect(thread).right + 1),
          reply: [...composer.querySelectorAll('button')].every((b) => rect(b).right <= rect(thread).right + 1),
          scrolls: thread.scrollWidth > thread.clientWidth + 1,
          picker: getComputedStyle(document.querySelector('[data-testid="view-pick"]')).display,
        };`);
    // the member pane steps aside once the window has become narrow (a moment after the resize)
    await driver
      .wait(async () => {
        const now = await layout();
        return now.window <= 900 && now.thread >= 0.55 * now.window;
      }, WAIT)
      .catch(() => {});
    const l = await layout();
    await shot(driver, "inbox-900x600");
    assert.ok(l.nav <= 64, `the sidebar folds into a rail: ${JSON.stringify(l)}`);
    assert.ok(l.thread >= 0.55 * l.window, `the thread keeps most of the width: ${JSON.stringify(l)}`);
    assert.equal(l.rows, 1, `the thread's actions fit on one row: ${JSON.stringify(l)}`);
    assert.ok(l.inside, `and inside the thread: ${JSON.stringify(l)}`);
    assert.ok(l.reply && !l.scrolls, `the reply box's buttons fit, nothing scrolls sideways: ${JSON.stringify(l)}`);
    assert.notEqual(l.picker, "none", "the views are chosen above the list");
  } finally {
    await driver.quit();
  }
});

// --- connecting a real Matrix account --------------------------------------------------------

const synapseScript = path.join(root, "scripts/synapse.sh");

async function matrixUser(name, displayName) {
  execFileSync(synapseScript, ["register", name, "correct-horse-battery"], { stdio: "ignore" });
  const base = execFileSync(synapseScript, ["start"], { encoding: "utf8" }).trim();
  const login = await fetch(`${base}/_matrix/client/v3/login`, {
    method: "POST",
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: name }, password: "correct-horse-battery" }),
  }).then((r) => r.json());
  const call = async (method, p, body) => {
    const r = await fetch(`${base}/_matrix/client/v3/${p}`, {
      method,
      headers: { Authorization: `Bearer ${login.access_token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    assert.ok(r.ok, `${p}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call("PUT", `profile/${encodeURIComponent(login.user_id)}/displayname`, { displayname: displayName });
  return { base, userId: login.user_id, token: login.access_token, call };
}

/**
 * Narrows the Inbox to Matrix (the demo's overdue questions rank above a new first post) and
 * opens conversation `id`; returns its thread.
 */
async function openMatrixConversation(driver, id) {
  const platform = await driver.wait(until.elementLocated(byTest("narrow-platform")), WAIT);
  await driver.wait(async () => (await platform.findElements(By.css('option[value="matrix"]'))).length === 1, WAIT, "Matrix is offered once its account is connected");
  await platform.findElement(By.css('option[value="matrix"]')).click();
  // Clicked as a person would, again if nothing opened: a click that lands while the
  // narrowed list is still loading selects a row the list then leaves behind.
  const thread = By.css(`[data-testid="thread"][data-id="${id}"]`);
  await driver.wait(
    async () => {
      if ((await driver.findElements(thread)).length > 0) return true;
      const row = await findRow(driver, id, "the room's conversation is in the inbox");
      await row.click().catch(() => {});
      await driver.sleep(1_000);
      return false;
    },
    WAIT,
    "clicking the room's conversation opens its thread",
  );
  return driver.findElement(thread);
}

test("a community manager connects a Matrix account, sees it sync and replies from the inbox", async () => {
  const suffix = Date.now().toString(36);
  const team = await matrixUser(`team${suffix}`, "Lumen Team");
  const ana = await matrixUser(`ana${suffix}`, "Ana Lúcia");
  const room = (await team.call("POST", "createRoom", { name: `Lumen e2e ${suffix}`, preset: "private_chat", invite: [ana.userId] })).room_id;
  await ana.call("POST", `join/${encodeURIComponent(room)}`, {});
  const question = `Is there a dark mode for the docs site? 🌙 (${suffix})`;
  await ana.call("PUT", `rooms/${encodeURIComponent(room)}/send/m.room.message/q${suffix}`, { msgtype: "m.text", body: question });

  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    await press(driver, "gs");
    await driver.wait(until.elementLocated(byTest("settings")), WAIT);
    // Settings names the service that shows notifications, and a test one reaches it.
    const service = await driver.wait(until.elementLocated(byTest("notify-service")), WAIT);
    await driver.wait(async () => (await service.getText()).includes("Shown by hearth-test-notifications 1.0."), WAIT, "Settings names the notification service");
    await driver.findElement(byTest("notify-test")).click();
    await driver.wait(async () => notifications.received.some((n) => n.summary === "Hearth notifications work"), WAIT, "the test notification reaches the desktop");
    await driver.findElement(byTest("add-account")).click();
    const form = await driver.wait(until.elementLocated(byTest("account-form")), WAIT);
    await form.findElement(By.css('select[name="platform"] option[value="matrix"]')).click();
    await form.findElement(By.css('input[name="name"]')).sendKeys("Lumen Matrix");
    await driver.wait(until.elementLocated(By.css('[data-testid="account-form"] input[name="baseUrl"]')), WAIT);
    await form.findElement(By.css('input[name="baseUrl"]')).sendKeys(team.base);
    await form.findElement(By.css('input[name="token"]')).sendKeys(team.token);
    await form.findElement(By.css('button[type="submit"]')).click();

    const rowText = async () => {
      for (const row of await driver.findElements(byTest("account"))) {
        const text = await row.getText();
        if (text.includes("Lumen Matrix")) return text;
      }
      return "";
    };
    await driver.wait(async () => (await rowText()).includes(team.userId), WAIT, "the account shows who the token belongs to once synced");
    await shot(driver, "accounts");

    // The room's question is in the inbox; reply to it by keyboard.
    const shown = JSON.parse(execFileSync(cli, ["--db", db, "inbox", "--platform", "matrix", "--json"], { encoding: "utf8" }));
    const conv = shown.items.find((i) => i.title === `Lumen e2e ${suffix}`);
    assert.ok(conv, `the room is a conversation: ${JSON.stringify(shown.items.map((i) => i.title))}`);
    await press(driver, "gi");
    const thread = await openMatrixConversation(driver, conv.id);
    await driver.wait(async () => (await thread.getText()).includes(question), WAIT, "the thread shows the question");
    await press(driver, "r");
    const reply = `Yes — press D on any docs page. ✨ (${suffix})`;
    const box = await driver.findElement(By.css('[data-testid="reply-composer"] textarea'));
    await box.sendKeys(reply);
    await box.sendKeys(Key.chord(Key.CONTROL, Key.ENTER));

    // The reply reaches the room, exactly once.
    const inRoom = async () => {
      const page = await ana.call("GET", `rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      return page.chunk.filter((e) => e.content?.body === reply).length;
    };
    await driver.wait(async () => (await inRoom()) === 1, WAIT, "the reply is sent to the room");
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await inRoom(), 1, "and sent only once");
    await shot(driver, "reply");

    // A new mention raises a desktop notification; clicking it opens the conversation.
    const mention = `${team.userId} could you look at the <b>search</b> page? (${suffix})`;
    await ana.call("PUT", `rooms/${encodeURIComponent(room)}/send/m.room.message/m${suffix}`, {
      msgtype: "m.text",
      body: mention,
      "m.mentions": { user_ids: [team.userId] },
    });
    await driver.findElement(byTest("nav-members")).click();
    await driver.wait(until.elementLocated(byTest("member-search")), WAIT);
    await driver.findElement(byTest("sync-now")).click();
    const raised = () => notifications.received.find((n) => n.body.includes(suffix) && n.summary.includes("mentioned you"));
    await driver.wait(async () => raised() !== undefined, WAIT, `a notification for the mention: ${JSON.stringify(notifications.received)}`);
    const notice = raised();
    assert.equal(notice.appName, "Hearth");
    assert.equal(notice.summary, `Ana Lúcia mentioned you · Lumen e2e ${suffix}`);
    assert.ok(notice.body.includes("&lt;b&gt;search&lt;/b&gt;"), `member text is escaped for a service that renders markup: ${notice.body}`);
    assert.deepEqual(notice.actions.slice(0, 2), ["default", "Open"]);
    assert.equal(notifications.received.filter((n) => n.body.includes(suffix)).length, 1, "one notification, for the mention only");
    // A person reads before clicking; the app listens for the click once the desktop has taken
    // the notification, so a click in the same millisecond could come before it listens.
    await new Promise((r) => setTimeout(r, 1500));
    notifications.click(notice.id);
    const openedThread = By.css(`[data-testid="thread"][data-id="${conv.id}"]`);
    await driver.wait(async () => {
      if ((await driver.findElements(openedThread)).length > 0) return true;
      notifications.click(notice.id); // clicked again, as a person would when nothing happens
      return false;
    }, WAIT, "clicking it opens the conversation");
    const opened = await driver.findElement(openedThread);
    await driver.wait(async () => (await opened.getText()).includes(`could you look at the <b>search</b> page? (${suffix})`), WAIT, "at the mention, shown as the text it is");
    await shot(driver, "notification-opened");

    // A reply written while the homeserver is down waits in the outbox, and goes out exactly
    // once when it is back.
    const offline = `Noted, I will look after lunch. (${suffix})`;
    const said = async (text) => {
      const page = await ana.call("GET", `rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      return page.chunk.filter((e) => e.content?.body === text).length;
    };
    const syncNow = async () => {
      const button = await driver.findElement(byTest("sync-now"));
      await driver.wait(async () => button.isEnabled(), WAIT, "no sync is running");
      await button.click();
    };
    execFileSync(synapseScript, ["stop"], { stdio: "ignore" });
    try {
      await press(driver, "r");
      const box = await driver.findElement(By.css('[data-testid="reply-composer"] textarea'));
      await box.sendKeys(offline);
      await box.sendKeys(Key.chord(Key.CONTROL, Key.ENTER));
      const waiting = async () => {
        for (const item of await driver.findElements(byTest("outbox-item"))) {
          if ((await item.getText()).includes(offline)) return item.findElement(byTest("outbox-state")).getText();
        }
        return "";
      };
      await driver.wait(async () => (await waiting()).startsWith("Queued"), WAIT, "the reply waits in the outbox");
      // the syncer tried (asked by the reply) and found the homeserver gone; once more by hand
      await syncNow();
      await driver.wait(async () => (await driver.findElement(byTest("sync-status")).getText()).toLowerCase().includes("offline"), WAIT, "the app says it is offline");
      assert.ok((await waiting()).startsWith("Queued"), "still waiting while the server is down");
      await shot(driver, "reply-offline");
    } finally {
      execFileSync(synapseScript, ["start"], { stdio: "ignore" });
    }
    assert.equal(await said(offline), 0, "nothing reached the room while it was down");
    await syncNow();
    await driver.wait(async () => (await said(offline)) === 1, WAIT, "sent once the homeserver is back");
    await syncNow();
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await said(offline), 1, "and only once");
  } finally {
    await driver.quit();
  }
});

// --- from an inbox message to posts in two Matrix rooms ---------------------------------------

test("an idea from an inbox message becomes a post on two accounts with an image described in words, takes the next free slot, is approved and is published once in each room", async () => {
  const suffix = `p${Date.now().toString(36)}`;
  const lumen = await matrixUser(`lumen${suffix}`, "Lumen");
  const news = await matrixUser(`news${suffix}`, "Lumen News");
  const ana = await matrixUser(`ana${suffix}`, "Ana Lúcia");
  const roomOf = async (owner, name) => {
    const id = (await owner.call("POST", "createRoom", { name, preset: "private_chat", invite: [ana.userId] })).room_id;
    await ana.call("POST", `join/${encodeURIComponent(id)}`, {});
    return id;
  };
  const help = await roomOf(lumen, `Lumen help ${suffix}`);
  const announcements = await roomOf(news, `Lumen news ${suffix}`);
  const story = `We moved all our docs to Lumen in a weekend, search included (${suffix})`;
  const imageAlt = "A card shading from amber to rust that announces the release";
  await ana.call("PUT", `rooms/${encodeURIComponent(help)}/send/m.room.message/s${suffix}`, { msgtype: "m.text", body: story });

  // Two accounts, added from the command line while the app runs (the app's own account flow
  // is the test above); their tokens go to the keyring.
  const addAccount = (name, who) =>
    execFileSync(cli, ["--db", db, "accounts", "add", "matrix", "--name", name, "--url", who.base, "--no-test"], {
      input: `${who.token}\n`,
      encoding: "utf8",
    });
  addAccount(`Rooms ${suffix}`, lumen);
  addAccount(`News ${suffix}`, news);
  const accounts = JSON.parse(execFileSync(cli, ["--db", db, "accounts", "list", "--json"], { encoding: "utf8" }));
  const rooms = accounts.find((a) => a.name === `Rooms ${suffix}`);
  const newsAccount = accounts.find((a) => a.name === `News ${suffix}`);
  assert.ok(rooms && newsAccount, `both accounts are listed: ${JSON.stringify(accounts.map((a) => a.name))}`);
  // Posting slots two or three minutes ahead (UTC), for both accounts.
  const slotAt = new Date(Date.now() + 150_000);
  const day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][slotAt.getUTCDay()];
  const hhmm = `${String(slotAt.getUTCHours()).padStart(2, "0")}:${String(slotAt.getUTCMinutes()).padStart(2, "0")}`;
  for (const account of [rooms, newsAccount]) {
    execFileSync(cli, ["--db", db, "calendar", "slots", "--add", account.name, `${day} ${hhmm}`, "--zone", "UTC"], { encoding: "utf8" });
  }

  const driver = await openApp();
  try {
    await driver.wait(until.elementLocated(byTest("inbox-item")), WAIT);
    await driver.findElement(byTest("sync-now")).click();
    let conv;
    await driver.wait(
      async () => {
        const shown = JSON.parse(execFileSync(cli, ["--db", db, "inbox", "--platform", "matrix", "--json"], { encoding: "utf8" }));
        conv = shown.items.find((i) => i.title === `Lumen help ${suffix}`);
        return conv !== undefined;
      },
      WAIT,
      "the room's conversation is synced",
    );
    await openMatrixConversation(driver, conv.id);
    // i on Ana's message makes an idea of it, linked to the conversation
    let message;
    await driver.wait(
      async () => {
        for (const m of await driver.findElements(byTest("message"))) {
          if ((await m.getText()).includes(story)) message = m;
        }
        return message !== undefined;
      },
      WAIT,
      "the thread shows Ana's message",
    );
    await message.click();
    await press(driver, "i");
    let idea;
    await driver.wait(
      async () => {
        const items = JSON.parse(execFileSync(cli, ["--db", db, "calendar", "list", "--json"], { encoding: "utf8" }));
        idea = items.find((i) => i.sourceConversationId === conv.id && i.state === "idea");
        return idea !== undefined;
      },
      WAIT,
      "the message became an idea",
    );
    assert.ok(idea.body.includes(story), `the idea quotes the message: ${idea.body}`);

    // In the calendar: open the idea, give it a target on each account with its room, save.
    await driver.findElement(byTest("nav-calendar")).click();
    const chip = await driver.wait(until.elementLocated(By.css(`[data-testid="calendar-item"][data-id="${idea.id}"]`)), WAIT);
    await chip.click();
    const editor = await driver.wait(until.elementLocated(byTest("calendar-editor")), WAIT);
    for (const [account, room] of [
      [rooms, help],
      [newsAccount, announcements],
    ]) {
      await editor.findElement(By.css(`select[aria-label="Add a target"] option[value="account:${account.id}"]`)).click();
      const target = await driver.wait(async () => {
        for (const t of await editor.findElements(byTest("target"))) {
          if ((await t.findElements(By.css(`button[aria-label="Remove ${account.name}"]`))).length > 0) return t;
        }
        return null;
      }, WAIT, `a target on ${account.name}`);
      await target.findElement(By.css(".where input")).sendKeys(room);
    }
    await editor.findElement(By.css('button[type="submit"]')).click();
    await driver.wait(
      async () => {
        const saved = JSON.parse(execFileSync(cli, ["--db", db, "calendar", "list", "--json"], { encoding: "utf8" })).find((i) => i.id === idea.id);
        return saved?.variants.length === 2 && saved.variants.every((v) => v.channel);
      },
      WAIT,
      "the post is saved with its two targets and their rooms",
    );

    const reopen = async () => {
      if ((await driver.findElements(byTest("calendar-editor"))).length === 0) {
        await (await driver.wait(until.elementLocated(By.css(`[data-testid="calendar-item"][data-id="${idea.id}"]`)), WAIT)).click();
      }
      return driver.wait(until.elementLocated(byTest("calendar-editor")), WAIT);
    };
    const listed = () => JSON.parse(execFileSync(cli, ["--db", db, "calendar", "list", "--json"], { encoding: "utf8" })).find((i) => i.id === idea.id && !i.occurrence);

    // An image, chosen as a file and described before it is attached.
    let open = await reopen();
    const file = await open.findElement(byTest("image-file"));
    // the chooser's input is hidden behind "Add image…"; WebDriver hands it the file directly
    await driver.executeScript("arguments[0].hidden = false;", file);
    await file.sendKeys(path.join(root, "tests/fixtures/images/release-card.png"));
    const alt = await driver.wait(until.elementLocated(By.css('[role="group"][aria-label^="Attach"] textarea')), WAIT);
    await alt.sendKeys(imageAlt);
    await driver.findElement(By.xpath("//button[normalize-space()='Attach']")).click();
    await driver.wait(async () => listed()?.images?.length === 1, WAIT, "the image is attached with its alt text");
    assert.equal(listed().images[0].alt, imageAlt);
    await driver.wait(until.elementLocated(By.css(`[data-testid="image"] img[alt="${imageAlt}"]`)), WAIT);

    // The date picker opens on the keyboard's terms and leaves the date alone on Escape.
    await open.findElement(By.css('button[aria-label="Pick a date"]')).click();
    const picker = await driver.wait(until.elementLocated(By.css('[role="dialog"] [role="grid"]')), WAIT);
    await driver.wait(until.elementIsVisible(picker), WAIT);
    await shot(driver, "calendar-date-picker");
    await press(driver, Key.ESCAPE);
    await driver.wait(async () => (await driver.findElements(By.css('[role="dialog"] [role="grid"]'))).length === 0, WAIT, "Escape closes the picker");

    // The next free slot, then review and approval: it is scheduled.
    open = await reopen();
    await open.findElement(By.xpath(".//button[normalize-space()='Next free slot']")).click();
    await driver.wait(async () => listed()?.scheduledAt !== null, WAIT, "the post took the next free slot");
    const slot = listed().scheduledAt;
    assert.ok(Math.abs(slot - slotAt.getTime()) < 60_000, `the slot is the one two or three minutes ahead: ${new Date(slot).toISOString()}`);
    open = await reopen();
    await open.findElement(By.xpath(".//button[normalize-space()='Ask for review']")).click();
    await driver.wait(async () => listed()?.state === "in_review", WAIT, "the post waits for review");
    open = await reopen();
    const approve = await driver.wait(until.elementLocated(By.xpath("//button[starts-with(normalize-space(), 'Approve')]")), WAIT);
    await approve.click();
    await driver.wait(async () => listed()?.state === "scheduled", WAIT, "approved, dated and ready: scheduled");
    await shot(driver, "calendar-scheduled");

    // At its time the app publishes it to both rooms, each once, with each target's link.
    await driver.wait(async () => listed()?.state === "published", 240_000, "the app publishes the post at its slot");
    const inRoom = async (who, room) => {
      const page = await who.call("GET", `rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      return page.chunk.filter((e) => e.type === "m.room.message" && e.content?.body === idea.body);
    };
    assert.equal((await inRoom(ana, help)).length, 1, "the help room holds the post once");
    assert.equal((await inRoom(ana, announcements)).length, 1, "the news room holds the post once");
    assert.equal((await inRoom(ana, help))[0].sender, lumen.userId);
    assert.equal((await inRoom(ana, announcements))[0].sender, news.userId);
    // and its image before it, described by its alt text, once in each room
    for (const room of [help, announcements]) {
      const page = await ana.call("GET", `rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      const images = page.chunk.filter((e) => e.type === "m.room.message" && e.content?.msgtype === "m.image");
      assert.equal(images.length, 1, "the image went once");
      assert.equal(images[0].content.body, imageAlt);
      assert.ok(images[0].content.url.startsWith("mxc://"), "in the homeserver's media repository");
    }
    open = await reopen();
    await driver.wait(
      async () => {
        const statuses = await open.findElements(byTest("target-status"));
        if (statuses.length !== 2) return false;
        for (const s of statuses) {
          if (!(await s.getText()).includes("Sent")) return false;
          if ((await s.findElements(By.css('a[href^="https://matrix.to/#/"]'))).length !== 1) return false;
        }
        return true;
      },
      WAIT,
      "each target says Sent, with a link to its post",
    );
    await shot(driver, "calendar-published");
  } finally {
    await driver.quit();
  }
});

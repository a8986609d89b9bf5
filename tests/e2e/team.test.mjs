// Two laptops' worth of Hearth triaging one inbox: Ana with the CLI on her database, Ben in the
// real app on his, through the real relay (`node relay/server.mjs`) on loopback. Ben joins in
// Settings → Team with Ana's link and gets her assignment; the sidebar says the team is
// synced; Ben marks a conversation done with `e` and the app's team sync shares it, so Ana's
// next `hearth team sync` has it. Presence: Ana hears Ben's app on a conversation, and Ben's
// app shows Ana replying to it. Both assign one conversation apart: Ben's app shows the value
// set aside beside the thread. Needs what app.test.mjs needs, relay/ installed, and the
// keyring session both share (scripts/with-keyring).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, until } from "selenium-webdriver";
import { openApp, SCREENSHOTS, startDriver } from "./driver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const app = process.env.HEARTH_APP ?? path.join(root, "target/debug/hearth-desktop");
const cli = process.env.HEARTH_CLI ?? path.join(root, "target/debug/hearth");
const artifacts = path.join(here, "artifacts");
const folder = mkdtempSync(path.join(tmpdir(), "hearth-team-"));
const anaDb = path.join(folder, "ana.db");
const benDb = path.join(folder, "ben.db");
const SECRET = "team-secret-for-the-app-test-42";
const WAIT = 60_000;

const byTest = (id) => By.css(`[data-testid="${id}"]`);
const hearth = (db, args, input) =>
  execFileSync(cli, ["--db", db, ...args], { encoding: "utf8", input });
const shown = (db, id) => JSON.parse(hearth(db, ["show", String(id), "--json"])).conversation;

let relay;
let relayUrl;
let driverHandle;

let relayPort;

/** Starts the relay (on `port`, or any free one) with its data folder, which outlives it. */
async function startRelay(port = 0) {
  relay = spawn("node", [path.join(root, "relay/server.mjs")], {
    env: { ...process.env, RELAY_SECRET: SECRET, PORT: String(port), DATA_DIR: path.join(folder, "relay") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: relay.stdout }).once("line", resolve);
    relay.once("exit", (code) => reject(new Error(`the relay stopped (${code})`)));
  });
  relayPort = Number(/:(\d+),/.exec(line)[1]);
  relayUrl = `ws://127.0.0.1:${relayPort}`;
}

async function stopRelay() {
  const exited = new Promise((resolve) => relay.once("exit", resolve));
  relay.kill();
  await exited;
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await startRelay();
  const log = path.join(artifacts, "tauri-driver-team.log");
  writeFileSync(log, "");
  driverHandle = await startDriver({ env: { HEARTH_DB: benDb, ...SCREENSHOTS }, log });
});

after(async () => {
  await driverHandle?.stop();
  relay?.kill();
});

test("the app joins a team in Settings, gets a teammate's triage, and shares its own", async () => {
  // Ana: the demo, a team, an assignment, shared
  hearth(anaDb, ["demo"]);
  const items = JSON.parse(hearth(anaDb, ["inbox", "--json", "--limit", "5"])).items;
  const x = items[0].id;
  const out = hearth(anaDb, ["team", "create", "--relay", relayUrl, "--name", "Ana"], SECRET);
  const link = /hearth:\/\/team\/join\?\S+/.exec(out)[0];
  hearth(anaDb, ["triage", String(x), "assign", "Ana"]);
  hearth(anaDb, ["team", "sync"]);

  const driver = await openApp(driverHandle.port, app);
  try {
    await driver.wait(until.elementLocated(byTest("welcome")), WAIT);
    await driver.findElement(byTest("demo-button")).click();
    await driver.wait(until.elementLocated(byTest("inbox-item")), 180_000);

    // Ben joins in Settings → Team
    await driver.findElement(byTest("nav-settings")).click();
    const form = await driver.wait(until.elementLocated(byTest("team-join-form")), WAIT);
    const fields = await form.findElements(By.css("input"));
    await fields[0].sendKeys(link);
    await fields[1].sendKeys("Ben");
    await form.findElement(By.css("button")).click();
    await driver.wait(until.elementLocated(byTest("team-facts")), WAIT);
    assert.equal(shown(benDb, x).assignee, "Ana", "Ana's assignment is on Ben's laptop");
    const line = await driver.wait(until.elementLocated(byTest("team-line")), WAIT);
    await driver.wait(async () => (await line.getText()).startsWith("Team: synced"), WAIT, "the sidebar says synced");
    writeFileSync(path.join(artifacts, "team-settings.png"), await driver.takeScreenshot(), "base64");

    // Ben triages in the inbox; the app's team sync shares it
    await driver.findElement(byTest("nav-inbox")).click();
    const row = await driver.wait(until.elementLocated(By.css('[data-testid="inbox-item"][aria-selected="true"]')), WAIT);
    const done = Number(await row.getAttribute("data-id"));
    await driver.actions({ async: true }).sendKeys("e").perform();
    await driver.wait(() => shown(benDb, done).status === "done", WAIT, "Ben's done is saved");
    await driver.wait(
      () => JSON.parse(hearth(benDb, ["team", "status", "--json"])).waiting === 0,
      WAIT,
      "the app shares it without being asked",
    );
    hearth(anaDb, ["team", "sync"]);
    assert.equal(shown(anaDb, done).status, "done", "Ben's done reached Ana");

    // Presence: Ana hears Ben's app reading the conversation in front of him; Ben's app shows
    // Ana replying to it, on the thread and on its row
    const open = Number(
      await driver
        .wait(until.elementLocated(By.css('[data-testid="inbox-item"][aria-selected="true"]')), WAIT)
        .getAttribute("data-id"),
    );
    let around = [];
    for (let i = 0; i < 4 && !around.some((p) => p.name === "Ben"); i++) {
      around = JSON.parse(hearth(anaDb, ["team", "who", "--wait", "7", "--json"]));
    }
    assert.deepEqual(
      around,
      [{ name: "Ben", doing: "viewing", conversationId: open }],
      "Ana hears Ben reading the conversation his app shows",
    );
    const saying = spawn(cli, ["--db", anaDb, "team", "here", String(open), "--replying", "--for", "40"], {
      stdio: "ignore",
    });
    try {
      const banner = await driver.wait(until.elementLocated(byTest("presence")), WAIT);
      assert.match(await banner.getText(), /Ana is replying/);
      await driver.wait(until.elementLocated(byTest("presence-chip")), WAIT);
      writeFileSync(path.join(artifacts, "team-presence.png"), await driver.takeScreenshot(), "base64");
    } finally {
      saying.kill();
    }

    // A conflict shown: with the relay down, Ana and Ben (with the CLI, beside his app) assign
    // the conversation in front of Ben differently; back online, Ben's app shows the other
    // value beside the thread, one click away
    await stopRelay();
    hearth(anaDb, ["triage", String(open), "assign", "Ana"]);
    hearth(benDb, ["triage", String(open), "assign", "Ben"]);
    await startRelay(relayPort);
    hearth(anaDb, ["team", "sync"]);
    await driver.findElement(byTest("nav-settings")).click();
    const settings = await driver.wait(until.elementLocated(byTest("team-settings")), WAIT);
    await settings.findElement(By.xpath(".//button[normalize-space()='Sync now']")).click();
    await driver.wait(
      async () => (await driver.findElement(byTest("team-state")).getText()) === "Synced",
      WAIT,
      "Ben's app synced with the team again",
    );
    await driver.findElement(byTest("nav-inbox")).click();
    const kept = shown(benDb, open).assignee;
    const other = kept === "Ana" ? "Ben" : "Ana";
    const conflict = await driver.wait(until.elementLocated(byTest("team-conflicts")), WAIT);
    await driver.wait(
      async () => (await conflict.getText()).includes(`assignee to ${other}`),
      WAIT,
      "the value set aside is shown",
    );
    writeFileSync(path.join(artifacts, "team-conflict.png"), await driver.takeScreenshot(), "base64");
  } finally {
    // where it stopped, pass or fail
    await driver
      .takeScreenshot()
      .then((png) => writeFileSync(path.join(artifacts, "team-last.png"), png, "base64"))
      .catch(() => {});
    await driver.quit().catch(() => {});
  }
});

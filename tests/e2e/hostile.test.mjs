// Hostile content in the real Hearth app, in real WebKit (tauri-driver + WebKitWebDriver).
//
// A second Matrix user ("mallory") on the real Synapse fills a room with everything a hostile
// client can send: scripts, event handlers, javascript:/data: links, frames, objects, styles
// that load remote files, meta refreshes, forms, remote images (pointing at an HTTP server this
// test runs, so a request would be seen), CSS overlays and hidden text, mutation-XSS shapes,
// and markup in her display name and in the room's name and topic. The account the room was
// shared with is connected in Settings → Accounts on a fresh database, synced, and the inbox is
// walked by keyboard (j/k), the room's thread paged through by keyboard, every message hovered
// and read. Checked throughout:
//   - no script ran: the canary `window.__pwned` stays undefined, the page never navigated;
//   - nothing was fetched: the trap server gets no request, no CSP violation is reported
//     (a `securitypolicyviolation` listener is installed as soon as the window has loaded);
//   - text is text: markup in a plain body, a display name, a room name appears literally and
//     makes no element; sanitised HTML keeps no dangerous tag, handler, style or URL;
//   - no message is blank: HTML with nothing visible left shows the plain body and
//     "formatting removed"; every message shows some text;
//   - handles read "@mallory:localhost", never "@@mallory:localhost".
// Screenshots land in tests/e2e/artifacts/hostile-*.png, what each message showed in hostile-thread.json.
//
// Needs what app.test.mjs needs (a display, a Secret Service, Synapse, tauri-driver, the app
// built with its UI embedded); scripts/test provides all of it. Ports are chosen at run time.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { By, Key, Origin, until } from "selenium-webdriver";
import { openApp as openApp_, SCREENSHOTS, startDriver } from "./driver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const app = process.env.HEARTH_APP ?? path.join(root, "target/debug/hearth-desktop");
const cli = process.env.HEARTH_CLI ?? path.join(root, "target/debug/hearth");
const artifacts = path.join(here, "artifacts");
const db = path.join(mkdtempSync(path.join(tmpdir(), "hearth-e2e-hostile-")), "hearth.db");
const synapseScript = path.join(root, "scripts/synapse.sh");
// The same log as app.test.mjs, appended to (this file runs after it): scripts/test prints its
// end when the end-to-end step fails.
const driverLog = path.join(artifacts, "tauri-driver.log");
const WAIT = 60_000;

// --- ports, tauri-driver, the trap server ---------------------------------------------------

let tauriDriver;

// Every request the trap server gets: any one means the app fetched something a hostile
// message pointed at.
const trapped = [];
let trap;
let trapBase;

before(async () => {
  mkdirSync(artifacts, { recursive: true });

  trap = http.createServer((req, res) => {
    trapped.push(`${req.method} ${req.url} (from ${req.headers["user-agent"] ?? "no user agent"})`);
    res.writeHead(200, { "Content-Type": "image/png", "Cache-Control": "no-store" });
    res.end();
  });
  await new Promise((resolve, reject) => {
    trap.once("error", reject);
    trap.listen(0, "127.0.0.1", resolve);
  });
  trapBase = `http://127.0.0.1:${trap.address().port}`;

  appendFileSync(driverLog, `\n--- hostile.test.mjs: tauri-driver, ${new Date().toISOString()} ---\n`);
  tauriDriver = await startDriver({ env: { HEARTH_DB: db, ...SCREENSHOTS }, log: driverLog });
});

after(async () => {
  if (trap) {
    trap.closeAllConnections();
    await new Promise((resolve) => trap.close(resolve));
  }
  await tauriDriver?.stop();
});

// --- WebDriver helpers ----------------------------------------------------------------------

const openApp = () => openApp_(tauriDriver.port, app);

const byTest = (id) => By.css(`[data-testid="${id}"]`);

async function shot(driver, name) {
  const png = await driver.takeScreenshot();
  writeFileSync(path.join(artifacts, `${name}.png`), png, "base64");
}

async function press(driver, keys) {
  await driver.actions({ async: true }).sendKeys(keys).perform();
}

async function selectedId(driver) {
  const selected = await driver.findElements(By.css('[data-testid="inbox-item"][aria-selected="true"]'));
  return selected.length === 1 ? selected[0].getAttribute("data-id") : null;
}

// Installed as soon as the window has loaded, before any hostile content can be shown: a token
// that survives only if the page never navigates, every CSP violation, and the scripts the app
// itself has (any later one is new).
const INSTALL_PROBE = `
  if (!window.__hostileProbe) {
    const probe = { token: arguments[0], href: location.href, violations: [],
      scripts: [...document.scripts].map((s) => s.src || 'inline:' + s.textContent.slice(0, 60)) };
    document.addEventListener('securitypolicyviolation', (e) => {
      probe.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI,
        sample: e.sample, source: e.sourceFile + ':' + e.lineNumber });
    }, true);
    window.__hostileProbe = probe;
  }
  return window.__hostileProbe.token;`;

// The page as a whole: the canary, the probe, frames and other things no view of Hearth has.
const PAGE_STATE = `
  const probe = window.__hostileProbe;
  const scripts = [...document.scripts].map((s) => s.src || 'inline:' + s.textContent.slice(0, 60));
  return {
    pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
    token: probe ? probe.token : null,
    href: location.href,
    startHref: probe ? probe.href : null,
    violations: probe ? probe.violations.slice() : [],
    newScripts: probe ? scripts.filter((s) => !probe.scripts.includes(s)) : scripts,
    foreign: [...document.querySelectorAll('iframe, frame, frameset, object, embed, applet, base, meta[http-equiv], link[rel~="stylesheet"][href^="http"]')]
      .map((e) => e.outerHTML.slice(0, 200)),
    // Anything pointing at the trap server, whatever its tag (an avatar, a topic, a message).
    trapRefs: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.value.includes(arguments[0])))
      .map((e) => e.outerHTML.slice(0, 200)),
  };`;

// Every message of the thread, as a person sees it: header text and links, the text of the
// rest (innerText: what is rendered, not what is hidden), and what its markup contains.
const THREAD_STATE = `
  const thread = document.querySelector('[data-testid="thread"]');
  if (!thread) return null;
  const cs = (e) => getComputedStyle(e);
  return {
    id: thread.dataset.id,
    heading: (thread.querySelector('h2') || { innerText: '' }).innerText,
    headerTags: [...thread.querySelectorAll(':scope > header *')].map((e) => e.localName),
    messages: [...thread.querySelectorAll('[data-testid="message"]')].map((a) => {
      const header = a.querySelector('header');
      const parts = [...a.children].filter((c) => c !== header);
      const inner = parts.flatMap((p) => [...p.querySelectorAll('*')]);
      const all = parts.concat(inner);
      return {
        dataId: a.dataset.id,
        headerText: header ? header.innerText : '',
        name: (header && header.querySelector('.name') || { innerText: '' }).innerText,
        headerTags: header ? [...header.querySelectorAll('*')].map((e) => e.localName) : [],
        headerLinks: header ? [...header.querySelectorAll('a[href]')].map((l) => l.getAttribute('href')) : [],
        text: parts.map((p) => p.innerText).join('\\n'),
        // The message's own text, without the "formatting removed" note.
        ownText: parts.filter((p) => p.dataset.testid !== 'formatting-removed').map((p) => p.innerText).join('\\n'),
        markup: parts.map((p) => p.outerHTML).join(''),
        tags: [...new Set(inner.map((e) => e.localName))],
        attrs: [...new Set(inner.flatMap((e) => [...e.attributes].map((x) => x.name)))],
        hrefs: inner.filter((e) => e.hasAttribute('href')).map((e) => e.getAttribute('href')),
        placed: all.filter((e) => !['static', 'relative'].includes(cs(e).position)).map((e) => e.localName + ':' + cs(e).position),
        hidden: inner.filter((e) => e.textContent.trim() !== '' && (cs(e).display === 'none' || cs(e).visibility === 'hidden'))
          .map((e) => e.localName + ':' + e.textContent.trim().slice(0, 40)),
        formattingRemoved: a.querySelector('[data-testid="formatting-removed"]') !== null,
        noText: a.querySelector('[data-testid="no-text"]') !== null,
      };
    }),
  };`;

// What no sanitised message may contain.
const DANGEROUS_TAGS = [
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "img", "picture", "source",
  "video", "audio", "svg", "math", "form", "input", "button", "textarea", "select", "meta", "link", "base",
  "body", "html", "head", "noscript", "template", "div",
];
const DANGEROUS_ATTRS = /^(on|style$|src|srcset$|srcdoc$|action$|formaction$|poster$|data$|background$|xlink|hidden$|id$|name$)/i;

// Scrolls the thread (and nothing else: scrollIntoView would also scroll the document, which
// Hearth's layout lets overflow) so that an element of it is in the middle of what shows.
const SCROLL_THREAD_TO = `
  const thread = document.querySelector('[data-testid="thread"]');
  const box = thread.getBoundingClientRect(), r = arguments[0].getBoundingClientRect();
  thread.scrollTop += (r.top + r.bottom) / 2 - (box.top + box.bottom) / 2;`;

/** Reads the page; fails with everything that went wrong about it. */
async function assertPageSafe(driver, where, token) {
  const page = await driver.executeScript(PAGE_STATE, trapBase);
  assert.equal(page.pwned, null, `${where}: a script ran — window.__pwned is ${page.pwned}`);
  assert.equal(page.token, token, `${where}: the page was replaced or reloaded (the probe is gone); it is at ${page.href}`);
  assert.equal(page.href, page.startHref, `${where}: the page navigated`);
  assert.deepEqual(page.violations, [], `${where}: Content-Security-Policy violations: ${JSON.stringify(page.violations, null, 1)}`);
  assert.deepEqual(page.newScripts, [], `${where}: scripts appeared in the page`);
  assert.deepEqual(page.foreign, [], `${where}: frames, objects, meta refreshes or remote styles appeared in the page`);
  assert.deepEqual(page.trapRefs, [], `${where}: elements point at the trap server`);
  assert.deepEqual(trapped, [], `${where}: the trap server was asked for something: ${trapped.join("; ")}`);
}

// --- Matrix ---------------------------------------------------------------------------------

// The homeserver's URL, starting it if needed (once: each start checks the install).
let homeserver;
function synapseUrl() {
  homeserver ??= execFileSync(synapseScript, ["start"], { encoding: "utf8" }).trim();
  return homeserver;
}

async function matrixUser(name) {
  const base = synapseUrl();
  execFileSync(synapseScript, ["register", name, "correct-horse-battery"], { stdio: "ignore" });
  const r = await fetch(`${base}/_matrix/client/v3/login`, {
    method: "POST",
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: name }, password: "correct-horse-battery" }),
  });
  const login = await r.json();
  assert.ok(r.ok, `logging in as ${name}: ${r.status} ${JSON.stringify(login)}`);
  const call = async (method, p, body) => {
    const res = await fetch(`${base}/_matrix/client/v3/${p}`, {
      method,
      headers: { Authorization: `Bearer ${login.access_token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    assert.ok(res.ok, `${name}: ${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { base, userId: login.user_id, token: login.access_token, call };
}

const html = (body, formatted, extra = {}) => ({ msgtype: "m.text", body, format: "org.matrix.custom.html", formatted_body: formatted, ...extra });
const plain = (body) => ({ msgtype: "m.text", body });

/**
 * The hostile messages, oldest first. `expect`: "html" (the sanitised HTML is shown), "fallback"
 * (nothing visible was left: the plain body and "formatting removed" are shown), "text" (a
 * plain body, shown as it is), "no-text" (nothing to show at all: the thread says so), "any"
 * (whatever the sanitiser leaves, as long as it is safe and not blank). `shows`: text that
 * must be seen; `hides`: text that must not be; `literal`: the message's markup is meant to be
 * read as text (elsewhere, script source showing as text means the sanitiser kept it).
 */
function hostileMessages(T) {
  return [
    {
      key: "m01",
      content: plain('[m01] <b>not bold</b> & <i>not italic</i> <script>window.__pwned=101</script> &lt;entity&gt; <img src=x onerror="window.__pwned=102">'),
      expect: "text",
      literal: true,
    },
    { key: "m02", content: html("[m02] plain stand-in for a script-only message", "<script>window.__pwned = 1</script>"), expect: "fallback" },
    { key: "m03", content: html("[m03] plain stand-in for an image with onerror", '<img src=x onerror="window.__pwned=2">'), expect: "fallback" },
    {
      key: "m04",
      content: html("[m04] plain stand-in for a remote image", `<img src="${T}/x.png" srcset="${T}/x2.png 2x" loading="eager">`),
      expect: "fallback",
    },
    { key: "m05", content: html("", `<script>window.__pwned=105</script><img src="${T}/empty.png">`), expect: "no-text" },
    { key: "m06", content: html("[m06] plain stand-in for invisible formatting", "<p>&nbsp;\u200b</p><p> </p><span>\u2060</span>"), expect: "fallback" },
    {
      key: "m07",
      content: html(
        "[m07] links",
        '[m07] <a href="https://example.org/" onmouseover="window.__pwned=3">hover me</a>, ' +
          '<a href="javascript:window.__pwned=4">a javascript link</a>, ' +
          '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD01PC9zY3JpcHQ+">a data link</a>, ' +
          '<a href="JaVaScRiPt&colon;window.__pwned=6">an obfuscated link</a>, ' +
          '<a href=" &#14;javascript:window.__pwned=18">a padded link</a>',
      ),
      expect: "html",
      shows: ["hover me", "a javascript link", "a data link", "an obfuscated link", "a padded link"],
    },
    {
      key: "m08",
      content: html(
        "[m08] handlers",
        '[m08] <svg onload="window.__pwned=7"><circle r="40"/></svg>svg text ' +
          '<body onload="window.__pwned=8">body text</body> ' +
          '<details open ontoggle="window.__pwned=9"><summary>details summary</summary>details text</details>',
      ),
      expect: "html",
      shows: ["svg text", "body text", "details summary"],
    },
    {
      key: "m09",
      content: html(
        "[m09] frames",
        `[m09] <iframe src="${T}/frame.html" srcdoc="<script>parent.__pwned=10</script>"></iframe>` +
          `<object data="${T}/object.swf" type="application/x-shockwave-flash">object fallback</object>` +
          `<embed src="${T}/embed.swf"> frames gone`,
      ),
      expect: "html",
      shows: ["object fallback", "frames gone"],
    },
    {
      key: "m10",
      content: html(
        "[m10] styles",
        `[m10] <style>@import url(${T}/import.css); body { background: url(${T}/bg.png) }</style>` +
          `<span style="background:url(${T}/inline.png)">styled text</span>` +
          `<link rel="stylesheet" href="${T}/link.css">`,
      ),
      expect: "html",
      shows: ["styled text"],
      hides: ["@import", "background"],
    },
    {
      key: "m11",
      content: html(
        "[m11] refresh and form",
        `[m11] <meta http-equiv="refresh" content="0;url=${T}/refresh">` +
          `<form action="${T}/form" method="post"><input name="q" value="x" autofocus onfocus="window.__pwned=12">` +
          `<button formaction="${T}/button">Send</button></form> after the form`,
      ),
      expect: "html",
      shows: ["after the form"],
    },
    {
      key: "m12",
      content: html(
        "[m12] css tricks",
        '[m12] <div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:99999;background:#c00;color:#fff">FAKE DIALOG: paste your token here</div>' +
          '<span style="display:none">hidden instructions</span> <span hidden>hidden attribute</span> ' +
          '<p style="font-size:0;color:transparent">zero-size text</p>',
      ),
      expect: "html",
      // With the styles gone, what was hidden is plain to see, and nothing covers the window.
      shows: ["FAKE DIALOG: paste your token here", "hidden instructions", "hidden attribute", "zero-size text"],
    },
    {
      key: "m13",
      content: html(
        "[m13] remote media",
        `[m13] look <img src="${T}/look.png" alt="remote image"> here ` +
          `<video poster="${T}/poster.png" src="${T}/v.mp4" autoplay></video><audio src="${T}/a.mp3" autoplay></audio>` +
          `<picture><source srcset="${T}/s.png"><img src="${T}/p.png"></picture><input type="image" src="${T}/i.png">` +
          `<table background="${T}/table.png"><tr><td background="${T}/td.png">cell</td></tr></table>`,
      ),
      expect: "html",
      shows: ["look", "here", "cell"],
    },
    {
      key: "m14",
      content: html(
        "[m14] mutation xss",
        '[m14] <math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=13"></style></mglyph></table></mtext></math>' +
          '<noscript><p title="</noscript><img src=x onerror=window.__pwned=14>"></noscript>' +
          '<svg><style><img src=x onerror="window.__pwned=15"></style></svg>' +
          "<template><img src=x onerror=\"window.__pwned=16\"></template>",
      ),
      expect: "any",
    },
    {
      key: "m15",
      content: html("[m15] really bold and a safe link", '[m15] <strong>really bold</strong> and <a href="https://example.org/docs">a safe link</a>'),
      expect: "html",
      shows: ["really bold", "a safe link"],
      // The control: sanitised formatting is shown as formatting.
      tags: ["strong", "a"],
    },
    {
      key: "m16",
      content: html("[m16] escaped markup", '[m16] &lt;img src=x onerror="window.__pwned=17"&gt; shown as text'),
      expect: "html",
      shows: ['<img src=x onerror="window.__pwned=17"> shown as text'],
      literal: true,
    },
  ];
}

// --- the test -------------------------------------------------------------------------------

test("hostile Matrix content shows as safe text: no script runs, nothing is fetched, nothing is blank", async (t) => {
  const started = Date.now();
  const T = trapBase;
  const suffix = Date.now().toString(36);
  const displayName = `<img src=x onerror="window.__pwned=20">Mallory`;
  const roomName = `<script>window.__pwned=21</script>Ops <b>room</b> ${suffix}`;
  const topic = `<img src="${T}/topic.png" onerror="window.__pwned=22"> Topic <iframe src="${T}/topic-frame"></iframe>`;
  const lobbyName = `Lobby ${suffix}`;

  // Mallory makes two rooms and shares them with the team's account: one full of hostile
  // messages, one quiet (so j/k has somewhere to go).
  const team = await matrixUser(`team${suffix}`);
  const mallory = await matrixUser(`mallory${suffix}`);
  await team.call("PUT", `profile/${encodeURIComponent(team.userId)}/displayname`, { displayname: "Ops Team" });
  await mallory.call("PUT", `profile/${encodeURIComponent(mallory.userId)}/displayname`, { displayname: displayName });
  const room = (await mallory.call("POST", "createRoom", { preset: "private_chat", invite: [team.userId] })).room_id;
  const lobby = (await mallory.call("POST", "createRoom", { preset: "private_chat", name: lobbyName, invite: [team.userId] })).room_id;
  const r = encodeURIComponent(room);
  await mallory.call("PUT", `rooms/${r}/state/m.room.name`, { name: roomName });
  await mallory.call("PUT", `rooms/${r}/state/m.room.topic`, { topic });
  await team.call("POST", `join/${r}`, {});
  await team.call("POST", `join/${encodeURIComponent(lobby)}`, {});
  // Her membership in the room, with a remote "avatar" no one should fetch.
  await mallory.call("PUT", `rooms/${r}/state/m.room.member/${encodeURIComponent(mallory.userId)}`, {
    membership: "join",
    displayname: displayName,
    avatar_url: `${T}/avatar.png`,
  });

  let txn = 0;
  const send = async (roomId, content) =>
    (await mallory.call("PUT", `rooms/${encodeURIComponent(roomId)}/send/m.room.message/h${suffix}-${txn++}`, content)).event_id;
  await send(lobby, plain(`[lobby] Nothing to see here (${suffix})`));
  const messages = hostileMessages(T);
  for (const m of messages) m.eventId = await send(room, m.content);
  // An edit that leaves nothing visible, and a reply whose quoted part carries a payload.
  const edited = { key: "m17", content: plain("[m17] original text"), expect: "fallback", shows: ["[m17] edited stand-in"], hides: ["original text"] };
  edited.eventId = await send(room, edited.content);
  await send(room, {
    msgtype: "m.text",
    body: "* [m17] edited stand-in",
    format: "org.matrix.custom.html",
    formatted_body: "* <script>window.__pwned=23</script>",
    "m.new_content": html("[m17] edited stand-in", `<script>window.__pwned=23</script><img src="${T}/edit.png">`),
    "m.relates_to": { rel_type: "m.replace", event_id: edited.eventId },
  });
  messages.push(edited);
  const answered = messages.find((m) => m.key === "m15");
  const reply = {
    key: "m18",
    content: html(
      `> <${mallory.userId}> [m15] really bold and a safe link\n\n[m18] the reply`,
      `<mx-reply><blockquote><a href="https://matrix.to/#/${room}/${answered.eventId}">In reply to</a> ` +
        `<img src="${T}/quote.png" onerror="window.__pwned=24"></blockquote></mx-reply>[m18] the reply <img src="${T}/reply.png">`,
      { "m.relates_to": { "m.in_reply_to": { event_id: answered.eventId } } },
    ),
    expect: "html",
    shows: ["[m18] the reply"],
    hides: ["In reply to"],
  };
  reply.eventId = await send(room, reply.content);
  messages.push(reply);

  const driver = await openApp();
  try {
    // The window has loaded (a fresh database greets with the welcome screen): the probe goes in
    // before any content from Matrix can be on screen.
    await driver.wait(until.elementLocated(byTest("welcome")), WAIT, "the welcome screen of a fresh database");
    const token = `probe-${suffix}`;
    assert.equal(await driver.executeScript(INSTALL_PROBE, token), token, "the probe is installed");
    await assertPageSafe(driver, "on the welcome screen", token);

    // Connect the team's account, from the welcome screen.
    await driver.findElement(byTest("connect-button")).click();
    const form = await driver.wait(until.elementLocated(byTest("account-form")), WAIT, "the account form");
    await form.findElement(By.css('select[name="platform"] option[value="matrix"]')).click();
    await form.findElement(By.css('input[name="name"]')).sendKeys("Ops Matrix");
    await driver.wait(until.elementLocated(By.css('[data-testid="account-form"] input[name="baseUrl"]')), WAIT, "the server field");
    await form.findElement(By.css('input[name="baseUrl"]')).sendKeys(team.base);
    await form.findElement(By.css('input[name="token"]')).sendKeys(team.token);
    await form.findElement(By.css('button[type="submit"]')).click();
    await driver.wait(
      async () => {
        for (const row of await driver.findElements(byTest("account"))) {
          const text = await row.getText();
          if (text.includes("Ops Matrix") && text.includes(team.userId)) return true;
        }
        return false;
      },
      WAIT,
      "the account shows who the token belongs to once synced",
    );
    const accountText = await driver.executeScript(
      `return [...document.querySelectorAll('[data-testid="account"]')].map((r) => r.innerText).join('\\n');`,
    );
    assert.ok(!accountText.includes(`@${team.userId}`), `the account's handle has one "@": ${JSON.stringify(accountText)}`);

    // Both rooms are conversations, with every message (read from the database by the CLI).
    let hostileConv;
    let lobbyConv;
    await driver.wait(
      () => {
        const shown = JSON.parse(execFileSync(cli, ["--db", db, "inbox", "--platform", "matrix", "--json"], { encoding: "utf8" }));
        hostileConv = shown.items.find((i) => i.title === roomName);
        lobbyConv = shown.items.find((i) => i.title === lobbyName);
        return hostileConv && lobbyConv && hostileConv.messageCount === messages.length;
      },
      WAIT,
      `both rooms are synced, the hostile one with all ${messages.length} messages, titled exactly as Matrix names it`,
    );
    await assertPageSafe(driver, "after the sync, in Settings", token);

    // The inbox, walked by keyboard: k to the top, then j through every conversation.
    await press(driver, "gi");
    await driver.wait(
      async () => (await driver.findElements(By.css(`[data-testid="inbox-item"][data-id="${hostileConv.id}"]`))).length === 1 &&
        (await driver.findElements(By.css(`[data-testid="inbox-item"][data-id="${lobbyConv.id}"]`))).length === 1,
      WAIT,
      "the inbox lists both rooms",
    );
    const order = await Promise.all((await driver.findElements(byTest("inbox-item"))).map((e) => e.getAttribute("data-id")));
    await driver.wait(async () => (await selectedId(driver)) !== null, WAIT, "a conversation is selected in the inbox");
    const moveTo = async (key, expected, why) => {
      await press(driver, key);
      await driver.wait(async () => (await selectedId(driver)) === expected, WAIT, `${key} selects ${why} (conversation ${expected})`);
      await driver.wait(until.elementLocated(By.css(`[data-testid="thread"][data-id="${expected}"]`)), WAIT, `the thread of conversation ${expected} is shown`);
    };
    for (let i = order.indexOf(await selectedId(driver)); i > 0; i--) await moveTo("k", order[i - 1], "the conversation above");
    let visitedHostile = false;
    for (let i = 0; i < order.length; i++) {
      if (i > 0) await moveTo("j", order[i], "the next conversation");
      await assertPageSafe(driver, `with conversation ${order[i]} selected`, token);
      if (order[i] === String(hostileConv.id)) visitedHostile = true;
    }
    assert.ok(visitedHostile, `j/k reached the hostile room (inbox order ${order.join(", ")}, room ${hostileConv.id})`);
    for (let i = order.length - 1; order[i] !== String(hostileConv.id); i--) await moveTo("k", order[i - 1], "the conversation above");

    // The inbox row: the room name and display name are literal text and make no element.
    const row = await driver.findElement(By.css(`[data-testid="inbox-item"][data-id="${hostileConv.id}"]`));
    const rowState = await driver.executeScript(
      `const row = arguments[0];
       return { title: (row.querySelector('.title') || {}).innerText, author: (row.querySelector('.author') || {}).innerText,
                text: row.innerText, tags: [...row.querySelectorAll('*')].map((e) => e.localName) };`,
      row,
    );
    assert.ok(rowState.text.includes(roomName), `the inbox row shows the room name literally: ${JSON.stringify(rowState.text)}`);
    assert.ok(rowState.text.includes(displayName), `the inbox row shows the display name literally: ${JSON.stringify(rowState.text)}`);
    for (const tag of ["script", "img", "b", "iframe"]) {
      assert.ok(!rowState.tags.includes(tag), `the inbox row has no <${tag}> element: ${rowState.tags.join(" ")}`);
    }

    // The thread: every message shown once all are in.
    await driver.wait(
      async () => (await driver.findElements(By.css(`[data-testid="thread"][data-id="${hostileConv.id}"] [data-testid="message"]`))).length === messages.length,
      WAIT,
      `the thread shows all ${messages.length} messages`,
    );

    // Paged through by keyboard: Enter focuses the thread, PageDown scrolls it to the end. On
    // every page, the pointer is moved onto each message and link that shows there (at a point
    // of it that is on screen, below the thread's sticky header, and not covered), so a handler
    // that survived would fire; by the end every message and link has been seen and hovered.
    await press(driver, Key.ENTER);
    await driver.wait(
      async () => driver.executeScript(`return document.activeElement && document.activeElement.matches('[data-testid="thread"]');`),
      WAIT,
      "Enter focuses the thread",
    );
    const VIEW = `
      const thread = document.querySelector('[data-testid="thread"]');
      const box = thread.getBoundingClientRect();
      // The thread's header sticks to its top and the reply box to its bottom: messages show
      // between the two.
      const top = Math.max(box.top, thread.querySelector(':scope > header').getBoundingClientRect().bottom, 0);
      const composer = thread.querySelector('[data-testid="reply-composer"]');
      const bottom = Math.min(box.bottom, window.innerHeight, composer ? composer.getBoundingClientRect().top : Infinity);
      const left = Math.max(box.left, 0), right = Math.min(box.right, window.innerWidth);
      // A point of the element that a person could point at now, or null.
      const spot = (e) => {
        for (const r of e.getClientRects()) {
          const t = Math.max(r.top, top), b = Math.min(r.bottom, bottom);
          const l = Math.max(r.left, left), rt = Math.min(r.right, right);
          if (b - t < 2 || rt - l < 2) continue;
          const x = Math.floor((l + rt) / 2), y = Math.floor((t + b) / 2);
          if (e.contains(document.elementFromPoint(x, y))) return [x, y];
        }
        return null;
      };
      const targets = [...thread.querySelectorAll('[data-testid="message"]')].flatMap((m) =>
        [[m, m.dataset.id], ...[...m.querySelectorAll('a')].map((a, i) => [a, m.dataset.id + ' link ' + i])]);
      return {
        top: thread.scrollTop,
        end: thread.scrollTop + thread.clientHeight >= thread.scrollHeight - 2,
        // How far one page goes, against how much of the thread shows between header and reply box.
        clientHeight: thread.clientHeight,
        shown: Math.round(bottom - top),
        targets: targets.map(([e, key]) => [key, spot(e)]).filter(([, at]) => at !== null),
      };`;
    const hovered = new Set();
    let view = await driver.executeScript(VIEW);
    const steps = [];
    for (let page = 0; ; page++) {
      // Points in the viewport: moving there never scrolls (checked after the page's moves).
      for (const [key, [x, y]] of view.targets) {
        if (hovered.has(key)) continue;
        await driver.actions({ async: true }).move({ origin: Origin.VIEWPORT, x, y }).perform();
        hovered.add(key);
      }
      const at = view.top;
      view = await driver.executeScript(VIEW);
      assert.equal(view.top, at, "moving the pointer over the thread does not scroll it");
      await assertPageSafe(driver, `paging through the thread (page ${page + 1})`, token);
      if (view.end) break;
      assert.ok(page < 50, "PageDown reaches the end of the thread");
      const before = view.top;
      await press(driver, Key.PAGE_DOWN);
      // WebKit scrolls smoothly: the page has been turned once the thread has moved and stopped.
      let last = before;
      await driver.wait(
        async () => {
          view = await driver.executeScript(VIEW);
          const settled = view.top > before && view.top === last;
          last = view.top;
          return settled;
        },
        WAIT,
        `PageDown scrolls the focused thread (it stayed at ${before}px)`,
        100,
      );
      steps.push(view.top - before);
    }
    await shot(driver, "hostile-thread-end");
    // PageDown should never skip text: a page must overlap the last by at least what the sticky
    // header and reply box cover. Reported, not failed: it is about reading, not about safety.
    const skipped = Math.max(...steps.slice(0, -1).map((step) => step - view.shown), 0);
    if (skipped > 0) {
      t.diagnostic(
        `PageDown scrolls the thread by ${steps.join("/")} px, but only ${view.shown} of its ${view.clientHeight} px ` +
          `show between the sticky header and the reply box: ${skipped} px of the thread are never shown on each page`,
      );
    }
    // Whatever paging never showed (it can hide in that gap) is scrolled to and hovered, so every
    // message and link has had the pointer on it.
    const THREAD_KEYS = `return [...document.querySelectorAll('[data-testid="thread"] [data-testid="message"]')].flatMap((m) =>
      [[m, m.dataset.id], ...[...m.querySelectorAll('a')].map((a, i) => [a, m.dataset.id + ' link ' + i])]);`;
    const missed = [];
    for (const [el, key] of await driver.executeScript(THREAD_KEYS)) {
      if (hovered.has(key)) continue;
      missed.push(key);
      await driver.executeScript(SCROLL_THREAD_TO, el);
      const target = (view = await driver.executeScript(VIEW)).targets.find(([k]) => k === key);
      assert.ok(target, `message/link ${key} can be pointed at once scrolled to`);
      await driver.actions({ async: true }).move({ origin: Origin.VIEWPORT, x: target[1][0], y: target[1][1] }).perform();
      hovered.add(key);
    }
    if (missed.length > 0) t.diagnostic(`PageDown never showed these messages/links of the thread: ${missed.join(", ")}`);
    await assertPageSafe(driver, "after hovering every message and link", token);

    const state = await driver.executeScript(THREAD_STATE);
    // What each message showed, for reading after a failure.
    writeFileSync(path.join(artifacts, "hostile-thread.json"), JSON.stringify(state, null, 2));
    assert.equal(state.id, String(hostileConv.id), "the hostile room's thread is shown");
    await press(driver, Key.HOME);
    await driver.wait(async () => (await driver.executeScript("return document.querySelector('[data-testid=\"thread\"]').scrollTop;")) === 0, WAIT, "Home scrolls the thread back to its start");
    await shot(driver, "hostile-thread");

    // The room name in the thread's heading: literal text, no element.
    assert.equal(state.heading, roomName, "the thread's heading is the room name, literally");
    for (const tag of ["script", "img", "b", "iframe"]) {
      assert.ok(!state.headerTags.includes(tag), `the thread's header has no <${tag}> element: ${state.headerTags.join(" ")}`);
    }
    // The topic's markup (an image and a frame at the trap server) is covered by assertPageSafe:
    // no frame and no element pointing at the trap server anywhere in the page.

    // Each message, found by its Matrix event id (its "original" link).
    const failures = [];
    const byEvent = new Map();
    for (const m of state.messages) {
      for (const href of m.headerLinks) byEvent.set(decodeURIComponent(href.split("/").pop()), m);
    }
    for (const expected of messages) {
      const m = byEvent.get(expected.eventId);
      const where = `${expected.key} (${expected.eventId})`;
      const fail = (why) => failures.push(`${where}: ${why}\n    shown: ${JSON.stringify(m?.text)}\n    markup: ${m?.markup}`);
      if (!m) {
        failures.push(`${where}: not in the thread (links there: ${state.messages.map((x) => x.headerLinks.join(" ")).join(" | ")})`);
        continue;
      }
      // Who wrote it: the display name as text, the handle with one "@".
      if (m.name !== displayName) fail(`the author's name is not shown literally: ${JSON.stringify(m.name)}`);
      if (!m.headerText.includes(mallory.userId)) fail(`the handle ${mallory.userId} is not shown: ${JSON.stringify(m.headerText)}`);
      if (m.headerText.includes(`@${mallory.userId}`)) fail(`the handle has a doubled "@": ${JSON.stringify(m.headerText)}`);
      for (const tag of ["img", "script", "iframe", "b"]) if (m.headerTags.includes(tag)) fail(`the header has a <${tag}> element`);
      // Never blank.
      if (m.ownText.trim() === "") fail("the message shows no text");
      // Nothing dangerous in what is shown.
      const badTags = m.tags.filter((tag) => DANGEROUS_TAGS.includes(tag));
      if (badTags.length) fail(`dangerous elements: ${badTags.join(", ")}`);
      const badAttrs = m.attrs.filter((a) => DANGEROUS_ATTRS.test(a));
      if (badAttrs.length) fail(`dangerous attributes: ${badAttrs.join(", ")}`);
      const badHrefs = m.hrefs.filter((h) => !/^(https?:|mailto:)/i.test(h.trim()));
      if (badHrefs.length) fail(`links that are not http(s)/mailto: ${badHrefs.join(", ")}`);
      if (m.placed.length) fail(`positioned elements (overlays): ${m.placed.join(", ")}`);
      if (m.hidden.length) fail(`text hidden by CSS: ${m.hidden.join(", ")}`);
      if (m.text.includes("pwned") && !expected.literal) fail("script source is shown as message text");
      // Shown the expected way.
      const body = expected.content["m.new_content"]?.body ?? expected.content.body;
      switch (expected.expect) {
        case "text":
          if (m.text !== body) fail(`the plain body is not shown literally; expected ${JSON.stringify(body)}`);
          if (m.tags.length) fail(`a plain body made elements: ${m.tags.join(", ")}`);
          if (m.formattingRemoved) fail('a plain message says "formatting removed"');
          break;
        case "fallback": {
          const want = (expected.shows ?? [body])[0];
          if (!m.text.includes(want)) fail(`the plain body ${JSON.stringify(want)} does not stand in for the emptied formatting`);
          if (!m.formattingRemoved) fail('no "formatting removed" note');
          break;
        }
        case "no-text":
          if (!m.noText) fail('a message with neither text nor visible formatting does not say "This message has no text."');
          break;
        case "html":
          if (!m.text.includes(`[${expected.key}]`)) fail("the sanitised formatting is not what is shown");
          if (m.formattingRemoved) fail('"formatting removed" on a message whose formatting had text');
          break;
        case "any":
          break;
      }
      for (const s of expected.shows ?? []) if (!m.text.includes(s)) fail(`does not show ${JSON.stringify(s)}`);
      for (const s of expected.hides ?? []) if (m.text.includes(s)) fail(`shows ${JSON.stringify(s)}`);
      for (const tag of expected.tags ?? []) if (!m.tags.includes(tag)) fail(`the safe <${tag}> is not rendered as formatting`);
    }
    assert.equal(state.messages.length, messages.length, `the thread shows ${messages.length} messages`);
    assert.ok(failures.length === 0, `messages shown wrongly:\n${failures.join("\n")}`);

    // A person clicking the links that were javascript:/data: gets nothing run (their targets
    // are gone, so nothing is opened either).
    for (const text of ["a javascript link", "a data link", "an obfuscated link", "a padded link"]) {
      const link = await driver.findElement(By.xpath(`//*[@data-testid="thread"]//a[normalize-space()="${text}"]`));
      assert.equal(await link.getAttribute("href"), null, `"${text}" lost its target`);
      await driver.executeScript(SCROLL_THREAD_TO, link);
      await link.click();
      await assertPageSafe(driver, `after clicking "${text}"`, token);
    }

    // Search: the snippets of hostile bodies are text too.
    await press(driver, "/");
    const search = await driver.findElement(byTest("search-input"));
    await driver.wait(async () => (await driver.executeScript("return document.activeElement === arguments[0];", search)), WAIT, "/ focuses the search");
    await search.sendKeys("bold");
    await driver.wait(async () => (await driver.findElements(byTest("search-hit"))).length >= 2, WAIT, 'searching "bold" finds the messages that say it');
    const hits = await driver.executeScript(
      `return [...document.querySelectorAll('[data-testid="search-hit"]')].map((h) => ({ text: h.innerText,
         tags: [...h.querySelectorAll('*')].map((e) => e.localName) }));`,
    );
    await shot(driver, "hostile-search");
    assert.ok(hits.some((h) => h.text.includes("<b>not bold</b>")), `a hit shows "<b>not bold</b>" literally: ${JSON.stringify(hits.map((h) => h.text))}`);
    for (const h of hits) {
      const bad = h.tags.filter((tag) => ["b", "img", "script", "iframe", "strong"].includes(tag));
      assert.deepEqual(bad, [], `a search hit made elements from message text: ${JSON.stringify(h.text)}`);
    }
    await press(driver, Key.ESCAPE);
    await driver.wait(async () => (await driver.findElements(byTest("search-hit"))).length === 0, WAIT, "Esc closes the search");

    // Members: Mallory's name and handle as text.
    await press(driver, "gm");
    const member = await driver.wait(
      () =>
        driver.executeScript(
          `return [...document.querySelectorAll('[data-testid="member-row"]')].find((r) => r.innerText.includes(arguments[0])) || null;`,
          mallory.userId,
        ),
      WAIT,
      `Mallory (${mallory.userId}) is in the members list`,
    );
    const memberState = await driver.executeScript(
      "return { text: arguments[0].innerText, tags: [...arguments[0].querySelectorAll('*')].map((e) => e.localName) };",
      member,
    );
    assert.ok(memberState.text.includes(displayName), `the member row shows the display name literally: ${JSON.stringify(memberState.text)}`);
    assert.ok(!memberState.text.includes(`@${mallory.userId}`), `the member row's handle has one "@": ${JSON.stringify(memberState.text)}`);
    assert.ok(!memberState.tags.includes("img"), "the member row has no <img>");
    await member.click();
    const profile = await driver.wait(until.elementLocated(byTest("member-profile")), WAIT, "Mallory's profile");
    await driver.wait(async () => (await profile.getText()).includes(mallory.userId), WAIT, "the profile lists Mallory's Matrix identity");
    const profileState = await driver.executeScript(
      "return { heading: arguments[0].querySelector('h2').innerText, text: arguments[0].innerText, tags: [...arguments[0].querySelectorAll('*')].map((e) => e.localName) };",
      profile,
    );
    assert.equal(profileState.heading, displayName, "the profile's heading is the display name, literally");
    assert.ok(!profileState.text.includes(`@${mallory.userId}`), `the profile's handle has one "@": ${JSON.stringify(profileState.text)}`);
    assert.ok(!profileState.tags.includes("img"), "the profile has no <img>");
    await shot(driver, "hostile-member");

    // Last, after everything was shown, hovered and clicked: still nothing ran or was fetched.
    await assertPageSafe(driver, "at the end", token);

    // Control: the instruments work. An image the test itself points at the trap server is
    // refused by the app's Content-Security-Policy, the listener reports it, and no request is
    // made; so an empty report above means nothing was tried, not that nothing was listening.
    await driver.executeScript("const img = new Image(); img.src = arguments[0]; document.body.append(img); img.remove();", `${T}/control.png`);
    await driver.wait(
      async () => (await driver.executeScript("return window.__hostileProbe.violations.length;")) > 0,
      WAIT,
      "control: a remote image added by the test is reported as a CSP violation",
    );
    const reported = await driver.executeScript("return window.__hostileProbe.violations;");
    assert.ok(reported.every((v) => v.blocked.startsWith(`${T}/control.png`)), `control: only the control image is reported: ${JSON.stringify(reported)}`);
    assert.deepEqual(trapped, [], "control: the CSP stopped the control image's request");
    t.diagnostic(`hostile content test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    await shot(driver, "hostile-failure").catch(() => {});
    throw e;
  } finally {
    await driver.quit();
  }
});

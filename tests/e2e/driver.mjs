// tauri-driver for the end-to-end tests and the UI benchmarks: started on ports the OS picks,
// in its own process group, writing to a log file rather than to the caller's output. When the
// caller is done, the whole group (tauri-driver, WebKitWebDriver and the app) is stopped, and
// nothing left behind holds the test run's output open.

import { spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import net from "node:net";
import { Builder } from "selenium-webdriver";

/**
 * What the tests add to the app's environment so WebDriver can take screenshots. Without a GPU
 * the app asks WebKit to paint without compositing (see `src-tauri/src/main.rs`), and
 * WebKitWebDriver's screenshot then never returns; "0" is a choice made, which the app keeps.
 * The benchmarks leave it out and measure the app as it runs on such a machine.
 */
export const SCREENSHOTS = { WEBKIT_DISABLE_COMPOSITING_MODE: "0" };

/** A port nothing listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function portOpen(p) {
  return new Promise((resolve) => {
    const s = net.connect(p, "127.0.0.1");
    s.once("connect", () => {
      s.end();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(p, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await portOpen(p)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on port ${p} within ${ms} ms`);
}

/**
 * Starts tauri-driver with `env` added to this process's environment (the app it launches
 * inherits it: HEARTH_DB above all). `log` is the file its output goes to, appended to.
 * Returns the port to reach it on and `stop()`.
 */
export async function startDriver({ env, log }) {
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  const out = openSync(log, "a");
  const child = spawn(
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"],
    { env: { ...process.env, ...env }, stdio: ["ignore", out, out], detached: true },
  );
  const stop = async () => {
    if (!child.pid) return;
    const signal = (s) => {
      try {
        process.kill(-child.pid, s);
      } catch {
        // the group is gone already
      }
    };
    signal("SIGTERM");
    await new Promise((r) => setTimeout(r, 1_000));
    signal("SIGKILL");
  };
  try {
    await waitForPort(port, 30_000, "tauri-driver");
  } catch (e) {
    console.error(readFileSync(log, "utf8").slice(-8_000));
    await stop();
    throw e;
  }
  return { port, stop };
}

/** A WebDriver session on the app at `application`, through the tauri-driver on `port`. */
export function openApp(port, application) {
  return new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application } })
    .build();
}

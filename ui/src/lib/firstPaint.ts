// The core paints the inbox's first frame into the page before this script has run
// (src-tauri/src/first_paint.rs, styled by src/first-paint.css). Here the app takes over: as
// soon as its own rows are in the page, before the frame that shows them is painted, it
// compares where each row and each of its lines sits with where the core's frame put them,
// notes the result on the page, and removes the core's frame. The person sees the rows once,
// in one place; the note is what the end-to-end test reads, so the two renderers cannot drift
// apart unseen.

/** The core's frame (`first_paint::ELEMENT_ID`). */
export const FIRST_PAINT_ID = 'hearth-first-paint';

/** Long enough for the slowest first frame; after it the core's frame goes regardless. */
export const GIVE_UP_MS = 3000;

/** What the app shows instead of the inbox's rows: then there is nothing to compare. */
const SOMETHING_ELSE = [
  '[data-testid="welcome"]',
  '[data-testid="load-error"]',
  '.empty[data-testid="inbox-list"]',
  '[data-testid="nav-inbox"]:not([aria-current])',
].join(', ');

/** Half a pixel: the two frames lay out the same boxes, so anything more is a real move. */
const TOLERANCE = 0.5;

/** Where a painted row and each of its lines sat, and what they read. */
interface Painted {
  rects: DOMRect[];
  /** What each line reads (null: not compared) */
  words: (string | null)[];
}

const rounded = (r: DOMRect) =>
  `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`;

/** What a line reads, spaces aside, and without its age ("3 min"): the core said it a moment
 * before the app does, and a minute may have turned in between. */
function words(el: Element): string {
  let text = el.textContent ?? '';
  const age = el.querySelector('time, .age')?.textContent;
  if (age) text = text.replace(age, '');
  return text.replace(/\s+/g, '');
}

/** The core's rows as they were laid out, by conversation id. */
export function measure(frame: Element): Map<string, Painted> {
  const rows = new Map<string, Painted>();
  for (const row of frame.querySelectorAll<HTMLElement>('[data-fp-id]')) {
    const lines = [row, ...row.children];
    rows.set(row.dataset.fpId ?? '', {
      rects: lines.map((line) => line.getBoundingClientRect()),
      // the meta line says a snooze's time in the webview's locale, which the core does not know
      words: lines.map((line, i) =>
        i === 0 || line.classList.contains('meta') ? null : words(line),
      ),
    });
  }
  return rows;
}

/** How a row of the app differs from the core's, line by line, or null when it does not. */
function differs(row: Element, painted: Painted): string | null {
  const lines = [row, ...row.children];
  if (lines.length !== painted.rects.length)
    return `${lines.length - 1} lines, painted with ${painted.rects.length - 1}`;
  for (let i = 0; i < lines.length; i++) {
    const [a, b] = [lines[i].getBoundingClientRect(), painted.rects[i]];
    const apart = Math.max(
      Math.abs(a.left - b.left),
      Math.abs(a.top - b.top),
      Math.abs(a.width - b.width),
      Math.abs(a.height - b.height),
    );
    const what = i === 0 ? 'the row' : `line ${i}`;
    if (apart > TOLERANCE) return `${what} at ${rounded(a)}, painted at ${rounded(b)}`;
    const read = painted.words[i];
    if (read !== null && words(lines[i]) !== read)
      return `${what} reads "${words(lines[i])}", painted "${read}"`;
  }
  return null;
}

/** `same:N` when each of the app's N rows sits and reads as painted; `moved:…` (the first
 * three that do not); `other` when none of them was painted (another view came first). */
export function compare(painted: Map<string, Painted>, rows: Iterable<HTMLElement>): string {
  const moved: string[] = [];
  let same = 0;
  for (const row of rows) {
    const twin = painted.get(row.dataset.id ?? '');
    if (!twin) continue;
    const what = differs(row, twin);
    if (what) moved.push(`row ${row.dataset.id}: ${what}`);
    else same++;
  }
  if (same + moved.length === 0) return 'other';
  return moved.length > 0 ? `moved:${moved.slice(0, 3).join('; ')}` : `same:${same}`;
}

/** Runs `then` once the frame being prepared has been painted. */
function afterPaint(then: () => void) {
  if (typeof requestAnimationFrame === 'undefined') setTimeout(then, 0);
  else requestAnimationFrame(() => setTimeout(then, 0));
}

/**
 * Watches `app` (before the app is mounted in it) and removes the core's frame once the app's
 * first frame is ready to replace it: its rows are in, or it shows something else (the welcome,
 * an error, an empty view, another place), or after GIVE_UP_MS. Once the app's frame has been
 * painted, the rows in it are compared with the core's and the outcome is noted on `<html>` as
 * `data-first-paint`; a frame that moved is also said on the console.
 */
export function handOver(doc: Document = document, app = doc.getElementById('app')) {
  const frame = doc.getElementById(FIRST_PAINT_ID);
  if (!frame || !app) return;
  let done = false;
  const note = (what: string) => {
    doc.documentElement.dataset.firstPaint = what;
    if (what.startsWith('moved'))
      console.warn(`The first frame painted by the core differs from the app's: ${what}`);
  };
  const finish = (then: (() => string) | string) => {
    if (done) return;
    done = true;
    observer.disconnect();
    clearTimeout(timer);
    frame.remove();
    if (typeof then === 'string') note(then);
    // the app's rows are laid out where they stay once its list has measured them, before
    // that frame is painted
    else afterPaint(() => note(then()));
  };
  const look = () => {
    if (app.querySelector('[data-testid="inbox-item"]')) {
      const painted = measure(frame);
      finish(() => compare(painted, app.querySelectorAll<HTMLElement>('[data-testid="inbox-item"]')));
    } else if (app.querySelector(SOMETHING_ELSE)) finish('other');
  };
  const observer = new MutationObserver(look);
  observer.observe(app, { childList: true, subtree: true });
  const timer = setTimeout(() => finish('late'), GIVE_UP_MS);
}

/** How long the app waits for the core's frame to be on screen before it starts regardless. */
export const PAINT_WAIT_MS = 100;

/**
 * Runs `start` once the core's frame has been painted, or at once when there is none. The
 * app's first frame takes the page's thread for a tenth of a second; started before WebKit had a
 * chance to paint, it would hold the core's frame off the screen until then.
 */
export function whenPainted(start: () => void, doc: Document = document) {
  const painted = () => performance.getEntriesByType?.('paint').length > 0;
  // a WebKit that reports no paints starts the app at once rather than after the wait
  const reportsPaints =
    typeof PerformanceObserver !== 'undefined' &&
    (PerformanceObserver.supportedEntryTypes ?? ['paint']).includes('paint');
  if (!doc.getElementById(FIRST_PAINT_ID) || painted() || !reportsPaints) return start();
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    observer.disconnect();
    clearTimeout(timer);
    start();
  };
  const observer = new PerformanceObserver(go);
  try {
    observer.observe({ type: 'paint', buffered: true });
  } catch {
    return go();
  }
  const timer = setTimeout(go, PAINT_WAIT_MS);
}

// What the core wrote into the page for its first frame (src-tauri/src/first_screen.rs): the
// workspace's status, the open view's first page, and the views with their counts, read while
// WebKit started. Each is given
// once, to the first ask for it, so the first frame is laid out as soon as the script has run
// instead of after two round trips. Absent when Vite serves the page, after a reload, or when
// the core had not finished reading in time: everything is then asked for over IPC.
import type { InboxCounts } from '$lib/bindings/InboxCounts';
import type { InboxPage } from '$lib/bindings/InboxPage';
import type { InboxQuery } from '$lib/bindings/InboxQuery';
import type { View } from '$lib/bindings/View';
import type { WorkspaceStatus } from '$lib/bindings/WorkspaceStatus';

/** The element's id (`ELEMENT_ID` in the core). */
export const WRITTEN_ID = 'hearth-first-screen';

interface Written {
  status: WorkspaceStatus | null;
  query: InboxQuery;
  page: InboxPage | null;
  views?: View[] | null;
  counts?: InboxCounts | null;
}

/** undefined: the page has not been read yet. */
let written: Written | null | undefined;

function read(): Written | null {
  if (written !== undefined) return written;
  written = null;
  const element = typeof document === 'undefined' ? null : document.getElementById(WRITTEN_ID);
  if (!element?.textContent) return written;
  element.remove();
  try {
    const value = JSON.parse(element.textContent) as Partial<Written>;
    if (value.status && value.query && value.page) written = value as Written;
  } catch {
    // not the core's JSON: ask as usual
  }
  return written;
}

/** The status the core wrote into the page, once. */
export function takeWrittenStatus(): WorkspaceStatus | null {
  const w = read();
  const status = w?.status ?? null;
  if (w) w.status = null;
  return status;
}

/** The page the core wrote into the page, once, if `query` asks for that page. */
export function takeWrittenPage(query: InboxQuery): InboxPage | null {
  const w = read();
  if (!w?.page || !sameQuery(w.query, query)) return null;
  const page = w.page;
  w.page = null;
  return page;
}

/** The views and counts the core wrote into the page, once. */
export function takeWrittenViews(): { views: View[]; counts: InboxCounts } | null {
  const w = read();
  if (!w?.views || !w.counts) return null;
  const taken = { views: w.views, counts: w.counts };
  w.views = null;
  w.counts = null;
  return taken;
}

function sameQuery(a: InboxQuery, b: InboxQuery): boolean {
  return (
    (a.view ?? 'open') === (b.view ?? 'open') &&
    (a.status ?? null) === (b.status ?? null) &&
    (a.platform ?? null) === (b.platform ?? null) &&
    (a.tag ?? null) === (b.tag ?? null) &&
    (a.limit ?? 50) === (b.limit ?? 50) &&
    (a.offset ?? 0) === (b.offset ?? 0)
  );
}

/** For tests: forget what was read, so the next ask reads the page again. */
export function forgetWritten() {
  written = undefined;
}

// The first screen comes first. Every command waits its turn for the one database connection,
// so work the first screen does not show (the sidebar's counts, the segments) is asked for
// once the inbox's rows have arrived; on a million messages it otherwise went ahead of them.

/** Whatever happens to the inbox, the rest is asked for this long after it was first wanted. */
export const FIRST_SCREEN_FALLBACK_MS = 1500;

let shown = false;
let waiting: (() => void)[] = [];
let fallback: ReturnType<typeof setTimeout> | null = null;

/** The inbox's first rows are in (or could not be read): what waited for them runs now. */
export function firstScreenShown() {
  if (shown) return;
  shown = true;
  if (fallback !== null) clearTimeout(fallback);
  fallback = null;
  const run = waiting;
  waiting = [];
  for (const work of run) work();
}

export const isFirstScreenShown = () => shown;

/** Runs `work` once the first screen is up: at once when it already is. */
export function afterFirstScreen(work: () => unknown) {
  if (shown) {
    void work();
    return;
  }
  waiting.push(() => void work());
  fallback ??= setTimeout(firstScreenShown, FIRST_SCREEN_FALLBACK_MS);
}

/** For tests: back to before the first screen. */
export function resetFirstScreen() {
  shown = false;
  waiting = [];
  if (fallback !== null) clearTimeout(fallback);
  fallback = null;
}

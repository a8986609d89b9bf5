// The app's text size (page zoom), for people who need larger text: Ctrl+= / Ctrl+- / Ctrl+0
// anywhere, or Settings → Text size. Kept on this computer (the webview's local storage), not
// in the workspace: it belongs to the person and their screen, not to the community's data.
import * as ipc from '$lib/ipc';

/** The sizes offered, in percent, as browsers step them. */
export const ZOOM_STEPS = [80, 90, 100, 110, 125, 150, 175, 200] as const;
const KEY = 'hearth.zoom';

export const zoom = $state({ percent: 100 });

function saved(): number {
  const value = Number(globalThis.localStorage?.getItem(KEY));
  return (ZOOM_STEPS as readonly number[]).includes(value) ? value : 100;
}

/** Sets the text size to `percent` (one of ZOOM_STEPS), remembered for the next start. */
export async function setZoom(percent: number) {
  if (!(ZOOM_STEPS as readonly number[]).includes(percent)) return;
  zoom.percent = percent;
  globalThis.localStorage?.setItem(KEY, String(percent));
  await ipc.setZoom(percent);
}

/** One step bigger (+1) or smaller (−1). */
export function stepZoom(direction: 1 | -1) {
  const steps: readonly number[] = ZOOM_STEPS;
  const at = steps.indexOf(zoom.percent);
  const index = (at === -1 ? steps.indexOf(100) : at) + direction;
  return setZoom(steps[Math.max(0, Math.min(steps.length - 1, index))]);
}

/** At start: the size chosen last time. */
export function restoreZoom() {
  const percent = saved();
  if (percent !== 100) void setZoom(percent).catch(() => {});
  else zoom.percent = 100;
}

/** Ctrl (⌘ on a Mac) with =, + or − changes the size, with 0 resets it; true when handled. */
export function zoomKey(event: KeyboardEvent): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
  if (event.key === '=' || event.key === '+') void stepZoom(1);
  else if (event.key === '-') void stepZoom(-1);
  else if (event.key === '0') void setZoom(100);
  else return false;
  return true;
}

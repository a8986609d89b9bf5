import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  compare,
  FIRST_PAINT_ID,
  GIVE_UP_MS,
  handOver,
  measure,
  PAINT_WAIT_MS,
  whenPainted,
} from './firstPaint';

/** A row as the core paints it (src-tauri/src/first_paint.rs), with its lines. */
function paintedRow(id: number, title: string, meta = '') {
  return `<div class="inbox-row" data-fp-id="${id}"><div class="top"><span>Ma</span><span>Ana</span><span class="age">3 d</span></div><div class="title">${title}</div><div class="snippet">Same here</div>${meta ? `<div class="meta">${meta}</div>` : ''}</div>`;
}

/** A row as InboxRow.svelte lays it out (whitespace between elements, as Svelte leaves it). */
function appRow(id: number, title: string, meta = '') {
  return `<div class="row" data-testid="inbox-item" data-id="${id}">
    <div class="top"><span>Ma</span> <span>Ana</span> <span><time>3 d</time></span></div>
    <div class="title">${title}</div>
    <div class="snippet">Same here</div>${meta ? `<div class="meta">${meta}</div>` : ''}
  </div>`;
}

let app: HTMLElement;

function paint(html: string) {
  const frame = document.createElement('div');
  frame.id = FIRST_PAINT_ID;
  frame.innerHTML = html;
  document.body.append(frame);
  return frame;
}

/** Lets the MutationObserver's callback run, and the frame after it be painted. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

beforeEach(() => {
  document.body.innerHTML = '<div id="app"></div>';
  delete document.documentElement.dataset.firstPaint;
  app = document.getElementById('app')!;
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('the core’s first frame', () => {
  it('stays until the app’s own rows are in, then goes, noted as the same', async () => {
    paint(paintedRow(7, 'How do I install?') + paintedRow(8, 'Crash on start'));
    handOver();
    // the shell comes first, without rows (the list does not know its height yet)
    app.innerHTML = '<div class="shell"><div data-testid="inbox-list"></div></div>';
    await settle();
    expect(document.getElementById(FIRST_PAINT_ID)).not.toBeNull();
    app.querySelector('[data-testid="inbox-list"]')!.innerHTML =
      appRow(7, 'How do I install?') + appRow(8, 'Crash on start');
    await settle();
    expect(document.getElementById(FIRST_PAINT_ID)).toBeNull();
    expect(document.documentElement.dataset.firstPaint).toBe('same:2');
  });

  it('says which row reads differently from the app’s, and on the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    paint(paintedRow(7, 'How do I install?'));
    handOver();
    app.innerHTML = appRow(7, 'How do I install on Windows?');
    await settle();
    expect(document.documentElement.dataset.firstPaint).toBe(
      'moved:row 7: line 2 reads "HowdoIinstallonWindows?", painted "HowdoIinstall?"',
    );
    expect(warn).toHaveBeenCalledOnce();
    expect(document.getElementById(FIRST_PAINT_ID)).toBeNull();
  });

  it('says which line sits elsewhere, and where', () => {
    const frame = paint(paintedRow(7, 'Crash'));
    app.innerHTML = appRow(7, 'Crash');
    const snippet = app.querySelector('.snippet')!;
    vi.spyOn(snippet, 'getBoundingClientRect').mockReturnValue(new DOMRect(210, 300, 320, 38));
    expect(compare(measure(frame), app.querySelectorAll('[data-testid="inbox-item"]'))).toBe(
      'moved:row 7: line 3 at 210,300 320×38, painted at 0,0 0×0',
    );
  });

  it('lets a snooze’s time in the meta line read in the webview’s own words', () => {
    const frame = paint(paintedRow(7, 'Crash', 'until in 3 h'));
    app.innerHTML = appRow(7, 'Crash', 'until Tue 09:00');
    expect(compare(measure(frame), app.querySelectorAll('[data-testid="inbox-item"]'))).toBe('same:1');
  });

  it('lets an age have turned a minute since the core said it', () => {
    const frame = paint(paintedRow(7, 'Crash'));
    app.innerHTML = appRow(7, 'Crash').replace('3 d', '4 d');
    expect(compare(measure(frame), app.querySelectorAll('[data-testid="inbox-item"]'))).toBe('same:1');
    app.innerHTML = appRow(7, 'Crash').replace('Ana', 'Ann');
    expect(compare(measure(frame), app.querySelectorAll('[data-testid="inbox-item"]'))).toBe(
      'moved:row 7: line 1 reads "MaAnn", painted "MaAna"',
    );
  });

  it('notes a row with a line more or less than painted', () => {
    const frame = paint(paintedRow(7, 'Crash'));
    app.innerHTML = appRow(7, 'Crash', 'bug');
    expect(compare(measure(frame), app.querySelectorAll('[data-testid="inbox-item"]'))).toBe(
      'moved:row 7: 4 lines, painted with 3',
    );
  });

  it('goes when the app shows something else first', async () => {
    paint(paintedRow(7, 'Crash'));
    handOver();
    app.innerHTML = '<div data-testid="welcome">Welcome</div>';
    await settle();
    expect(document.getElementById(FIRST_PAINT_ID)).toBeNull();
    expect(document.documentElement.dataset.firstPaint).toBe('other');
  });

  it('goes after a while even if the app never shows rows', () => {
    vi.useFakeTimers();
    paint(paintedRow(7, 'Crash'));
    handOver();
    vi.advanceTimersByTime(GIVE_UP_MS - 1);
    expect(document.getElementById(FIRST_PAINT_ID)).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(document.getElementById(FIRST_PAINT_ID)).toBeNull();
    expect(document.documentElement.dataset.firstPaint).toBe('late');
  });

  it('does nothing on a page the core painted nothing into', async () => {
    handOver();
    app.innerHTML = appRow(7, 'Crash');
    await settle();
    expect(document.documentElement.dataset.firstPaint).toBeUndefined();
  });
});

describe('the app’s start', () => {
  /** A PerformanceObserver whose paint the test reports. */
  function observePaints() {
    const seen: (() => void)[] = [];
    vi.stubGlobal(
      'PerformanceObserver',
      class {
        constructor(private callback: () => void) {}
        observe() {
          seen.push(() => this.callback());
        }
        disconnect() {}
      },
    );
    return { paint: () => seen.forEach((report) => report()) };
  }

  afterEach(() => vi.unstubAllGlobals());

  it('waits for the core’s frame to be on screen, then starts once', () => {
    vi.useFakeTimers();
    const paints = observePaints();
    paint(paintedRow(7, 'Crash'));
    const start = vi.fn();
    whenPainted(start);
    expect(start).not.toHaveBeenCalled();
    paints.paint();
    expect(start).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(PAINT_WAIT_MS);
    expect(start).toHaveBeenCalledOnce();
  });

  it('starts regardless when no paint is reported in time', () => {
    vi.useFakeTimers();
    observePaints();
    paint(paintedRow(7, 'Crash'));
    const start = vi.fn();
    whenPainted(start);
    vi.advanceTimersByTime(PAINT_WAIT_MS - 1);
    expect(start).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(start).toHaveBeenCalledOnce();
  });

  it('starts at once where the web view reports no paints', () => {
    observePaints();
    vi.stubGlobal(
      'PerformanceObserver',
      Object.assign(class {}, { supportedEntryTypes: ['navigation', 'resource'] }),
    );
    paint(paintedRow(7, 'Crash'));
    const start = vi.fn();
    whenPainted(start);
    expect(start).toHaveBeenCalledOnce();
  });

  it('starts at once on a page the core painted nothing into', () => {
    observePaints();
    const start = vi.fn();
    whenPainted(start);
    expect(start).toHaveBeenCalledOnce();
  });
});

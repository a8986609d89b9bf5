import '@testing-library/jest-dom/vitest';
import { vi } from 'vitest';
import { firstScreenShown } from '$lib/stores/firstScreen';

// Components that wait for the inbox's first rows load at once in tests that do not show the
// inbox; the order itself has its own test in App.test.ts.
firstScreenShown();

// jsdom has no layout engine: give elements a no-op scrollIntoView so selection code runs.
Element.prototype.scrollIntoView ??= function scrollIntoView() {};
Element.prototype.scrollTo ??= function scrollTo() {};

// jsdom has no layout either: a virtualised list hears from this observer that its viewport is
// tall enough for every row a test gives it (rows themselves are never measured in jsdom).
globalThis.ResizeObserver ??= class ResizeObserver {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element) {
    const entry = { target, contentRect: { width: 1000, height: 100_000 } };
    queueMicrotask(() => this.callback([entry as unknown as ResizeObserverEntry], this));
  }
  unobserve() {}
  disconnect() {}
};

// jsdom has no canvas (nor matchMedia, which uPlot reads as it loads): charts are stand-ins.
vi.mock('uplot', () => import('./uplot-mock'));

import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import Settings from '$lib/components/Settings.svelte';
import { restoreZoom, zoom, zoomKey } from './zoom.svelte';

vi.mock('$lib/ipc', async () => (await import('../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', init);

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  zoom.percent = 100;
});

describe('text size', () => {
  it('steps with Ctrl+= and Ctrl+-, goes back with Ctrl+0, and is kept for the next start', async () => {
    expect(zoomKey(key({ key: '=', ctrlKey: true }))).toBe(true);
    expect(zoomKey(key({ key: '+', ctrlKey: true }))).toBe(true);
    expect(api.setZoom.mock.calls.map((c) => c[0])).toEqual([110, 125]);
    expect(localStorage.getItem('hearth.zoom')).toBe('125');
    expect(zoomKey(key({ key: '-', ctrlKey: true }))).toBe(true);
    expect(zoom.percent).toBe(110);
    expect(zoomKey(key({ key: '0', ctrlKey: true }))).toBe(true);
    expect(zoom.percent).toBe(100);
    // plain keys are the app's own shortcuts, not zoom
    expect(zoomKey(key({ key: '=' }))).toBe(false);
    expect(zoomKey(key({ key: 'j', ctrlKey: true }))).toBe(false);

    localStorage.setItem('hearth.zoom', '150');
    api.setZoom.mockClear();
    restoreZoom();
    expect(zoom.percent).toBe(150);
    expect(api.setZoom).toHaveBeenCalledWith(150);
  });

  it('stops at the largest size and ignores a stored size it does not offer', () => {
    for (let i = 0; i < 12; i++) zoomKey(key({ key: '=', ctrlKey: true }));
    expect(zoom.percent).toBe(200);
    localStorage.setItem('hearth.zoom', '9000');
    restoreZoom();
    expect(zoom.percent).toBe(100);
  });

  it('is chosen in Settings', async () => {
    render(Settings);
    const select = screen.getByTestId('text-size-select');
    await fireEvent.change(select, { target: { value: '150' } });
    expect(api.setZoom).toHaveBeenCalledWith(150);
    expect(zoom.percent).toBe(150);
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { invoke } from '@tauri-apps/api/core';
import { openExternal, triage } from './index';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invokeMock = vi.mocked(invoke);

beforeEach(() => {
  invokeMock.mockReset();
  invokeMock.mockResolvedValue(null);
});

describe('ipc', () => {
  it('passes camelCase arguments to the command', async () => {
    await triage(5, { action: 'tag', tag: 'bug' });
    expect(invokeMock).toHaveBeenCalledWith('triage', {
      id: 5,
      action: { action: 'tag', tag: 'bug' },
    });
  });

  it('opens only web and mail links', async () => {
    await openExternal('https://example.org/a');
    await openExternal('mailto:maria@example.org');
    expect(invokeMock).toHaveBeenCalledTimes(2);
    expect(invokeMock).toHaveBeenCalledWith('open_external', { url: 'https://example.org/a' });

    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', '/relative', 'not a url']) {
      await expect(openExternal(url)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(invokeMock).toHaveBeenCalledTimes(2);
  });
});

import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import NotifySettings from './NotifySettings.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  api.notifySettings.mockResolvedValue({
    enabled: true,
    mutedPlatforms: ['bluesky'],
    quietFrom: null,
    quietTo: null,
  });
  api.notifySettingsSave.mockImplementation(async (s) => s);
});

describe('notification settings', () => {
  it('says which service shows notifications, and sends a test one', async () => {
    render(NotifySettings);
    expect(await screen.findByTestId('notify-service')).toHaveTextContent('Shown by Test Notifications 1.0.');
    await fireEvent.click(screen.getByTestId('notify-test'));
    expect(api.notifyTest).toHaveBeenCalledTimes(1);
  });

  it('says so when the desktop shows no notifications, rather than seeming on', async () => {
    api.notifyService.mockResolvedValue({
      name: null,
      problem: 'This desktop shows no notifications (no service). The inbox still lists every mention and direct message.',
    });
    render(NotifySettings);
    const line = await screen.findByTestId('notify-service');
    expect(line).toHaveTextContent('This desktop shows no notifications');
    expect(line).toHaveClass('problem');
  });

  it('shows the saved choices and saves platforms left out and quiet hours', async () => {
    render(NotifySettings);
    await waitFor(() => expect(screen.getByTestId('notify-platform-bluesky')).not.toBeChecked());
    expect(screen.getByTestId('notify-platform-discord')).toBeChecked();
    expect(screen.getByTestId('notify-quiet-from')).toBeDisabled();

    await fireEvent.click(screen.getByTestId('notify-platform-discord'));
    await fireEvent.click(screen.getByTestId('notify-platform-bluesky'));
    await fireEvent.click(screen.getByTestId('notify-quiet'));
    await fireEvent.input(screen.getByTestId('notify-quiet-from'), { target: { value: '21:30' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(api.notifySettingsSave).toHaveBeenCalledWith({
        enabled: true,
        mutedPlatforms: ['discord'],
        quietFrom: '21:30',
        quietTo: '08:00',
      }),
    );
  });

  it('says why the core refused', async () => {
    api.notifySettingsSave.mockRejectedValue({
      code: 'invalid_input',
      message: 'quiet hours are times of day such as 22:00 and 08:00',
    });
    render(NotifySettings);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save' })).toBeEnabled());
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('quiet hours are times of day');
  });
});

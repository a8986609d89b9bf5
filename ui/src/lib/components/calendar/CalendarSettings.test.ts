import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { calendar } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import CalendarSettings from './CalendarSettings.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  calendar.grace = null;
  toasts.length = 0;
  api.calendarGrace.mockResolvedValue(60);
});

describe('Settings → Calendar', () => {
  it('shows how late a post may go out, says what is wrong as it is typed, and saves it', async () => {
    api.calendarSetGrace.mockImplementation(async (minutes) => minutes);
    render(CalendarSettings);
    const field = screen.getByLabelText('Publish a late post up to');
    await waitFor(() => expect(field).toHaveValue('60'));
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();

    for (const [typed, said] of [
      ['', 'Give a number of minutes'],
      ['1.5', 'Use a whole number of minutes'],
      ['-3', 'Use a whole number of minutes'],
      ['20000', 'At most a week (10,080 minutes).'],
    ]) {
      await fireEvent.input(field, { target: { value: typed } });
      expect(field).toHaveAttribute('aria-invalid', 'true');
      expect(field).toHaveAccessibleDescription(expect.stringContaining(said));
      expect(save).toBeDisabled();
    }

    await fireEvent.input(field, { target: { value: '90' } });
    expect(field).toHaveAttribute('aria-invalid', 'false');
    await fireEvent.click(save);
    expect(api.calendarSetGrace).toHaveBeenCalledWith(90);
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Late posts go out up to 90 minutes after their time',
      ),
    );
    expect(save).toBeDisabled();
  });
});

import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { calendar } from '$lib/stores/calendar.svelte';
import { account, postingSlot } from '../../../test/fixtures';
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

describe('Settings → Calendar → Posting slots', () => {
  beforeEach(() => {
    api.accountsList.mockResolvedValue([
      account(9, { name: 'Demo Discord', demo: true }),
      account(5, { name: 'Lumen Discord' }),
      account(7, { platform: 'mastodon', name: 'Lumen Mastodon' }),
    ]);
    api.calendarSlots.mockResolvedValue([postingSlot(1)]);
  });

  it('lists each account’s slots, own accounts first, and adds one from the day and time picked', async () => {
    api.calendarAddSlot.mockImplementation(async (accountId, weekday, minute) =>
      postingSlot(2, {
        accountId,
        accountName: 'Lumen Mastodon',
        platform: 'mastodon',
        weekday,
        minute,
        label: 'Thursdays 16:30 (Europe/Berlin)',
      }),
    );
    render(CalendarSettings);
    const section = await screen.findByRole('region', { name: 'Posting slots' });
    await waitFor(() =>
      expect(within(section).getAllByRole('group').map((g) => g.getAttribute('aria-label'))).toEqual([
        'Lumen Discord posting slots',
        'Lumen Mastodon posting slots',
        'Demo Discord posting slots',
      ]),
    );
    const discord = within(section).getByRole('group', { name: 'Lumen Discord posting slots' });
    const mastodon = within(section).getByRole('group', { name: 'Lumen Mastodon posting slots' });
    await waitFor(() => expect(discord).toHaveTextContent('Tuesdays 10:00 (Europe/Berlin)'));
    expect(mastodon).toHaveTextContent('No slots yet');

    await fireEvent.change(within(section).getByLabelText('Account'), { target: { value: '7' } });
    await fireEvent.change(within(section).getByLabelText('Day'), { target: { value: '3' } });
    await fireEvent.input(within(section).getByLabelText('Time'), { target: { value: '16:30' } });
    await fireEvent.click(within(section).getByRole('button', { name: 'Add slot' }));
    expect(api.calendarAddSlot).toHaveBeenCalledWith(7, 3, 990);
    await waitFor(() => expect(mastodon).toHaveTextContent('Thursdays 16:30 (Europe/Berlin)'));
    expect(mastodon).not.toHaveTextContent('No slots yet');
  });

  it('says beside the form why a slot was refused, and removes one', async () => {
    api.calendarAddSlot.mockRejectedValueOnce({
      code: 'invalid_input',
      message: 'Lumen Discord already posts on Tuesdays 10:00',
    });
    render(CalendarSettings);
    const section = await screen.findByRole('region', { name: 'Posting slots' });
    const discord = within(section).getByRole('group', { name: 'Lumen Discord posting slots' });
    await waitFor(() => expect(discord).toHaveTextContent('Tuesdays 10:00 (Europe/Berlin)'));
    expect(within(section).getByLabelText('Account')).toHaveDisplayValue('Lumen Discord');

    await fireEvent.change(within(section).getByLabelText('Day'), { target: { value: '1' } });
    await fireEvent.input(within(section).getByLabelText('Time'), { target: { value: '10:00' } });
    await fireEvent.click(within(section).getByRole('button', { name: 'Add slot' }));
    expect(api.calendarAddSlot).toHaveBeenCalledWith(5, 1, 600);
    const refusal = await within(section).findByRole('alert');
    expect(refusal).toHaveTextContent('Lumen Discord already posts on Tuesdays 10:00');
    expect(within(section).getByLabelText('Time')).toHaveAccessibleDescription(
      'Lumen Discord already posts on Tuesdays 10:00',
    );

    await fireEvent.click(
      within(discord).getByRole('button', {
        name: 'Remove Tuesdays 10:00 (Europe/Berlin) from Lumen Discord',
      }),
    );
    expect(api.calendarRemoveSlot).toHaveBeenCalledWith(1);
    await waitFor(() => expect(discord).toHaveTextContent('No slots yet'));
    expect(toasts.map((t) => t.message)).toContain(
      'Tuesdays 10:00 (Europe/Berlin) removed from Lumen Discord',
    );
  });
});

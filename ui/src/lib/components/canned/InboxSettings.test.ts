import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { canned } from '$lib/stores/canned.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import InboxSettings from './InboxSettings.svelte';
import Toasts from '../Toasts.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const reply = (id: number, name: string, body: string) => ({
  id,
  name,
  body,
  createdAt: 0,
  updatedAt: 0,
});

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(canned, { list: [], loaded: false, myName: null });
  toasts.length = 0;
  api.cannedList.mockResolvedValue([reply(1, 'Thanks', 'Thanks {first_name}!')]);
  api.myName.mockResolvedValue(null);
});

describe('Settings → Inbox', () => {
  it('saves your name and a new canned reply, and lists it', async () => {
    api.setMyName.mockResolvedValue('Robin');
    api.cannedSave.mockResolvedValue(reply(2, 'Windows install', 'Hi {first_name}, see {channel}.'));
    render(InboxSettings);
    await waitFor(() => expect(screen.getByTestId('canned-list')).toHaveTextContent('Thanks'));

    await fireEvent.input(screen.getByTestId('my-name'), { target: { value: 'Robin' } });
    const meForm = screen.getByTestId('my-name').closest('form') as HTMLFormElement;
    await fireEvent.click(within(meForm).getByRole('button', { name: 'Save' }));
    expect(api.setMyName).toHaveBeenCalledWith('Robin');

    api.setReplyTarget.mockResolvedValue(4);
    await fireEvent.input(screen.getByTestId('reply-target'), { target: { value: '4' } });
    const targetForm = screen.getByTestId('reply-target').closest('form') as HTMLFormElement;
    await fireEvent.click(within(targetForm).getByRole('button', { name: 'Save' }));
    expect(api.setReplyTarget).toHaveBeenCalledWith(4);

    await fireEvent.click(screen.getByTestId('canned-new'));
    const form = screen.getByTestId('canned-form');
    await fireEvent.input(within(form).getByLabelText('Name'), {
      target: { value: 'Windows install' },
    });
    await fireEvent.input(within(form).getByLabelText('Reply'), {
      target: { value: 'Hi {first_name}, see {channel}.' },
    });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save reply' }));

    expect(api.cannedSave).toHaveBeenCalledWith('Windows install', 'Hi {first_name}, see {channel}.');
    await waitFor(() => expect(screen.queryByTestId('canned-form')).toBeNull());
    const names = within(screen.getByTestId('canned-list'))
      .getAllByRole('listitem')
      .map((li) => li.querySelector('strong')?.textContent);
    expect(names).toEqual(['Thanks', 'Windows install']);
  });

  it('deletes a reply with an Undo that saves it again', async () => {
    api.cannedRemove.mockResolvedValue(reply(1, 'Thanks', 'Thanks {first_name}!'));
    api.cannedSave.mockResolvedValue(reply(3, 'Thanks', 'Thanks {first_name}!'));
    render(InboxSettings);
    render(Toasts);
    await waitFor(() => expect(screen.getByTestId('canned-list')).toHaveTextContent('Thanks'));

    await fireEvent.click(screen.getByRole('button', { name: 'Delete Thanks' }));
    await waitFor(() => expect(screen.getByTestId('canned-list')).not.toHaveTextContent('Thanks'));
    await fireEvent.click(await screen.findByRole('button', { name: 'Undo' }));

    expect(api.cannedSave).toHaveBeenCalledWith('Thanks', 'Thanks {first_name}!');
    await waitFor(() => expect(screen.getByTestId('canned-list')).toHaveTextContent('Thanks'));
  });
});

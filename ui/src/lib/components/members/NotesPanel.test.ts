import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { team } from '$lib/stores/team.svelte';
import { inTeamState, note, profile } from '../../../test/fixtures';
import Toasts from '../Toasts.svelte';
import MembersView from './MembersView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

async function openProfile(notes = [note(50, 'Met at FOSDEM')]) {
  members.profile = profile(7, notes);
  members.selectedId = 7;
  render(MembersView);
  await screen.findByTestId('member-profile');
  return screen.getByTestId('note-editor') as HTMLTextAreaElement;
}

const type = (field: HTMLTextAreaElement, value: string) =>
  fireEvent.input(field, { target: { value } });

beforeEach(() => {
  vi.clearAllMocks();
  team.current = null;
  api.membersList.mockResolvedValue({ items: [], total: 0 });
  api.noteAdd.mockImplementation(async (memberId: number, body: string) => note(1, body, memberId));
  api.noteUpdate.mockImplementation(async (id: number, body: string) => note(id, body));
});

describe('notes editor', () => {
  it('creates the note on the first keystroke, then saves later typing once it pauses', async () => {
    const editor = await openProfile();

    await type(editor, 'A');
    expect(api.noteAdd).toHaveBeenCalledWith(7, 'A');
    await waitFor(() => expect(screen.getByTestId('note-status')).toHaveTextContent('Saved'));

    await type(editor, 'As');
    await type(editor, 'Ask Maria');
    expect(screen.getByTestId('note-status')).toHaveTextContent('Saving…');
    expect(api.noteUpdate).not.toHaveBeenCalled();

    await waitFor(() => expect(screen.getByTestId('note-status')).toHaveTextContent('Saved'));
    expect(api.noteUpdate).toHaveBeenCalledTimes(1);
    expect(api.noteUpdate).toHaveBeenCalledWith(1, 'Ask Maria');
    expect(api.noteAdd).toHaveBeenCalledTimes(1);

    const shown = screen.getAllByTestId('note').map((n) => n.textContent);
    expect(shown).toEqual(['Ask Maria', 'Met at FOSDEM']); // newest first
  });

  it('writes pending changes at once when the field loses focus', async () => {
    const editor = await openProfile();
    await type(editor, 'F');
    await waitFor(() => expect(api.noteAdd).toHaveBeenCalled());

    await type(editor, 'Follow up on her talk');
    await fireEvent.blur(editor);

    await waitFor(() => expect(api.noteUpdate).toHaveBeenCalledWith(1, 'Follow up on her talk'));
    // The composer starts afresh for the next note; the saved one is in the list.
    await waitFor(() => expect(editor.value).toBe(''));
    expect(screen.getByTestId('note-status')).toHaveTextContent('Saved');
    expect(screen.getAllByTestId('note')[0]).toHaveTextContent('Follow up on her talk');
  });

  it('keeps the text and shows the error when saving fails', async () => {
    api.noteAdd.mockRejectedValueOnce({ code: 'database', message: 'The disk is full' });
    const editor = await openProfile([]);

    await type(editor, 'Important');

    await waitFor(() =>
      expect(screen.getByTestId('note-status')).toHaveTextContent('The disk is full'),
    );
    expect(editor.value).toBe('Important');

    // The next keystroke tries again.
    await type(editor, 'Important!');
    await waitFor(() => expect(api.noteAdd).toHaveBeenLastCalledWith(7, 'Important!'));
    await waitFor(() => expect(screen.getByTestId('note-status')).toHaveTextContent('Saved'));
  });

  it('edits an existing note in place and deletes one with undo', async () => {
    api.noteDelete.mockResolvedValue(null);
    render(Toasts);
    await openProfile([note(51, 'Prefers DMs'), note(50, 'Met at FOSDEM')]);

    const [first] = screen.getAllByTestId('note');
    await fireEvent.click(within(first.closest('li')!).getByRole('button', { name: 'Edit' }));
    const field = screen.getByRole('textbox', { name: 'Note' }) as HTMLTextAreaElement;
    expect(field.value).toBe('Prefers DMs');
    await type(field, 'Prefers DMs, never email');
    await fireEvent.blur(field);
    await waitFor(() =>
      expect(api.noteUpdate).toHaveBeenCalledWith(51, 'Prefers DMs, never email'),
    );
    await waitFor(() => expect(screen.getAllByTestId('note')[0]).toHaveTextContent('never email'));
    expect(api.noteAdd).not.toHaveBeenCalled();

    const second = screen.getAllByTestId('note')[1].closest('li')!;
    await fireEvent.click(within(second).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.getAllByTestId('note')).toHaveLength(1));
    expect(api.noteDelete).toHaveBeenCalledWith(50);

    await fireEvent.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(api.noteAdd).toHaveBeenCalledWith(7, 'Met at FOSDEM'));
    await waitFor(() => expect(screen.getAllByTestId('note')).toHaveLength(2));
  });

  it('saves what was typed when the member is closed mid-sentence', async () => {
    const editor = await openProfile();
    await type(editor, 'P');
    await waitFor(() => expect(screen.getByTestId('note-status')).toHaveTextContent('Saved'));
    await type(editor, 'Prefers email');

    members.selectedId = 8; // another member is being opened

    await waitFor(() => expect(api.noteUpdate).toHaveBeenCalledWith(1, 'Prefers email'));
  });
});

describe('notes shared with the team', () => {
  const inTeam = () => {
    team.current = inTeamState();
  };

  it('offers no sharing outside a team: notes are private to you', async () => {
    await openProfile();
    expect(screen.getByText('private to you')).toBeInTheDocument();
    expect(screen.queryByTestId('note-share')).toBeNull();
  });

  it('shares a private note, and shows whose a teammate’s note is without taking it back', async () => {
    inTeam();
    const bens = { ...note(51, 'Rin helps on Docker'), shared: true, author: 'Ben' };
    api.noteShare.mockImplementation(async (id: number, shared: boolean) => ({
      ...note(id, 'Met at FOSDEM'),
      shared,
    }));
    await openProfile([note(50, 'Met at FOSDEM'), bens]);
    expect(screen.getByText('private unless shared with the team')).toBeInTheDocument();
    const cards = screen.getAllByRole('listitem');
    const teammates = cards.find((c) => c.textContent?.includes('Rin helps'));
    expect(teammates).toHaveTextContent('Shared by Ben');
    expect(within(teammates!).queryByText('Make private')).toBeNull();
    expect(within(teammates!).queryByTestId('note-share')).toBeNull();

    await fireEvent.click(screen.getByTestId('note-share'));
    expect(api.noteShare).toHaveBeenCalledWith(50, true);
    await waitFor(() =>
      expect(screen.getAllByTestId('note-shared').map((e) => e.textContent)).toContain(
        'Shared with the team',
      ),
    );
    await fireEvent.click(screen.getByText('Make private'));
    expect(api.noteShare).toHaveBeenLastCalledWith(50, false);
  });
});

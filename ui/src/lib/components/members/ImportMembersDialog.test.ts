import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import type { CsvPreview } from '$lib/bindings/CsvPreview';
import type { MemberImportOptions } from '$lib/bindings/MemberImportOptions';
import ImportMembersDialog from './ImportMembersDialog.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const FILE = '/home/cm/registrations.csv';

/** What the core says of the file, as the columns are mapped (it only knows "Contacto" when told). */
function previewFor(options: MemberImportOptions): CsvPreview {
  const field = (header: string, guess: string) =>
    options.map.find(([h]) => h === header)?.[1] ?? guess;
  const email = field('Contacto', 'skip');
  const name = field('Persona', 'skip');
  const blocked = ![email, name].some((f) => f === 'email' || f === 'name');
  return {
    columns: [
      { header: 'Contacto', detectedField: email, samples: ['ana@acme.example'] },
      { header: 'Persona', detectedField: name, samples: ['Ana Souza'] },
    ],
    delimiter: ';',
    encoding: 'UTF-8',
    rows: 2,
    goodRows: blocked ? 0 : 2,
    problems: [],
    blocked: blocked ? 'no column is an email or a name' : null,
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  api.pickCsvFile.mockResolvedValue(FILE);
  api.membersImportPreview.mockImplementation(async (_path, options) => previewFor(options));
  api.membersImport.mockResolvedValue({
    list: 'registrations',
    encoding: 'UTF-8',
    delimiter: ';',
    rows: 2,
    new: 2,
    updated: 0,
    unchanged: 0,
    problems: [],
    mergedOnProof: 0,
    suggestions: 1,
  });
  api.onProgress.mockResolvedValue(() => {});
});

describe('importing members from a file', () => {
  it('says what it cannot tell, and imports once a column is said to hold the email', async () => {
    const onimported = vi.fn();
    render(ImportMembersDialog, { onclose: vi.fn(), onimported });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose a file…' }));

    expect(await screen.findByTestId('import-blocked')).toHaveTextContent(
      'cannot tell which column holds the email or the name',
    );
    const confirm = screen.getByTestId('import-members-confirm');
    expect(confirm).toBeDisabled();

    const table = screen.getByTestId('import-columns');
    expect(table).toHaveTextContent('ana@acme.example');
    const contact = within(table).getByRole('combobox', { name: 'What “Contacto” holds' });
    await fireEvent.change(contact, { target: { value: 'email' } });

    await waitFor(() => expect(screen.queryByTestId('import-blocked')).toBeNull());
    expect(api.membersImportPreview).toHaveBeenLastCalledWith(FILE, {
      list: null,
      map: [['Contacto', 'email']],
    });
    expect(confirm).toBeEnabled();
    expect(confirm).toHaveTextContent('Import 2 people');

    await fireEvent.click(confirm);
    await waitFor(() => expect(onimported).toHaveBeenCalled());
    expect(api.membersImport).toHaveBeenCalledWith(FILE, {
      list: 'registrations',
      map: [['Contacto', 'email']],
    });
    expect(screen.getByTestId('import-report')).toHaveTextContent(
      'registrations: 2 new, 0 updated, 0 unchanged, 0 left out.',
    );
  });

  it('keeps a column out of the import when told to leave it out', async () => {
    render(ImportMembersDialog, { onclose: vi.fn(), onimported: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose a file…' }));
    const table = await screen.findByTestId('import-columns');
    await fireEvent.change(within(table).getByRole('combobox', { name: 'What “Persona” holds' }), {
      target: { value: 'name' },
    });
    await waitFor(() => expect(screen.getByTestId('import-members-confirm')).toBeEnabled());
    await fireEvent.change(within(table).getByRole('combobox', { name: 'What “Persona” holds' }), {
      target: { value: 'skip' },
    });
    await waitFor(() => expect(screen.getByTestId('import-members-confirm')).toBeDisabled());
    expect(api.membersImportPreview).toHaveBeenLastCalledWith(FILE, {
      list: null,
      map: [['Persona', 'skip']],
    });
  });
});

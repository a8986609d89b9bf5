// The factory every component test passes to `vi.mock('$lib/ipc', …)`: one spy per command.
import { vi } from 'vitest';

export const ipcMock = () => ({
  DEFAULT_DEMO: { members: 400, messages: 6000, seed: 7 },
  workspaceStatus: vi.fn(),
  generateDemo: vi.fn(),
  onProgress: vi.fn(),
  onNavigate: vi.fn(() => Promise.resolve(() => {})),
  inboxList: vi.fn(),
  inboxCounts: vi.fn(),
  conversationShow: vi.fn(),
  triage: vi.fn(),
  tagsList: vi.fn(),
  search: vi.fn(),
  membersList: vi.fn(),
  memberProfile: vi.fn(),
  noteAdd: vi.fn(),
  noteUpdate: vi.fn(),
  noteDelete: vi.fn(),
  calendarList: vi.fn(),
  calendarCreate: vi.fn(),
  calendarUpdate: vi.fn(),
  calendarDelete: vi.fn(),
  openExternal: vi.fn(),
});

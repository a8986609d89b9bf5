// The factory every component test passes to `vi.mock('$lib/ipc', …)`: one spy per command.
import { vi, type Mock } from 'vitest';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarRange } from '$lib/bindings/CalendarRange';
import { dataOverview, metrics } from './fixtures';

type CalendarList = (range: CalendarRange) => Promise<CalendarItem[]>;

/**
 * Adds `calendarGet`: an item whole, the saved one (not a later occurrence) the mocked calendar
 * holds, as its list read whole has it (asked without counting as a call of the list).
 */
function withCalendarGet<T extends { calendarList: Mock<CalendarList> }>(mock: T) {
  const calendarGet = vi.fn(async (id: number): Promise<CalendarItem> => {
    const list = mock.calendarList.getMockImplementation();
    const whole: CalendarRange = { from: null, to: null, includeUnscheduled: true, brief: false };
    const item = (list ? await list(whole) : []).find((i) => i.id === id && !i.occurrence);
    if (!item) throw { code: 'not_found', message: `calendar item ${id} not found` };
    return item;
  });
  return { ...mock, calendarGet };
}

export const ipcMock = () => withCalendarGet({
  DEFAULT_DEMO: { members: 400, messages: 6000, seed: 7 },
  workspaceStatus: vi.fn(),
  workspaceCheck: vi.fn(() => Promise.resolve(null)),
  generateDemo: vi.fn(),
  onProgress: vi.fn(),
  onNavigate: vi.fn(() => Promise.resolve(() => {})),
  inboxList: vi.fn(),
  inboxCounts: vi.fn(),
  viewsList: vi.fn(() => Promise.resolve([])),
  viewSave: vi.fn(),
  viewRemove: vi.fn(),
  viewTarget: vi.fn(),
  rulesList: vi.fn(() => Promise.resolve([])),
  ruleSave: vi.fn(),
  ruleEnable: vi.fn(),
  ruleRemove: vi.fn(),
  ruleCheck: vi.fn(() => Promise.resolve({ matching: 0, samples: [] })),
  ruleWords: vi.fn(() => Promise.resolve([])),
  teamList: vi.fn(() => Promise.resolve([])),
  teamAdd: vi.fn(),
  teamRemove: vi.fn(),
  conversationShow: vi.fn(),
  triage: vi.fn(),
  triageEach: vi.fn(),
  cannedList: vi.fn(() => Promise.resolve([])),
  memberCard: vi.fn(() => Promise.resolve(null)),
  cannedSave: vi.fn(),
  cannedRemove: vi.fn(),
  cannedFor: vi.fn(),
  myName: vi.fn(() => Promise.resolve(null)),
  replyTarget: vi.fn(() => Promise.resolve(24)),
  setReplyTarget: vi.fn(),
  setMyName: vi.fn(),
  tagsList: vi.fn(),
  search: vi.fn(),
  notifySettings: vi.fn(() =>
    Promise.resolve({ enabled: true, mutedPlatforms: [], quietFrom: null, quietTo: null }),
  ),
  notifySettingsSave: vi.fn(),
  notifyService: vi.fn(() => Promise.resolve({ name: 'Test Notifications 1.0', problem: null })),
  notifyTest: vi.fn(() => Promise.resolve({ name: 'Test Notifications 1.0', problem: null })),
  membersList: vi.fn(),
  memberProfile: vi.fn(),
  membersExport: vi.fn(),
  mergeSuggestions: vi.fn(() => Promise.resolve([])),
  mergeSuggestionCount: vi.fn(() => Promise.resolve(0)),
  reviewSuggestion: vi.fn(),
  undoReview: vi.fn(() => Promise.resolve(null)),
  membersExplain: vi.fn(() => Promise.resolve(null)),
  membersMerge: vi.fn(),
  memberUnmerge: vi.fn(),
  memberMerges: vi.fn(() => Promise.resolve([])),
  // No segments or reminders unless a test says otherwise.
  segmentsList: vi.fn(() => Promise.resolve([])),
  segmentAdd: vi.fn(),
  segmentUpdate: vi.fn(),
  segmentRemove: vi.fn(() => Promise.resolve(null)),
  remindersList: vi.fn(() => Promise.resolve([])),
  reminderAdd: vi.fn(),
  whenRead: vi.fn(),
  reminderDone: vi.fn(),
  reminderSnooze: vi.fn(),
  reminderReopen: vi.fn(),
  reminderRemove: vi.fn(() => Promise.resolve(null)),
  noteAdd: vi.fn(),
  noteUpdate: vi.fn(),
  noteDelete: vi.fn(),
  memberTag: vi.fn(() => Promise.resolve(null)),
  memberUntag: vi.fn(() => Promise.resolve(true)),
  memberFieldSet: vi.fn(() => Promise.resolve(null)),
  memberFieldUnset: vi.fn(() => Promise.resolve(true)),
  memberOrganizationSet: vi.fn(() => Promise.resolve(null)),
  organizationsList: vi.fn(() => Promise.resolve([])),
  organizationShow: vi.fn(),
  organizationRename: vi.fn(() => Promise.resolve(null)),
  organizationMerge: vi.fn(() => Promise.resolve(null)),
  memberPrivacyExport: vi.fn(() => Promise.resolve(null)),
  memberForgetPreview: vi.fn(),
  memberForget: vi.fn(),
  calendarList: vi.fn<CalendarList>(),
  calendarCreate: vi.fn(),
  calendarUpdate: vi.fn(),
  calendarDelete: vi.fn(),
  calendarSubmit: vi.fn(),
  calendarApprove: vi.fn(),
  calendarComments: vi.fn(() => Promise.resolve([])),
  calendarComment: vi.fn(),
  calendarAddImage: vi.fn(),
  calendarImageAlt: vi.fn(),
  calendarMoveImage: vi.fn(),
  calendarRemoveImage: vi.fn(),
  // an image's bytes, for its preview: a few, whatever the image
  calendarImage: vi.fn(() => Promise.resolve(new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer)),
  calendarPublishNow: vi.fn(),
  calendarRetryTarget: vi.fn(),
  calendarSlots: vi.fn(() => Promise.resolve([])),
  calendarAddSlot: vi.fn(),
  calendarRemoveSlot: vi.fn(() => Promise.resolve(null)),
  calendarNextSlot: vi.fn(),
  calendarGrace: vi.fn(() => Promise.resolve(60)),
  calendarSetGrace: vi.fn(),
  calendarBestTimes: vi.fn(() => Promise.resolve([])),
  calendarExportIcs: vi.fn(),
  calendarImportIcs: vi.fn(),
  pickIcsFile: vi.fn(() => Promise.resolve(null)),
  openExternal: vi.fn(),
  // The Dashboard has nothing to count unless a test says otherwise.
  metricsGet: vi.fn(() => Promise.resolve(metrics())),
  metricsExportCsv: vi.fn(() => Promise.resolve(null)),
  metricsSavePng: vi.fn(() => Promise.resolve(null)),
  // Sync and accounts answer "nothing yet" unless a test says otherwise, so views that only
  // glance at them (the shell's status line, the thread's outbox) need no setup.
  platformsConnectable: vi.fn(() => Promise.resolve([])),
  accountsList: vi.fn(() => Promise.resolve([])),
  accountAdd: vi.fn(),
  accountUpdate: vi.fn(),
  accountRemove: vi.fn(),
  accountTest: vi.fn(),
  syncNow: vi.fn(() => Promise.resolve(null)),
  syncStatus: vi.fn(() => Promise.resolve([])),
  onSync: vi.fn(() => Promise.resolve(() => {})),
  outboxList: vi.fn(() => Promise.resolve([])),
  replyQueue: vi.fn(),
  outboxRetry: vi.fn(),
  outboxCancel: vi.fn(),
  // Settings → Data shows an overview with no backups and no demo unless a test says otherwise.
  dataOverview: vi.fn(() => Promise.resolve(dataOverview())),
  backupNow: vi.fn(),
  backupRestore: vi.fn(),
  backupsKeep: vi.fn(),
  dataFolderOpen: vi.fn(() => Promise.resolve()),
  workspaceExport: vi.fn(),
  workspaceImport: vi.fn(),
  demoRemove: vi.fn(),
  pickFolder: vi.fn(() => Promise.resolve(null)),
  pickSaveFile: vi.fn(() => Promise.resolve(null)),
  pickCsvFile: vi.fn(() => Promise.resolve(null)),
  membersImportPreview: vi.fn(),
  membersImport: vi.fn(),
});

//! Tauri commands: each one line into the core. No SQL, no HTTP here. Errors cross IPC as
//! `ApiError { code, message }`; the UI switches on `code`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hearth::members::merge::local_user;
use hearth::members::resolve::DEFAULT_MIN_PROBABILITY;
use hearth::model::{
    AboutHearth, AccountInput, AccountView, ApiError, BackupInfo, BestTimes, CalendarComment,
    CalendarExportSummary, CalendarImportReport, CalendarItem, CalendarItemInput, CalendarRange,
    CannedReply, ConnectionCheck, ConversationDetail, CsvPreview, DataOverview, DemoOptions,
    DemoRemoval, ErrorCode, ExportSummary, FeedbackOverview, FeedbackThemeDetail, ForgetPreview,
    ForgetReport, HealthChart, InboxCounts, InboxItem, InboxPage, InboxQuery, MemberCard,
    MemberImportOptions, MemberImportReport, MemberPage, MemberProfile, MemberQuery, MergeRecord,
    MergeSuggestion, Metrics, MetricsQuery, Millis, ModAction, ModActionChoice, ModActionInput,
    ModFlag, ModRule, ModRuleInput, Note, NotifyService, NotifySettings, OrganizationDetail,
    OrganizationSummary, OutboxItem, PlatformSpec, PostingSlot, Reminder, ResponseFigures,
    ReviewDecision, ReviewStep, Rule, RuleCheck, RuleDraft, RuleWord, SearchResults, Segment,
    SegmentFilter, SyncProgress, TeamConflict, TeamInfo, TeamMember, TeamPresence, TeamSyncReport,
    TeamSyncState, TriageAction, TriageEach, View, ViewDraft, WorkspaceStatus, WorkspaceTotals,
};
use hearth::sync::run::{check_connection, connector_for, remember_identity};
use hearth::sync::scheduler::Scheduler;
use hearth::when::parse_when_local;
use hearth::{now_millis, Store};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::first_screen::{first_page_query, EarlyRead};

/// The event that carries [`hearth::model::Progress`] while long work runs.
pub const PROGRESS_EVENT: &str = "hearth://progress";

/// The event that carries [`SyncProgress`] while accounts sync in the background.
pub const SYNC_EVENT: &str = "hearth://sync";

/// The app's store and its reader. When the database cannot be opened (a newer schema, a file
/// that is not Hearth's), every command answers with that error so the UI can say what is wrong.
pub struct AppState {
    store: Result<Arc<Mutex<Store>>, ApiError>,
    /// A second connection to the same file for long reads (every segment's count, the member
    /// directory), opened when needed and closed at rest: in WAL mode it waits for no one, so a
    /// `j` pressed while the segments are counted is answered at once.
    reader: Mutex<Option<Store>>,
    /// Where the database lives (none when it could not be opened).
    path: Option<std::path::PathBuf>,
    /// When the store was last used, in milliseconds from `started`.
    used_at: AtomicU64,
    /// Whether the page cache was given back since then.
    rested: AtomicBool,
    started: Instant,
    /// The status and the inbox's first page, read while the window's web view starts (see
    /// [`AppState::read_first_page_in_background`]), until the page or the UI's first ask
    /// takes them.
    early: Arc<EarlyRead>,
}

impl AppState {
    pub fn new(store: hearth::Result<Store>) -> Self {
        AppState {
            path: store.as_ref().ok().map(|s| s.path().to_path_buf()),
            store: store
                .map(|s| Arc::new(Mutex::new(s)))
                .map_err(ApiError::from),
            reader: Mutex::new(None),
            used_at: AtomicU64::new(0),
            rested: AtomicBool::new(false),
            started: Instant::now(),
            early: Arc::default(),
        }
    }

    /// Reads the workspace's status and the inbox's first page now, for the first frame (see
    /// [`crate::first_screen`]): the page is then served with both written in, instead of
    /// asking for them once its script runs.
    #[cfg(test)]
    pub fn read_first_page(&self) {
        if let Ok(store) = &self.store {
            read_first_screen(store, &self.early);
        }
    }

    /// Reads the status and the first page on a thread of its own, started before Tauri: the
    /// database answers while Tauri, GTK and WebKit start (about 0.2 s before the page is asked
    /// for), from a cold disk too. False when the thread could not start (the UI then asks).
    pub fn read_first_page_in_background(&self) -> bool {
        let Ok(store) = &self.store else {
            return false;
        };
        let (store, early) = (Arc::clone(store), Arc::clone(&self.early));
        std::thread::Builder::new()
            .name("hearth-first-screen".into())
            .spawn(move || read_first_screen(&store, &early))
            .is_ok()
    }

    /// What is read at start, for the page the web view is served.
    pub fn early_read(&self) -> Arc<EarlyRead> {
        Arc::clone(&self.early)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> hearth::Result<T>) -> Result<T, ApiError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so the store is still good to use.
        let mut guard: MutexGuard<'_, Store> = store.lock().unwrap_or_else(|p| p.into_inner());
        let db = guard.path().to_path_buf();
        // A damaged file found by any command is named, with what to do about it.
        let answer = f(&mut guard).map_err(|e| ApiError::from(e.at(&db)));
        self.used_at.store(self.since_start(), Ordering::Relaxed);
        self.rested.store(false, Ordering::Relaxed);
        answer
    }

    /// [`AppState::with`] for a long read, on the reader connection (opened if it is not).
    /// When the reader cannot be opened, the read goes to the main store as before.
    fn read<T>(&self, f: impl FnOnce(&Store) -> hearth::Result<T>) -> Result<T, ApiError> {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        if reader.is_none() {
            *reader = self
                .path
                .as_ref()
                .and_then(|path| Store::open_reader(path).ok());
        }
        let Some(store) = reader.as_ref() else {
            drop(reader);
            return self.with(|s| f(s));
        };
        let answer = f(store).map_err(|e| ApiError::from(e.at(store.path())));
        self.used_at.store(self.since_start(), Ordering::Relaxed);
        self.rested.store(false, Ordering::Relaxed);
        answer
    }

    fn since_start(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Once nothing has used the store for `idle`, gives its page cache back to the system
    /// (64 MiB once the first screen has read a large workspace; the pages are read again,
    /// mostly from the system's file cache, when next needed) and closes the reader. True when
    /// it did, now.
    pub fn rest_when_idle(&self, idle: Duration) -> bool {
        let idle = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        let since = self
            .since_start()
            .saturating_sub(self.used_at.load(Ordering::Relaxed));
        if since < idle || self.rested.load(Ordering::Relaxed) {
            return false;
        }
        let Ok(store) = self.store.as_ref() else {
            return false;
        };
        // a command holding the store is not at rest: try again later
        let Ok(guard) = store.try_lock() else {
            return false;
        };
        // the reader is closed (opened again when next needed), if it is not reading right now
        let Ok(mut reader) = self.reader.try_lock() else {
            return false;
        };
        if guard.release_memory().is_err() {
            return false;
        }
        reader.take();
        // marked while the store is still held: a command after this marks it used again
        self.rested.store(true, Ordering::Relaxed);
        drop(reader);
        drop(guard);
        give_back_freed_heap();
        true
    }

    /// Whether what was read at start is still waiting to be given.
    #[cfg(test)]
    pub fn first_page_waiting(&self) -> bool {
        self.early.is_waiting()
    }

    /// Whether the reader connection is open now.
    #[cfg(test)]
    pub fn reader_is_open(&self) -> bool {
        self.reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// [`AppState::with`] for the shell's own work (notifications), outside a command.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> hearth::Result<T>,
    ) -> Result<T, ApiError> {
        self.with(f)
    }

    /// Where the database lives, for the background syncer's own connection.
    pub fn db_path(&self) -> Option<std::path::PathBuf> {
        self.path.clone()
    }
}

/// Returns the heap SQLite just freed to the system: glibc keeps freed small blocks for reuse,
/// so without this the freed cache would still count against the app.
fn give_back_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists; it may run at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

type Reply<T> = Result<T, ApiError>;

/// The background syncer, started once the window is up (absent in tests and when the
/// database could not be opened).
#[derive(Default)]
pub struct Syncer(pub Mutex<Option<Scheduler>>);

impl Syncer {
    fn sync_now(&self, account: Option<i64>) {
        if let Some(s) = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            s.sync_now(account);
        }
    }

    fn publish_now(&self) {
        if let Some(s) = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            s.publish_now();
        }
    }
}

/// What the first frame shows, read into `early`. Errors are kept as the commands would answer
/// them, naming the file.
fn read_first_screen(store: &Mutex<Store>, early: &EarlyRead) {
    let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
    let db = s.path().to_path_buf();
    let status = s.status();
    let now = now_millis();
    let page = s
        .refresh_rules(now)
        .and_then(|_| s.inbox(&first_page_query(), now));
    let views = s
        .views(now)
        .and_then(|views| Ok((views, s.inbox_counts(now)?)));
    drop(s);
    let named = |e: hearth::Error| ApiError::from(e.at(&db));
    early.put(
        status.map_err(named),
        page.map_err(named),
        views.map_err(named),
    );
}

#[tauri::command(async)]
pub fn workspace_status(state: State<'_, AppState>) -> Reply<WorkspaceStatus> {
    state.with(|s| s.status())
}

#[tauri::command(async)]
pub fn generate_demo<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    options: DemoOptions,
) -> Reply<WorkspaceStatus> {
    state.with(|s| {
        hearth::demo::generate(s, &options, now_millis(), &mut |p| {
            let _ = app.emit(PROGRESS_EVENT, p);
        })?;
        s.status()
    })
}

/// A page of a view. Conversations a rule on time has come due for are weighed first.
#[tauri::command(async)]
pub fn inbox_list(state: State<'_, AppState>, query: InboxQuery) -> Reply<InboxPage> {
    if let Some(page) = state.early.take_page(&query) {
        return page;
    }
    state.with(|s| {
        let now = now_millis();
        s.refresh_rules(now)?;
        s.inbox(&query, now)
    })
}

/// Every view with its count, for the sidebar.
#[tauri::command(async)]
pub fn views_list(state: State<'_, AppState>) -> Reply<Vec<View>> {
    state.with(|s| {
        let now = now_millis();
        s.refresh_rules(now)?;
        s.views(now)
    })
}

/// Saves a view: a new one (no key), or the saved view `key` changed.
#[tauri::command(async)]
pub fn view_save(state: State<'_, AppState>, key: Option<String>, draft: ViewDraft) -> Reply<View> {
    state.with(|s| match key {
        Some(k) => s.update_view(&k, &draft, now_millis()),
        None => s.add_view(&draft, now_millis()),
    })
}

#[tauri::command(async)]
pub fn view_remove(state: State<'_, AppState>, key: String) -> Reply<()> {
    state.with(|s| s.remove_view(&key))
}

/// A view's own reply-time target (none: the workspace's).
#[tauri::command(async)]
pub fn view_target(state: State<'_, AppState>, key: String, hours: Option<i64>) -> Reply<View> {
    state.with(|s| s.set_view_target(&key, hours, now_millis()))
}

#[tauri::command(async)]
pub fn rules_list(state: State<'_, AppState>) -> Reply<Vec<Rule>> {
    state.with(|s| s.rules())
}

/// Saves a rule (a new one when `id` is none) and weighs the queue against it.
#[tauri::command(async)]
pub fn rule_save(state: State<'_, AppState>, id: Option<i64>, draft: RuleDraft) -> Reply<Rule> {
    state.with(|s| match id {
        Some(id) => s.update_rule(id, &draft, now_millis()),
        None => s.add_rule(&draft, now_millis()),
    })
}

#[tauri::command(async)]
pub fn rule_enable(state: State<'_, AppState>, id: i64, enabled: bool) -> Reply<Rule> {
    state.with(|s| s.set_rule_enabled(id, enabled, now_millis()))
}

#[tauri::command(async)]
pub fn rule_remove(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.remove_rule(id, now_millis()))
}

/// What a rule being written would match now, changing nothing.
#[tauri::command(async)]
pub fn rule_check(state: State<'_, AppState>, draft: RuleDraft) -> Reply<RuleCheck> {
    state.with(|s| s.test_rule(&draft, 5, now_millis()))
}

/// The conditions and effects a rule can have, in words.
#[tauri::command(async)]
pub fn rule_words() -> Vec<RuleWord> {
    hearth::inbox::rules::rule_words()
}

#[tauri::command(async)]
pub fn team_list(state: State<'_, AppState>) -> Reply<Vec<TeamMember>> {
    state.with(|s| s.team())
}

#[tauri::command(async)]
pub fn team_add(state: State<'_, AppState>, name: String) -> Reply<Vec<TeamMember>> {
    state.with(|s| s.add_team_member(&name, now_millis()))
}

#[tauri::command(async)]
pub fn team_remove(state: State<'_, AppState>, name: String) -> Reply<Vec<TeamMember>> {
    state.with(|s| s.remove_team_member(&name))
}

#[tauri::command(async)]
pub fn inbox_counts(state: State<'_, AppState>) -> Reply<InboxCounts> {
    state.with(|s| s.inbox_counts(now_millis()))
}

#[tauri::command(async)]
pub fn conversation_show(state: State<'_, AppState>, id: i64) -> Reply<ConversationDetail> {
    state.with(|s| s.conversation(id, now_millis()))
}

#[tauri::command(async)]
pub fn triage(
    state: State<'_, AppState>,
    teams: State<'_, Teams>,
    id: i64,
    action: TriageAction,
) -> Reply<InboxItem> {
    let item = state.with(|s| s.triage(id, &action, now_millis()))?;
    // teammates see it at once when the relay is there
    teams.changed_here();
    Ok(item)
}

/// Who a conversation is with, for the pane beside its thread (none when only the team wrote).
#[tauri::command(async)]
pub fn member_card(state: State<'_, AppState>, conversation_id: i64) -> Reply<Option<MemberCard>> {
    state.with(|s| s.member_card(conversation_id, now_millis()))
}

#[tauri::command(async)]
pub fn canned_list(state: State<'_, AppState>) -> Reply<Vec<CannedReply>> {
    state.with(|s| s.canned_replies())
}

/// Saves a canned reply (a new one, or the one of that name rewritten).
#[tauri::command(async)]
pub fn canned_save(state: State<'_, AppState>, name: String, body: String) -> Reply<CannedReply> {
    state.with(|s| s.save_canned_reply(&name, &body, now_millis()))
}

#[tauri::command(async)]
pub fn canned_remove(state: State<'_, AppState>, id: i64) -> Reply<CannedReply> {
    state.with(|s| s.remove_canned_reply(&id.to_string()))
}

/// A canned reply's text for a conversation, its variables filled in.
#[tauri::command(async)]
pub fn canned_for(state: State<'_, AppState>, id: i64, conversation_id: i64) -> Reply<String> {
    state.with(|s| s.canned_reply_for(&id.to_string(), conversation_id))
}

/// The reply-time target, in hours.
#[tauri::command(async)]
pub fn reply_target(state: State<'_, AppState>) -> Reply<i64> {
    state.with(|s| s.reply_target_hours())
}

#[tauri::command(async)]
pub fn set_reply_target(state: State<'_, AppState>, hours: i64) -> Reply<i64> {
    state.with(|s| s.set_reply_target_hours(hours))
}

/// The user's own name, for `{my_name}`.
#[tauri::command(async)]
pub fn my_name(state: State<'_, AppState>) -> Reply<Option<String>> {
    state.with(|s| s.setting(hearth::inbox::canned::MY_NAME))
}

#[tauri::command(async)]
pub fn set_my_name(state: State<'_, AppState>, name: String) -> Reply<Option<String>> {
    state.with(|s| s.set_my_name(&name, hearth::now_millis()).map(Some))
}

/// A bulk action, or its undo: all of them or none.
#[tauri::command(async)]
pub fn triage_each(
    state: State<'_, AppState>,
    teams: State<'_, Teams>,
    each: Vec<TriageEach>,
) -> Reply<Vec<InboxItem>> {
    let items = state.with(|s| s.triage_each(&each, now_millis()))?;
    teams.changed_here();
    Ok(items)
}

#[tauri::command(async)]
pub fn tags_list(state: State<'_, AppState>) -> Reply<Vec<String>> {
    state.with(|s| s.tags())
}

#[tauri::command(async)]
pub fn search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> Reply<SearchResults> {
    state.with(|s| s.search(&query, limit.unwrap_or(30), now_millis()))
}

#[tauri::command(async)]
pub fn members_list(state: State<'_, AppState>, query: MemberQuery) -> Reply<MemberPage> {
    state.read(|s| s.members(&query.at(now_millis())))
}

#[tauri::command(async)]
pub fn segments_list(state: State<'_, AppState>) -> Reply<Vec<Segment>> {
    state.read(|s| s.segments(now_millis()))
}

#[tauri::command(async)]
pub fn segment_add(
    state: State<'_, AppState>,
    name: String,
    filter: SegmentFilter,
) -> Reply<Segment> {
    state.with(|s| s.add_segment(&name, &filter, now_millis()))
}

#[tauri::command(async)]
pub fn segment_update(
    state: State<'_, AppState>,
    id: i64,
    name: String,
    filter: SegmentFilter,
) -> Reply<()> {
    state.with(|s| s.update_segment(id, &name, &filter))
}

#[tauri::command(async)]
pub fn segment_remove(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.remove_segment(id))
}

#[tauri::command(async)]
pub fn reminders_list(
    state: State<'_, AppState>,
    member_id: Option<i64>,
    all: bool,
) -> Reply<Vec<Reminder>> {
    state.with(|s| s.reminders(member_id, all, now_millis()))
}

/// When `text` ("tomorrow 9am", "in 2h", "next friday 8pm") falls, read in this computer's
/// time zone: what a time field previews before the time is used.
#[tauri::command]
pub fn when_read(text: String) -> Reply<Millis> {
    Ok(parse_when_local(&text, now_millis())?)
}

/// `when` in words ("friday", "in 3 days", "dec 24"), read in this computer's time zone.
#[tauri::command(async)]
pub fn reminder_add(
    state: State<'_, AppState>,
    member_id: i64,
    body: String,
    when: String,
) -> Reply<Reminder> {
    state.with(|s| {
        s.add_reminder(
            member_id,
            &body,
            parse_when_local(&when, now_millis())?,
            now_millis(),
        )
    })
}

#[tauri::command(async)]
pub fn reminder_done(state: State<'_, AppState>, id: i64) -> Reply<Reminder> {
    state.with(|s| s.reminder_done(id, now_millis()))
}

#[tauri::command(async)]
pub fn reminder_snooze(state: State<'_, AppState>, id: i64, until: Millis) -> Reply<Reminder> {
    state.with(|s| s.reminder_snooze(id, until, now_millis()))
}

#[tauri::command(async)]
pub fn reminder_reopen(state: State<'_, AppState>, id: i64) -> Reply<Reminder> {
    state.with(|s| s.reminder_reopen(id, now_millis()))
}

#[tauri::command(async)]
pub fn reminder_remove(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.remove_reminder(id))
}

#[tauri::command(async)]
pub fn member_profile(state: State<'_, AppState>, id: i64) -> Reply<MemberProfile> {
    state.with(|s| s.member_profile(id, now_millis()))
}

#[tauri::command(async)]
pub fn merge_suggestions(state: State<'_, AppState>, limit: u32) -> Reply<Vec<MergeSuggestion>> {
    state.with(|s| s.merge_suggestions(DEFAULT_MIN_PROBABILITY, limit))
}

#[tauri::command(async)]
pub fn merge_suggestion_count(state: State<'_, AppState>) -> Reply<i64> {
    state.with(|s| s.merge_suggestion_count())
}

#[tauri::command(async)]
pub fn review_suggestion(
    state: State<'_, AppState>,
    a: i64,
    b: i64,
    decision: ReviewDecision,
) -> Reply<ReviewStep> {
    state.with(|s| s.review_suggestion(a, b, decision, &local_user(), now_millis()))
}

#[tauri::command(async)]
pub fn undo_review(state: State<'_, AppState>, step: ReviewStep) -> Reply<()> {
    state.with(|s| s.undo_review(&step, now_millis()))
}

#[tauri::command(async)]
pub fn members_explain(
    state: State<'_, AppState>,
    a: i64,
    b: i64,
) -> Reply<Option<MergeSuggestion>> {
    state.with(|s| s.explain_pair(a, b))
}

#[tauri::command(async)]
pub fn members_merge(state: State<'_, AppState>, keep: i64, absorb: i64) -> Reply<i64> {
    state.with(|s| s.merge_members(keep, absorb, &local_user(), now_millis()))
}

#[tauri::command(async)]
pub fn member_unmerge(state: State<'_, AppState>, id: i64, merge_id: i64) -> Reply<i64> {
    state.with(|s| s.unmerge(id, Some(merge_id), now_millis()))
}

#[tauri::command(async)]
pub fn member_merges(state: State<'_, AppState>, id: i64) -> Reply<Vec<MergeRecord>> {
    state.with(|s| s.merge_history(id))
}

#[tauri::command(async)]
pub fn note_add(state: State<'_, AppState>, member_id: i64, body: String) -> Reply<Note> {
    state.with(|s| s.add_note(member_id, &body, now_millis()))
}

#[tauri::command(async)]
pub fn note_update(state: State<'_, AppState>, id: i64, body: String) -> Reply<Note> {
    state.with(|s| s.update_note(id, &body, now_millis()))
}

#[tauri::command(async)]
pub fn note_share(state: State<'_, AppState>, id: i64, shared: bool) -> Reply<Note> {
    state.with(|s| s.share_note(id, shared))
}

#[tauri::command(async)]
pub fn note_delete(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.delete_note(id))
}

#[tauri::command(async)]
pub fn member_tag(state: State<'_, AppState>, id: i64, tag: String) -> Reply<()> {
    state.with(|s| s.tag_member(id, &tag))
}

#[tauri::command(async)]
pub fn member_untag(state: State<'_, AppState>, id: i64, tag: String) -> Reply<bool> {
    state.with(|s| s.untag_member(id, &tag))
}

#[tauri::command(async)]
pub fn member_field_set(
    state: State<'_, AppState>,
    id: i64,
    name: String,
    value: String,
) -> Reply<()> {
    state.with(|s| s.set_member_field(id, &name, &value, now_millis()))
}

#[tauri::command(async)]
pub fn member_field_unset(state: State<'_, AppState>, id: i64, name: String) -> Reply<bool> {
    state.with(|s| s.unset_member_field(id, &name, now_millis()))
}

/// Sets a member's organisation by name, or clears it (`name: null`).
#[tauri::command(async)]
pub fn member_organization_set(
    state: State<'_, AppState>,
    id: i64,
    name: Option<String>,
) -> Reply<Option<i64>> {
    state.with(|s| s.set_member_organization(id, name.as_deref(), now_millis()))
}

#[tauri::command(async)]
pub fn organizations_list(
    state: State<'_, AppState>,
    q: Option<String>,
    limit: u32,
) -> Reply<Vec<OrganizationSummary>> {
    state.with(|s| s.organizations(q.as_deref(), limit))
}

#[tauri::command(async)]
pub fn organization_show(state: State<'_, AppState>, id: i64) -> Reply<OrganizationDetail> {
    state.with(|s| s.organization(id))
}

#[tauri::command(async)]
pub fn organization_rename(state: State<'_, AppState>, id: i64, name: String) -> Reply<()> {
    state.with(|s| s.rename_organization(id, &name, now_millis()))
}

#[tauri::command(async)]
pub fn organization_merge(state: State<'_, AppState>, keep: i64, absorb: i64) -> Reply<()> {
    state.with(|s| s.merge_organizations(keep, absorb, now_millis()))
}

/// Writes every member to `path` (chosen with `pick_save_file`): JSON for `.json`, else CSV.
#[tauri::command(async)]
pub fn members_export(state: State<'_, AppState>, path: String) -> Reply<u64> {
    state.with(|s| s.export_members_to(std::path::Path::new(&path)))
}

/// Writes everything Hearth holds about one person to `path` (chosen with `pick_save_file`).
#[tauri::command(async)]
pub fn member_privacy_export(state: State<'_, AppState>, id: i64, path: String) -> Reply<()> {
    state.with(|s| s.privacy_export_to(id, std::path::Path::new(&path), true, now_millis()))
}

#[tauri::command(async)]
pub fn member_forget_preview(state: State<'_, AppState>, id: i64) -> Reply<ForgetPreview> {
    state.with(|s| s.forget_preview(id))
}

#[tauri::command(async)]
pub fn member_forget(state: State<'_, AppState>, id: i64) -> Reply<ForgetReport> {
    state.with(|s| s.forget_member(id, now_millis()))
}

/// When to post, every platform and each: read on the second connection (a pass over the
/// period's messages, ~0.1–0.5 s on a large workspace), so the inbox never waits for it.
#[tauri::command(async)]
pub fn calendar_best_times(state: State<'_, AppState>, days: u32) -> Reply<Vec<BestTimes>> {
    state.read(|s| s.best_times(days.clamp(7, 730), now_millis()))
}

/// The community's health over a period beside the period before (the Dashboard).
#[tauri::command(async)]
pub fn metrics_get(state: State<'_, AppState>, query: MetricsQuery) -> Reply<Metrics> {
    // the roll-ups brought up to date on the writer (nothing to do unless messages changed
    // since the last sync), then read on the second connection
    state.with(|s| s.refresh_rollups().map(|_| ()))?;
    state.read(|s| s.metrics_as_rolled_up(&query, now_millis()))
}

/// The window's page zoom (the app's text size), in percent: 50 to 300.
#[tauri::command]
pub fn set_zoom<R: tauri::Runtime>(webview: tauri::Webview<R>, percent: u32) -> Reply<()> {
    if !(50..=300).contains(&percent) {
        return Err(hearth::Error::invalid(format!(
            "a text size of {percent}% is out of range (50% to 300%)"
        ))
        .into());
    }
    webview
        .set_zoom(f64::from(percent) / 100.0)
        .map_err(|e| hearth::Error::invalid(format!("the text size could not be changed: {e}")))?;
    Ok(())
}

/// Help → About Hearth: the release, the schema it reads and writes, and the database it is on.
#[tauri::command(async)]
pub fn app_about(state: State<'_, AppState>) -> Reply<AboutHearth> {
    // a database that could not be opened still lets the app say which Hearth it is
    let db = state
        .with(|s| Ok((s.path().display().to_string(), s.schema_found()?)))
        .ok();
    Ok(AboutHearth {
        version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: hearth::store::schema_version(),
        db_schema_version: db.as_ref().map(|d| d.1),
        db_path: db.map(|d| d.0),
    })
}

/// Response times per inbox view over the period, asked after the figures (it reads each
/// conversation with a question in the period), on the second connection.
#[tauri::command(async)]
pub fn metrics_by_view(
    state: State<'_, AppState>,
    query: MetricsQuery,
) -> Reply<Vec<ResponseFigures>> {
    state.read(|s| s.response_by_view_as_rolled_up(&query, now_millis()))
}

/// The messages the moderation rules flagged: "open" (the default) or "dismissed".
#[tauri::command(async)]
pub fn moderation_flags(state: State<'_, AppState>, status: Option<String>) -> Reply<Vec<ModFlag>> {
    state.read(|s| s.mod_flags(status.as_deref(), 500))
}

/// Dismisses a flag as false: never raised again, counted on its rule.
#[tauri::command(async)]
pub fn moderation_dismiss(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.dismiss_flag(id, now_millis()))
}

#[tauri::command(async)]
pub fn moderation_rules(state: State<'_, AppState>) -> Reply<Vec<ModRule>> {
    state.read(|s| s.mod_rules())
}

/// Adds a rule; it checks the last 30 days' messages at once.
#[tauri::command(async)]
pub fn moderation_add_rule(state: State<'_, AppState>, input: ModRuleInput) -> Reply<ModRule> {
    state.with(|s| s.add_mod_rule(&input, now_millis()))
}

#[tauri::command(async)]
pub fn moderation_enable_rule(
    state: State<'_, AppState>,
    id: i64,
    enabled: bool,
) -> Reply<ModRule> {
    state.with(|s| s.enable_mod_rule(id, enabled))
}

#[tauri::command(async)]
pub fn moderation_remove_rule(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.remove_mod_rule(id))
}

/// The feedback themes, brought up to date with the feedback first (on the writer), then read
/// on the second connection.
#[tauri::command(async)]
pub fn feedback_themes(state: State<'_, AppState>) -> Reply<FeedbackOverview> {
    state.with(|s| s.refresh_themes(now_millis()))?;
    state.read(|s| s.feedback_themes(now_millis()))
}

#[tauri::command(async)]
pub fn feedback_theme(state: State<'_, AppState>, id: i64) -> Reply<FeedbackThemeDetail> {
    state.read(|s| s.feedback_theme(id, now_millis()))
}

#[tauri::command(async)]
pub fn feedback_rename(state: State<'_, AppState>, id: i64, name: String) -> Reply<()> {
    state.with(|s| s.rename_theme(id, &name, now_millis()))
}

#[tauri::command(async)]
pub fn feedback_merge(state: State<'_, AppState>, keep: i64, absorb: i64) -> Reply<()> {
    state.with(|s| s.merge_themes(keep, absorb, now_millis()))
}

/// Splits the conversations of a theme that have `term` into a new theme; returns its id.
#[tauri::command(async)]
pub fn feedback_split(state: State<'_, AppState>, id: i64, term: String) -> Reply<i64> {
    state.with(|s| s.split_theme(id, &term, now_millis()))
}

#[tauri::command(async)]
pub fn feedback_move(
    state: State<'_, AppState>,
    conversation_id: i64,
    theme_id: Option<i64>,
) -> Reply<()> {
    state.with(|s| s.move_to_theme(conversation_id, theme_id))
}

/// Writes a theme to `path` (chosen with `pick_save_file`): Markdown for .md, CSV for .csv.
#[tauri::command(async)]
pub fn feedback_export(state: State<'_, AppState>, id: i64, path: std::path::PathBuf) -> Reply<()> {
    state.read(|s| s.export_theme(id, &path, now_millis()))
}

/// Queues a GitHub issue about a theme, and asks the syncer to send it now.
#[tauri::command(async)]
pub fn feedback_issue(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    id: i64,
    account_id: Option<i64>,
) -> Reply<OutboxItem> {
    let item = state.with(|s| s.open_theme_issue(id, account_id, now_millis()))?;
    syncer.sync_now(Some(item.account_id));
    Ok(item)
}

/// The actions that can be taken on a message (or an account), each saying whether Hearth
/// carries it out on the platform or records it as done by hand.
#[tauri::command(async)]
pub fn moderation_choices(
    state: State<'_, AppState>,
    message_id: Option<i64>,
    identity_id: Option<i64>,
) -> Reply<Vec<ModActionChoice>> {
    state.read(|s| s.mod_action_choices(message_id, identity_id))
}

/// Takes a moderation action; one carried out on the platform is sent now by the syncer.
#[tauri::command(async)]
pub fn moderation_act(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    input: ModActionInput,
) -> Reply<ModAction> {
    let action = state.with(|s| s.moderate(&input, now_millis()))?;
    if action.how == "platform" {
        syncer.sync_now(Some(action.account_id));
    }
    Ok(action)
}

/// The moderation log, newest first: everyone's, or one member's.
#[tauri::command(async)]
pub fn moderation_log(state: State<'_, AppState>, member_id: Option<i64>) -> Reply<Vec<ModAction>> {
    state.read(|s| s.mod_log(member_id, 500))
}

/// Records an action the platform refused as done by hand.
#[tauri::command(async)]
pub fn moderation_done_by_hand(state: State<'_, AppState>, id: i64) -> Reply<ModAction> {
    state.with(|s| s.mod_action_done_by_hand(id, now_millis()))
}

#[tauri::command(async)]
pub fn moderation_guidelines(state: State<'_, AppState>) -> Reply<String> {
    state.read(|s| s.guidelines())
}

#[tauri::command(async)]
pub fn moderation_set_guidelines(state: State<'_, AppState>, body: String) -> Reply<()> {
    state.with(|s| s.set_guidelines(&body, now_millis()))
}

/// One of the Dashboard's charts, its numbers for `query`'s period, as CSV at `path` (chosen
/// with the system's chooser; it must end in .csv).
#[tauri::command(async)]
pub fn metrics_export_csv(
    state: State<'_, AppState>,
    query: MetricsQuery,
    chart: HealthChart,
    path: String,
) -> Reply<()> {
    state.with(|s| s.export_chart_csv(&query, chart, std::path::Path::new(&path), now_millis()))
}

/// A chart's picture, drawn by the app: the PNG's bytes are the request's body, the path (from
/// the system's chooser, ending in .png) a header. Anything but a PNG is refused.
#[tauri::command(async)]
pub fn metrics_save_png(request: tauri::ipc::Request<'_>) -> Reply<()> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(hearth::Error::invalid("the chart's picture came without its bytes").into());
    };
    let path = upload_header(&request, "x-hearth-path")?;
    Ok(hearth::health::export::save_chart_png(
        std::path::Path::new(&path),
        bytes,
    )?)
}

/// The calendar as an iCalendar file at `path` (chosen with the system's chooser).
#[tauri::command(async)]
pub fn calendar_export_ics(
    state: State<'_, AppState>,
    path: String,
) -> Reply<CalendarExportSummary> {
    state.with(|s| {
        let done = s.export_calendar_ics(std::path::Path::new(&path), now_millis())?;
        Ok(CalendarExportSummary {
            events: done.events as u64,
            undated: done.undated as u64,
        })
    })
}

#[tauri::command(async)]
pub fn calendar_list(state: State<'_, AppState>, range: CalendarRange) -> Reply<Vec<CalendarItem>> {
    state.with(|s| s.calendar(&range))
}

/// One item whole (its texts too), as the editor opens it.
#[tauri::command(async)]
pub fn calendar_get(state: State<'_, AppState>, id: i64) -> Reply<CalendarItem> {
    state.with(|s| s.calendar_item(id))
}

#[tauri::command(async)]
pub fn calendar_create(
    state: State<'_, AppState>,
    input: CalendarItemInput,
) -> Reply<CalendarItem> {
    state.with(|s| s.create_calendar_item(&input, now_millis()))
}

#[tauri::command(async)]
pub fn calendar_update(
    state: State<'_, AppState>,
    id: i64,
    input: CalendarItemInput,
) -> Reply<CalendarItem> {
    state.with(|s| s.update_calendar_item(id, &input, now_millis()))
}

#[tauri::command(async)]
pub fn calendar_delete(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.delete_calendar_item(id))
}

/// Sends an item to review.
#[tauri::command(async)]
pub fn calendar_submit(state: State<'_, AppState>, id: i64) -> Reply<CalendarItem> {
    state.with(|s| s.submit_calendar_item(id, now_millis()))
}

/// Approves an item as the user (the team list's "me").
#[tauri::command(async)]
pub fn calendar_approve(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    id: i64,
) -> Reply<CalendarItem> {
    let item = state.with(|s| s.approve_calendar_item(id, None, now_millis()))?;
    syncer.publish_now();
    Ok(item)
}

#[tauri::command(async)]
pub fn calendar_comments(state: State<'_, AppState>, id: i64) -> Reply<Vec<CalendarComment>> {
    state.with(|s| s.calendar_comments(id))
}

#[tauri::command(async)]
pub fn calendar_comment(
    state: State<'_, AppState>,
    id: i64,
    body: String,
) -> Reply<CalendarComment> {
    state.with(|s| s.comment_on_calendar_item(id, None, &body, now_millis()))
}

/// A header of an image upload, percent-encoded by the window (headers carry ASCII only).
fn upload_header(request: &tauri::ipc::Request<'_>, name: &str) -> Reply<String> {
    let raw = request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| hearth::Error::invalid(format!("the upload has no {name} header")))?;
    Ok(percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned())
}

/// Attaches an image to a calendar item: the file's bytes are the request's body (no JSON
/// for megabytes), its item, name and alt text are headers.
#[tauri::command(async)]
pub fn calendar_add_image(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Reply<CalendarItem> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(hearth::Error::invalid("the image came without its bytes").into());
    };
    let item: i64 = upload_header(&request, "x-hearth-item")?
        .parse()
        .map_err(|_| hearth::Error::invalid("the upload names no calendar item"))?;
    let name = upload_header(&request, "x-hearth-name")?;
    let alt = upload_header(&request, "x-hearth-alt")?;
    state.with(|s| s.add_calendar_image(item, &name, bytes, &alt, now_millis()))
}

#[tauri::command(async)]
pub fn calendar_image_alt(
    state: State<'_, AppState>,
    image: i64,
    alt: String,
) -> Reply<CalendarItem> {
    state.with(|s| s.set_calendar_image_alt(image, &alt, now_millis()))
}

/// Moves an image to `position` (1 is first).
#[tauri::command(async)]
pub fn calendar_move_image(
    state: State<'_, AppState>,
    image: i64,
    position: usize,
) -> Reply<CalendarItem> {
    state.with(|s| s.move_calendar_image(image, position, now_millis()))
}

#[tauri::command(async)]
pub fn calendar_remove_image(state: State<'_, AppState>, image: i64) -> Reply<CalendarItem> {
    state.with(|s| s.remove_calendar_image(image, now_millis()))
}

/// An image's bytes, for its preview (an `ArrayBuffer` in the window).
#[tauri::command(async)]
pub fn calendar_image(state: State<'_, AppState>, image: i64) -> Reply<tauri::ipc::Response> {
    let (_, bytes) = state.with(|s| s.calendar_image_bytes(image))?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Publishes an item now (a missed one too); the publisher sends it at once.
#[tauri::command(async)]
pub fn calendar_publish_now(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    id: i64,
) -> Reply<CalendarItem> {
    let item = state.with(|s| s.publish_calendar_item_now(id, now_millis()))?;
    syncer.publish_now();
    Ok(item)
}

/// Sends a failed target again.
#[tauri::command(async)]
pub fn calendar_retry_target(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    target: i64,
) -> Reply<CalendarItem> {
    let item = state.with(|s| s.retry_calendar_target(target, now_millis()))?;
    syncer.publish_now();
    Ok(item)
}

/// Every account's posting slots.
#[tauri::command(async)]
pub fn calendar_slots(state: State<'_, AppState>) -> Reply<Vec<PostingSlot>> {
    state.with(|s| s.posting_slots())
}

/// Adds a slot to an account, in the user's time zone.
#[tauri::command(async)]
pub fn calendar_add_slot(
    state: State<'_, AppState>,
    account_id: i64,
    weekday: u8,
    minute: u16,
) -> Reply<PostingSlot> {
    state.with(|s| s.add_posting_slot(account_id, weekday, minute, None))
}

#[tauri::command(async)]
pub fn calendar_remove_slot(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.remove_posting_slot(id))
}

/// Dates an item at the next free slot of its accounts.
#[tauri::command(async)]
pub fn calendar_next_slot(state: State<'_, AppState>, id: i64) -> Reply<CalendarItem> {
    state.with(|s| s.schedule_in_next_slot(id, now_millis()))
}

/// How late a due post may still go out, in minutes.
#[tauri::command(async)]
pub fn calendar_grace(state: State<'_, AppState>) -> Reply<u32> {
    state.with(|s| s.publish_grace_minutes())
}

#[tauri::command(async)]
pub fn calendar_set_grace(state: State<'_, AppState>, minutes: u32) -> Reply<u32> {
    state.with(|s| {
        s.set_publish_grace_minutes(minutes)?;
        s.publish_grace_minutes()
    })
}

/// Opens a link from a message in the person's browser; only web and mail links.
#[tauri::command(async)]
pub fn open_external<R: Runtime>(app: AppHandle<R>, url: String) -> Reply<()> {
    use tauri_plugin_opener::OpenerExt;
    let allowed = ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| url.starts_with(p));
    if !allowed {
        return Err(ApiError {
            code: ErrorCode::InvalidInput,
            message: "only web and email links can be opened".into(),
        });
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ApiError {
            code: ErrorCode::Io,
            message: format!("could not open the link in your browser: {e}"),
        })
}

#[tauri::command(async)]
pub fn platforms_connectable() -> Vec<PlatformSpec> {
    hearth::accounts::connectable_platforms()
}

#[tauri::command(async)]
pub fn accounts_list(state: State<'_, AppState>) -> Reply<Vec<AccountView>> {
    state.with(|s| s.list_accounts())
}

#[tauri::command(async)]
pub fn account_add(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    input: AccountInput,
) -> Reply<AccountView> {
    let account = state.with(|s| hearth::accounts::connect_account(s, &input, now_millis()))?;
    syncer.sync_now(Some(account.id));
    Ok(account)
}

#[tauri::command(async)]
pub fn account_update(
    state: State<'_, AppState>,
    id: i64,
    input: AccountInput,
) -> Reply<AccountView> {
    state.with(|s| hearth::accounts::edit_account(s, id, &input))
}

#[tauri::command(async)]
pub fn account_remove(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| hearth::accounts::disconnect_account(s, id))
}

/// "Test connection": asks the platform without holding the database.
#[tauri::command]
pub async fn account_test(state: State<'_, AppState>, id: i64) -> Reply<ConnectionCheck> {
    let connector =
        state.with(|s| connector_for(s, &s.account(id)?, std::sync::Arc::new(now_millis)))?;
    let me = check_connection(connector.as_ref()).await?;
    state.with(|s| remember_identity(s, id, &me))?;
    Ok(me)
}

#[tauri::command(async)]
pub fn sync_now(syncer: State<'_, Syncer>, account_id: Option<i64>) {
    syncer.sync_now(account_id)
}

#[tauri::command(async)]
pub fn sync_status(syncer: State<'_, Syncer>) -> Vec<SyncProgress> {
    let guard = syncer.0.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_ref().map(Scheduler::status).unwrap_or_default()
}

/// The team this workspace shares triage with, and the latest state of its sync.
#[derive(Default)]
pub struct Teams {
    pub syncer: Mutex<Option<hearth::team::background::TeamSyncer>>,
    pub last: Mutex<Option<TeamSyncState>>,
    pub presence: Mutex<Option<hearth::team::presence::Keeper>>,
    /// Teammates around now, as the last presence event said.
    pub around: Mutex<Vec<TeamPresence>>,
}

impl Teams {
    /// Joined, created or left a team: presence follows.
    fn team_changed(&self) {
        if let Some(p) = self
            .presence
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            p.team_changed();
        }
    }

    fn sync_now(&self) {
        if let Some(s) = self
            .syncer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            s.sync_now();
        }
    }

    /// After a triage action: the team sync shares it, when this workspace is in a team (most
    /// are not, and a keypress should not open a connection for nothing).
    fn changed_here(&self) {
        let in_team = self
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|s| s.team.is_some());
        if in_team {
            self.sync_now();
        }
    }
}

/// The event that carries [`TeamSyncState`] while the team syncs in the background.
pub const TEAM_EVENT: &str = "hearth://team";

/// The event that carries the teammates around now (`Vec<TeamPresence>`).
pub const PRESENCE_EVENT: &str = "hearth://presence";

/// Tells teammates where this manager is: on a conversation, viewing or replying, or (none)
/// only online. Nothing is said when the workspace is in no team.
#[tauri::command(async)]
pub fn presence_set(
    state: State<'_, AppState>,
    teams: State<'_, Teams>,
    conversation_id: Option<i64>,
    doing: String,
) -> Reply<()> {
    use hearth::team::presence::Doing;
    let doing = match (Doing::parse(&doing), conversation_id) {
        (Some(d @ (Doing::Viewing | Doing::Replying)), Some(_)) => d,
        (Some(Doing::Online), _) | (_, None) => Doing::Online,
        _ => {
            return Err(ApiError {
                code: ErrorCode::InvalidInput,
                message: format!("'{doing}' is not viewing, replying or online"),
            })
        }
    };
    let key = match conversation_id {
        Some(id) if doing != Doing::Online => state.with(|s| s.team_conversation_key(id))?,
        _ => None,
    };
    if let Some(p) = teams
        .presence
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        p.set(if key.is_some() { doing } else { Doing::Online }, key);
    }
    Ok(())
}

/// The teammates around now (the same list as the last presence event).
#[tauri::command(async)]
pub fn presence_now(teams: State<'_, Teams>) -> Vec<TeamPresence> {
    teams
        .around
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// The team and how its last sync went (None before the first one reported).
#[tauri::command(async)]
pub fn team_state(state: State<'_, AppState>, teams: State<'_, Teams>) -> Reply<TeamSyncState> {
    // the team as the database has it now (joined or left since the last round), with how
    // the last round went when it was about this team
    let team: Option<TeamInfo> = state.with(|s| s.team_info())?;
    let last = teams.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(match last {
        Some(last) if team.is_some() && last.team.is_some() => TeamSyncState { team, ..last },
        _ => TeamSyncState {
            state: if team.is_some() { "synced" } else { "idle" }.into(),
            team,
            message: None,
            report: None,
        },
    })
}

fn db_path_of(state: &AppState) -> Result<std::path::PathBuf, ApiError> {
    state.db_path().ok_or_else(|| ApiError {
        code: ErrorCode::NoDatabase,
        message: "no database is open".into(),
    })
}

/// Settings → Team → Create: the team's document on the relay; returns the join link.
#[tauri::command(async)]
pub fn team_create(
    state: State<'_, AppState>,
    teams: State<'_, Teams>,
    relay: String,
    secret: String,
    name: String,
) -> Reply<String> {
    let path = db_path_of(&state)?;
    let secret = hearth::platform::Secret::new(secret.trim());
    let link = hearth::team::on_own_connection(&path, async |s| {
        hearth::team::create(s, relay.trim(), secret, &name, now_millis()).await
    })?;
    teams.sync_now();
    teams.team_changed();
    Ok(link.to_link())
}

/// Settings → Team → Join with a link: the team's state comes here.
#[tauri::command(async)]
pub fn team_join(
    state: State<'_, AppState>,
    teams: State<'_, Teams>,
    link: String,
    name: String,
) -> Reply<TeamSyncReport> {
    let path = db_path_of(&state)?;
    let link = hearth::team::JoinLink::parse(&link)?;
    let report = hearth::team::on_own_connection(&path, async |s| {
        hearth::team::join(s, &link, &name, now_millis()).await
    })?;
    teams.sync_now();
    teams.team_changed();
    Ok(report)
}

/// The join link to invite another teammate with.
#[tauri::command(async)]
pub fn team_link(state: State<'_, AppState>) -> Reply<Option<String>> {
    state.with(|s| Ok(s.team_join_link()?.map(|l| l.to_link())))
}

#[tauri::command(async)]
pub fn team_leave(state: State<'_, AppState>, teams: State<'_, Teams>) -> Reply<bool> {
    let left = state.with(|s| s.team_leave())?;
    teams.sync_now();
    teams.team_changed();
    Ok(left)
}

/// Shares what changed here now (after a triage action, or "Sync now").
#[tauri::command(async)]
pub fn team_sync_now(teams: State<'_, Teams>) {
    teams.sync_now();
}

/// What teammates set differently for a conversation while apart (the value set aside).
#[tauri::command(async)]
pub fn team_conflicts(state: State<'_, AppState>, id: i64) -> Reply<Vec<TeamConflict>> {
    state.with(|s| s.team_conflicts(id))
}

/// What waits to be sent, and what was sent since `sent_since` (unix ms).
#[tauri::command(async)]
pub fn outbox_list(state: State<'_, AppState>, sent_since: Option<i64>) -> Reply<Vec<OutboxItem>> {
    state.with(|s| s.list_outbox(sent_since))
}

/// Queues a reply and asks the syncer to send it now, or (send later) to wake when it is due.
#[tauri::command(async)]
pub fn reply_queue(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    conversation_id: i64,
    body: String,
    send_after: Option<i64>,
) -> Reply<OutboxItem> {
    let item =
        state.with(|s| s.queue_reply_at(conversation_id, &body, send_after, now_millis()))?;
    syncer.sync_now(Some(item.account_id));
    Ok(item)
}

#[tauri::command(async)]
pub fn outbox_retry(
    state: State<'_, AppState>,
    syncer: State<'_, Syncer>,
    id: i64,
) -> Reply<OutboxItem> {
    let item = state.with(|s| s.retry_outbox(id))?;
    syncer.sync_now(Some(item.account_id));
    Ok(item)
}

#[tauri::command(async)]
pub fn outbox_cancel(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.with(|s| s.cancel_outbox(id, now_millis()))
}

/// Settings → Data: where the data lives, its backups, and the demo community if any.
#[tauri::command(async)]
pub fn data_overview(state: State<'_, AppState>) -> Reply<DataOverview> {
    state.with(hearth::data::overview)
}

#[tauri::command(async)]
pub fn backup_now(state: State<'_, AppState>) -> Reply<BackupInfo> {
    state.with(|s| s.backup_now(now_millis()))
}

/// Replaces the data with a backup (the current data is backed up first).
#[tauri::command(async)]
pub fn backup_restore(state: State<'_, AppState>, path: String) -> Reply<WorkspaceStatus> {
    state.with(|s| {
        s.restore_from(std::path::Path::new(&path), now_millis())?;
        s.finish_upgrade()?;
        s.status()
    })
}

#[tauri::command(async)]
pub fn backups_keep(state: State<'_, AppState>, keep: u32) -> Reply<DataOverview> {
    state.with(|s| {
        s.set_keep_backups(keep)?;
        hearth::data::overview(s)
    })
}

/// Shows the data folder in the file manager.
#[tauri::command(async)]
pub fn data_folder_open<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Reply<()> {
    use tauri_plugin_opener::OpenerExt;
    let folder = state.with(|s| hearth::data::overview(s).map(|o| o.data_folder))?;
    app.opener()
        .open_path(folder, None::<&str>)
        .map_err(|e| ApiError {
            code: ErrorCode::Io,
            message: format!("could not open the data folder: {e}"),
        })
}

/// Asks for a folder (exports, imports) with the system's folder chooser; `None` if cancelled.
#[tauri::command]
pub async fn pick_folder<R: Runtime>(app: AppHandle<R>, title: String) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .pick_folder(move |folder| {
            let _ = tx.send(folder.and_then(|f| f.into_path().ok()));
        });
    rx.await.ok().flatten().map(|p| p.display().to_string())
}

/// Asks where to save a file with the system's chooser, suggesting `file_name`; `None` if
/// cancelled.
#[tauri::command]
pub async fn pick_save_file<R: Runtime>(
    app: AppHandle<R>,
    title: String,
    file_name: String,
) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter("JSON", &["json"])
        .save_file(move |file| {
            let _ = tx.send(file.and_then(|f| f.into_path().ok()));
        });
    rx.await.ok().flatten().map(|p| p.display().to_string())
}

#[tauri::command(async)]
pub fn workspace_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    dir: String,
) -> Reply<ExportSummary> {
    state.with(|s| {
        s.export_to(std::path::Path::new(&dir), &mut |p| {
            let _ = app.emit(PROGRESS_EVENT, p);
        })
    })
}

/// Reads an export into this (empty) workspace.
#[tauri::command(async)]
pub fn workspace_import<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    dir: String,
) -> Reply<WorkspaceTotals> {
    state.with(|s| {
        s.import_from(std::path::Path::new(&dir), &mut |p| {
            let _ = app.emit(PROGRESS_EVENT, p);
        })?;
        s.totals()
    })
}

/// Asks for one file of a kind with the system's file chooser; `None` if cancelled.
async fn pick_one_file<R: Runtime>(
    app: AppHandle<R>,
    title: String,
    kind: &str,
    extensions: &[&str],
) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .add_filter(kind, extensions)
        .pick_file(move |file| {
            let _ = tx.send(file.and_then(|f| f.into_path().ok()));
        });
    rx.await.ok().flatten().map(|p| p.display().to_string())
}

/// Asks for a members file (CSV) with the system's file chooser; `None` if cancelled.
#[tauri::command]
pub async fn pick_csv_file<R: Runtime>(app: AppHandle<R>, title: String) -> Option<String> {
    pick_one_file(app, title, "Spreadsheet (CSV)", &["csv", "tsv", "txt"]).await
}

/// Asks for an iCalendar file with the system's file chooser; `None` if cancelled.
#[tauri::command]
pub async fn pick_ics_file<R: Runtime>(app: AppHandle<R>, title: String) -> Option<String> {
    pick_one_file(
        app,
        title,
        "Calendar (iCalendar)",
        &["ics", "ical", "icalendar"],
    )
    .await
}

/// Events of an iCalendar file as dated ideas (a recurring one's occurrences in the next 90
/// days).
#[tauri::command(async)]
pub fn calendar_import_ics(
    state: State<'_, AppState>,
    path: String,
) -> Reply<CalendarImportReport> {
    state.with(|s| s.import_calendar_ics(std::path::Path::new(&path), now_millis(), 90))
}

/// How a members file would be imported (columns, encoding, refused rows); writes nothing.
#[tauri::command(async)]
pub fn members_import_preview(path: String, options: MemberImportOptions) -> Reply<CsvPreview> {
    Ok(hearth::members::import::preview_member_csv(
        std::path::Path::new(&path),
        &options,
    )?)
}

/// Imports a members file into a list, with progress events.
#[tauri::command(async)]
pub fn members_import<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
    options: MemberImportOptions,
) -> Reply<MemberImportReport> {
    state.with(|s| {
        s.import_members(
            std::path::Path::new(&path),
            &options,
            now_millis(),
            &mut |p| {
                let _ = app.emit(PROGRESS_EVENT, p);
            },
        )
    })
}

#[tauri::command(async)]
pub fn demo_remove(state: State<'_, AppState>) -> Reply<DemoRemoval> {
    state.with(|s| s.remove_demo())
}

/// SQLite's check of the whole database file, on its own read-only connection (seconds on a
/// large workspace, so the UI asks for it after the first screen, in the background): a
/// damaged file is an error naming it, with what to do.
#[tauri::command(async)]
pub fn workspace_check(state: State<'_, AppState>) -> Reply<()> {
    let Some(path) = state.db_path() else {
        return Ok(());
    };
    let report = hearth::data::doctor::quick_check(&path).map_err(ApiError::from)?;
    if report.is_ok() {
        return Ok(());
    }
    Err(ApiError::from(
        hearth::Error::Damaged {
            path: None,
            detail: report.problems.join("; "),
            advice: None,
        }
        .at(&path),
    ))
}

/// The notification choices (Settings → Inbox).
#[tauri::command(async)]
pub fn notify_settings(state: State<'_, AppState>) -> Reply<NotifySettings> {
    state.with(|s| s.notify_settings())
}

/// Which notification service the desktop runs, or why there is none.
#[tauri::command(async)]
pub fn notify_service() -> NotifyService {
    crate::notify::service()
}

/// Shows a sample notification (Settings → Inbox → Send a test notification).
#[tauri::command(async)]
pub fn notify_test() -> NotifyService {
    crate::notify::show_sample()
}

/// Saves the notification choices; quiet hours need a start and an end.
#[tauri::command(async)]
pub fn notify_settings_save(
    state: State<'_, AppState>,
    settings: NotifySettings,
) -> Reply<NotifySettings> {
    state.with(|s| s.set_notify_settings(&settings))
}

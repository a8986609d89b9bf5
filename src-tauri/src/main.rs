//! Hearth's desktop shell: one window hosting the web UI, a menu, a tray icon, and the Tauri
//! commands (in `commands`) that call into the core. Must never: hold SQL or HTTP code.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod first_paint;
mod first_screen;
mod notify;

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use commands::{AppState, Syncer, Teams};

/// The event that asks the UI to show a view ("inbox", "members", "calendar", "health",
/// "moderation", "shortcuts").
pub(crate) const NAVIGATE_EVENT: &str = "hearth://navigate";

/// Registers Hearth's state and commands on a builder (shared by the app and its tests).
fn with_commands<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .manage(Syncer::default())
        .manage(Teams::default())
        .invoke_handler(tauri::generate_handler![
            commands::workspace_status,
            commands::workspace_check,
            commands::generate_demo,
            commands::inbox_list,
            commands::inbox_counts,
            commands::views_list,
            commands::view_save,
            commands::view_remove,
            commands::view_target,
            commands::rules_list,
            commands::rule_save,
            commands::rule_enable,
            commands::rule_remove,
            commands::rule_check,
            commands::rule_words,
            commands::team_list,
            commands::team_add,
            commands::team_remove,
            commands::team_state,
            commands::team_create,
            commands::team_join,
            commands::team_link,
            commands::team_leave,
            commands::team_sync_now,
            commands::team_conflicts,
            commands::conversation_show,
            commands::triage,
            commands::triage_each,
            commands::member_card,
            commands::canned_list,
            commands::canned_save,
            commands::canned_remove,
            commands::canned_for,
            commands::my_name,
            commands::reply_target,
            commands::set_reply_target,
            commands::set_my_name,
            commands::tags_list,
            commands::search,
            commands::members_list,
            commands::member_profile,
            commands::merge_suggestions,
            commands::merge_suggestion_count,
            commands::review_suggestion,
            commands::undo_review,
            commands::members_explain,
            commands::members_merge,
            commands::member_unmerge,
            commands::member_merges,
            commands::segments_list,
            commands::segment_add,
            commands::segment_update,
            commands::segment_remove,
            commands::reminders_list,
            commands::reminder_add,
            commands::when_read,
            commands::reminder_done,
            commands::reminder_snooze,
            commands::reminder_reopen,
            commands::reminder_remove,
            commands::note_add,
            commands::note_update,
            commands::note_delete,
            commands::note_share,
            commands::presence_set,
            commands::presence_now,
            commands::member_tag,
            commands::member_untag,
            commands::member_field_set,
            commands::member_field_unset,
            commands::member_organization_set,
            commands::organizations_list,
            commands::organization_show,
            commands::organization_rename,
            commands::organization_merge,
            commands::members_export,
            commands::member_privacy_export,
            commands::member_forget_preview,
            commands::member_forget,
            commands::pick_save_file,
            commands::calendar_list,
            commands::calendar_best_times,
            commands::calendar_export_ics,
            commands::calendar_import_ics,
            commands::pick_ics_file,
            commands::calendar_create,
            commands::calendar_update,
            commands::calendar_delete,
            commands::calendar_get,
            commands::calendar_submit,
            commands::calendar_approve,
            commands::calendar_comments,
            commands::calendar_comment,
            commands::metrics_get,
            commands::metrics_by_view,
            commands::app_about,
            commands::set_zoom,
            commands::metrics_export_csv,
            commands::metrics_save_png,
            commands::moderation_flags,
            commands::moderation_dismiss,
            commands::moderation_rules,
            commands::moderation_add_rule,
            commands::moderation_enable_rule,
            commands::moderation_remove_rule,
            commands::feedback_themes,
            commands::feedback_theme,
            commands::feedback_rename,
            commands::feedback_merge,
            commands::feedback_split,
            commands::feedback_move,
            commands::feedback_export,
            commands::feedback_issue,
            commands::moderation_choices,
            commands::moderation_act,
            commands::moderation_log,
            commands::moderation_done_by_hand,
            commands::moderation_guidelines,
            commands::moderation_set_guidelines,
            commands::calendar_add_image,
            commands::calendar_image_alt,
            commands::calendar_move_image,
            commands::calendar_remove_image,
            commands::calendar_image,
            commands::calendar_publish_now,
            commands::calendar_retry_target,
            commands::calendar_grace,
            commands::calendar_slots,
            commands::calendar_add_slot,
            commands::calendar_remove_slot,
            commands::calendar_next_slot,
            commands::calendar_set_grace,
            commands::open_external,
            commands::platforms_connectable,
            commands::accounts_list,
            commands::account_add,
            commands::account_update,
            commands::account_remove,
            commands::account_test,
            commands::sync_now,
            commands::sync_status,
            commands::outbox_list,
            commands::reply_queue,
            commands::outbox_retry,
            commands::outbox_cancel,
            commands::data_overview,
            commands::backup_now,
            commands::backup_restore,
            commands::backups_keep,
            commands::data_folder_open,
            commands::pick_folder,
            commands::workspace_export,
            commands::workspace_import,
            commands::pick_csv_file,
            commands::members_import_preview,
            commands::members_import,
            commands::demo_remove,
            commands::notify_settings,
            commands::notify_settings_save,
            commands::notify_service,
            commands::notify_test,
        ])
}

pub(crate) fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

fn navigate<R: Runtime>(app: &AppHandle<R>, id: &str) {
    if let Some(view) = id.strip_prefix("nav-") {
        show_main_window(app);
        let _ = app.emit(NAVIGATE_EVENT, view);
    }
}

/// The window's menu, before the window shows (added later, it would move the page down).
fn setup_menu<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let inbox = MenuItem::with_id(app, "nav-inbox", "Inbox", true, Some("CmdOrCtrl+1"))?;
    let members = MenuItem::with_id(app, "nav-members", "Members", true, Some("CmdOrCtrl+2"))?;
    let calendar = MenuItem::with_id(app, "nav-calendar", "Calendar", true, Some("CmdOrCtrl+3"))?;
    let health = MenuItem::with_id(app, "nav-health", "Dashboard", true, Some("CmdOrCtrl+4"))?;
    let moderation = MenuItem::with_id(
        app,
        "nav-moderation",
        "Moderation",
        true,
        Some("CmdOrCtrl+5"),
    )?;
    let shortcuts = MenuItem::with_id(
        app,
        "nav-shortcuts",
        "Keyboard shortcuts",
        true,
        None::<&str>,
    )?;
    let about = MenuItem::with_id(app, "nav-about", "About Hearth", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &Submenu::with_items(
                app,
                "Hearth",
                true,
                &[&PredefinedMenuItem::quit(app, None)?],
            )?,
            &Submenu::with_items(
                app,
                "View",
                true,
                &[&inbox, &members, &calendar, &health, &moderation],
            )?,
            &Submenu::with_items(app, "Help", true, &[&shortcuts, &about])?,
        ],
    )?;
    app.set_menu(menu)?;
    app.on_menu_event(|app, event| navigate(app, event.id().as_ref()));
    Ok(())
}

/// Puts Hearth in the system tray once its page has loaded, the first time only. Built in
/// `setup`, it cost 5–9 ms (the icon is written to a file for the tray's D-Bus service) before
/// GTK could show the window; nobody reaches for the tray in the first half-second.
fn tray_once_shown<R: Runtime>(app: &AppHandle<R>) {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let handle = app.clone();
    BUILT.call_once(move || {
        let built = app.run_on_main_thread(move || {
            if let Err(e) = build_tray(&handle) {
                eprintln!("hearth: no tray icon ({e})");
            }
        });
        if let Err(e) = built {
            eprintln!("hearth: no tray icon ({e})");
        }
    });
}

fn build_tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let tray_menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, "nav-inbox", "Open inbox", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, "quit", "Quit Hearth", true, None::<&str>)?,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id("hearth")
        .tooltip("Hearth")
        .menu(&tray_menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "quit" => app.exit(0),
            id => navigate(app, id),
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// How often every account syncs while the app runs (and right after it starts).
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// How long the store goes unused before the app gives its page cache back.
const REST_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

/// Watches for the app coming to rest (no command for [`REST_AFTER`]) and gives the store's
/// page cache back then: a workstation left open all day holds what it shows, not the 64 MiB
/// its first screen read.
fn rest_when_idle<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("hearth-rest".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            app.state::<AppState>().rest_when_idle(REST_AFTER);
        });
    if let Err(e) = spawned {
        eprintln!("hearth: memory is not given back at rest ({e})");
    }
}

/// Starts syncing in the background on its own connection; progress goes to the UI as events.
fn start_background_sync<R: Runtime>(app: &AppHandle<R>) {
    let Some(path) = app.state::<AppState>().db_path() else {
        return;
    };
    let emitter = app.clone();
    let sink = std::sync::Arc::new(move |p: &hearth::model::SyncProgress| {
        let _ = emitter.emit(commands::SYNC_EVENT, p);
        if p.state == hearth::model::SyncState::Done && p.messages_added > 0 {
            notify::announce(&emitter);
        }
    });
    let clock = std::sync::Arc::new(hearth::now_millis);
    match hearth::sync::scheduler::Scheduler::start(path, SYNC_EVERY, sink, clock) {
        Ok(s) => {
            *app.state::<Syncer>()
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(s)
        }
        Err(e) => eprintln!("hearth: background sync could not start: {e}"),
    }
}

/// How often the team's triage syncs while the app runs (and after each change made here).
const TEAM_SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts the team sync in the background on its own connection; its states go to the UI.
fn start_team_sync<R: Runtime>(app: &AppHandle<R>) {
    let Some(path) = app.state::<AppState>().db_path() else {
        return;
    };
    let emitter = app.clone();
    let sink = std::sync::Arc::new(move |s: &hearth::model::TeamSyncState| {
        *emitter
            .state::<Teams>()
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
        let _ = emitter.emit(commands::TEAM_EVENT, s);
    });
    let clock = std::sync::Arc::new(hearth::now_millis);
    let emitter = app.clone();
    let around = std::sync::Arc::new(move |now: Vec<hearth::model::TeamPresence>| {
        *emitter
            .state::<Teams>()
            .around
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = now.clone();
        let _ = emitter.emit(commands::PRESENCE_EVENT, now);
    });
    match hearth::team::presence::Keeper::start(path.clone(), around) {
        Ok(k) => {
            *app.state::<Teams>()
                .presence
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(k)
        }
        Err(e) => eprintln!("hearth: presence could not start: {e}"),
    }
    match hearth::team::background::TeamSyncer::start(path, TEAM_SYNC_EVERY, sink, clock) {
        Ok(s) => {
            *app.state::<Teams>()
                .syncer
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(s)
        }
        Err(e) => eprintln!("hearth: the team sync could not start: {e}"),
    }
}

/// WebKitGTK composites the page with OpenGL. Without a GPU (a virtual machine, a remote
/// desktop, a headless display) that GL is Mesa's software rasteriser, and every frame that
/// changes anything costs 50–100 ms more: under Xvfb here, holding `j` in the inbox dropped 76%
/// of frames with compositing and 2% without, and the app took 6 s instead of 1 s to settle
/// after the inbox first showed (`tests/e2e/keypaint.bench.mjs`). With no render node there is
/// no GPU to composite on, so Hearth asks WebKit to paint without compositing, unless the
/// person has chosen either way themselves.
#[cfg(target_os = "linux")]
fn paint_without_compositing_when_no_gpu() {
    const CHOICE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(CHOICE).is_none() && !has_render_node(std::path::Path::new("/dev/dri")) {
        // before any other thread exists: nothing else reads the environment yet
        std::env::set_var(CHOICE, "1");
    }
}

/// Whether `dri` (the DRM device folder) holds a render node (`renderD128`): a GPU WebKit can
/// composite on.
#[cfg(target_os = "linux")]
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

fn main() {
    #[cfg(target_os = "linux")]
    paint_without_compositing_when_no_gpu();
    let store = hearth::store::default_db_path()
        .and_then(hearth::Store::open_creating_dir)
        .and_then(|mut s| s.finish_upgrade().map(|()| s));
    if let Err(e) = &store {
        eprintln!("hearth: {e}");
    }
    let state = AppState::new(store);
    // while Tauri, GTK and WebKit start: the page is served with the first screen written in
    if !state.read_first_page_in_background() {
        eprintln!("hearth: the inbox is read when the window asks for it");
    }
    let mut context = tauri::generate_context!();
    first_screen::FirstScreenAssets::wrap(&mut context, state.early_read());
    let builder = with_commands(tauri::Builder::default(), state)
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .on_page_load(|webview, load| {
            if load.event() == tauri::webview::PageLoadEvent::Finished {
                tray_once_shown(webview.app_handle());
            }
        })
        .setup(|app| {
            setup_menu(app)?;
            start_background_sync(app.handle());
            start_team_sync(app.handle());
            rest_when_idle(app.handle().clone());
            Ok(())
        });
    if let Err(e) = builder.run(context) {
        eprintln!("hearth: the desktop app could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_gpu_is_a_render_node_in_the_drm_folder() {
        let dri = std::env::temp_dir().join(format!("hearth-dri-{}", std::process::id()));
        assert!(!has_render_node(&dri), "no folder: no GPU");
        std::fs::create_dir_all(&dri).expect("a temporary folder");
        std::fs::write(dri.join("card0"), b"").expect("a file");
        assert!(
            !has_render_node(&dri),
            "a display card alone renders nothing"
        );
        std::fs::write(dri.join("renderD128"), b"").expect("a file");
        assert!(has_render_node(&dri));
        std::fs::remove_dir_all(&dri).expect("cleaned up");
    }
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    type MockApp = tauri::App<tauri::test::MockRuntime>;
    type MockWindow = tauri::WebviewWindow<tauri::test::MockRuntime>;

    /// The app's real commands and state over the database at `db` (as `Store::open` leaves
    /// it: open, or the error the first screen shows), with one mock window.
    fn app_on(db: &std::path::Path) -> (MockApp, MockWindow) {
        let app = with_commands(mock_builder(), AppState::new(hearth::Store::open(db)))
            .build(mock_context(noop_assets()))
            .expect("the mock app builds");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("a mock window");
        (app, window)
    }

    /// [`app_with_db`] holding a small demo.
    fn demo_app(dir: &std::path::Path) -> (MockApp, MockWindow) {
        let (app, window) = app_with_db(dir);
        invoke(
            &window,
            "generate_demo",
            serde_json::json!({"options": {"members": 30, "messages": 300, "seed": 1}}),
        )
        .expect("demo");
        (app, window)
    }

    /// What the UI asks for first (`query(0)` in ui/src/lib/stores/inbox.svelte.ts).
    fn first_ask() -> serde_json::Value {
        serde_json::json!({"query": {
            "view": "open", "status": null, "platform": null, "tag": null, "limit": 50, "offset": 0
        }})
    }

    /// [`app_on`] a database in `dir`.
    fn app_with_db(dir: &std::path::Path) -> (MockApp, MockWindow) {
        app_on(&dir.join("hearth.db"))
    }

    fn invoke(
        window: &MockWindow,
        cmd: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let res = get_ipc_response(
            window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("a valid url"),
                body: body.into(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        );
        res.map(|b| b.deserialize().expect("JSON reply"))
    }

    #[test]
    fn a_fresh_workspace_reports_empty_and_the_demo_fills_it_over_ipc() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let status = invoke(&window, "workspace_status", serde_json::json!({})).expect("status");
        assert_eq!(status["isEmpty"], true, "a new database offers the demo");
        let filled = invoke(
            &window,
            "generate_demo",
            serde_json::json!({"options": {"members": 30, "messages": 300, "seed": 1}}),
        )
        .expect("demo");
        assert_eq!(filled["isEmpty"], false);
        let data = invoke(&window, "data_overview", serde_json::json!({})).expect("overview");
        assert_eq!(
            data["totals"]["messages"], 300,
            "the demo writes exactly the messages asked for"
        );
        // the text size: within range it is set, out of range refused in words
        invoke(&window, "set_zoom", serde_json::json!({"percent": 150})).expect("150%");
        let err =
            invoke(&window, "set_zoom", serde_json::json!({"percent": 1000})).expect_err("too big");
        assert!(err.to_string().contains("out of range"), "{err}");
        // Help → About Hearth: this build, its schema, and the database it is on
        let about = invoke(&window, "app_about", serde_json::json!({})).expect("about");
        assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(about["schemaVersion"], hearth::store::schema_version());
        assert_eq!(about["dbSchemaVersion"], hearth::store::schema_version());
        assert_eq!(
            about["dbPath"],
            dir.path().join("hearth.db").display().to_string()
        );
    }

    #[test]
    fn the_inbox_read_at_start_answers_the_first_ask_and_only_that_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = demo_app(dir.path());
        let first = first_ask();
        let state = app.state::<AppState>();
        state.read_first_page();
        assert!(state.first_page_waiting());
        let early = invoke(&window, "inbox_list", first.clone()).expect("the page read at start");
        assert!(!state.first_page_waiting(), "given to the first ask");
        let fresh = invoke(&window, "inbox_list", first.clone()).expect("a fresh read");
        assert_eq!(
            early, fresh,
            "the page read at start is the inbox's first page"
        );
        let top = early["items"][0]["id"].as_i64().expect("a first row");

        // once given, the next ask reads the database again: a conversation marked done since
        // has left it
        invoke(
            &window,
            "triage",
            serde_json::json!({"id": top, "action": {"action": "done"}}),
        )
        .expect("done");
        let after = invoke(&window, "inbox_list", first.clone()).expect("read again");
        assert_ne!(after["items"][0]["id"], top, "{after}");

        // a read that lands after the UI has asked is dropped: handed out later, it could be
        // older than a page already shown (here, with the done conversation still in it)
        state.read_first_page();
        assert!(!state.first_page_waiting());
        let again = invoke(&window, "inbox_list", first).expect("read again");
        assert_eq!(again, after);
    }

    #[test]
    fn an_ask_for_another_view_first_drops_the_inbox_read_at_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = demo_app(dir.path());
        let state = app.state::<AppState>();
        state.read_first_page();
        let other = serde_json::json!({"query": {"view": "done", "limit": 50, "offset": 0}});
        let done = invoke(&window, "inbox_list", other).expect("the Done view");
        let items = done["items"].as_array().expect("rows");
        assert!(
            !items.is_empty() && items.iter().all(|i| i["status"] == "done"),
            "the Done view, not the page read at start: {done}"
        );
        assert!(
            !state.first_page_waiting(),
            "dropped by an ask for another page"
        );
    }

    /// The page as Vite builds it, served by [`first_screen::FirstScreenAssets`] in the tests.
    struct BuiltPage;

    const BUILT_PAGE: &str = "<!doctype html><html><head><title>Hearth</title></head>\
        <body><div id=\"app\"></div><script type=\"module\" src=\"/main.js\"></script></body></html>";

    impl<R: Runtime> tauri::Assets<R> for BuiltPage {
        fn get(&self, key: &tauri::utils::assets::AssetKey) -> Option<std::borrow::Cow<'_, [u8]>> {
            match key.as_ref() {
                "/index.html" => Some(BUILT_PAGE.as_bytes().into()),
                "/main.js" => Some(b"export {}".as_slice().into()),
                _ => None,
            }
        }
        fn iter(&self) -> Box<tauri::utils::assets::AssetsIter<'_>> {
            Box::new(std::iter::empty())
        }
        fn csp_hashes(
            &self,
            _: &tauri::utils::assets::AssetKey,
        ) -> Box<dyn Iterator<Item = tauri::utils::assets::CspHash<'_>> + '_> {
            Box::new(std::iter::empty())
        }
    }

    /// The app's assets as `state` serves them, over [`BuiltPage`].
    fn built_page_for(
        state: &AppState,
    ) -> first_screen::FirstScreenAssets<tauri::test::MockRuntime> {
        first_screen::FirstScreenAssets::new(Box::new(BuiltPage), state.early_read())
    }

    /// The page around the painted first frame, and the frame: `None` when there is none.
    fn painted_in(html: &str) -> Option<(&str, &str, &str)> {
        let start = html.find(&format!(r#"<div id="{}""#, first_paint::ELEMENT_ID))?;
        let end = html.find(r#"<div id="app">"#).expect("the app's element");
        Some((&html[..start], &html[start..end], &html[end..]))
    }

    /// The JSON in the page's first-screen element, if it has one.
    fn written_into(page: &[u8]) -> Option<serde_json::Value> {
        let html = std::str::from_utf8(page).expect("UTF-8");
        let open = format!(
            r#"<script type="application/json" id="{}">"#,
            first_screen::ELEMENT_ID
        );
        let start = html.find(&open)? + open.len();
        let end = start
            + html[start..]
                .find("</script>")
                .expect("the element is closed");
        Some(serde_json::from_str(&html[start..end]).expect("the core's JSON"))
    }

    #[test]
    fn the_page_is_served_with_the_status_and_first_page_written_in_once() {
        use tauri::Assets;
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = demo_app(dir.path());
        let state = app.state::<AppState>();
        let assets = built_page_for(&state);
        let index = tauri::utils::assets::AssetKey::from("index.html");

        // before anything was read, the page is served as built
        let served = assets.get(&index).expect("the page");
        assert_eq!(served.as_ref(), BUILT_PAGE.as_bytes());

        state.read_first_page();
        let served = assets.get(&index).expect("the page");
        assert!(!state.first_page_waiting(), "given to the page");
        let written = written_into(&served).expect("the first screen written in");
        let status = invoke(&window, "workspace_status", serde_json::json!({})).expect("status");
        let page = invoke(&window, "inbox_list", first_ask()).expect("a fresh read");
        assert_eq!(written["status"], status, "the workspace's status");
        assert_eq!(
            written["page"], page,
            "the inbox's first page, as the UI would ask for it"
        );
        let views = invoke(&window, "views_list", serde_json::json!({})).expect("views");
        let counts = invoke(&window, "inbox_counts", serde_json::json!({})).expect("counts");
        assert_eq!(written["views"], views, "the views with their counts");
        assert_eq!(written["counts"], counts, "how many each state holds");
        assert_eq!(
            written["query"],
            serde_json::json!({"status": null, "view": "open", "platform": null, "tag": null, "limit": 50, "offset": 0}),
            "the query it answers (the UI checks it before using the page)"
        );
        // and painted: a row for each of the page's conversations, in its order, the first
        // selected, before the app's own element; the rest of the page as built
        let html = std::str::from_utf8(&served).expect("UTF-8");
        let (before, painted, after) = painted_in(html).expect("the first frame painted in");
        assert!(before.ends_with("<body>") && after.starts_with(r#"<div id="app">"#));
        assert!(html.ends_with(&BUILT_PAGE[BUILT_PAGE.find("<body>").expect("a body") + 6..]));
        let ids: Vec<i64> = painted
            .split(r#"data-fp-id=""#)
            .skip(1)
            .map(|s| s[..s.find('"').expect("closed")].parse().expect("an id"))
            .collect();
        let listed: Vec<i64> = page["items"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|i| i["id"].as_i64().expect("an id"))
            .collect();
        assert_eq!(ids, listed, "the page's rows, in order");
        assert_eq!(painted.matches(r#"aria-selected="true""#).count(), 1);
        assert!(painted.contains(&format!(
            r#"<div class="inbox-row" aria-selected="true" data-fp-id="{}">"#,
            listed[0]
        )));
        assert!(painted.starts_with(r#"<div id="hearth-first-paint" aria-hidden="true" inert>"#));
        assert!(
            painted.contains(r#"<img class="fp-mark" alt="" src="data:image/svg+xml,%3Csvg"#),
            "the brand's mark, as an address the content security policy allows"
        );
        // the header and the sidebar say how many, as the UI's first frame does
        let open = counts["open"].as_i64().expect("a count");
        assert!(painted.contains(&format!(
            r#"<h1>Inbox <span class="fp-count">{open}</span></h1>"#
        )));
        for view in views
            .as_array()
            .expect("views")
            .iter()
            .filter(|v| v["key"] != "open")
        {
            let name = view["name"].as_str().expect("a name");
            assert!(
                painted.contains(&format!(r#"<span class="fp-name">{name}</span>"#)),
                "{name} in the sidebar"
            );
        }

        // given once: a reload reads the database
        assert!(written_into(&assets.get(&index).expect("the page")).is_none());
        // other files are served untouched
        assert_eq!(
            assets.get(&"main.js".into()).expect("the script").as_ref(),
            b"export {}"
        );
    }

    #[test]
    fn an_empty_workspace_is_served_without_a_painted_frame() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, _window) = app_with_db(dir.path());
        let state = app.state::<AppState>();
        state.read_first_page();
        let served = assets_get_index(&built_page_for(&state));
        let written = written_into(&served).expect("the status written in");
        assert_eq!(written["status"]["isEmpty"], true);
        // the UI greets with the welcome screen, which it paints itself
        let html = std::str::from_utf8(&served).expect("UTF-8");
        assert!(painted_in(html).is_none(), "no rows to paint: {html}");
    }

    fn assets_get_index(
        assets: &first_screen::FirstScreenAssets<tauri::test::MockRuntime>,
    ) -> Vec<u8> {
        use tauri::Assets;
        assets
            .get(&"index.html".into())
            .expect("the page")
            .into_owned()
    }

    #[test]
    fn a_read_the_ui_asked_for_first_is_not_written_into_the_page() {
        use tauri::Assets;
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = demo_app(dir.path());
        let state = app.state::<AppState>();
        let assets = built_page_for(&state);
        state.read_first_page();
        invoke(&window, "inbox_list", first_ask()).expect("the UI's ask");
        let served = assets.get(&"index.html".into()).expect("the page");
        assert!(written_into(&served).is_none());
    }

    #[test]
    fn text_from_a_platform_cannot_close_the_element_it_is_written_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = demo_app(dir.path());
        let first = first_ask();
        let mut page = invoke(&window, "inbox_list", first).expect("a page");
        let status = invoke(&window, "workspace_status", serde_json::json!({})).expect("status");
        let hostile = "</script><script>alert(1)</script><!-- </SCRIPT >";
        page["items"][0]["title"] = hostile.into();
        let views = invoke(&window, "views_list", serde_json::json!({})).expect("views");
        let counts = invoke(&window, "inbox_counts", serde_json::json!({})).expect("counts");
        let screen = first_screen::FirstScreen {
            status: serde_json::from_value(status).expect("a status"),
            query: first_screen::first_page_query(),
            page: serde_json::from_value(page).expect("a page"),
            views: serde_json::from_value(views).expect("views"),
            counts: serde_json::from_value(counts).expect("counts"),
        };
        let html =
            first_screen::write_into(BUILT_PAGE, &screen, hearth::now_millis()).expect("written");
        let lower = html.to_lowercase();
        assert_eq!(
            lower.matches("</script").count(),
            BUILT_PAGE.matches("</script").count() + 1,
            "only the element's own end closes it: {html}"
        );
        assert!(!html.contains("<!--"));
        let written = written_into(html.as_bytes()).expect("written in");
        assert_eq!(
            written["page"]["items"][0]["title"], hostile,
            "read back as the same text"
        );
        // painted as text, not markup
        let (_, painted, _) = painted_in(&html).expect("painted");
        assert!(painted.contains(
            "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &lt;/SCRIPT &gt;"
        ));
        // a page with nowhere to write is served as built
        assert!(first_screen::write_into("<p>no head</p>", &screen, 0).is_none());
    }

    #[test]
    fn the_store_gives_its_cache_back_once_at_rest_and_again_after_new_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = app_with_db(dir.path());
        invoke(&window, "workspace_status", serde_json::json!({})).expect("status");
        let state = app.state::<AppState>();
        let idle = std::time::Duration::from_millis(50);
        assert!(!state.rest_when_idle(idle), "just used: not at rest");
        std::thread::sleep(idle * 2);
        assert!(state.rest_when_idle(idle), "unused for longer than `idle`");
        assert!(!state.rest_when_idle(idle), "nothing to give back twice");
        invoke(&window, "inbox_counts", serde_json::json!({})).expect("counts");
        std::thread::sleep(idle * 2);
        assert!(state.rest_when_idle(idle), "used again, then at rest again");
        invoke(&window, "workspace_status", serde_json::json!({}))
            .expect("the store answers after giving its cache back");
        // the reader is closed at rest and opened again by the next long read
        invoke(&window, "segments_list", serde_json::json!({})).expect("segments");
        assert!(state.reader_is_open());
        std::thread::sleep(idle * 2);
        assert!(state.rest_when_idle(idle), "read, then at rest");
        assert!(!state.reader_is_open(), "closed at rest");
        invoke(&window, "segments_list", serde_json::json!({}))
            .expect("the reader opens again when next needed");
        assert!(state.reader_is_open());
    }

    #[test]
    fn segments_the_directory_and_best_times_are_read_beside_a_command_that_holds_the_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, window) = app_with_db(dir.path());
        invoke(
            &window,
            "generate_demo",
            serde_json::json!({"options": {"members": 40, "messages": 400, "seed": 2}}),
        )
        .expect("demo");
        let add = |name: &str| {
            invoke(
                &window,
                "segment_add",
                serde_json::json!({"name": name, "filter": {"platforms": [], "tags": [], "fields": [], "levels": ["core", "active"]}}),
            )
            .expect("saved")
        };
        let names = |segments: &serde_json::Value| -> Vec<String> {
            segments
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s["name"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        add("Regulars");
        let state = app.state::<AppState>();
        let (held, holding) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let state = &state;
            scope.spawn(move || {
                state.with_store(|_| {
                    held.send(()).expect("the test waits");
                    released
                        .recv_timeout(std::time::Duration::from_secs(10))
                        .ok();
                    Ok(())
                })
            });
            holding.recv().expect("the store is held");
            // answered while the inbox's connection is busy: on it, these would wait for
            // `release` (ten seconds)
            let asked = std::time::Instant::now();
            let segments = invoke(&window, "segments_list", serde_json::json!({}))
                .expect("segments are counted on the reader");
            let page = invoke(&window, "members_list", serde_json::json!({"query": {}}))
                .expect("the directory is read on the reader");
            let best = invoke(
                &window,
                "calendar_best_times",
                serde_json::json!({"days": 90}),
            )
            .expect("the best times are worked out on the reader");
            let waited = asked.elapsed();
            release.send(()).ok();
            assert_eq!(names(&segments), ["Regulars"]);
            assert!(page["total"].as_i64().unwrap_or(0) > 0, "{page}");
            assert!(
                best[0]["threads"].as_u64().unwrap_or(0) > 0,
                "every platform's answer first, from the demo's threads: {best}"
            );
            assert!(
                waited < std::time::Duration::from_secs(5),
                "the reads waited for the held store: {waited:?}"
            );
        });
        // a segment saved through the main store is counted by the reader at once
        add("Regulars again");
        let segments = invoke(&window, "segments_list", serde_json::json!({})).expect("segments");
        assert_eq!(names(&segments), ["Regulars", "Regulars again"]);
    }

    /// The first screen's answer for the database at `db`.
    fn status_for(db: &std::path::Path) -> Result<serde_json::Value, serde_json::Value> {
        let (_app, window) = app_on(db);
        invoke(&window, "workspace_status", serde_json::json!({}))
    }

    #[test]
    fn the_app_on_a_missing_foreign_or_newer_database_says_what_is_wrong_on_its_first_screen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("no-such-folder").join("hearth.db");
        let err = status_for(&missing).expect_err("no folder, no database");
        assert_eq!(err["code"], "io", "{err}");
        assert!(
            err["message"]
                .as_str()
                .unwrap_or("")
                .contains("does not exist"),
            "{err}"
        );

        let foreign = dir.path().join("notes.txt");
        std::fs::write(
            &foreign,
            "shopping list: milk, eggs, a new laptop battery\n".repeat(200),
        )
        .expect("written");
        let err = status_for(&foreign).expect_err("not a database");
        assert_eq!(err["code"], "not_a_database", "{err}");

        let newer = dir.path().join("newer.db");
        hearth::Store::open(&newer).expect("a database");
        rusqlite_set_user_version(&newer, 99);
        let err = status_for(&newer).expect_err("too new");
        assert_eq!(err["code"], "database_too_new", "{err}");
        assert!(
            err["message"]
                .as_str()
                .unwrap_or("")
                .contains("update Hearth"),
            "{err}"
        );
    }

    fn rusqlite_set_user_version(db: &std::path::Path, v: i64) {
        let store = hearth::Store::open(db).expect("opens");
        drop(store);
        // The core has no way to write a foreign schema version: do it as another tool would.
        let bytes = std::fs::read(db).expect("the file");
        let mut bytes = bytes;
        // user_version is the big-endian integer at offset 60 of the header.
        bytes[60..64].copy_from_slice(&(v as u32).to_be_bytes());
        std::fs::write(db, bytes).expect("written");
    }

    #[test]
    fn a_damaged_database_is_found_by_the_background_check_with_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("hearth.db");
        {
            let mut store = hearth::Store::open(&db).expect("a database");
            hearth::demo::generate(
                &mut store,
                &hearth::model::DemoOptions {
                    members: 60,
                    messages: 600,
                    seed: 3,
                },
                hearth::now_millis(),
                &mut |_| {},
            )
            .expect("the demo");
            store.backup_now(hearth::now_millis()).expect("a backup");
        }
        // the messages table's root page overwritten, as a failing disk might: opening the
        // workspace does not read it, the background check does
        let root: i64 = rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT rootpage FROM sqlite_master WHERE name = 'messages'",
                    [],
                    |r| r.get(0),
                )
            })
            .expect("the messages table's page");
        let root = usize::try_from(root).expect("a page number");
        let mut bytes = std::fs::read(&db).expect("the file");
        for b in &mut bytes[(root - 1) * 4096..root * 4096] {
            *b = 0x5a;
        }
        std::fs::write(&db, bytes).expect("damaged");
        let (_app, window) = app_with_db(dir.path());
        let err = invoke(&window, "workspace_check", serde_json::json!({}))
            .expect_err("the check finds the damage");
        assert_eq!(err["code"], "damaged", "{err}");
        let message = err["message"].as_str().unwrap_or("");
        assert!(message.contains("doctor"), "{message}");
        assert!(message.contains("latest backup"), "{message}");
    }

    #[test]
    fn errors_cross_ipc_as_code_and_message() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let err = invoke(&window, "member_profile", serde_json::json!({"id": 4242}))
            .expect_err("an unknown member is an error");
        assert_eq!(
            err["code"], "not_found",
            "the UI switches on the code: {err}"
        );
        assert!(err["message"].as_str().unwrap_or("").contains("4242"));
    }

    #[test]
    fn an_account_added_in_settings_keeps_its_token_out_of_the_database_and_the_ipc_replies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let platforms =
            invoke(&window, "platforms_connectable", serde_json::json!({})).expect("platforms");
        assert_eq!(platforms.as_array().map(Vec::len), Some(7), "{platforms}");
        let refused = invoke(
            &window,
            "account_add",
            serde_json::json!({"input": {"platform": "mastodon", "name": "Lumen",
                                         "baseUrl": null, "scopes": [], "token": "t"}}),
        )
        .expect_err("Mastodon needs a server");
        assert_eq!(refused["code"], "invalid_input");
        assert!(
            refused["message"].as_str().unwrap_or("").contains("server"),
            "{refused}"
        );
        let token = "hearth-desktop-test-token-3f9a";
        let added = invoke(
            &window,
            "account_add",
            serde_json::json!({"input": {"platform": "mastodon", "name": "Lumen",
                "baseUrl": "https://social.example.org", "scopes": ["#lumen"], "token": token}}),
        )
        .expect("the account is added (needs a Secret Service: scripts/with-keyring)");
        assert_eq!(added["name"], "Lumen");
        let listed = invoke(&window, "accounts_list", serde_json::json!({})).expect("list");
        assert!(
            !listed.to_string().contains(token),
            "the token never comes back over IPC"
        );
        let db = std::fs::read(dir.path().join("hearth.db")).expect("the database file");
        assert!(
            !db.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is not in the database"
        );
        let id = added["id"].clone();
        invoke(&window, "account_remove", serde_json::json!({"id": id})).expect("removed");
        let listed = invoke(&window, "accounts_list", serde_json::json!({})).expect("list");
        assert_eq!(listed.as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn links_other_than_web_and_mail_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let err = invoke(
            &window,
            "open_external",
            serde_json::json!({"url": "file:///etc/passwd"}),
        )
        .expect_err("file links never open");
        assert_eq!(err["code"], "invalid_input");
    }

    #[test]
    fn the_csp_allows_no_remote_or_inline_scripts_and_the_window_gets_no_extra_powers() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json");
        let csp = &conf["app"]["security"]["csp"];
        assert_eq!(
            csp["script-src"], "'self'",
            "scripts come only from the app itself"
        );
        assert_eq!(csp["default-src"], "'self'");
        assert_eq!(csp["object-src"], "'none'");
        assert_eq!(
            csp["connect-src"], "ipc: http://ipc.localhost",
            "only Tauri's IPC"
        );
        for (directive, value) in csp.as_object().expect("CSP directives") {
            let value = value.as_str().unwrap_or_default();
            for bad in ["unsafe-eval", "https:", "*"] {
                assert!(
                    !value.contains(bad),
                    "{directive} must not allow {bad}: {value}"
                );
            }
            if directive != "connect-src" {
                assert!(
                    !value.contains("http:"),
                    "{directive} loads nothing remote: {value}"
                );
            }
        }
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json"))
                .expect("capabilities");
        let perms: Vec<&str> = caps["permissions"]
            .as_array()
            .expect("a permission list")
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        assert_eq!(
            perms,
            ["core:event:allow-listen", "core:event:allow-unlisten"]
        );
    }

    /// The Moderation view's commands read their arguments as the UI sends them: a rule is
    /// added (a bad pattern refused in words), listed, turned off; the guidelines are saved
    /// and read back; flags are listed and an unknown one cannot be dismissed.
    #[test]
    fn moderation_commands_take_the_arguments_the_ui_sends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let added = invoke(
            &window,
            "moderation_add_rule",
            serde_json::json!({"input": {
                "name": "Spam words", "kind": "keywords", "pattern": "usdt, free nitro",
                "threshold": null, "guideline": "No spam"
            }}),
        )
        .expect("added");
        assert_eq!(added["kind"], "keywords");
        assert_eq!(added["flagged"], 0);
        let refused = invoke(
            &window,
            "moderation_add_rule",
            serde_json::json!({"input": {
                "name": "Broken", "kind": "regex", "pattern": "(oops",
                "threshold": null, "guideline": null
            }}),
        )
        .expect_err("refused");
        assert!(
            refused.to_string().contains("not a regular expression"),
            "{refused}"
        );
        let off = invoke(
            &window,
            "moderation_enable_rule",
            serde_json::json!({"id": added["id"], "enabled": false}),
        )
        .expect("turned off");
        assert_eq!(off["enabled"], false);
        let rules = invoke(&window, "moderation_rules", serde_json::json!({})).expect("rules");
        assert_eq!(rules.as_array().map(Vec::len), Some(1));

        invoke(
            &window,
            "moderation_set_guidelines",
            serde_json::json!({"body": "# Be kind"}),
        )
        .expect("saved");
        assert_eq!(
            invoke(&window, "moderation_guidelines", serde_json::json!({})).expect("read"),
            "# Be kind"
        );
        let flags = invoke(
            &window,
            "moderation_flags",
            serde_json::json!({"status": "open"}),
        )
        .expect("flags");
        assert_eq!(flags, serde_json::json!([]));
        let missing = invoke(
            &window,
            "moderation_dismiss",
            serde_json::json!({"id": 999}),
        )
        .expect_err("no such flag");
        assert!(missing.to_string().contains("999"), "{missing}");

        // Actions: the input as the action form sends it; a flag that is not there is named.
        let act = invoke(
            &window,
            "moderation_act",
            serde_json::json!({"input": {
                "flagId": 41, "messageId": null, "identityId": null, "action": "timeout",
                "reason": "Cool off", "guideline": "Be kind", "minutes": 60,
                "message": null, "byHand": false
            }}),
        )
        .expect_err("no such flag");
        assert!(act.to_string().contains("41"), "{act}");
        let choices = invoke(
            &window,
            "moderation_choices",
            serde_json::json!({"messageId": 7, "identityId": null}),
        )
        .expect_err("no such message");
        assert!(choices.to_string().contains('7'), "{choices}");
        let log = invoke(
            &window,
            "moderation_log",
            serde_json::json!({"memberId": null}),
        )
        .expect("the log");
        assert_eq!(log, serde_json::json!([]));
        invoke(
            &window,
            "moderation_done_by_hand",
            serde_json::json!({"id": 3}),
        )
        .expect_err("no such action");
    }

    /// The feedback themes' commands read their arguments as the Dashboard sends them.
    #[test]
    fn feedback_commands_take_the_arguments_the_ui_sends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let all = invoke(&window, "feedback_themes", serde_json::json!({})).expect("themes");
        assert_eq!(
            all,
            serde_json::json!({"themes": [], "total": 0, "unthemed": 0})
        );
        for (cmd, args) in [
            ("feedback_theme", serde_json::json!({"id": 5})),
            (
                "feedback_rename",
                serde_json::json!({"id": 5, "name": "Dark mode"}),
            ),
            (
                "feedback_merge",
                serde_json::json!({"keep": 5, "absorb": 6}),
            ),
            (
                "feedback_split",
                serde_json::json!({"id": 5, "term": "toggle"}),
            ),
            (
                "feedback_export",
                serde_json::json!({"id": 5, "path": dir.path().join("t.md")}),
            ),
        ] {
            let err = invoke(&window, cmd, args).expect_err("no such theme");
            assert!(err.to_string().contains('5'), "{cmd}: {err}");
        }
        let moved = invoke(
            &window,
            "feedback_move",
            serde_json::json!({"conversationId": 9, "themeId": null}),
        )
        .expect_err("not feedback");
        assert!(
            moved.to_string().contains("not tagged as feedback"),
            "{moved}"
        );
        let issue = invoke(
            &window,
            "feedback_issue",
            serde_json::json!({"id": 5, "accountId": null}),
        )
        .expect_err("no GitHub account");
        assert!(issue.to_string().contains("GitHub"), "{issue}");
    }

    /// A Dashboard chart is saved as the person chose: its numbers as CSV written by the core,
    /// its picture as the PNG bytes the app drew; a picture that is not a PNG, or a name that
    /// is not a .png, is refused in words and nothing is written.
    #[test]
    fn a_chart_is_saved_as_csv_and_as_png_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let csv = dir.path().join("messages.csv");
        invoke(
            &window,
            "metrics_export_csv",
            serde_json::json!({
                "query": {"from": null, "to": null, "platform": null},
                "chart": "messages",
                "path": csv,
            }),
        )
        .expect("saved");
        let text = std::fs::read_to_string(&csv).expect("the file");
        assert!(
            text.starts_with("day,messages,day before,messages before\r\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 31, "a header and the 30 days: {text}");
        // the Dashboard's slower table takes the same query
        let by_view = invoke(
            &window,
            "metrics_by_view",
            serde_json::json!({"query": {"from": null, "to": null, "platform": null}}),
        )
        .expect("response times per view");
        assert_eq!(
            by_view,
            serde_json::json!([]),
            "nothing synced, no questions"
        );

        let save = |path: &std::path::Path, bytes: &[u8]| {
            let mut headers = tauri::http::HeaderMap::new();
            let encoded = path.to_string_lossy().replace(' ', "%20");
            headers.insert("x-hearth-path", encoded.parse().expect("a header value"));
            get_ipc_response(
                &window,
                InvokeRequest {
                    cmd: "metrics_save_png".into(),
                    callback: tauri::ipc::CallbackFn(0),
                    error: tauri::ipc::CallbackFn(1),
                    url: "tauri://localhost".parse().expect("a valid url"),
                    body: tauri::ipc::InvokeBody::Raw(bytes.to_vec()),
                    headers,
                    invoke_key: INVOKE_KEY.to_string(),
                },
            )
        };
        let png: &[u8] = include_bytes!("../../src/demo/downloads-chart.png");
        let picture = dir.path().join("messages per day.png");
        save(&picture, png).expect("saved");
        assert_eq!(std::fs::read(&picture).expect("the file"), png);
        let refused = save(&dir.path().join("evil.sh"), png).expect_err("not a .png");
        assert!(
            refused.to_string().contains("does not end in .png"),
            "{refused}"
        );
        let refused = save(&dir.path().join("evil.png"), b"#!/bin/sh").expect_err("not a PNG");
        assert!(refused.to_string().contains("not a PNG image"), "{refused}");
        assert!(!dir.path().join("evil.sh").exists() && !dir.path().join("evil.png").exists());
    }

    /// An image goes in as the raw body of `calendar_add_image`, its item, name and alt text
    /// percent-encoded in headers; its preview comes back as the bytes themselves; a missing
    /// alt text is refused in words.
    #[test]
    fn an_image_is_attached_from_its_raw_bytes_and_read_back_for_its_preview() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_app, window) = app_with_db(dir.path());
        let item = invoke(
            &window,
            "calendar_create",
            serde_json::json!({"input": {"title": "Release", "body": "Lumen 3.2", "state": "draft"}}),
        )
        .expect("an item");
        let png: &[u8] = include_bytes!("../../src/demo/downloads-chart.png");
        let upload = |alt: &str| {
            let mut headers = tauri::http::HeaderMap::new();
            for (k, v) in [
                ("x-hearth-item", item["id"].to_string()),
                ("x-hearth-name", "r%C3%A9sum%C3%A9%20chart.png".to_string()),
                ("x-hearth-alt", alt.to_string()),
            ] {
                headers.insert(k, v.parse().expect("a header value"));
            }
            get_ipc_response(
                &window,
                InvokeRequest {
                    cmd: "calendar_add_image".into(),
                    callback: tauri::ipc::CallbackFn(0),
                    error: tauri::ipc::CallbackFn(1),
                    url: "tauri://localhost".parse().expect("a valid url"),
                    body: tauri::ipc::InvokeBody::Raw(png.to_vec()),
                    headers,
                    invoke_key: INVOKE_KEY.to_string(),
                },
            )
        };
        let refused = upload("%20").expect_err("no alt text");
        assert!(refused.to_string().contains("needs alt text"), "{refused}");
        let attached: serde_json::Value = upload("Bars%20rising%20%E2%86%91")
            .expect("attached")
            .deserialize()
            .expect("the item");
        let image = &attached["images"][0];
        assert_eq!(image["fileName"], "résumé chart.png");
        assert_eq!(image["alt"], "Bars rising ↑");
        assert_eq!(image["width"], 600);
        let preview = get_ipc_response(
            &window,
            InvokeRequest {
                cmd: "calendar_image".into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("a valid url"),
                body: serde_json::json!({"image": image["id"]}).into(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .expect("the preview");
        match preview {
            tauri::ipc::InvokeResponseBody::Raw(bytes) => assert_eq!(bytes, png),
            other => panic!("the bytes themselves, not {other:?}"),
        }
    }
}

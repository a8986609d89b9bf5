//! Desktop notifications: after a sync brings new messages, the core says which deserve one
//! (`Store::take_notices`: mentions and direct messages, the person's choices, each once), and
//! this shows them through the desktop's notification service (freedesktop D-Bus on Linux,
//! via notify-rust: the Tauri notification plugin cannot report a click on the desktop, and a
//! click must open the conversation). Must never: show platform text as markup.

use hearth::model::NotifyService;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::commands::AppState;

/// Shows what the core says is owed. Called on the syncer's thread after an account's sync.
pub fn announce<R: Runtime>(app: &AppHandle<R>) {
    let notices = app
        .state::<AppState>()
        .with_store(|s| s.take_notices(hearth::now_millis()));
    let notices = match notices {
        Ok(n) => n,
        Err(e) => {
            eprintln!("hearth: notifications could not be read: {}", e.message);
            return;
        }
    };
    if notices.is_empty() {
        return;
    }
    // Servers that render markup would read "<b>" in a member's message as bold (or worse):
    // escape it for them; the others show the text as it is.
    let markup = notify_rust::get_capabilities()
        .map(|caps| caps.iter().any(|c| c == "body-markup"))
        .unwrap_or(false);
    for notice in notices {
        let body = if markup {
            escape(&notice.body)
        } else {
            notice.body.clone()
        };
        let target = match notice.conversation_id {
            Some(id) => format!("conversation-{id}"),
            None => "mentions".to_string(),
        };
        let shown = notify_rust::Notification::new()
            .appname("Hearth")
            .summary(&notice.title)
            .body(&body)
            .icon("hearth")
            .action("default", "Open")
            .show();
        match shown {
            Ok(handle) => {
                let app = app.clone();
                // waits (on its own thread) for a click, then opens what the notice is about
                std::thread::spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            crate::show_main_window(&app);
                            let _ = app.emit(crate::NAVIGATE_EVENT, &target);
                        }
                    });
                });
            }
            Err(e) => {
                eprintln!("hearth: the desktop did not take a notification: {e}");
                return;
            }
        }
    }
}

/// What Hearth tells a person whose desktop takes no notifications.
fn no_service(e: impl std::fmt::Display) -> NotifyService {
    NotifyService {
        name: None,
        problem: Some(format!(
            "This desktop shows no notifications ({e}). The inbox still lists every mention \
             and direct message."
        )),
    }
}

/// Asks the desktop which notification service it runs (blocking: a D-Bus round trip).
pub fn service() -> NotifyService {
    match notify_rust::get_server_information() {
        Ok(info) => NotifyService {
            name: Some(format!("{} {}", info.name, info.version).trim().to_string()),
            problem: None,
        },
        Err(e) => no_service(e),
    }
}

/// Shows a sample notification, so a person can see where and how they appear.
pub fn show_sample() -> NotifyService {
    let shown = notify_rust::Notification::new()
        .appname("Hearth")
        .summary("Hearth notifications work")
        .body("A new mention of your accounts, or a direct message, will look like this.")
        .icon("hearth")
        .show();
    match shown {
        Ok(_) => service(),
        Err(e) => no_service(e),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

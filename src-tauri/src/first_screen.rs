//! The first screen without a round trip, and without waiting for the script.
//!
//! While WebKit starts its processes (about 0.2 s), the core reads what the inbox's first frame
//! shows: the workspace's status and the open view's first page ([`EarlyRead`], filled by
//! `AppState::read_first_page_in_background`, started before Tauri). When the web view then
//! asks for `index.html`, [`FirstScreenAssets`] writes both into it:
//!
//! - as JSON, in a `<script type="application/json">` element: data, never run, so the content
//!   security policy is untouched. The UI reads them from there (`ui/src/lib/ipc/written.ts`)
//!   instead of asking for each over IPC after its script has started;
//! - painted, as the inbox's first frame in HTML ([`crate::first_paint`]), with the page's
//!   stylesheets written in ([`inline_styles`]): WebKit paints the rows from the page alone,
//!   before the script has been fetched, compiled or run, and the UI takes over once its own
//!   rows are in (`ui/src/lib/firstPaint.ts`).
//!
//! Each read is given once, to the page or to the UI's first ask over IPC (a page served before
//! the read was done, or by Vite in development), and only while fresh: anything later reads
//! the database as usual, and a read that lands after the UI has asked is dropped.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth::model::{ApiError, InboxCounts, InboxPage, InboxQuery, Millis, View, WorkspaceStatus};
use serde::Serialize;
use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{App, Assets, Runtime};

use crate::first_paint;

/// The id of the element that carries [`FirstScreen`] in the page (read by
/// `ui/src/lib/ipc/written.ts`).
pub const ELEMENT_ID: &str = "hearth-first-screen";

/// How long what was read at start stays good to give: the page asks for it about a quarter of
/// a second after start, and the inbox refreshes as sync brings anything new.
const FRESH: Duration = Duration::from_secs(2);

/// The page the UI asks for first: the open view's first 50 rows, unnarrowed (`query(0)` in
/// `ui/src/lib/stores/inbox.svelte.ts`). Any other query is read as usual.
pub fn first_page_query() -> InboxQuery {
    InboxQuery {
        view: Some("open".into()),
        limit: Some(50),
        offset: Some(0),
        ..InboxQuery::default()
    }
}

/// What the first frame shows, as written into the page.
#[derive(Debug, Serialize)]
pub struct FirstScreen {
    pub status: WorkspaceStatus,
    pub query: InboxQuery,
    pub page: InboxPage,
    /// The views with their counts, for the sidebar and the view's header: there in the first
    /// frame, so nothing moves when they would have come in after it.
    pub views: Vec<View>,
    pub counts: InboxCounts,
}

/// The views and how many conversations each state holds, as `views_list` and `inbox_counts`
/// answer them.
pub type Views = (Vec<View>, InboxCounts);

struct Read {
    at: Instant,
    status: Result<WorkspaceStatus, ApiError>,
    page: Result<InboxPage, ApiError>,
    views: Result<Views, ApiError>,
}

/// What was read at start, until it is given to the page or to the UI's first ask.
#[derive(Default)]
pub struct EarlyRead(Mutex<Slot>);

#[derive(Default)]
enum Slot {
    /// Not read yet.
    #[default]
    Reading,
    Ready(Read),
    /// Given, or the UI asked for the inbox before it was read: what comes now is dropped.
    Closed,
}

impl EarlyRead {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps what was read, unless the UI has asked for the inbox already: it has read the
    /// database itself since, and a page handed out later could be older than one it showed.
    pub fn put(
        &self,
        status: Result<WorkspaceStatus, ApiError>,
        page: Result<InboxPage, ApiError>,
        views: Result<Views, ApiError>,
    ) {
        let mut slot = self.slot();
        if matches!(*slot, Slot::Reading) {
            *slot = Slot::Ready(Read {
                at: Instant::now(),
                status,
                page,
                views,
            });
        }
    }

    /// The page, for the UI's first ask over IPC, if `query` asks for it and it is fresh. Any
    /// ask closes the slot: later ones read the database.
    pub fn take_page(&self, query: &InboxQuery) -> Option<Result<InboxPage, ApiError>> {
        match std::mem::replace(&mut *self.slot(), Slot::Closed) {
            Slot::Ready(read) if *query == first_page_query() && read.at.elapsed() < FRESH => {
                Some(read.page)
            }
            _ => None,
        }
    }

    /// All of it, once, for the page, if all was read without error and is fresh. An error
    /// stays for the UI's own ask, which shows it in the core's words; a read still under way is
    /// left for it too.
    pub fn take_screen(&self) -> Option<FirstScreen> {
        let mut slot = self.slot();
        let Slot::Ready(read) = &*slot else {
            return None;
        };
        if read.at.elapsed() >= FRESH
            || read.status.is_err()
            || read.page.is_err()
            || read.views.is_err()
        {
            return None;
        }
        let Slot::Ready(read) = std::mem::replace(&mut *slot, Slot::Closed) else {
            return None;
        };
        let (views, counts) = read.views.ok()?;
        Some(FirstScreen {
            status: read.status.ok()?,
            query: first_page_query(),
            page: read.page.ok()?,
            views,
            counts,
        })
    }

    /// Whether a read is waiting to be given.
    #[cfg(test)]
    pub fn is_waiting(&self) -> bool {
        matches!(*self.slot(), Slot::Ready(_))
    }
}

/// `html` with `screen` written in: as data before `</head>`, and painted (when it is the
/// inbox's rows, [`first_paint::render`] at `now`) right after `<body>`. `None` when there is
/// nowhere to write it or it cannot be written (the page is then served as built).
pub fn write_into(html: &str, screen: &FirstScreen, now: Millis) -> Option<String> {
    let head_end = html.find("</head>")?;
    // `<` only ever stands inside a JSON string, where `\u003c` reads the same: no text from a
    // platform can close the element (`</script>`) or open a comment in it.
    let json = serde_json::to_string(screen).ok()?.replace('<', "\\u003c");
    let element = format!(r#"<script type="application/json" id="{ELEMENT_ID}">{json}</script>"#);
    let painted = first_paint::render(screen, now).unwrap_or_default();
    let body = html[head_end..]
        .find("<body>")
        .map(|at| head_end + at + "<body>".len());
    let mut out = String::with_capacity(html.len() + element.len() + painted.len());
    out.push_str(&html[..head_end]);
    out.push_str(&element);
    match body {
        Some(body) => {
            out.push_str(&html[head_end..body]);
            out.push_str(&painted);
            out.push_str(&html[body..]);
        }
        None => out.push_str(&html[head_end..]),
    }
    Some(out)
}

/// `html` with each stylesheet it links to (`<link rel="stylesheet" href="/…">`) written into
/// it as a `<style>` element, so the page can be laid out and painted before anything else has
/// been fetched. A stylesheet `get` does not have, or one that is not UTF-8 or would close the
/// element early, stays a link. The content security policy allows inline styles already
/// (`'unsafe-inline'` in `style-src`); Tauri gives a nonce only to the styles the build put in
/// the page, and these carry none, so that stays as it is.
pub fn inline_styles<'a>(html: &str, get: impl Fn(&str) -> Option<Cow<'a, [u8]>>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<link ") {
        let Some(len) = rest[at..].find('>') else {
            break;
        };
        let tag = &rest[at..at + len + 1];
        out.push_str(&rest[..at]);
        rest = &rest[at + len + 1..];
        let href = tag
            .contains(r#"rel="stylesheet""#)
            .then(|| tag.split(r#"href=""#).nth(1)?.split('"').next())
            .flatten()
            .filter(|href| href.starts_with('/'));
        let css = href.and_then(&get).and_then(|css| {
            let css = String::from_utf8(css.into_owned()).ok()?;
            (!css.to_ascii_lowercase().contains("</style")).then_some(css)
        });
        match css {
            Some(css) => {
                out.push_str("<style>");
                out.push_str(&css);
                out.push_str("</style>");
            }
            None => out.push_str(tag),
        }
    }
    out.push_str(rest);
    out
}

/// The app's built-in assets, with [`FirstScreen`] written into `index.html` when it is ready.
pub struct FirstScreenAssets<R: Runtime> {
    inner: Box<dyn Assets<R>>,
    early: Arc<EarlyRead>,
}

impl<R: Runtime> FirstScreenAssets<R> {
    pub fn new(inner: Box<dyn Assets<R>>, early: Arc<EarlyRead>) -> Self {
        FirstScreenAssets { inner, early }
    }

    /// Wraps `context`'s assets.
    pub fn wrap(context: &mut tauri::Context<R>, early: Arc<EarlyRead>) {
        let inner = std::mem::replace(&mut context.assets, Box::new(NoAssets));
        context.assets = Box::new(FirstScreenAssets::new(inner, early));
    }
}

impl<R: Runtime> Assets<R> for FirstScreenAssets<R> {
    fn setup(&self, app: &App<R>) {
        self.inner.setup(app);
    }

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        let asset = self.inner.get(key)?;
        if key.as_ref() != "/index.html" {
            return Some(asset);
        }
        let Some(screen) = self.early.take_screen() else {
            return Some(asset);
        };
        let written = std::str::from_utf8(&asset)
            .ok()
            .and_then(|html| write_into(html, &screen, hearth::now_millis()));
        match written {
            // painted from the page alone: its styles in it, not fetched after it
            Some(html) if html.contains(first_paint::ELEMENT_ID) => Some(Cow::Owned(
                inline_styles(&html, |path| self.inner.get(&AssetKey::from(path))).into_bytes(),
            )),
            Some(html) => Some(Cow::Owned(html.into_bytes())),
            None => Some(asset),
        }
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        self.inner.iter()
    }

    fn csp_hashes(&self, html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        self.inner.csp_hashes(html_path)
    }
}

/// Stands in for the assets while [`FirstScreenAssets::wrap`] moves them.
struct NoAssets;

impl<R: Runtime> Assets<R> for NoAssets {
    fn get(&self, _: &AssetKey) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<head><script type="module" crossorigin src="/assets/index.js"></script><link rel="modulepreload" crossorigin href="/assets/core.js"><link rel="stylesheet" crossorigin href="/assets/index.css"><link rel="stylesheet" crossorigin href="/assets/gone.css"><link rel="stylesheet" crossorigin href="/assets/odd.css"><link rel="icon" href="/icon.svg"></head><body></body>"#;

    fn asset(path: &str) -> Option<Cow<'static, [u8]>> {
        match path {
            "/assets/index.css" => Some(Cow::Borrowed(b".row{padding:9px}")),
            "/assets/odd.css" => Some(Cow::Borrowed(br#".x::after{content:"</STYLE>"}"#)),
            _ => None,
        }
    }

    #[test]
    fn the_pages_stylesheets_are_written_into_it_and_nothing_else() {
        let html = inline_styles(PAGE, asset);
        assert_eq!(
            html,
            PAGE.replace(
                r#"<link rel="stylesheet" crossorigin href="/assets/index.css">"#,
                "<style>.row{padding:9px}</style>"
            ),
            "the stylesheet there is written in; one missing, one that would close the \
             element early, the script, its preload and the icon stay as they were"
        );
    }
}

//! GitHub connector (REST API 2022-11-28 for members, issues, pull requests and comments;
//! GraphQL for discussions). Owns: turning GitHub's payloads into Hearth's members,
//! conversations and messages, the per-repository cursor state machine, sending replies and
//! new issues, and finding a reply whose sending outcome was lost.
//! Must never: sleep or retry on its own (the engine and [`Http`] do), keep state outside the
//! cursors, or put the token in an error, a label or `raw`.
//!
//! Identities are keyed by **login** (`external_id` = `handle` = login): GraphQL only gives an
//! author's login, and one key for REST and GraphQL keeps a person one identity. The numeric
//! id stays in `raw`. A deleted account (`author: null`, login `ghost`) is the identity `ghost`.
//!
//! Conversations: an issue or pull request is `owner/repo#number` (its body is the first
//! message, with the same external id); a discussion is its GraphQL node id (`D_…`), its body
//! the first message and its comments (`DC_…`) follow; replies to a comment keep `replyTo`.
//! REST comments are keyed by their numeric id.
//!
//! A run walks these steps (cursor `step` = `{repo}\t{phase}`), one page at a time:
//! 1. `members` (once per owner): `/orgs/{owner}/members` with `If-None-Match` on the first
//!    page (`{owner}:members.etag`; a 304 skips the step), full profiles and social accounts
//!    of each member; `{owner}:members.next` is the next page in progress.
//! 2. `issues`: `/repos/{r}/issues?since=…&sort=updated&direction=asc`; `{r}:issues.since` is
//!    the highest `updated_at` committed (inclusive, so the boundary item is upserted again),
//!    `{r}:issues.next` the `Link: rel="next"` in progress (rebased onto the configured API root).
//! 3. `comments`: the same for `/repos/{r}/issues/comments` (`{r}:comments.since`/`.next`).
//! 4. `discussions`: GraphQL, newest update first, until a discussion older than
//!    `{r}:disc.since`; `{r}:disc.after` is the `endCursor` in progress and `{r}:disc.top` the
//!    newest `updatedAt` seen in this run (the next watermark). The listing carries a
//!    discussion's first 20 comments and each comment's first 20 replies; longer ones are paged
//!    to their end (`node(id:)` queries) within the same step page, so the newest comments of a
//!    long discussion — the ones waiting for an answer — are never cut off.
//! 5. `audit`: REST has no tombstones, so each issue with comments updated in the last
//!    [`WATCH_DAYS`] days is watched (`{r}:watch#{n}` = `updated_at \t etag \t id:login,…`):
//!    its comments are re-listed with `If-None-Match` (304 costs nothing) and a known comment
//!    that is gone is marked deleted. `{r}:audit.pos` is the issue audited last; the first
//!    run only arms the audit (`{r}:audit.armed`), since it just listed everything.
//!
//! Sending: REST `POST /repos/{r}/issues/{n}/comments`, GraphQL `addDiscussionComment`, a new
//! issue in the first repository. GitHub has no idempotency key, so [`Connector::find_sent`]
//! looks for our own comment with the same text.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderMap, ACCEPT, ETAG, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::{arr, count_at, endpoint, nonempty, or_set_aside, seg, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, Platform};
use crate::platform::http::{decode_error, reset_wait};
use crate::platform::{
    parse_time, sent_after, Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors,
    Engagement, Http, Me, Outgoing, Page, PostRef, Secret, Sent,
};

const P: Platform = Platform::Github;
/// Items per REST page and discussions per GraphQL page.
const PAGE: u32 = 100;
/// Comments per page when re-listing one issue's comments (the audit needs them all).
const RELIST: u32 = 100;
/// How long an issue's comments are watched for deletions after its last update.
const WATCH_DAYS: i64 = 30;
const DEFAULT_BASE: &str = "https://api.github.com";
/// Wait used when GraphQL says `RATE_LIMITED` without a reset time.
const GRAPHQL_DEFAULT_WAIT: Duration = Duration::from_secs(60);

pub struct GitHub {
    base: String,
    token: Secret,
    repos: Vec<Repo>,
    http: Http,
    page: u32,
    start: Option<String>,
    me: OnceCell<Me>,
    clock: crate::platform::Clock,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Repo {
    owner: String,
    name: String,
}

impl Repo {
    fn full(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

impl GitHub {
    /// Where a new post (an issue) goes: the repository chosen for it (`owner/repo`), or the
    /// first the account lists.
    /// Where a new post goes: the repository its channel names (`owner/repo`), or the
    /// account's first, and the discussion category when the channel names one
    /// (`owner/repo/discussions/Announcements`).
    fn post_place(&self, item: &Outgoing) -> Option<(Repo, Option<String>)> {
        let channel = item.channel.as_deref().map(str::trim).unwrap_or_default();
        let (repo, category) = match channel.split_once("/discussions/") {
            Some((repo, category)) => (repo, Some(category.trim().to_string())),
            None if channel.starts_with("discussions/") => {
                ("", Some(channel["discussions/".len()..].trim().to_string()))
            }
            None => (channel, None),
        };
        let category = category.filter(|c| !c.is_empty());
        let repo = match repo.split_once('/') {
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
                Repo {
                    owner: owner.to_string(),
                    name: name.to_string(),
                }
            }
            _ => self.repos.first().cloned()?,
        };
        Some((repo, category))
    }

    /// Opens a discussion in `repo`'s category named `category` (by its name or slug).
    async fn create_discussion(
        &self,
        repo: &Repo,
        category: &str,
        title: &str,
        item: &Outgoing,
    ) -> Result<Sent, ConnectorError> {
        let data = self
            .graphql(
                DISCUSSION_CATEGORIES,
                json!({ "owner": repo.owner, "name": repo.name }),
            )
            .await?;
        let repository = data
            .get("repository")
            .filter(|r| !r.is_null())
            .ok_or_else(|| {
                ConnectorError::Config(format!("{} cannot be found with this token", repo.full()))
            })?;
        let categories = arr(repository, "/discussionCategories/nodes");
        let wanted = category.to_lowercase();
        let Some(found) = categories.iter().find(|c| {
            str_at(c, "/name").is_some_and(|n| n.to_lowercase() == wanted)
                || str_at(c, "/slug").is_some_and(|s| s.to_lowercase() == wanted)
        }) else {
            let names: Vec<&str> = categories
                .iter()
                .filter_map(|c| str_at(c, "/name"))
                .collect();
            return Err(ConnectorError::Config(if names.is_empty() {
                format!(
                    "{} has no discussions (they are off in its settings)",
                    repo.full()
                )
            } else {
                format!(
                    "{} has no discussion category “{category}”; its categories are {}",
                    repo.full(),
                    names.join(", ")
                )
            }));
        };
        let data = self
            .graphql(
                CREATE_DISCUSSION,
                json!({
                    "repositoryId": req_str(repository, "/id", "the repository")?,
                    "categoryId": req_str(found, "/id", "the category")?,
                    "title": title,
                    "body": item.body,
                    "clientMutationId": item.idempotency_key,
                }),
            )
            .await?;
        let d = data
            .pointer("/createDiscussion/discussion")
            .ok_or_else(|| ConnectorError::malformed(P, "the new discussion is missing"))?;
        Ok(Sent {
            external_id: req_str(d, "/id", "the new discussion")?.to_string(),
            url: str_at(d, "/url").map(str::to_string),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Members,
    Issues,
    Comments,
    Discussions,
    Audit,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Members => "members",
            Phase::Issues => "issues",
            Phase::Comments => "comments",
            Phase::Discussions => "discussions",
            Phase::Audit => "audit",
        }
    }
}

/// What one step's page brought.
struct StepPage {
    batch: Batch,
    changes: Vec<CursorChange>,
    /// The step is finished for this run.
    done: bool,
    label: String,
}

/// Where a `since`-watermarked listing (issues, comments) stands after one of its pages.
struct ListingEnd {
    since_key: String,
    /// The `next` link to follow, or clearing it when the listing is done.
    next: CursorChange,
}

impl ListingEnd {
    /// The page's step: the watermark moves to the newest update seen, and the listing goes
    /// on while there is a `next` link.
    fn page(
        self,
        newest: Option<String>,
        mut changes: Vec<CursorChange>,
        out: Mapper<'_>,
        label: String,
    ) -> StepPage {
        if let Some(n) = newest {
            changes.push(CursorChange::set(self.since_key, n));
        }
        let done = self.next.value.is_none();
        changes.push(self.next);
        StepPage {
            batch: out.finish(),
            changes,
            done,
            label,
        }
    }
}

impl GitHub {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let mut repos = Vec::new();
        for scope in &cfg.scopes {
            let s = scope
                .trim()
                .trim_start_matches("https://github.com/")
                .trim_end_matches('/');
            if s.is_empty() {
                continue;
            }
            match s.split_once('/') {
                Some((o, r)) if !o.is_empty() && !r.is_empty() && !r.contains('/') => {
                    repos.push(Repo {
                        owner: o.to_string(),
                        name: r.trim_end_matches(".git").to_string(),
                    })
                }
                _ => {
                    return Err(ConnectorError::Config(format!(
                        "“{s}” is not a GitHub repository: write it as owner/repo, such as lumen-ssg/lumen"
                    )))
                }
            }
        }
        let base = if cfg.base_url.trim().is_empty() {
            DEFAULT_BASE.to_string()
        } else {
            cfg.base_url.trim().trim_end_matches('/').to_string()
        };
        Ok(GitHub {
            clock: cfg.clock.clone(),
            base,
            token: cfg.secret,
            repos,
            http: cfg.http,
            page: PAGE,
            start: None,
            me: OnceCell::new(),
        })
    }

    /// Items per page (production uses 100; tests match the fixtures' smaller pages).
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.clamp(1, 100);
        self
    }

    /// How far back the first sync of a repository reaches (ISO-8601, GitHub's `since`);
    /// without it the first sync reads the whole history.
    pub fn with_history_since(mut self, since: &str) -> Self {
        self.start = Some(since.to_string());
        self
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.http
            .client()
            .request(method, url)
            .bearer_auth(self.token.expose())
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
    }

    fn api(&self, path: &str) -> String {
        endpoint(&self.base, path)
    }

    /// A `Link` URL as a path (and query) under the configured API root, so a `next` link
    /// to `api.github.com` is followed on the same server the account points at.
    fn rebase(&self, link: &str) -> Option<String> {
        let u = url::Url::parse(link).ok()?;
        let base_path = url::Url::parse(&self.base)
            .map(|b| b.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let path = u.path();
        let path = if !base_path.is_empty() && path.starts_with(&base_path) {
            &path[base_path.len()..]
        } else {
            path
        };
        Some(match u.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        })
    }

    /// GETs JSON; `Ok(None)` on 304 Not Modified.
    async fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        etag: Option<&str>,
    ) -> Result<(HeaderMap, Option<Value>), ConnectorError> {
        let mut req = self.request(Method::GET, url);
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(tag) = etag.filter(|t| !t.is_empty()) {
            req = req.header(IF_NONE_MATCH, tag);
        }
        let resp = self.http.send(P, req).await?;
        let headers = resp.headers().clone();
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok((headers, None));
        }
        let bytes = resp.bytes().await.map_err(|e| ConnectorError::Network {
            platform: P,
            detail: e.without_url().to_string(),
        })?;
        let value = serde_json::from_slice(&bytes).map_err(|e| decode_error(P, &e))?;
        Ok((headers, Some(value)))
    }

    async fn get_value(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ConnectorError> {
        self.get(url, query, None)
            .await?
            .1
            .ok_or_else(|| ConnectorError::malformed(P, "an empty reply"))
    }

    /// Runs a GraphQL query; GraphQL errors (which arrive with HTTP 200) become errors here.
    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ConnectorError> {
        let req = self
            .request(Method::POST, &self.api("graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        let (headers, body): (_, Value) = self.http.json(P, req).await?;
        graphql_result(&headers, body)
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let user = self.get_value(&self.api("user"), &[]).await?;
                let login = str_at(&user, "/login")
                    .ok_or_else(|| ConnectorError::malformed(P, "the user has no login"))?;
                Ok(Me {
                    external_id: login.to_string(),
                    handle: login.to_string(),
                    display_name: str_at(&user, "/name")
                        .filter(|n| !n.is_empty())
                        .map(str::to_string),
                })
            })
            .await
    }

    /// Every step of a run, in order: members once per owner, then each repository's steps.
    fn steps(&self) -> Vec<(usize, Phase)> {
        let mut out = Vec::new();
        let mut owners = BTreeSet::new();
        for (i, r) in self.repos.iter().enumerate() {
            if owners.insert(r.owner.to_lowercase()) {
                out.push((i, Phase::Members));
            }
            for p in [
                Phase::Issues,
                Phase::Comments,
                Phase::Discussions,
                Phase::Audit,
            ] {
                out.push((i, p));
            }
        }
        out
    }

    fn step_key(&self, (i, p): (usize, Phase)) -> String {
        format!("{}\t{}", self.repos[i].full(), p.as_str())
    }

    // --- members ------------------------------------------------------------------------------

    async fn members_page(
        &self,
        owner: &str,
        cursors: &Cursors,
    ) -> Result<StepPage, ConnectorError> {
        let next_key = format!("{owner}:members.next");
        let etag_key = format!("{owner}:members.etag");
        let next = cursors.get(&next_key);
        let result = match next {
            Some(rel) => self.get(&self.api(rel), &[], None).await,
            None => {
                self.get(
                    &self.api(&format!("orgs/{}/members", seg(owner))),
                    &[("per_page", self.page.to_string())],
                    cursors.get(&etag_key),
                )
                .await
            }
        };
        let label = format!("{owner} members");
        let (headers, body) = match result {
            // A user-owned repository has no organisation to list.
            Err(ConnectorError::NotFound { .. }) => {
                return Ok(StepPage {
                    batch: Batch::default(),
                    changes: vec![CursorChange::clear(next_key)],
                    done: true,
                    label,
                })
            }
            Err(e) => return Err(e),
            Ok(r) => r,
        };
        let Some(body) = body else {
            // 304: nobody joined or left.
            return Ok(StepPage {
                batch: Batch::default(),
                changes: vec![],
                done: true,
                label,
            });
        };
        let users = body
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the member list is not a list"))?;
        let mut batch = Batch::default();
        for u in users {
            let Some(login) = str_at(u, "/login") else {
                continue;
            };
            batch.identities.push(self.profile(login, u).await?);
        }
        let mut changes = Vec::new();
        if next.is_none() {
            if let Some(tag) = headers.get(ETAG).and_then(|v| v.to_str().ok()) {
                changes.push(CursorChange::set(etag_key, tag));
            }
        }
        let following = link_next(&headers).and_then(|l| self.rebase(&l));
        let done = following.is_none();
        changes.push(match following {
            Some(rel) => CursorChange::set(next_key, rel),
            None => CursorChange::clear(next_key),
        });
        Ok(StepPage {
            batch,
            changes,
            done,
            label,
        })
    }

    /// A member with every piece of profile evidence GitHub gives.
    async fn profile(
        &self,
        login: &str,
        simple: &Value,
    ) -> Result<IncomingIdentity, ConnectorError> {
        let user = match self
            .get_value(&self.api(&format!("users/{}", seg(login))), &[])
            .await
        {
            Ok(u) => u,
            Err(ConnectorError::NotFound { .. }) => simple.clone(),
            Err(e) => return Err(e),
        };
        let social = match self
            .get_value(
                &self.api(&format!("users/{}/social_accounts", seg(login))),
                &[],
            )
            .await
        {
            Ok(s) => s,
            Err(ConnectorError::NotFound { .. }) => Value::Array(vec![]),
            Err(e) => return Err(e),
        };
        let mut ident = identity_of(&user).unwrap_or_else(|| IncomingIdentity {
            external_id: login.to_string(),
            handle: login.to_string(),
            ..Default::default()
        });
        let mut raw = user.clone();
        if let Some(obj) = raw.as_object_mut() {
            obj.insert("social_accounts".into(), social);
        }
        ident.display_name = nonempty(&user, "/name");
        ident.email = nonempty(&user, "/email");
        ident.organization = nonempty(&user, "/company");
        ident.bio = nonempty(&user, "/bio");
        ident.location = nonempty(&user, "/location");
        ident.raw = Some(raw.to_string());
        Ok(ident)
    }

    // --- issues and comments ---------------------------------------------------------------------

    /// One page of `/repos/{r}/issues` or `/repos/{r}/issues/comments`, oldest update first.
    async fn listing(
        &self,
        repo: &Repo,
        what: &str,
        cursors: &Cursors,
    ) -> Result<(Vec<Value>, ListingEnd), ConnectorError> {
        let r = repo.full();
        let next_key = format!("{r}:{what}.next");
        let since_key = format!("{r}:{what}.since");
        let (headers, body) = match cursors.get(&next_key) {
            Some(rel) => self.get(&self.api(rel), &[], None).await?,
            None => {
                let path = match what {
                    "issues" => format!("repos/{}/{}/issues", seg(&repo.owner), seg(&repo.name)),
                    _ => format!(
                        "repos/{}/{}/issues/comments",
                        seg(&repo.owner),
                        seg(&repo.name)
                    ),
                };
                let mut q = Vec::new();
                if what == "issues" {
                    q.push(("state", "all".to_string()));
                }
                if let Some(since) = cursors.get(&since_key).or(self.start.as_deref()) {
                    q.push(("since", since.to_string()));
                }
                q.push(("sort", "updated".to_string()));
                q.push(("direction", "asc".to_string()));
                q.push(("per_page", self.page.to_string()));
                self.get(&self.api(&path), &q, None).await?
            }
        };
        let items = match body {
            Some(Value::Array(items)) => items,
            None => vec![],
            Some(_) => {
                return Err(ConnectorError::malformed(
                    P,
                    format!("the {what} list is not a list"),
                ))
            }
        };
        let next = match link_next(&headers).and_then(|l| self.rebase(&l)) {
            Some(rel) => CursorChange::set(next_key, rel),
            None => CursorChange::clear(next_key),
        };
        Ok((items, ListingEnd { since_key, next }))
    }

    async fn issues_page(
        &self,
        repo: &Repo,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<StepPage, ConnectorError> {
        let r = repo.full();
        let (items, end) = self.listing(repo, "issues", cursors).await?;
        let mut out = Mapper::new(me, repo);
        let mut newest = cursors.get(&end.since_key).map(str::to_string);
        let mut changes = Vec::new();
        for issue in &items {
            let updated = req_str(issue, "/updated_at", "an issue")?;
            newest = later(newest, updated)?;
            let number = issue
                .get("number")
                .and_then(Value::as_u64)
                .ok_or_else(|| ConnectorError::malformed(P, "an issue has no number"))?;
            let read = out.issue(issue, number);
            or_set_aside(&mut out.aside, "issue", Some(r.as_str()), issue, read)?;
            let comments = issue.get("comments").and_then(Value::as_u64).unwrap_or(0);
            let key = format!("{r}:watch#{number}");
            if comments > 0 {
                let mut w = Watch::parse(cursors.get(&key).unwrap_or(""));
                w.updated = updated.to_string();
                changes.push(CursorChange::set(key, w.format()));
            } else if cursors.get(&key).is_some() {
                changes.push(CursorChange::clear(key));
            }
        }
        Ok(end.page(newest, changes, out, format!("{r} issues")))
    }

    async fn comments_page(
        &self,
        repo: &Repo,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<StepPage, ConnectorError> {
        let r = repo.full();
        let (items, end) = self.listing(repo, "comments", cursors).await?;
        let mut out = Mapper::new(me, repo);
        let mut newest = cursors.get(&end.since_key).map(str::to_string);
        let mut watches: BTreeMap<String, Watch> = BTreeMap::new();
        for c in &items {
            let updated = req_str(c, "/updated_at", "a comment")?;
            newest = later(newest, updated)?;
            let (number, id, login) = out.comment(c)?;
            let key = format!("{r}:watch#{number}");
            let w = watches
                .entry(key.clone())
                .or_insert_with(|| Watch::parse(cursors.get(&key).unwrap_or("")));
            if w.updated.as_str() < updated {
                w.updated = updated.to_string();
            }
            if !w.ids.iter().any(|(i, _)| *i == id) {
                w.ids.push((id, login));
            }
        }
        let changes: Vec<CursorChange> = watches
            .into_iter()
            .map(|(k, w)| CursorChange::set(k, w.format()))
            .collect();
        Ok(end.page(newest, changes, out, format!("{r} comments")))
    }

    // --- discussions ---------------------------------------------------------------------------

    async fn discussions_page(
        &self,
        repo: &Repo,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<StepPage, ConnectorError> {
        let r = repo.full();
        let since_key = format!("{r}:disc.since");
        let after_key = format!("{r}:disc.after");
        let top_key = format!("{r}:disc.top");
        let since = cursors
            .get(&since_key)
            .map(|s| parse_time(P, s))
            .transpose()?;
        let data = self
            .graphql(
                DISCUSSIONS_QUERY,
                json!({
                    "owner": repo.owner,
                    "name": repo.name,
                    "first": self.page.min(100),
                    "after": cursors.get(&after_key),
                }),
            )
            .await?;
        let label = format!("{r} discussions");
        let Some(list) = data.pointer("/repository/discussions") else {
            return Err(ConnectorError::NotFound {
                platform: P,
                what: format!("repository {r} (or the token cannot read it)"),
            });
        };
        let mut out = Mapper::new(me, repo);
        let mut top = cursors.get(&top_key).map(str::to_string);
        let mut reached_old = false;
        for node in arr(list, "/nodes") {
            let updated = req_str(node, "/updatedAt", "a discussion")?;
            if since.is_some_and(|s| parse_time(P, updated).is_ok_and(|u| u < s)) {
                reached_old = true;
                break;
            }
            top = later(top, updated)?;
            let read = out.discussion(node);
            or_set_aside(
                &mut out.aside,
                "discussion",
                Some(repo.name.as_str()),
                node,
                read,
            )?;
            self.rest_of_discussion(node, &mut out).await?;
        }
        let has_next = list
            .pointer("/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            == Some(true);
        let end = str_at(list, "/pageInfo/endCursor");
        let mut changes = Vec::new();
        let done = reached_old || !has_next || end.is_none();
        match (done, end) {
            (false, Some(end)) => {
                changes.push(CursorChange::set(after_key, end));
                if let Some(t) = top {
                    changes.push(CursorChange::set(top_key, t));
                }
            }
            _ => {
                if let Some(t) = top {
                    changes.push(CursorChange::set(since_key, t));
                }
                changes.push(CursorChange::clear(after_key));
                changes.push(CursorChange::clear(top_key));
            }
        }
        Ok(StepPage {
            batch: out.finish(),
            changes,
            done,
            label,
        })
    }

    /// The comments and replies of a discussion past what the listing carried.
    async fn rest_of_discussion(
        &self,
        d: &Value,
        out: &mut Mapper<'_>,
    ) -> Result<(), ConnectorError> {
        let id = req_str(d, "/id", "a discussion")?.to_string();
        // (comment, the cursor its replies continue after)
        let mut overflowing: Vec<(String, String)> = arr(d, "/comments/nodes")
            .iter()
            .filter_map(|c| {
                Some((
                    str_at(c, "/id")?.to_string(),
                    more_after(c.get("replies")?)?,
                ))
            })
            .collect();
        let mut after = d.get("comments").and_then(more_after);
        while let Some(cursor) = after.take() {
            let data = self
                .graphql(
                    DISCUSSION_COMMENTS_QUERY,
                    json!({ "id": id, "after": cursor }),
                )
                .await?;
            let comments = data.pointer("/node/comments").ok_or_else(|| {
                ConnectorError::malformed(P, "a discussion's next comments are missing")
            })?;
            for c in arr(comments, "/nodes") {
                out.discussion_comment(&id, c, None)?;
                let parent = req_str(c, "/id", "a discussion comment")?.to_string();
                for r in arr(c, "/replies/nodes") {
                    out.discussion_comment(&id, r, Some(&parent))?;
                }
                if let Some(next) = c.get("replies").and_then(more_after) {
                    overflowing.push((parent, next));
                }
            }
            after = more_after(comments).filter(|next| *next != cursor);
        }
        for (comment, first) in overflowing {
            let mut after = Some(first);
            while let Some(cursor) = after.take() {
                let data = self
                    .graphql(
                        COMMENT_REPLIES_QUERY,
                        json!({ "id": comment, "after": cursor }),
                    )
                    .await?;
                let replies = data.pointer("/node/replies").ok_or_else(|| {
                    ConnectorError::malformed(P, "a discussion comment's next replies are missing")
                })?;
                for r in arr(replies, "/nodes") {
                    out.discussion_comment(&id, r, Some(&comment))?;
                }
                after = more_after(replies).filter(|next| *next != cursor);
            }
        }
        Ok(())
    }

    // --- deletions -----------------------------------------------------------------------------

    async fn audit_page(
        &self,
        repo: &Repo,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<StepPage, ConnectorError> {
        let r = repo.full();
        let label = format!("{r} deleted comments");
        let armed_key = format!("{r}:audit.armed");
        let pos_key = format!("{r}:audit.pos");
        if cursors.get(&armed_key).is_none() {
            // The first sync just listed every comment: nothing to compare yet.
            return Ok(StepPage {
                batch: Batch::default(),
                changes: vec![CursorChange::set(armed_key, "1")],
                done: true,
                label,
            });
        }
        let pos: u64 = cursors
            .get(&pos_key)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let prefix = format!("{r}:watch#");
        let next = cursors
            .with_prefix(&prefix)
            .filter_map(|(n, v)| Some((n.parse::<u64>().ok()?, v.to_string())))
            .filter(|(n, _)| *n > pos)
            .min_by_key(|(n, _)| *n);
        let Some((number, value)) = next else {
            return Ok(StepPage {
                batch: Batch::default(),
                changes: vec![CursorChange::clear(pos_key)],
                done: true,
                label,
            });
        };
        let key = format!("{prefix}{number}");
        let mut changes = vec![CursorChange::set(pos_key, number.to_string())];
        let watch = Watch::parse(&value);
        let watermark = cursors
            .get(&format!("{r}:issues.since"))
            .and_then(|s| parse_time(P, s).ok());
        let stale = match (parse_time(P, &watch.updated).ok(), watermark) {
            (Some(u), Some(w)) => u < w - WATCH_DAYS * 86_400_000,
            _ => false,
        };
        if stale {
            changes.push(CursorChange::clear(key));
            return Ok(StepPage {
                batch: Batch::default(),
                changes,
                done: false,
                label,
            });
        }
        let path = format!(
            "repos/{}/{}/issues/{number}/comments",
            seg(&repo.owner),
            seg(&repo.name)
        );
        let got = self
            .get(
                &self.api(&path),
                &[("per_page", RELIST.to_string())],
                Some(watch.etag.as_str()),
            )
            .await;
        let (headers, body) = match got {
            Ok(r) => r,
            // The issue is gone (404, or 410 "This issue was deleted"): stop watching it.
            Err(ConnectorError::NotFound { .. }) => {
                changes.push(CursorChange::clear(key));
                return Ok(StepPage {
                    batch: Batch::default(),
                    changes,
                    done: false,
                    label,
                });
            }
            Err(ConnectorError::Platform { detail, .. }) if detail.starts_with("HTTP 410") => {
                changes.push(CursorChange::clear(key));
                return Ok(StepPage {
                    batch: Batch::default(),
                    changes,
                    done: false,
                    label,
                });
            }
            Err(e) => return Err(e),
        };
        let Some(body) = body else {
            return Ok(StepPage {
                batch: Batch::default(),
                changes,
                done: false,
                label,
            });
        };
        let items = body
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the comment list is not a list"))?;
        let mut out = Mapper::new(me, repo);
        let mut present = Vec::new();
        for c in items {
            let (_, id, login) = out.comment(c)?;
            present.push((id, login));
        }
        let complete = link_next(&headers).is_none();
        if complete {
            let when = headers
                .get("date")
                .and_then(|d| d.to_str().ok())
                .and_then(|d| httpdate::parse_http_date(d).ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or_else(|| (self.clock)());
            let conv = format!("{r}#{number}");
            for (id, login) in &watch.ids {
                if present.iter().any(|(p, _)| p == id) {
                    continue;
                }
                out.ghost_author(login);
                out.messages.push(IncomingMessage {
                    conversation_external_id: conv.clone(),
                    external_id: id.clone(),
                    author_external_id: login.clone(),
                    text: String::new(),
                    html: None,
                    created_at: when,
                    edited_at: None,
                    deleted_at: Some(when),
                    reply_to_external_id: None,
                    url: None,
                    mentions_us: false,
                });
            }
        }
        let mut w = watch;
        w.etag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if complete {
            w.ids = present;
        }
        changes.push(CursorChange::set(key, w.format()));
        Ok(StepPage {
            batch: out.finish(),
            changes,
            done: false,
            label,
        })
    }

    // --- sending -------------------------------------------------------------------------------

    fn parse_issue(&self, conv: &str) -> Result<(Repo, u64), ConnectorError> {
        let bad =
            || ConnectorError::Config(format!("“{conv}” is not a GitHub issue or discussion"));
        let (repo, number) = conv.rsplit_once('#').ok_or_else(bad)?;
        let (owner, name) = repo.split_once('/').ok_or_else(bad)?;
        let number = number.parse().map_err(|_| bad())?;
        Ok((
            Repo {
                owner: owner.to_string(),
                name: name.to_string(),
            },
            number,
        ))
    }

    /// Our discussion with the item's title and text among `repo`'s newest, after a cut-off
    /// attempt.
    async fn find_discussion(
        &self,
        repo: &Repo,
        item: &Outgoing,
        me: &Me,
    ) -> Result<Option<Sent>, ConnectorError> {
        let data = self
            .graphql(
                RECENT_DISCUSSIONS,
                json!({ "owner": repo.owner, "name": repo.name }),
            )
            .await?;
        Ok(arr(&data, "/repository/discussions/nodes")
            .iter()
            .find(|d| {
                str_at(d, "/author/login").is_some_and(|l| l.eq_ignore_ascii_case(&me.handle))
                    && str_at(d, "/title") == item.title.as_deref()
                    && str_at(d, "/body").map(str::trim) == Some(item.body.trim())
                    && sent_after(
                        item,
                        str_at(d, "/createdAt").and_then(|t| parse_time(P, t).ok()),
                    )
            })
            .and_then(|d| {
                Some(Sent {
                    external_id: str_at(d, "/id")?.to_string(),
                    url: str_at(d, "/url").map(str::to_string),
                })
            }))
    }

    async fn find_discussion_comment(
        &self,
        discussion: &str,
        item: &Outgoing,
        me: &Me,
    ) -> Result<Option<Sent>, ConnectorError> {
        let data = self
            .graphql(FIND_DISCUSSION_COMMENT, json!({ "id": discussion }))
            .await?;
        let mut found = None;
        for c in arr(&data, "/node/comments/nodes") {
            let replies = arr(c, "/replies/nodes");
            for n in std::iter::once(c).chain(replies.iter()) {
                if str_at(n, "/author/login").is_some_and(|l| l.eq_ignore_ascii_case(&me.handle))
                    && str_at(n, "/body").map(str::trim) == Some(item.body.trim())
                    && sent_after(
                        item,
                        str_at(n, "/createdAt").and_then(|t| parse_time(P, t).ok()),
                    )
                {
                    if let Some(id) = str_at(n, "/id") {
                        found = Some(Sent {
                            external_id: id.to_string(),
                            url: str_at(n, "/url").map(str::to_string),
                        });
                    }
                }
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl Connector for GitHub {
    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        let repo = context
            .and_then(|c| self.repos.iter().find(|r| r.full() == c))
            .ok_or_else(|| {
                ConnectorError::malformed(
                    P,
                    "the kept record's repository is not followed any more",
                )
            })?;
        let me = self.me().await?.clone();
        let mut out = Mapper::new(&me, repo);
        match kind {
            "issue" => {
                let number = raw
                    .get("number")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| ConnectorError::malformed(P, "an issue has no number"))?;
                out.issue(raw, number)?;
            }
            "discussion" => out.discussion(raw)?,
            _ => return Err(ConnectorError::malformed(P, format!("unknown kind {kind}"))),
        }
        Ok(out.finish())
    }

    fn platform(&self) -> Platform {
        P
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn whoami(&self) -> Result<Me, ConnectorError> {
        self.me().await.cloned()
    }

    async fn next_page(&self, cursors: &Cursors) -> Result<Page, ConnectorError> {
        let steps = self.steps();
        if steps.is_empty() {
            return Err(ConnectorError::Config(
                "add at least one repository (owner/repo) to this GitHub account".into(),
            ));
        }
        let me = self.me().await?.clone();
        let at = cursors
            .get("step")
            .and_then(|s| steps.iter().position(|st| self.step_key(*st) == s))
            .unwrap_or(0);
        let (i, phase) = steps[at];
        let repo = self.repos[i].clone();
        let sp = match phase {
            Phase::Members => self.members_page(&repo.owner, cursors).await?,
            Phase::Issues => self.issues_page(&repo, cursors, &me).await?,
            Phase::Comments => self.comments_page(&repo, cursors, &me).await?,
            Phase::Discussions => self.discussions_page(&repo, cursors, &me).await?,
            Phase::Audit => self.audit_page(&repo, cursors, &me).await?,
        };
        let mut changes = sp.changes;
        let more = if sp.done {
            match steps.get(at + 1) {
                Some(next) => {
                    changes.push(CursorChange::set("step", self.step_key(*next)));
                    true
                }
                None => {
                    changes.push(CursorChange::clear("step"));
                    false
                }
            }
        } else {
            if cursors.get("step").is_none() {
                changes.push(CursorChange::set("step", self.step_key(steps[at])));
            }
            true
        };
        Ok(Page {
            batch: sp.batch,
            cursors: changes,
            more,
            label: sp.label,
        })
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        if !item.images.is_empty() {
            return Err(ConnectorError::Config(
                "GitHub's API takes no images: post this without them".into(),
            ));
        }
        match item.conversation_external_id.as_deref() {
            Some(conv) if conv.starts_with("D_") => {
                let reply_to = item
                    .reply_to_external_id
                    .as_deref()
                    .filter(|r| r.starts_with("DC_"));
                let data = self
                    .graphql(
                        ADD_DISCUSSION_COMMENT,
                        json!({
                            "discussionId": conv,
                            "replyToId": reply_to,
                            "body": item.body,
                            "clientMutationId": item.idempotency_key,
                        }),
                    )
                    .await?;
                let c = data
                    .pointer("/addDiscussionComment/comment")
                    .ok_or_else(|| ConnectorError::malformed(P, "the new comment is missing"))?;
                Ok(Sent {
                    external_id: req_str(c, "/id", "the new comment")?.to_string(),
                    url: str_at(c, "/url").map(str::to_string),
                })
            }
            Some(conv) => {
                let (repo, number) = self.parse_issue(conv)?;
                let url = self.api(&format!(
                    "repos/{}/{}/issues/{number}/comments",
                    seg(&repo.owner),
                    seg(&repo.name)
                ));
                let req = self
                    .request(Method::POST, &url)
                    .json(&json!({ "body": item.body }));
                let (_, c): (_, Value) = self.http.json(P, req).await?;
                let id = c
                    .get("id")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| ConnectorError::malformed(P, "the new comment has no id"))?;
                Ok(Sent {
                    external_id: id.to_string(),
                    url: str_at(&c, "/html_url").map(str::to_string),
                })
            }
            None => {
                let Some((repo, category)) = self.post_place(item) else {
                    return Err(ConnectorError::Config(
                        "a new GitHub issue needs a repository: add owner/repo to the account"
                            .into(),
                    ));
                };
                let Some(title) = item.title.as_deref().filter(|t| !t.trim().is_empty()) else {
                    return Err(ConnectorError::Config(format!(
                        "a new GitHub issue or discussion in {} needs a title",
                        repo.full()
                    )));
                };
                if let Some(category) = category {
                    return self.create_discussion(&repo, &category, title, item).await;
                }
                let url = self.api(&format!(
                    "repos/{}/{}/issues",
                    seg(&repo.owner),
                    seg(&repo.name)
                ));
                let req = self
                    .request(Method::POST, &url)
                    .json(&json!({ "title": title, "body": item.body }));
                let (_, issue): (_, Value) = self.http.json(P, req).await?;
                let number = issue
                    .get("number")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| ConnectorError::malformed(P, "the new issue has no number"))?;
                Ok(Sent {
                    external_id: format!("{}#{number}", repo.full()),
                    url: str_at(&issue, "/html_url").map(str::to_string),
                })
            }
        }
    }

    /// Reactions on an issue or a discussion Hearth opened (a discussion's upvotes count as
    /// reactions).
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        if post.external_id.starts_with("D_") {
            let data = self
                .graphql(DISCUSSION_REACTIONS, json!({ "id": post.external_id }))
                .await?;
            return Ok(data
                .get("node")
                .filter(|n| !n.is_null())
                .map(|d| Engagement {
                    reactions: count_at(d, "/reactions/totalCount") + count_at(d, "/upvoteCount"),
                    boosts: None,
                }));
        }
        let Ok((repo, number)) = self.parse_issue(&post.external_id) else {
            return Ok(None);
        };
        let url = self.api(&format!(
            "repos/{}/{}/issues/{number}",
            seg(&repo.owner),
            seg(&repo.name)
        ));
        let (_, issue) = self.get(&url, &[], None).await?;
        Ok(issue.map(|i| Engagement {
            reactions: count_at(&i, "/reactions/total_count"),
            boosts: None,
        }))
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let me = self.me().await?.clone();
        match item.conversation_external_id.as_deref() {
            Some(conv) if conv.starts_with("D_") => {
                self.find_discussion_comment(conv, item, &me).await
            }
            Some(conv) => {
                let (repo, number) = self.parse_issue(conv)?;
                let url = self.api(&format!(
                    "repos/{}/{}/issues/{number}/comments",
                    seg(&repo.owner),
                    seg(&repo.name)
                ));
                let q = [("per_page", RELIST.to_string())];
                let (headers, body) = self.get(&url, &q, None).await?;
                // A long thread: our comment is on the last page.
                let body = match link_rel(&headers, "last").and_then(|l| self.rebase(&l)) {
                    Some(rel) => self.get(&self.api(&rel), &[], None).await?.1,
                    None => body,
                };
                let list = body
                    .as_ref()
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                Ok(list.iter().rev().find_map(|c| {
                    let mine = str_at(c, "/user/login")
                        .is_some_and(|l| l.eq_ignore_ascii_case(&me.handle));
                    let same = str_at(c, "/body").map(str::trim) == Some(item.body.trim())
                        && sent_after(
                            item,
                            str_at(c, "/created_at").and_then(|t| parse_time(P, t).ok()),
                        );
                    (mine && same).then(|| Sent {
                        external_id: c.get("id").map(id_string).unwrap_or_default(),
                        url: str_at(c, "/html_url").map(str::to_string),
                    })
                }))
            }
            None => {
                let Some((repo, category)) = self.post_place(item) else {
                    return Ok(None);
                };
                if category.is_some() {
                    return self.find_discussion(&repo, item, &me).await;
                }
                let url = self.api(&format!(
                    "repos/{}/{}/issues",
                    seg(&repo.owner),
                    seg(&repo.name)
                ));
                let q = [
                    ("creator", me.handle.clone()),
                    ("state", "all".to_string()),
                    ("sort", "created".to_string()),
                    ("direction", "desc".to_string()),
                    ("per_page", "30".to_string()),
                ];
                let list = self.get_value(&url, &q).await?;
                Ok(arr(&list, "").iter().find_map(|i| {
                    let same = str_at(i, "/body").map(str::trim) == Some(item.body.trim())
                        && str_at(i, "/title") == item.title.as_deref();
                    let number = i.get("number").and_then(Value::as_u64)?;
                    same.then(|| Sent {
                        external_id: format!("{}#{number}", repo.full()),
                        url: str_at(i, "/html_url").map(str::to_string),
                    })
                }))
            }
        }
    }
}

/// Turns GraphQL's `errors` (sent with HTTP 200) into errors, and returns `data`.
fn graphql_result(headers: &HeaderMap, body: Value) -> Result<Value, ConnectorError> {
    let errors = arr(&body, "/errors");
    if !errors.is_empty() {
        if errors
            .iter()
            .any(|e| str_at(e, "/type") == Some("RATE_LIMITED"))
        {
            return Err(ConnectorError::RateLimited {
                platform: P,
                wait: reset_wait(headers).unwrap_or(GRAPHQL_DEFAULT_WAIT),
            });
        }
        let detail = errors
            .iter()
            .filter_map(|e| str_at(e, "/message"))
            .collect::<Vec<_>>()
            .join("; ");
        let detail = crate::text::shorten(&detail, 200);
        if errors
            .iter()
            .any(|e| str_at(e, "/type") == Some("NOT_FOUND"))
        {
            return Err(ConnectorError::NotFound {
                platform: P,
                what: format!("such item ({detail})"),
            });
        }
        if errors
            .iter()
            .any(|e| str_at(e, "/type") == Some("FORBIDDEN"))
        {
            return Err(ConnectorError::Forbidden {
                platform: P,
                detail,
            });
        }
        return Err(ConnectorError::Platform {
            platform: P,
            detail,
        });
    }
    match body.get("data") {
        Some(d) if !d.is_null() => Ok(d.clone()),
        _ => Err(ConnectorError::malformed(
            P,
            "the GraphQL reply has no data",
        )),
    }
}

/// The URL of a `Link` header entry with `rel="{rel}"`.
fn link_rel(headers: &HeaderMap, rel: &str) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let wanted = params
            .split(';')
            .any(|p| p.trim() == format!("rel=\"{rel}\"") || p.trim() == format!("rel={rel}"));
        wanted.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

fn link_next(headers: &HeaderMap) -> Option<String> {
    link_rel(headers, "next")
}

/// The later of a saved watermark and an item's time (both ISO-8601), as written by GitHub.
fn later(current: Option<String>, candidate: &str) -> Result<Option<String>, ConnectorError> {
    let c = parse_time(P, candidate)?;
    Ok(match current {
        Some(cur) if parse_time(P, &cur).is_ok_and(|t| t >= c) => Some(cur),
        _ => Some(candidate.to_string()),
    })
}

/// A watched issue: when it was last updated, the ETag of its comment list, and the comments
/// known on it (`id:login`).
#[derive(Debug, Default, Clone, PartialEq)]
struct Watch {
    updated: String,
    etag: String,
    ids: Vec<(String, String)>,
}

impl Watch {
    fn parse(s: &str) -> Watch {
        let mut parts = s.splitn(3, '\t');
        let updated = parts.next().unwrap_or("").to_string();
        let etag = parts.next().unwrap_or("").to_string();
        let ids = parts
            .next()
            .unwrap_or("")
            .split(',')
            .filter_map(|p| {
                let (id, login) = p.split_once(':')?;
                Some((id.to_string(), login.to_string()))
            })
            .collect();
        Watch { updated, etag, ids }
    }

    fn format(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(|(i, l)| format!("{i}:{l}")).collect();
        format!("{}\t{}\t{}", self.updated, self.etag, ids.join(","))
    }
}

fn req_str<'a>(v: &'a Value, ptr: &str, what: &str) -> Result<&'a str, ConnectorError> {
    str_at(v, ptr).ok_or_else(|| {
        ConnectorError::malformed(P, format!("{what} has no {}", ptr.trim_start_matches('/')))
    })
}

fn id_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A REST user object (`user` of an issue or comment) as an identity, without the richer
/// profile fields (those come from `/users/{login}` for members).
fn identity_of(user: &Value) -> Option<IncomingIdentity> {
    let login = str_at(user, "/login")?;
    Some(IncomingIdentity {
        external_id: login.to_string(),
        handle: login.to_string(),
        profile_url: str_at(user, "/html_url")
            .map(str::to_string)
            .or_else(|| Some(format!("https://github.com/{login}"))),
        avatar_url: str_at(user, "/avatar_url").map(str::to_string),
        ..Default::default()
    })
}

/// Whether `text` mentions `@{who}` (a whole login) or, with `prefix`, `@{who}…` (a team of
/// the organisation, `@owner/team`). Code blocks and inline code do not count.
fn mentions(text: &str, who: &str, prefix: bool) -> bool {
    if who.is_empty() {
        return false;
    }
    let prose = strip_code(text).to_lowercase();
    let needle = format!("@{}", who.to_lowercase());
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut from = 0;
    while let Some(i) = prose[from..].find(&needle) {
        let at = from + i;
        let before_ok = prose[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !word(c) && c != '/');
        let after = prose[at + needle.len()..].chars().next();
        let after_ok = prefix || after.is_none_or(|c| !word(c) && c != '/');
        if before_ok && after_ok {
            return true;
        }
        from = at + needle.len();
    }
    false
}

/// Markdown without fenced code blocks and inline code spans.
fn strip_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim_start();
        match fence {
            Some(f) => {
                if t.starts_with(f) {
                    fence = None;
                }
            }
            None if t.starts_with("```") => fence = Some("```"),
            None if t.starts_with("~~~") => fence = Some("~~~"),
            None => {
                let mut in_code = false;
                for ch in line.chars() {
                    if ch == '`' {
                        in_code = !in_code;
                        out.push(' ');
                    } else if !in_code {
                        out.push(ch);
                    }
                }
                out.push('\n');
            }
        }
    }
    out
}

/// Turns GitHub payloads into a [`Batch`], each author and conversation once.
struct Mapper<'a> {
    me: &'a Me,
    repo: &'a Repo,
    identities: BTreeMap<String, IncomingIdentity>,
    conversations: BTreeMap<String, IncomingConversation>,
    messages: Vec<IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
}

impl<'a> Mapper<'a> {
    fn new(me: &'a Me, repo: &'a Repo) -> Self {
        Mapper {
            aside: Vec::new(),
            me,
            repo,
            identities: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: Vec::new(),
        }
    }

    fn mentions_us(&self, text: &str, author: &str) -> bool {
        !author.eq_ignore_ascii_case(&self.me.handle)
            && (mentions(text, &self.me.handle, false)
                || mentions(text, &format!("{}/", self.repo.owner), true))
    }

    /// The author of a REST item; a missing user is GitHub's `ghost`.
    fn author(&mut self, user: Option<&Value>) -> String {
        match user.and_then(identity_of) {
            Some(ident) => {
                let login = ident.external_id.clone();
                self.identities.entry(login.clone()).or_insert(ident);
                login
            }
            None => self.ghost_author("ghost"),
        }
    }

    /// An author known only by login (GraphQL, or a deleted comment's remembered author).
    fn ghost_author(&mut self, login: &str) -> String {
        let login = if login.is_empty() { "ghost" } else { login };
        self.identities
            .entry(login.to_string())
            .or_insert_with(|| IncomingIdentity {
                external_id: login.to_string(),
                handle: login.to_string(),
                display_name: (login == "ghost").then(|| "Deleted account".to_string()),
                profile_url: Some(format!("https://github.com/{login}")),
                ..Default::default()
            });
        login.to_string()
    }

    fn issue(&mut self, issue: &Value, number: u64) -> Result<(), ConnectorError> {
        let conv = format!("{}#{number}", self.repo.full());
        let created = parse_time(P, req_str(issue, "/created_at", "an issue")?)?;
        let author = self.author(issue.get("user"));
        let kind = if issue.get("pull_request").is_some_and(|p| !p.is_null()) {
            ConversationKind::PullRequest
        } else {
            ConversationKind::Issue
        };
        let url = str_at(issue, "/html_url").map(str::to_string);
        self.conversations.insert(
            conv.clone(),
            IncomingConversation {
                external_id: conv.clone(),
                kind,
                title: str_at(issue, "/title").map(str::to_string),
                container: Some(self.repo.full()),
                url: url.clone(),
                created_at: created,
            },
        );
        let text = str_at(issue, "/body").unwrap_or("").to_string();
        self.messages.push(IncomingMessage {
            conversation_external_id: conv.clone(),
            external_id: conv,
            mentions_us: self.mentions_us(&text, &author),
            author_external_id: author,
            text,
            html: None,
            created_at: created,
            // REST says when the issue changed, not when its text did: the body is always
            // the latest version and a changed body keeps the old one in history.
            edited_at: None,
            deleted_at: None,
            reply_to_external_id: None,
            url,
        });
        Ok(())
    }

    /// Maps a REST issue comment; returns (issue number, comment id, author login).
    fn comment(&mut self, c: &Value) -> Result<(u64, String, String), ConnectorError> {
        let id = c
            .get("id")
            .filter(|v| !v.is_null())
            .map(id_string)
            .ok_or_else(|| ConnectorError::malformed(P, "a comment has no id"))?;
        let issue_url = req_str(c, "/issue_url", "a comment")?;
        let number: u64 = issue_url
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ConnectorError::malformed(P, "a comment's issue_url has no number"))?;
        let created = parse_time(P, req_str(c, "/created_at", "a comment")?)?;
        let updated = str_at(c, "/updated_at")
            .map(|u| parse_time(P, u))
            .transpose()?;
        let html_url = str_at(c, "/html_url").map(str::to_string);
        let conv = format!("{}#{number}", self.repo.full());
        let is_pr = html_url.as_deref().is_some_and(|u| u.contains("/pull/"));
        // The issue itself may be older than the listing window: make sure it exists.
        self.conversations
            .entry(conv.clone())
            .or_insert_with(|| IncomingConversation {
                external_id: conv.clone(),
                kind: if is_pr {
                    ConversationKind::PullRequest
                } else {
                    ConversationKind::Issue
                },
                title: None,
                container: Some(self.repo.full()),
                url: html_url
                    .as_deref()
                    .map(|u| u.split('#').next().unwrap_or(u).to_string()),
                created_at: created,
            });
        let author = self.author(c.get("user"));
        let text = str_at(c, "/body").unwrap_or("").to_string();
        self.messages.push(IncomingMessage {
            conversation_external_id: conv,
            external_id: id.clone(),
            mentions_us: self.mentions_us(&text, &author),
            author_external_id: author.clone(),
            text,
            html: None,
            created_at: created,
            edited_at: updated.filter(|u| *u > created),
            deleted_at: None,
            reply_to_external_id: None,
            url: html_url,
        });
        Ok((number, id, author))
    }

    fn discussion(&mut self, d: &Value) -> Result<(), ConnectorError> {
        let id = req_str(d, "/id", "a discussion")?.to_string();
        let created = parse_time(P, req_str(d, "/createdAt", "a discussion")?)?;
        let author = self.ghost_author(str_at(d, "/author/login").unwrap_or("ghost"));
        let url = str_at(d, "/url").map(str::to_string);
        self.conversations.insert(
            id.clone(),
            IncomingConversation {
                external_id: id.clone(),
                kind: ConversationKind::Discussion,
                title: str_at(d, "/title").map(str::to_string),
                container: Some(self.repo.full()),
                url: url.clone(),
                created_at: created,
            },
        );
        let text = str_at(d, "/body").unwrap_or("").to_string();
        self.messages.push(IncomingMessage {
            conversation_external_id: id.clone(),
            external_id: id.clone(),
            mentions_us: self.mentions_us(&text, &author),
            author_external_id: author,
            text,
            html: None,
            created_at: created,
            edited_at: str_at(d, "/lastEditedAt")
                .map(|t| parse_time(P, t))
                .transpose()?,
            deleted_at: None,
            reply_to_external_id: None,
            url,
        });
        for c in arr(d, "/comments/nodes") {
            self.discussion_comment(&id, c, None)?;
            let parent = str_at(c, "/id").map(str::to_string);
            for r in arr(c, "/replies/nodes") {
                self.discussion_comment(&id, r, parent.as_deref())?;
            }
        }
        Ok(())
    }

    fn discussion_comment(
        &mut self,
        discussion: &str,
        c: &Value,
        parent: Option<&str>,
    ) -> Result<(), ConnectorError> {
        let id = req_str(c, "/id", "a discussion comment")?.to_string();
        let created = parse_time(P, req_str(c, "/createdAt", "a discussion comment")?)?;
        let author = self.ghost_author(str_at(c, "/author/login").unwrap_or("ghost"));
        let deleted = str_at(c, "/deletedAt")
            .map(|t| parse_time(P, t))
            .transpose()?;
        let text = if deleted.is_some() {
            String::new()
        } else {
            str_at(c, "/body").unwrap_or("").to_string()
        };
        self.messages.push(IncomingMessage {
            conversation_external_id: discussion.to_string(),
            external_id: id,
            mentions_us: self.mentions_us(&text, &author),
            author_external_id: author,
            text,
            html: None,
            created_at: created,
            edited_at: str_at(c, "/lastEditedAt")
                .map(|t| parse_time(P, t))
                .transpose()?,
            deleted_at: deleted,
            reply_to_external_id: str_at(c, "/replyTo/id").or(parent).map(str::to_string),
            url: str_at(c, "/url").map(str::to_string),
        });
        Ok(())
    }

    fn finish(self) -> Batch {
        Batch {
            quarantined: self.aside,
            identities: self.identities.into_values().collect(),
            conversations: self.conversations.into_values().collect(),
            messages: self.messages,
        }
    }
}

/// The `endCursor` of a GraphQL connection that has a next page.
fn more_after(connection: &Value) -> Option<String> {
    (connection
        .pointer("/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        == Some(true))
    .then(|| str_at(connection, "/pageInfo/endCursor").map(str::to_string))
    .flatten()
}

/// What Hearth reads of a discussion comment or reply: a GraphQL fragment the discussion
/// queries below share. (GraphQL refuses a document with a fragment it does not use, so each
/// query appends only the fragments it spreads.)
macro_rules! reply_fragment {
    () => {
        "
fragment Reply on DiscussionComment {
  id url body createdAt updatedAt lastEditedAt deletedAt isMinimized minimizedReason isAnswer
  authorAssociation
  author { login }
  replyTo { id }
}"
    };
}

/// A comment with its first replies (with [`reply_fragment`]).
macro_rules! comment_fragment {
    () => {
        "
fragment Comment on DiscussionComment {
  ...Reply
  replies(first: 20) {
    totalCount
    pageInfo { endCursor hasNextPage }
    nodes { ...Reply }
  }
}"
    };
}

const DISCUSSIONS_QUERY: &str = concat!(
    "query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussions(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
      nodes {
        id number title body url createdAt updatedAt lastEditedAt closed locked isAnswered
        upvoteCount authorAssociation
        author { login }
        category { id name emoji isAnswerable }
        answer { id }
        comments(first: 20) {
          totalCount
          pageInfo { endCursor hasNextPage }
          nodes { ...Comment }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}",
    comment_fragment!(),
    reply_fragment!()
);

/// A discussion's comments after `after`, 100 at a time, with their first replies.
const DISCUSSION_COMMENTS_QUERY: &str = concat!(
    "query($id: ID!, $after: String) {
  node(id: $id) {
    ... on Discussion {
      comments(first: 100, after: $after) {
        totalCount
        pageInfo { endCursor hasNextPage }
        nodes { ...Comment }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}",
    comment_fragment!(),
    reply_fragment!()
);

/// A discussion comment's replies after `after`, 100 at a time.
const COMMENT_REPLIES_QUERY: &str = concat!(
    "query($id: ID!, $after: String) {
  node(id: $id) {
    ... on DiscussionComment {
      replies(first: 100, after: $after) {
        totalCount
        pageInfo { endCursor hasNextPage }
        nodes { ...Reply }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}",
    reply_fragment!()
);

const ADD_DISCUSSION_COMMENT: &str = "mutation($discussionId: ID!, $replyToId: ID, $body: String!, $clientMutationId: String) {
  addDiscussionComment(input: {discussionId: $discussionId, replyToId: $replyToId, body: $body, clientMutationId: $clientMutationId}) {
    clientMutationId
    comment { id url body createdAt isAnswer author { login } replyTo { id } }
  }
}";

const DISCUSSION_CATEGORIES: &str = "query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    id
    discussionCategories(first: 100) { nodes { id name slug } }
  }
}";

const CREATE_DISCUSSION: &str = "mutation($repositoryId: ID!, $categoryId: ID!, $title: String!, $body: String!, $clientMutationId: String) {
  createDiscussion(input: {repositoryId: $repositoryId, categoryId: $categoryId, title: $title, body: $body, clientMutationId: $clientMutationId}) {
    clientMutationId
    discussion { id url }
  }
}";

const RECENT_DISCUSSIONS: &str = "query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    discussions(first: 30, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { id url title body createdAt author { login } }
    }
  }
}";

const DISCUSSION_REACTIONS: &str = "query($id: ID!) {
  node(id: $id) { ... on Discussion { reactions { totalCount } upvoteCount } }
}";

const FIND_DISCUSSION_COMMENT: &str = "query($id: ID!) {
  node(id: $id) {
    ... on Discussion {
      comments(last: 50) {
        nodes {
          id url body createdAt author { login }
          replies(last: 50) { nodes { id url body createdAt author { login } } }
        }
      }
    }
  }
}";

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// GraphQL refuses a document that spreads an undefined fragment or defines an unused one.
    #[test]
    fn each_discussion_query_defines_exactly_the_fragments_it_spreads() {
        for q in [
            DISCUSSIONS_QUERY,
            DISCUSSION_COMMENTS_QUERY,
            COMMENT_REPLIES_QUERY,
        ] {
            let defined: BTreeSet<&str> = q
                .split("fragment ")
                .skip(1)
                .filter_map(|f| f.split_whitespace().next())
                .collect();
            let spread: BTreeSet<&str> = q
                .split("...")
                .skip(1)
                .filter_map(|f| f.split(|c: char| !c.is_alphanumeric()).next())
                .filter(|name| !name.is_empty())
                .collect();
            assert_eq!(defined, spread, "{q}");
        }
    }

    /// The recorded GraphQL exchanges in `tests/fixtures/github/` hold the queries Hearth sends.
    #[test]
    fn recorded_discussion_requests_are_what_hearth_sends() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/github");
        for (file, query) in [
            ("17-discussions-page-1.json", DISCUSSIONS_QUERY),
            ("18-discussions-page-2.json", DISCUSSIONS_QUERY),
            ("34-discussion-long-thread.json", DISCUSSIONS_QUERY),
            (
                "35-discussion-comments-page-2.json",
                DISCUSSION_COMMENTS_QUERY,
            ),
            (
                "36-discussion-comment-replies-page-2.json",
                COMMENT_REPLIES_QUERY,
            ),
        ] {
            let text = std::fs::read_to_string(dir.join(file)).expect("the fixture is readable");
            let recorded: Value = serde_json::from_str(&text).expect("the fixture is JSON");
            assert_eq!(
                recorded
                    .pointer("/request/body/query")
                    .and_then(Value::as_str),
                Some(query),
                "{file}"
            );
        }
    }

    #[test]
    fn mentions_count_in_prose_but_not_in_code() {
        assert!(mentions(
            "cc @lumen-community please",
            "lumen-community",
            false
        ));
        assert!(mentions("cc @Lumen-Community.", "lumen-community", false));
        assert!(!mentions(
            "cc @lumen-community-bot",
            "lumen-community",
            false
        ));
        assert!(!mentions(
            "```\n@lumen-community\n```",
            "lumen-community",
            false
        ));
        assert!(!mentions(
            "run `@lumen-community`",
            "lumen-community",
            false
        ));
        assert!(mentions("cc @lumen-ssg/maintainers", "lumen-ssg/", true));
        assert!(!mentions(
            "mail me@lumen-community",
            "lumen-community",
            false
        ));
    }

    #[test]
    fn the_next_link_is_found_among_the_others() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            link_next(&h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert_eq!(
            link_rel(&h, "last").as_deref(),
            Some("https://api.github.com/x?page=9")
        );
    }

    #[test]
    fn a_watch_survives_its_round_trip_through_a_cursor() {
        let w = Watch {
            updated: "2026-05-04T10:22:05Z".into(),
            etag: "W/\"abc\"".into(),
            ids: vec![("1".into(), "a".into()), ("2".into(), "b[bot]".into())],
        };
        assert_eq!(Watch::parse(&w.format()), w);
        assert_eq!(Watch::parse(""), Watch::default());
    }

    #[test]
    fn graphql_rate_limited_with_http_200_is_a_rate_limit() {
        let e = graphql_result(
            &HeaderMap::new(),
            json!({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit already exceeded"}]}),
        )
        .unwrap_err();
        assert!(matches!(e, ConnectorError::RateLimited { .. }), "{e:?}");
    }
}

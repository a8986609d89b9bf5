//! The words of the demo community "Lumen", an open-source static site generator: names,
//! organisations, and what people write on each kind of thread. Only data, no logic.

pub const FIRST_NAMES: &[&str] = &[
    "Maria",
    "José",
    "Aiko",
    "Søren",
    "Priya",
    "Chidi",
    "Zoë",
    "Łukasz",
    "Fatima",
    "Mateo",
    "Ingrid",
    "Kwame",
    "Mei",
    "Dmitri",
    "Amara",
    "Lars",
    "Noor",
    "Tomás",
    "Hana",
    "Elif",
    "Oliver",
    "Camille",
    "Ravi",
    "Sofia",
    "Yusuf",
    "Anika",
    "Diego",
    "Freya",
    "Jun",
    "Leila",
    "Marcus",
    "Ngozi",
    "Pavel",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Valentina",
    "Wei",
    "Ximena",
    "Yara",
    "Zara",
    "André",
    "Björn",
    "Céline",
    "Dario",
    "Emeka",
    "Farah",
    "Gabriel",
    "Hiroshi",
    "Isabel",
    "Jonas",
    "Kenji",
    "Lucía",
    "Mads",
    "Nadia",
    "Omar",
    "Paula",
    "Quentin",
    "Rin",
    "Sanjay",
    "Thandiwe",
    "Ugo",
    "Vera",
    "Wanjiru",
    "Xavier",
    "Yosef",
    "Zeynep",
    "Alex",
    "Sam",
];

pub const LAST_NAMES: &[&str] = &[
    "García",
    "Tanaka",
    "Nielsen",
    "Sharma",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Rossi",
    "Berg",
    "Mensah",
    "Chen",
    "Volkov",
    "Adeyemi",
    "Larsen",
    "Khan",
    "Álvarez",
    "Suzuki",
    "Yılmaz",
    "Smith",
    "Dubois",
    "Patel",
    "Fernández",
    "Demir",
    "Schmidt",
    "Ortiz",
    "Lindqvist",
    "Park",
    "Nasser",
    "Brooks",
    "Njoroge",
    "Petrov",
    "Moreau",
    "Iyer",
    "Silva",
    "Andersson",
    "Abe",
    "Nguyễn",
    "Kaya",
    "Müller",
    "Costa",
    "Jensen",
    "Osei",
    "Lopez",
    "Novak",
    "Hoffmann",
    "Sato",
    "Mwangi",
    "Ivanova",
    "Bianchi",
    "Eriksen",
    "Quispe",
    "Das",
    "Horvat",
    "Ali",
    "Keller",
];

pub const ORGANIZATIONS: &[&str] = &[
    "Acme Docs",
    "Northwind Labs",
    "Fjord Studio",
    "Pixel & Pine",
    "OpenTransit",
    "Sunbeam Co-op",
    "Helix Health",
    "Tidepool Data",
    "Brightline Media",
    "Quarry Systems",
    "Kite Labs",
    "Orbit University",
    "Mosaic Agency",
    "Lighthouse NGO",
    "Cobalt Cloud",
    "Meadow Press",
];

/// Words organisations are named from, beyond the few above: a real community's people work at
/// hundreds of places, a few of them large.
pub const ORG_WORDS: &[&str] = &[
    "Harbor", "Juniper", "Cedar", "Granite", "Aurora", "Summit", "Willow", "Copper", "Ember",
    "Atlas", "Nimbus", "Saffron", "Basalt", "Heron", "Lantern", "Marble", "Fable", "Prism",
    "Clover", "Drift", "Sable", "Thistle", "Vantage", "Zephyr",
];
pub const ORG_KINDS: &[&str] = &[
    "Labs",
    "Systems",
    "Studio",
    "Data",
    "Health",
    "Media",
    "Works",
    "Cloud",
    "Press",
    "Collective",
    "Software",
    "Networks",
    "Foundation",
    "Robotics",
    "Energy",
    "Analytics",
];

/// Where people say they live, with the hours from UTC Slack reports for them. A community
/// spans many cities, a few of them home to many of its people; the first ones are the
/// commonest.
pub const CITIES: &[(&str, i64)] = &[
    ("Berlin", 1),
    ("São Paulo", -3),
    ("Lagos", 1),
    ("Pune", 5),
    ("Lisbon", 0),
    ("Toronto", -5),
    ("Osaka", 9),
    ("Oslo", 1),
    ("London", 0),
    ("New York", -5),
    ("Bengaluru", 5),
    ("Paris", 1),
    ("San Francisco", -8),
    ("Nairobi", 3),
    ("Mexico City", -6),
    ("Jakarta", 7),
    ("Madrid", 1),
    ("Seoul", 9),
    ("Buenos Aires", -3),
    ("Kraków", 1),
    ("Amsterdam", 1),
    ("Istanbul", 3),
    ("Cape Town", 2),
    ("Manila", 8),
    ("Montreal", -5),
    ("Melbourne", 10),
    ("Bogotá", -5),
    ("Helsinki", 2),
    ("Accra", 0),
    ("Hanoi", 7),
    ("Vienna", 1),
    ("Santiago", -4),
    ("Chicago", -6),
    ("Taipei", 8),
    ("Dublin", 0),
    ("Cairo", 2),
    ("Austin", -6),
    ("Zürich", 1),
    ("Lima", -5),
    ("Auckland", 12),
    ("Tbilisi", 4),
    ("Porto", 0),
    ("Kyiv", 2),
    ("Dhaka", 6),
    ("Montevideo", -3),
    ("Edinburgh", 0),
    ("Kigali", 2),
    ("Valencia", 1),
];

/// What a thread is about, which decides what people write and how it is triaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Question,
    Bug,
    FeatureRequest,
    Praise,
    Spam,
    Angry,
    Introduction,
    Discussion,
}

pub const TOPIC_WEIGHTS: &[(Topic, u32)] = &[
    (Topic::Question, 34),
    (Topic::Bug, 16),
    (Topic::FeatureRequest, 14),
    (Topic::Praise, 9),
    (Topic::Spam, 3),
    (Topic::Angry, 3),
    (Topic::Introduction, 7),
    (Topic::Discussion, 14),
];

pub const SUBJECTS: &[&str] = &[
    "the image pipeline",
    "incremental builds",
    "the i18n plugin",
    "dark mode in the default theme",
    "RSS feeds",
    "the search index",
    "shortcodes",
    "the dev server",
    "deploying to Netlify",
    "the Markdown parser",
    "syntax highlighting",
    "taxonomies",
    "pagination",
    "the asset bundler",
    "the CLI's watch mode",
    "sitemaps",
    "front matter validation",
    "the theme API",
    "hot reload",
    "the link checker",
    "Windows paths",
    "the Docker image",
    "table of contents",
    "math rendering",
    "the plugin registry",
    "custom output formats",
    "the config loader",
];

/// A thread's title and opening post, which belong together.
pub type Opening = (&'static str, &'static str);

pub const QUESTIONS: &[Opening] = &[
    ("How do I configure {s}?", "Hi all! I'm trying to get {s} working on our docs site (about 2,000 pages) and I can't find the right option in the docs. Has anyone done this?"),
    ("Is there a way to speed up {s}?", "Our builds spend most of their time in {s}. Is there a setting or a cache I'm missing? We're on 3.1.2."),
    ("{s} ignores my config — what am I missing?", "I've read the guide twice but {s} still doesn't behave the way I expect. Is there an example config somewhere?"),
    ("Best practice for {s} on a large site?", "We're moving our company blog to Lumen. What's the recommended way to set up {s} for about 10,000 posts?"),
    ("Can {s} work with a monorepo?", "Quick question: does {s} work when the site lives in a subfolder of a monorepo, or do I need a plugin for that?"),
    ("Turning on {s} only in production?", "Sorry if this is obvious — how do I turn on {s} only for production builds?"),
];

pub const BUGS: &[Opening] = &[
    ("Crash in {s} after upgrading to 3.1", "Since upgrading to 3.1.2, {s} crashes with `thread 'main' panicked at 'index out of bounds'`. Steps: clone the starter, run `lumen build`. Happens every time on Ubuntu 24.04."),
    ("{s} produces broken links on Windows", "Reproducible on a clean install: {s} writes backslash paths into the HTML on Windows. Expected forward slashes. Happy to help test a fix."),
    ("Regression: {s} is 4× slower since 3.0", "After the update, {s} takes 40 s instead of 9 s on our site. Profiling points at the cache being rebuilt on every run."),
    ("{s} drops non-ASCII characters", "{s} mangles titles like “Zoë’s café” into “Zo s caf”. Looks like an encoding issue."),
];

pub const FEATURE_REQUESTS: &[Opening] = &[
    ("Proposal: make {s} configurable per section", "It would be great if {s} could be configured per section. Right now we maintain two sites just for this. Would the team accept a PR?"),
    ("Could {s} expose a hook for plugins?", "Feature idea: let plugins hook into {s}. Our team would use it to add analytics-free view counts."),
    ("Idea: first-class support for {s}", "+1 for making {s} work out of the box — it's the one thing keeping our team on the old generator."),
];

pub const DISCUSSIONS: &[Opening] = &[
    ("What's your setup for {s}?", "Curious how everyone handles {s}. We use a custom shortcode but it feels hacky."),
    ("Show and tell: our new site built with Lumen", "We just launched our new site with Lumen — 5,000 pages, builds in 14 s. Happy to share how we set up {s}."),
    ("Roadmap thoughts: {s}", "What would you most like to see next in {s}? Collecting ideas for the next community call."),
    ("Weekly community thread", "What are you working on this week? Share progress, ask for feedback on your {s} setup, or just say hi."),
];

pub const PRAISE_BODIES: &[&str] = &[
    "Just migrated our docs to Lumen and the build went from 3 minutes to 11 seconds. Thank you all! ❤️",
    "Huge thanks to whoever wrote the new guide on {s} — it saved my weekend.",
    "Lumen 3.1 is fantastic. {s} finally just works. Great job, team!",
    "Shout-out to the community here: got an answer about {s} in ten minutes. Best open-source community I know.",
];

pub const SPAM_BODIES: &[&str] = &[
    "🚀 EARN 500 USDT DAILY!!! DM me for the secret crypto signal group, limited spots",
    "<p>Claim your <b>free tokens</b> now: <a href=\"javascript:alert('gotcha')\">claim here</a><script>steal()</script><img src=\"https://tracker.example/p.gif\"></p>",
    "Cheap followers and likes for your project!!! visit my profile",
];

pub const ANGRY_BODIES: &[&str] = &[
    "This is the third time {s} broke in a minor release. We ship production docs on this. Does anyone on the team actually test upgrades?",
    "Honestly disappointed. I reported the {s} problem two months ago and nobody even replied. Considering moving off Lumen.",
    "The new default for {s} silently broke our site in production. A changelog line is not enough for a breaking change.",
];

pub const INTRO_BODIES: &[&str] = &[
    "Hi everyone 👋 I'm new here — I found Lumen while looking for a fast docs generator. Looking forward to learning from you all!",
    "Hello! First post. I work on documentation at a small non-profit and we're evaluating Lumen. Any tips for a beginner?",
    "Hey! Just joined. I've been using Lumen for my personal blog for a year and would love to contribute to {s}.",
];

pub const REPLIES: &[&str] = &[
    "Same here, following this thread.",
    "I ran into this too. Setting `cache = false` worked around it for me.",
    "Have you tried the example in the docs under Guides → {s}? It covers most of it.",
    "+1, this would help us a lot.",
    "I think this is related to the change in 3.1 — see the migration notes.",
    "Bookmarking this, I'll need it for our docs site too.",
    "Still seeing it on 3.1.3 unfortunately.",
    "We solved it with a small plugin, I can share it if useful.",
    "Interesting — which OS are you on?",
    "Which version are you on? This changed in 3.1.",
];

pub const WELCOME_REPLIES: &[&str] = &[
    "Welcome! 👋 Glad to have you here.",
    "Hi and welcome! The #help channel is the best place for questions.",
    "Welcome aboard — the getting-started guide is really good, and people here are friendly.",
    "Hey, welcome! What are you planning to build with Lumen?",
];

pub const PRAISE_REPLIES: &[&str] = &[
    "Agreed, 3.1 is great!",
    "❤️ Same here, the new build times are wild.",
    "Nice! Would love to read a write-up of your migration.",
];

/// What the team answers, by what the thread is about: an answer to a question, a fix for a
/// bug, an apology to someone upset, a welcome to a newcomer.
pub fn team_replies(topic: Topic) -> &'static [&'static str] {
    match topic {
        Topic::Question => &[
            "Good question. {s} is configured in `lumen.toml` under `[build]`; here's the relevant guide: https://lumen.dev/docs/config",
            "You can do that with {s}: run `lumen build --verbose` to see which setting wins, and the guide at https://lumen.dev/docs/config has an example.",
            "Yes — since 3.1 {s} works out of the box. If it doesn't for you, could you share your `lumen.toml`?",
        ],
        Topic::Bug => &[
            "Thanks for the report! I can reproduce it and have opened a fix — it will be in 3.1.4.",
            "Confirmed, and sorry about that: {s} broke in 3.1. A fix is merged; `lumen@next` has it today.",
        ],
        Topic::Angry => &[
            "Sorry about the trouble, and thanks for your patience. We're adding an upgrade test for {s} so this doesn't happen again.",
            "You're right, and I'm sorry. {s} should never have changed in a minor release — we're reverting it in 3.1.4 and adding a test.",
        ],
        Topic::Praise => &["Thank you for the kind words — I've shared this with the whole team. 🙏"],
        Topic::Introduction => &[
            "Welcome aboard! The #help channel and the forum are the best places to ask anything, and the good-first-issue label is a nice place to start contributing.",
        ],
        Topic::FeatureRequest | Topic::Discussion | Topic::Spam => &[
            "Great idea — I've added it to the list for the next community call.",
            "Thanks for writing this up. It fits the 3.2 plans for {s}; I've linked it in the roadmap discussion.",
        ],
    }
}

/// What the person who asked says once the team's answer worked.
pub const THANKS: &[&str] = &[
    "Thanks, that fixed it!",
    "That worked, thank you!",
    "Perfect, it builds now. Thanks for the quick answer!",
];

pub const NOTES: &[&str] = &[
    "Met at FOSDEM. Interested in writing docs for the i18n plugin — follow up in December.",
    "Ask about her talk at the Write the Docs meetup next week.",
    "Maintains the Aurora theme (most popular community theme). Potential champion.",
    "Reported several high-quality bugs. Send a thank-you sticker pack.",
    "Frustrated about breaking changes in 3.0 — check in personally after 3.1.4 ships.",
    "Runs a Lumen meetup in Lagos. Offered to co-host the next community call.",
    "Prefers to be contacted on Matrix, not email.",
    "Works on the docs team at their company; could be a case-study.",
];

pub const MEMBER_TAGS: &[&str] = &[
    "contributor",
    "champion",
    "theme author",
    "first-timer",
    "speaker",
];

/// Parts of the rarer family names: most people in a large community share their full name
/// with nobody, a few common names repeat (those come from [`LAST_NAMES`]).
pub const NAME_STARTS: &[&str] = &[
    "Bran", "Hal", "Os", "Ver", "Kal", "Mor", "Tan", "Lind", "Rad", "Fen", "Sol", "Dar", "Kes",
    "Al", "Ber", "Cas", "Dom", "El", "Gar", "Hol", "Ib", "Jas", "Kor", "Lam", "Mar", "Nor", "Ok",
    "Pel", "Quin", "Ros", "Sand", "Tor", "Ul", "Val", "Wes", "Yar", "Zel", "Ash", "Bel", "Cor",
];
pub const NAME_MIDDLES: &[&str] = &["", "a", "e", "i", "o", "an", "er", "en", "ov", "ud"];
pub const NAME_ENDS: &[&str] = &[
    "dvold", "strom", "ovic", "ini", "ardo", "sen", "berg", "wood", "ley", "ton", "ez", "ova",
    "ski", "ara", "ura", "ani", "elli", "mann", "quist", "ford", "kar", "ngo", "eke", "idis",
];

/// Lumen's community team: Robin (the user, in the demo) and two colleagues.
pub const DEMO_TEAM: [&str; 3] = ["Robin", "Sam", "Priya"];

/// The demo's own rules, beside the starting ones: name, conditions, effects (in words).
pub const DEMO_RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "Bug reports",
        &["regex (?i)\\b(crash\\w*|panicked|regression|broken|reproducible|mangles)\\b"],
        &["+2", "tag bug"],
    ),
    (
        "Spam sinks",
        &["regex (?i)usdt|free tokens|cheap followers"],
        &["-5", "tag spam"],
    ),
];

/// The demo's saved view: GitHub issues and discussions still waiting for an answer, which
/// the team answers within 8 hours.
pub fn demo_view() -> (&'static str, &'static str, crate::model::ViewFilter) {
    (
        "GitHub, unanswered",
        "x",
        crate::model::ViewFilter {
            platform: Some(crate::model::Platform::Github),
            unanswered: Some(true),
            ..Default::default()
        },
    )
}

/// Canned replies a community manager of Lumen would keep, each with a variable filled in for
/// the conversation (the welcome signs with {my_name}, which asks for the user's name first).
/// They stay when the demo is removed, as starting points.
pub const CANNED_REPLIES: &[(&str, &str)] = &[
    (
        "Welcome",
        "Welcome to the Lumen community, {first_name}! Say hi in the introductions channel, and the docs at lumen.dev/docs answer most first questions.\n— {my_name}",
    ),
    (
        "Windows install",
        "Hi {first_name}, the Windows steps are pinned in {channel}: install the MSI from lumen.dev/download, then run `lumen doctor` to check the setup. Does that get you going?",
    ),
    (
        "Thanks for the report",
        "Thanks {first_name}, that is a clear report. I have passed it to the team and will update this thread when a fix lands.",
    ),
    (
        "Solved",
        "Glad that sorted it, {first_name}! I will mark this as solved; write here any time if it comes back.",
    ),
];

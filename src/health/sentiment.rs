//! Sentiment on the device: how positive or negative a message reads, from −1 to 1, for every
//! message at ingest. Owns: the score. Must never: send text anywhere, or take long enough to
//! slow a sync (a few microseconds a message).
//!
//! The base is VADER (Hutto and Gilbert, ICWSM-14) through `vader-parity`, which gives exactly
//! what the reference Python package (vaderSentiment 3.3.2) gives: its lexicon, boosters and
//! dampeners, negation, "but", capitals, exclamation marks. VADER was made for social media
//! but reads chat poorly where it matters here, so a layer of chat rules goes around it:
//!
//! - **Emoji** carry their own valence ([`EMOJI`]): VADER only reads an emoji's name
//!   ("thumbs up", "pouting face"), which rarely holds a word of its lexicon, so 👍 and 😡 both
//!   score 0 in it. 💀 and 😭 are read as laughter, as chat uses them.
//! - **Shortcodes** as Discord and Slack write emoji (`:tada:`, `:+1:`) count as the emoji.
//! - **Chat words** VADER lacks ([`CHAT`]: "smh", "ty", "tysm", "kudos", "borked"…).
//! - **Other languages**: the most common words of praise, thanks and trouble in Spanish,
//!   Portuguese, German, French and Japanese ([`WORDS`], [`PHRASES`]); VADER reads English
//!   only.
//! - **Sarcasm** of the commonest kind: praise beside a problem with a marker of irony ("just
//!   great", "oh great", "thanks a lot", "/s", 🙃) reads as the complaint it is.
//!
//! Scores combine as VADER does: valences add up, and the sum is normalised to (−1, 1) with
//! VADER's `x / √(x² + 15)`. The accuracy of this against the reference, on a labelled set
//! of chat messages, is in `docs/sentiment.md`.

use std::collections::HashMap;
use std::sync::LazyLock;

use vader_parity::SentimentIntensityAnalyzer;

static VADER: LazyLock<SentimentIntensityAnalyzer> = LazyLock::new(SentimentIntensityAnalyzer::new);

/// VADER's normalisation constant.
const ALPHA: f64 = 15.0;
/// 🔥's valence, and what it counts as beside an outage ("prod is down 🔥").
const FIRE: f64 = 1.6;
const FIRE_AS_TROUBLE: f64 = 1.4;
/// What is left of a question's positive words.
const QUESTION_DAMPING: f64 = 0.1;

/// Emoji and their valence on VADER's scale (−4 to 4).
const EMOJI: &[(&str, f64)] = &[
    ("👍", 1.8),
    ("👎", -1.8),
    ("❤️", 2.5),
    ("❤", 2.5),
    ("💙", 2.2),
    ("💜", 2.2),
    ("💚", 2.2),
    ("🧡", 2.2),
    ("💛", 2.2),
    ("💖", 2.5),
    ("😍", 2.8),
    ("🥰", 2.8),
    ("😊", 2.0),
    ("🙂", 1.2),
    ("😀", 2.0),
    ("😃", 2.0),
    ("😄", 2.2),
    ("😁", 2.0),
    ("😆", 1.8),
    ("😂", 1.6),
    ("🤣", 1.6),
    ("😅", 0.6),
    ("😉", 1.2),
    ("😎", 1.6),
    ("🤩", 2.8),
    ("🥳", 2.6),
    ("🎉", 2.4),
    ("🎊", 2.2),
    ("🚀", 1.8),
    ("🔥", FIRE),
    ("✨", 1.4),
    ("💯", 2.0),
    ("👏", 2.0),
    ("🙌", 2.2),
    ("🙏", 1.6),
    ("💪", 1.6),
    ("✅", 1.2),
    ("⭐", 1.6),
    ("🌟", 1.8),
    ("🏆", 2.0),
    ("👌", 1.6),
    ("🤗", 2.0),
    ("😇", 1.6),
    ("🫶", 2.4),
    ("💀", 1.0),
    ("😭", 0.6),
    ("🥲", 0.2),
    ("🤔", 0.0),
    ("👀", 0.0),
    ("😐", -0.4),
    ("😑", -0.6),
    ("🙃", -0.4),
    ("😬", -0.8),
    ("😕", -1.2),
    ("🫤", -1.0),
    ("😟", -1.4),
    ("😞", -1.8),
    ("😔", -1.6),
    ("😢", -1.8),
    ("😥", -1.4),
    ("😩", -1.8),
    ("😫", -1.8),
    ("😖", -1.8),
    ("😣", -1.6),
    ("😒", -1.6),
    ("🙄", -1.6),
    ("😤", -1.8),
    ("😠", -2.6),
    ("😡", -3.0),
    ("🤬", -3.2),
    ("💢", -2.0),
    ("💔", -2.4),
    ("❌", -1.2),
    ("⚠️", -0.8),
    ("🐛", -0.6),
    ("🤮", -2.6),
    ("🤦", -1.6),
    ("😱", -1.2),
    ("😰", -1.6),
    ("😨", -1.4),
    ("😵", -1.2),
    ("🆘", -1.6),
];

/// Discord and Slack shortcodes for the emoji above.
const SHORTCODES: &[(&str, &str)] = &[
    (":+1:", "👍"),
    (":thumbsup:", "👍"),
    (":thumbs_up:", "👍"),
    (":-1:", "👎"),
    (":thumbsdown:", "👎"),
    (":heart:", "❤"),
    (":heart_eyes:", "😍"),
    (":smile:", "😄"),
    (":slightly_smiling_face:", "🙂"),
    (":blush:", "😊"),
    (":grin:", "😁"),
    (":joy:", "😂"),
    (":rofl:", "🤣"),
    (":sweat_smile:", "😅"),
    (":wink:", "😉"),
    (":sunglasses:", "😎"),
    (":star_struck:", "🤩"),
    (":partying_face:", "🥳"),
    (":tada:", "🎉"),
    (":confetti_ball:", "🎊"),
    (":rocket:", "🚀"),
    (":fire:", "🔥"),
    (":sparkles:", "✨"),
    (":100:", "💯"),
    (":clap:", "👏"),
    (":raised_hands:", "🙌"),
    (":pray:", "🙏"),
    (":muscle:", "💪"),
    (":white_check_mark:", "✅"),
    (":star:", "⭐"),
    (":trophy:", "🏆"),
    (":ok_hand:", "👌"),
    (":hugs:", "🤗"),
    (":skull:", "💀"),
    (":sob:", "😭"),
    (":thinking:", "🤔"),
    (":eyes:", "👀"),
    (":neutral_face:", "😐"),
    (":upside_down:", "🙃"),
    (":upside_down_face:", "🙃"),
    (":grimacing:", "😬"),
    (":confused:", "😕"),
    (":worried:", "😟"),
    (":disappointed:", "😞"),
    (":pensive:", "😔"),
    (":cry:", "😢"),
    (":weary:", "😩"),
    (":tired_face:", "😫"),
    (":unamused:", "😒"),
    (":roll_eyes:", "🙄"),
    (":triumph:", "😤"),
    (":angry:", "😠"),
    (":rage:", "😡"),
    (":cursing_face:", "🤬"),
    (":broken_heart:", "💔"),
    (":x:", "❌"),
    (":warning:", "⚠️"),
    (":bug:", "🐛"),
    (":facepalm:", "🤦"),
    (":face_palm:", "🤦"),
    (":scream:", "😱"),
];

/// Chat words VADER's lexicon lacks, with their valence (words it has are left to it).
const CHAT: &[(&str, f64)] = &[
    ("tysm", 2.2),
    ("thanx", 1.6),
    ("borked", -1.8),
    ("breaks", -1.2),
    ("crashes", -1.6),
    ("crashing", -1.6),
    ("regression", -1.2),
    ("flaky", -1.2),
    ("unusable", -2.4),
    ("lgtm", 1.6),
    ("goat", 1.6),
    ("slow", -1.4),
    ("slower", -1.4),
    ("sluggish", -1.4),
    ("fast", 1.2),
    ("faster", 1.4),
    ("snappy", 1.6),
    ("slaps", 2.2),
    ("mid", -1.2),
    ("cooked", -1.6),
    ("obsessed", 2.4),
];

/// Chat phrases, with their valence.
const CHAT_PHRASES: &[(&str, f64)] = &[
    ("goes hard", 2.0),
    ("step back", -1.2),
    ("waste of time", -2.0),
];

/// Words VADER gives a feeling that chat uses without one: a hedge ("honestly"), an
/// acknowledgement ("ok"), politeness ("please"), "idk". They leave VADER's text.
const NO_FEELING: &[&str] = &["honestly", "ok", "okay", "please", "pls", "plz", "idk"];

/// Laughter said as dying or crying ("i'm dead 💀"): VADER reads the words literally.
const LAUGHTER: &[&str] = &[
    "i'm dead",
    "im dead",
    "i am dead",
    "i'm crying",
    "im crying",
    "i'm weak",
];
const LAUGHTER_VALENCE: f64 = 1.6;

/// Function words of German, French, Spanish, Portuguese, Italian and Dutch: two different
/// ones and the message is not English, which is all VADER reads ("die" is German's "the", not death).
const NOT_ENGLISH: &[&str] = &[
    "das", "der", "und", "nicht", "ist", "auch", "mit", "ich", "sie", "wir", "ein", "eine", "les",
    "des", "une", "est", "pour", "avec", "pas", "je", "très", "el", "los", "las", "que", "con",
    "para", "por", "una", "muy", "um", "uma", "não", "com", "foi", "il", "che", "non", "della",
    "sono", "het", "een", "niet", "wat", "ik", "voor", "zijn", "mi", "ora", "tutto",
];

/// Single words of other languages, with their valence.
const WORDS: &[(&str, f64)] = &[
    // Spanish
    ("gracias", 2.0),
    ("encantado", 2.4),
    ("encantada", 2.4),
    ("desastre", -2.6),
    ("rompió", -1.8),
    ("rápido", 1.2),
    ("funciona", 1.0),
    ("lento", -1.4),
    ("excelente", 2.8),
    ("increíble", 2.6),
    ("bueno", 1.6),
    ("buenísimo", 2.6),
    ("perfecto", 2.6),
    ("malo", -2.0),
    ("roto", -1.8),
    ("falla", -1.6),
    ("problema", -1.0),
    // Portuguese
    ("obrigado", 2.0),
    ("adorei", 2.6),
    ("adoro", 2.4),
    ("raiva", -2.2),
    ("travou", -1.6),
    ("obrigada", 2.0),
    ("valeu", 2.0),
    ("ótimo", 2.6),
    ("incrível", 2.6),
    ("péssimo", -2.8),
    ("ruim", -2.0),
    ("quebrado", -1.8),
    // German
    ("danke", 2.0),
    ("schnell", 1.2),
    ("langsam", -1.4),
    ("ärgerlich", -2.0),
    ("enttäuscht", -2.2),
    ("toll", 2.2),
    ("prima", 2.0),
    ("klasse", 2.2),
    ("großartig", 2.8),
    ("hilfreich", 2.0),
    ("geholfen", 1.6),
    ("schlecht", -2.0),
    ("kaputt", -2.0),
    ("leider", -1.0),
    ("schade", -1.4),
    ("nervig", -2.0),
    // French
    ("merci", 2.0),
    ("déçu", -2.2),
    ("déçue", -2.2),
    ("incomplet", -1.0),
    ("rapide", 1.2),
    ("fonctionne", 1.0),
    // Italian
    ("grazie", 2.0),
    ("funziona", 1.0),
    ("fantastico", 2.6),
    ("rotto", -1.8),
    // Dutch
    ("bedankt", 2.0),
    ("werkt", 1.0),
    ("gedoe", -1.6),
    ("jammer", -1.4),
    // Polish
    ("dziękuję", 2.0),
    ("dzięki", 2.0),
    ("świetn", 2.4),
    ("działa", 1.0),
    ("génial", 2.6),
    ("parfait", 2.6),
    ("bravo", 2.4),
    ("mauvais", -2.0),
    ("nul", -2.2),
    ("cassé", -1.8),
    ("dommage", -1.4),
    ("malheureusement", -1.2),
];

/// Phrases (matched in the lower-cased text) of other languages, with their valence.
const PHRASES: &[(&str, f64)] = &[
    ("no funciona", -3.0),
    ("no me funciona", -3.0),
    ("non funziona", -3.0),
    ("werkt niet", -3.0),
    ("werkt echt niet", -3.0),
    ("nie działa", -3.0),
    ("ne fonctionne pas", -3.0),
    ("muchas gracias", 0.6),
    ("não funciona", -2.0),
    ("muito obrigado", 0.6),
    ("funktioniert nicht", -2.0),
    ("startet gar nichts", -2.0),
    ("geht nicht", -1.6),
    ("vielen dank", 0.6),
    ("ne marche pas", -2.0),
    ("marche pas", -1.6),
    ("merci beaucoup", 0.6),
    ("ありがとう", 2.0),
    ("助かりました", 2.2),
    ("助かる", 2.0),
    ("最高", 2.8),
    ("すごい", 2.2),
    ("素晴らしい", 2.8),
    ("嬉しい", 2.4),
    ("動かな", -2.0),
    ("悲しい", -2.2),
    ("困って", -1.8),
    ("残念", -1.6),
    ("ダメ", -1.8),
];

/// Markers of irony: praise said beside a problem with one of these reads as a complaint.
const IRONY: &[&str] = &[
    "just great",
    "oh great",
    "great. just",
    "oh good",
    "oh joy",
    "yeah right",
    "thanks a lot",
    "thanks for nothing",
    "love that for me",
    "love it when",
    "love how",
    "so much fun",
    "what a joy",
    "fantastic job",
    "great job breaking",
    "good job breaking",
    "/s",
    "🙃",
];

/// Words of trouble that, with a marker of irony, make praise sarcastic.
const TROUBLE: &[&str] = &[
    "broken",
    "broke",
    "break",
    "crash",
    "fail",
    "error",
    "bug",
    "again",
    "still",
    "not work",
    "doesn't work",
    "down",
    "lost",
    "deleted",
    "wiped",
    "slow",
    "hours",
    "regress",
    "404",
    "500",
    "timeout",
    "stuck",
];

static AT_INGEST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Whether ingest scores the messages it keeps (it does; the sync benchmark turns it off to
/// measure what scoring costs against ingest without it, in the same run). Messages kept
/// unscored are scored later by `Store::score_unscored`.
pub fn at_ingest() -> bool {
    AT_INGEST.load(std::sync::atomic::Ordering::Relaxed)
}

#[doc(hidden)]
pub fn set_at_ingest(on: bool) {
    AT_INGEST.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The sum of valences behind a VADER compound score.
fn sum_of(compound: f64) -> f64 {
    let c = compound.clamp(-0.9999, 0.9999);
    c * (ALPHA / (1.0 - c * c)).sqrt()
}

fn normalise(sum: f64) -> f64 {
    sum / (sum * sum + ALPHA).sqrt()
}

/// [`CHAT`] and [`WORDS`] by word.
static LEXICON: LazyLock<HashMap<&'static str, f64>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    for (w, v) in CHAT.iter().chain(WORDS) {
        *m.entry(*w).or_insert(0.0) += v;
    }
    m
});

/// The valence of one lower-cased word: itself, or (six letters or more, as other languages
/// inflect: "großartige") its longest beginning of six letters or more that is a word.
fn word_valence(word: &str) -> f64 {
    if let Some(v) = LEXICON.get(word) {
        return *v;
    }
    let ends: Vec<usize> = word.char_indices().map(|(i, _)| i).skip(6).collect();
    ends.iter()
        .rev()
        .find_map(|&end| LEXICON.get(&word[..end]).copied())
        .unwrap_or(0.0)
}

/// `text` without the words that carry no feeling in chat, for VADER.
fn without_hedges(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let bare = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if NO_FEELING.contains(&bare.as_str()) {
            continue;
        }
        // "I'd like to", "would like to": a wish, not a liking
        if bare == "like"
            && (words
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("to"))
                || i.checked_sub(1)
                    .and_then(|p| words.get(p))
                    .is_some_and(|p| {
                        let p = p.to_lowercase();
                        p.ends_with("'d") || p.ends_with("’d") || p == "would"
                    }))
        {
            continue;
        }
        out.push(*w);
    }
    out.join(" ")
}

/// How positive (up to 1) or negative (down to −1) `text` reads; 0 is neutral.
pub fn score(text: &str) -> f32 {
    let text = text.trim();
    if text.is_empty() {
        return 0.0;
    }
    let mut extra = 0.0;
    // Shortcodes become their emoji, and the emoji Hearth knows leave VADER's text (its own
    // reading of their names is replaced, not added to).
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        if c == ':' {
            for (code, emoji) in SHORTCODES {
                if rest.len() >= code.len()
                    && rest.is_char_boundary(code.len())
                    && rest[..code.len()].eq_ignore_ascii_case(code)
                {
                    extra += EMOJI
                        .iter()
                        .find(|(e, _)| e == emoji)
                        .map_or(0.0, |(_, v)| *v);
                    plain.push(' ');
                    rest = &rest[code.len()..];
                    continue 'scan;
                }
            }
        } else if !c.is_ascii() {
            for (emoji, valence) in EMOJI {
                if let Some(after) = rest.strip_prefix(emoji) {
                    extra += valence;
                    plain.push(' ');
                    rest = after.strip_prefix('\u{fe0f}').unwrap_or(after);
                    continue 'scan;
                }
            }
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let raw = text.to_lowercase();
    let trouble = || TROUBLE.iter().any(|t| raw.contains(t));
    if text.contains('🔥') && trouble() {
        // a fire beside an outage is the outage, not praise
        extra -= text.matches('🔥').count() as f64 * (FIRE + FIRE_AS_TROUBLE);
    }
    // Laughter said as dying or crying leaves VADER's text (ASCII lower-casing keeps the
    // places of the letters, so the words can be cut from the text as it was written).
    let mut folded = plain.to_ascii_lowercase();
    for laugh in LAUGHTER {
        while let Some(at) = folded.find(laugh) {
            extra += LAUGHTER_VALENCE;
            plain.replace_range(at..at + laugh.len(), " ");
            folded.replace_range(at..at + laugh.len(), " ");
        }
    }
    let lower = plain.to_lowercase();
    let mut foreign: Vec<&str> = Vec::new();
    for word in lower.split(|c: char| !c.is_alphanumeric() && c != '\'') {
        if word.is_empty() {
            continue;
        }
        extra += word_valence(word);
        if NOT_ENGLISH.contains(&word) && !foreign.contains(&word) {
            foreign.push(word);
        }
    }
    let ascii = lower.is_ascii();
    for (phrase, valence) in PHRASES.iter().chain(CHAT_PHRASES) {
        if (!ascii || phrase.is_ascii()) && lower.contains(phrase) {
            extra += valence;
        }
    }
    // "W" and "L": a win and a loss, said in capitals on their own
    for token in plain.split(|c: char| !c.is_alphanumeric()) {
        match token {
            "W" => extra += 1.8,
            "L" => extra -= 1.8,
            _ => {}
        }
    }
    // VADER reads English only, in the capitals it was written in (they are emphasis).
    let english = without_hedges(&plain);
    let vader = if english.trim().is_empty() || foreign.len() >= 2 {
        0.0
    } else {
        VADER.polarity_scores(&english).compound
    };
    let mut total = sum_of(vader) + extra;
    if total > 0.0 && IRONY.iter().any(|m| raw.contains(m)) && trouble() {
        total = -total;
    }
    // A question's good words are mostly what it asks for ("any good tutorials?", "would a PR
    // be welcome?"), not how its author feels.
    if total > 0.0 && text.trim_end().ends_with('?') && !text.contains('!') {
        total *= QUESTION_DAMPING;
    }
    normalise(total) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_and_shortcodes_carry_feeling_that_vader_reads_as_nothing() {
        assert!(score("👍") > 0.3);
        assert!(score("😡") < -0.3);
        assert!(score(":tada: shipped") > 0.3);
        assert!(score(":rage:") < -0.3);
        assert_eq!(score("   "), 0.0);
    }

    #[test]
    fn plain_english_reads_as_vader_reads_it() {
        let text = "The docs are great, thank you!";
        let vader = VADER.polarity_scores(text).compound;
        assert!((f64::from(score(text)) - vader).abs() < 1e-3);
        assert!(score("this is not good") < 0.0);
        assert!(score("Does anyone know how to set the base URL?").abs() < 0.05);
    }

    #[test]
    fn other_languages_and_sarcasm_read_as_people_mean_them() {
        assert!(score("Danke, das hat geholfen!") > 0.3);
        assert!(score("no funciona con Node 22") < -0.3);
        assert!(score("ありがとうございます！") > 0.3);
        assert!(score("still broken after the update. great. just great.") < -0.3);
        // praise without irony stays praise
        assert!(score("great release, the build is not broken anymore") > 0.0);
    }

    #[test]
    fn a_sum_survives_vaders_normalisation_both_ways() {
        for s in [-7.5, -1.0, 0.0, 0.3, 4.2] {
            assert!((sum_of(normalise(s)) - s).abs() < 1e-9);
        }
    }
}

//! A feedback conversation's terms: the words and two-word phrases of its title and opening
//! message that can say what it is about. Common words (English function words, the words of
//! asking — "please", "could", "idea", "support" — and chat filler) are left out, case and
//! accents are folded, and plurals are read as their singular, so "Dark-mode toggles?" and
//! "dark mode toggle" share "dark mode", "mode toggle", "dark", "mode" and "toggle".

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

/// Characters of the opening message read (a long post's first paragraphs say what it is).
const OPENING: usize = 600;

/// Words that say nothing about what feedback is about.
const STOP: &[&str] = &[
    // English function words
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "couldn",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "else",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "hadn",
    "has",
    "hasn",
    "have",
    "haven",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "same",
    "shall",
    "she",
    "should",
    "shouldn",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "ve",
    "very",
    "via",
    "was",
    "wasn",
    "way",
    "we",
    "were",
    "weren",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "yet",
    "you",
    "your",
    "yours",
    // asking, thanking and chat filler
    "add",
    "added",
    "adding",
    "allow",
    "anyone",
    "appreciate",
    "ask",
    "asking",
    "awesome",
    "best",
    "better",
    "cool",
    "currently",
    "feature",
    "features",
    "first",
    "great",
    "guys",
    "hello",
    "help",
    "hey",
    "hi",
    "idea",
    "ideas",
    "instead",
    "issue",
    "issues",
    "know",
    "let",
    "like",
    "lol",
    "look",
    "looks",
    "love",
    "make",
    "makes",
    "making",
    "maybe",
    "need",
    "needs",
    "new",
    "nice",
    "please",
    "plan",
    "plans",
    "possible",
    "proposal",
    "question",
    "really",
    "request",
    "requests",
    "right",
    "see",
    "seems",
    "something",
    "sorry",
    "suggest",
    "suggestion",
    "support",
    "sure",
    "went",
    "whoever",
    "wrote",
    "two",
    "three",
    "four",
    "five",
    "ten",
    "hundred",
    "minute",
    "second",
    "hour",
    "day",
    "week",
    "team",
    "everyone",
    "folks",
    "people",
    "thank",
    "thanks",
    "thing",
    "things",
    "think",
    "thx",
    "today",
    "try",
    "tried",
    "trying",
    "use",
    "used",
    "using",
    "want",
    "wanted",
    "way",
    "well",
    "wish",
    "work",
    "works",
    "working",
    "yes",
    "yet",
];

fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

/// One word as terms are compared: lowercase, accents off, a plural read as its singular.
pub fn normalise(word: &str) -> String {
    let folded: String = word
        .trim()
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    // a phrase is normalised word by word
    if folded.contains(char::is_whitespace) {
        return folded
            .split_whitespace()
            .map(singular)
            .collect::<Vec<_>>()
            .join(" ");
    }
    singular(&folded)
}

/// Words that end in "s" and are not plurals.
const KEEP_S: &[&str] = &[
    "across", "alias", "always", "atlas", "bias", "bonus", "campus", "canvas", "census", "chaos",
    "corpus", "focus", "kudos", "macos", "minus", "news", "nexus", "perhaps", "plus", "series",
    "species", "status", "thus", "virus", "whereas", "windows",
];

fn singular(w: &str) -> String {
    let w = w.strip_suffix("'s").unwrap_or(w);
    let n = w.chars().count();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("is") && !KEEP_S.contains(&w)
    {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// The terms of a conversation titled `title` whose opening message is `text`, sorted.
pub fn of(title: &str, text: &str) -> Vec<String> {
    let opening: String = text.chars().take(OPENING).collect();
    let mut terms = BTreeSet::new();
    // a phrase never runs across punctuation: "on Windows. Expected…" has no "windows expected"
    let clauses = [title, opening.as_str()].into_iter().flat_map(|part| {
        part.split(|c: char| !(c.is_alphanumeric() || c.is_whitespace() || c == '\'' || c == '-'))
    });
    for clause in clauses {
        // a run of kept words: adjacent ones make a phrase
        let mut previous: Option<String> = None;
        for token in clause.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')) {
            // a compound with a common word in it ("first-class", "built-in") says nothing;
            // others ("dark-mode") are their words
            let parts: Vec<&str> = token
                .split('-')
                .map(|w| w.trim_matches('\''))
                .filter(|w| !w.is_empty())
                .collect();
            let compound_of_stop =
                parts.len() > 1 && parts.iter().any(|w| is_stop(&w.to_lowercase()));
            for raw in parts {
                let word = normalise(raw);
                let keep = !compound_of_stop
                    && word.chars().count() >= 3
                    && !word.chars().all(|c| c.is_ascii_digit())
                    && !is_stop(&word)
                    && !is_stop(raw.to_lowercase().as_str());
                if !keep {
                    previous = None;
                    continue;
                }
                if let Some(p) = previous.replace(word.clone()) {
                    terms.insert(format!("{p} {word}"));
                }
                terms.insert(word);
            }
        }
    }
    terms.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phrases_are_kept_and_common_words_left_out() {
        assert_eq!(
            of("Please add a dark-mode toggle!", ""),
            ["dark", "dark mode", "mode", "mode toggle", "toggle"]
        );
        assert_eq!(
            of("Dark mode toggles?", "Could we get them in 3.2"),
            of("dark MODE toggle", "")
        );
        assert_eq!(of("Café menus", ""), ["cafe", "cafe menu", "menu"]);
        assert!(of("Thanks so much, great work!", "lol").is_empty());
        assert_eq!(of("First-class support for sitemaps", ""), ["sitemap"]);
        // a stop word breaks a phrase: no "toggle search"
        assert!(!of("toggle for search", "").contains(&"toggle search".to_string()));
    }

    #[test]
    fn plurals_fold_but_words_ending_in_s_stay() {
        assert_eq!(normalise("Libraries"), "library");
        assert_eq!(normalise("sitemaps"), "sitemap");
        assert_eq!(normalise("status"), "status");
        assert_eq!(normalise("access"), "access");
        assert_eq!(normalise("analysis"), "analysis");
        assert_eq!(normalise("Dark Modes"), "dark mode");
    }
}

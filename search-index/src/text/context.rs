//! When a name that is also an ordinary word or letter counts as a skill.
//!
//! The rules (also in the [module docs](super)) look at the original text around each
//! candidate: punctuation and case are gone from the folded text. Cue words are compared
//! ASCII case-insensitively.

/// How a name behaves in prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Always a skill: the skill is not ambiguous, or the name has several words.
    Distinct,
    /// A one-word name of an ambiguous skill ("go", "excel", "c++" of an ambiguous entry).
    Word,
    /// A one-letter name of an ambiguous skill ("r", "c"): like [`Kind::Word`], and
    /// written in uppercase.
    Letter,
}

impl Kind {
    /// The kind of the folded name `folded` of a skill flagged `ambiguous` whose folded
    /// display name has `display_chars` characters.
    pub(crate) fn of(folded: &str, ambiguous: bool, display_chars: usize) -> Kind {
        let mut chars = folded.chars();
        match (chars.next(), chars.next()) {
            _ if !ambiguous || folded.contains(' ') => Kind::Distinct,
            // A one-word alias longer than the display name is a disambiguated spelling
            // ("Golang" for "Go").
            _ if folded.chars().count() > display_chars => Kind::Distinct,
            (Some(c), None) if c.is_alphabetic() => Kind::Letter,
            _ => Kind::Word,
        }
    }
}

/// A match of a name, before the context rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    /// Original byte offsets.
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Kind,
}

/// Words right before an ambiguous name written with a capital that make it a skill
/// ("in R", "with Go"), when the name then ends an item (rule b).
const WEAK_CUES: &[&str] = &["in", "with"];

/// Words right before an ambiguous name that make it a skill ("using Go"), when the name
/// then ends an item (rule b).
const CUES: &[&str] = &[
    "using",
    "use",
    "uses",
    "used",
    "know",
    "knows",
    "learn",
    "advanced",
    "intermediate",
    "proficient",
    "including",
    "via",
];

/// Word pairs right before an ambiguous name that make it a skill ("experience in R"),
/// when the name then ends an item (rule b): one of these words and then "in", "with"
/// or "of"; or "such as".
const CUE_PAIR_FIRST: &[&str] = &[
    "experience",
    "experienced",
    "proficient",
    "proficiency",
    "skilled",
    "skills",
    "expertise",
    "expert",
    "fluent",
    "fluency",
    "familiar",
    "familiarity",
    "background",
    "programming",
    "coding",
    "written",
    "develop",
    "developing",
    "knowledge",
    "understanding",
    "command",
    "mastery",
    "work",
    "working",
    "competent",
    "competence",
    "comfortable",
    "use",
];

/// Headings that, followed by a colon, introduce skills ("Skills: R") (rule b).
const HEADINGS: &[&str] = &[
    "skills",
    "skill",
    "languages",
    "language",
    "stack",
    "tools",
    "technologies",
    "technology",
    "tech",
    "frameworks",
    "requirements",
    "experience",
    "proficiency",
    "knowledge",
    "expertise",
    "qualifications",
];

/// Words right after an ambiguous name that make it a skill ("C programming", "Excel
/// spreadsheets") when the name is written with a capital (rule c).
const CUE_NOUNS: &[&str] = &[
    "programming",
    "programmer",
    "programmers",
    "language",
    "languages",
    "lang",
    "developer",
    "developers",
    "development",
    "engineer",
    "engineers",
    "code",
    "coding",
    "codebase",
    "script",
    "scripts",
    "scripting",
    "spreadsheet",
    "spreadsheets",
    "workbooks",
    "formulas",
    "macros",
    "framework",
    "skills",
    "experience",
    "expertise",
    "proficiency",
    "certification",
];

/// Words that may join the items of a list (rule a).
const LIST_WORDS: &[&str] = &["and", "or", "plus", "nor"];

/// Characters that may separate the items of a list (rule a): commas, slashes,
/// semicolons, ampersands, bars, brackets, bullets and dashes.
fn is_list_punct(c: char) -> bool {
    matches!(
        c,
        ',' | '/'
            | ';'
            | '&'
            | '|'
            | '('
            | ')'
            | '['
            | ']'
            | '•'
            | '·'
            | '*'
            | '-'
            | '–'
            | '—'
            | '+'
    )
}

/// Longest gap between two list items looked at, in bytes.
const MAX_GAP: usize = 48;

fn is_cue(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// The last word of `s` (a run of alphanumeric characters) and what precedes it.
fn last_word(s: &str) -> (&str, &str) {
    let start = s
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric())
        .last()
        .map_or(s.len(), |(i, _)| i);
    (&s[start..], &s[..start])
}

/// The first word of `s` and what follows it.
fn first_word(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphanumeric())
        .map_or(s.len(), |(i, _)| i);
    (&s[..end], &s[end..])
}

/// Rule b, first half: how strong a cue comes right before `start`, if any: a cue word,
/// a cue pair, "e.g.", "i.e." or a heading with a colon (strong), or "in"/"with" (weak).
fn cue_before(text: &str, start: usize) -> Option<Cue> {
    let before = text.get(..start).unwrap_or("").trim_end();
    if let Some(rest) = before.strip_suffix(':') {
        return is_cue(last_word(rest.trim_end()).0, HEADINGS).then_some(Cue::Strong);
    }
    let tail = before.get(before.len().saturating_sub(5)..).unwrap_or("");
    if ["e.g.", "e.g.,", "i.e.", "i.e.,"]
        .iter()
        .any(|t| tail.to_ascii_lowercase().ends_with(t))
    {
        return Some(Cue::Strong);
    }
    let (w1, rest) = last_word(before);
    if w1.is_empty() {
        return None;
    }
    if is_cue(w1, CUES) {
        return Some(Cue::Strong);
    }
    let (w2, _) = last_word(rest.trim_end());
    let pair = (is_cue(w1, &["in", "with", "of"]) && is_cue(w2, CUE_PAIR_FIRST))
        || (w1.eq_ignore_ascii_case("as") && w2.eq_ignore_ascii_case("such"));
    if pair {
        Some(Cue::Strong)
    } else if is_cue(w1, WEAK_CUES) {
        Some(Cue::Weak)
    } else {
        None
    }
}

/// A cue before a name (rule b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// Enough whatever the case of the name.
    Strong,
    /// Enough when the name is written with a capital.
    Weak,
}

/// Rule b, second half: the name ends an item: end of text, a line break, list
/// punctuation, the end of a sentence or clause (`.`, `!`, `?`, `:` before a space), or
/// "and"/"or".
fn ends_item(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or("");
    let after = after.trim_start_matches(|c: char| c.is_whitespace() && c != '\n' && c != '\r');
    let mut chars = after.chars();
    match chars.next() {
        None | Some('\n' | '\r') => true,
        Some('.' | '!' | '?' | ':') => chars.next().is_none_or(char::is_whitespace),
        Some(c) if is_list_punct(c) && !matches!(c, '-' | '*' | '+') => true,
        Some(c) if c.is_alphanumeric() => is_cue(first_word(after).0, &["and", "or"]),
        Some(_) => false,
    }
}

/// Rule c: the next word (after spaces or one hyphen) is a cue noun.
fn cue_noun_after(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or("");
    let after = after.trim_start_matches([' ', '\t']);
    let after = after.strip_prefix('-').unwrap_or(after);
    is_cue(first_word(after).0, CUE_NOUNS)
}

/// How two neighbouring candidates are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Not as items of one list.
    None,
    /// Only by "and"/"or"/"plus"/"nor".
    Word,
    /// By list punctuation or a line break (and maybe words).
    Punct,
}

/// Rule a: what joins two neighbouring candidates, given the text between them.
fn link(gap: &str) -> Link {
    if gap.len() > MAX_GAP {
        return Link::None;
    }
    let (mut punct, mut word) = (false, false);
    let mut rest = gap;
    while let Some(c) = rest.chars().next() {
        if c.is_alphanumeric() {
            let (w, tail) = first_word(rest);
            if !is_cue(w, LIST_WORDS) {
                return Link::None;
            }
            word = true;
            rest = tail;
            continue;
        }
        if c == '\n' || is_list_punct(c) {
            punct = true;
        } else if !c.is_whitespace() {
            return Link::None;
        }
        rest = &rest[c.len_utf8()..];
    }
    match (punct, word) {
        (true, _) => Link::Punct,
        (false, true) => Link::Word,
        (false, false) => Link::None,
    }
}

fn has_upper(s: &str) -> bool {
    s.chars().any(char::is_uppercase)
}

/// The case gate of one-letter names: written as a capital.
fn letter_ok(s: &str) -> bool {
    has_upper(s) && !s.chars().any(char::is_lowercase)
}

/// Which candidates (sorted, non-overlapping) are reported.
pub(crate) fn accept(text: &str, cands: &[Candidate]) -> Vec<bool> {
    let written = |c: &Candidate| text.get(c.start..c.end).unwrap_or("");
    let gate = |c: &Candidate| c.kind != Kind::Letter || letter_ok(written(c));
    // Rules b and c, on their own.
    let mut ok: Vec<bool> = cands
        .iter()
        .map(|c| match c.kind {
            Kind::Distinct => true,
            Kind::Word | Kind::Letter => {
                let capital = has_upper(written(c));
                let cue = match cue_before(text, c.start) {
                    Some(Cue::Strong) => true,
                    Some(Cue::Weak) => capital,
                    None => false,
                };
                gate(c)
                    && ((cue && ends_item(text, c.end)) || (capital && cue_noun_after(text, c.end)))
            }
        })
        .collect();
    // Rule a: lists of neighbouring candidates with at least one skill.
    let links: Vec<Link> = cands
        .windows(2)
        .map(|w| link(text.get(w[0].end..w[1].start).unwrap_or("")))
        .collect();
    let mut i = 0;
    while i < cands.len() {
        let mut j = i;
        while links.get(j).is_some_and(|&l| l != Link::None) {
            j += 1;
        }
        if ok[i..=j].iter().any(|&b| b) {
            for k in i..=j {
                let c = &cands[k];
                let punct_link =
                    (k > 0 && links[k - 1] == Link::Punct) || links.get(k) == Some(&Link::Punct);
                if !ok[k] && gate(c) && (punct_link || has_upper(written(c))) {
                    ok[k] = true;
                }
            }
        }
        i = j + 1;
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_between_list_items() {
        assert_eq!(link(", "), Link::Punct);
        assert_eq!(link(" / "), Link::Punct);
        assert_eq!(link(" and "), Link::Word);
        assert_eq!(link(", and/or "), Link::Punct);
        assert_eq!(link(" (e.g. "), Link::None);
        assert_eq!(link("\n- "), Link::Punct);
        assert_eq!(link(" "), Link::None);
        assert_eq!(link(". "), Link::None);
        assert_eq!(link(" with "), Link::None);
        assert_eq!(link(""), Link::None);
    }

    #[test]
    fn cues_around_a_name() {
        let t = "Experience in R. Knowledge of Go, e.g. Rust; Skills: Swift";
        let at = |s: &str| t.find(s).expect("in text");
        assert_eq!(cue_before(t, at("R.")), Some(Cue::Strong));
        assert!(ends_item(t, at("R.") + 1));
        assert_eq!(cue_before(t, at("Go,")), Some(Cue::Strong));
        assert!(ends_item(t, at("Go,") + 2));
        assert_eq!(cue_before(t, at("Rust")), Some(Cue::Strong));
        assert_eq!(cue_before(t, at("Swift")), Some(Cue::Strong));
        assert!(ends_item(t, t.len()));
        assert_eq!(cue_before(t, 0), None);
        assert_eq!(cue_before("starting in spring", 12), Some(Cue::Weak));
        assert!(!ends_item("Go to", 2));
        assert!(cue_noun_after("C programming", 1));
        assert!(cue_noun_after("Go-developer", 2));
        assert!(!cue_noun_after("Go to", 2));
    }
}

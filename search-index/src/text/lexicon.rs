//! The lexicon: skill names and aliases, folded once, looked up whole or found in prose.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use super::context::{self, Candidate, Kind};
use super::fold::{Folded, fold};

/// One skill's names, as given to [`Lexicon::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconEntry {
    /// The caller's key for the skill (in this crate, the dense skill index). Returned
    /// by [`Lexicon::normalize`] and in every [`Hit`].
    pub key: u32,
    /// The display name first, then aliases and abbreviations. Names that fold alike
    /// (see [`fold`](super::fold)) count once.
    pub names: Vec<String>,
    /// Whether the skill's name is also an ordinary word or letter ("R", "C", "Go",
    /// "Swift", "Excel"). Extraction then reports the *one-word* names of the skill that
    /// are no longer than the display name only in a skill-like context (see the
    /// [module docs](super)): "Go" and "Excel" are ambiguous; "Golang" (a one-word alias
    /// longer than "Go"), "Microsoft Excel" and "R language" (several words) are
    /// distinctive and always reported. Whole-text [`Lexicon::normalize`] ignores this
    /// flag.
    pub ambiguous: bool,
}

/// A skill found in prose by [`Lexicon::extract`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hit {
    /// The skill's key ([`LexiconEntry::key`]).
    pub key: u32,
    /// Byte offset of the start of the match in the original text (a UTF-8 character
    /// boundary).
    pub start: usize,
    /// Byte offset just past the end of the match in the original text (a UTF-8
    /// character boundary): `&text[start..end]` is the matched text.
    pub end: usize,
    /// The matched text as written, `text[start..end]`.
    pub text: String,
}

/// Why a list of [`LexiconEntry`]s is not a valid lexicon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    /// A name folds to nothing (it is empty or only punctuation and spaces).
    #[error("skill {key} has a name that is empty after folding: {name:?}")]
    EmptyName {
        /// The skill.
        key: u32,
        /// The name as given.
        name: String,
    },
    /// Two names of different skills fold to the same form, so text could not tell them
    /// apart.
    #[error(
        "name {name:?} of skill {key} and name {other_name:?} of skill {other_key} \
         both fold to {folded:?}"
    )]
    Conflict {
        /// The common folded form.
        folded: String,
        /// The skill of the name seen first.
        key: u32,
        /// The name seen first, as given.
        name: String,
        /// The other skill.
        other_key: u32,
        /// The other name, as given.
        other_name: String,
    },
    /// The multi-pattern matcher could not be built (far beyond any real taxonomy).
    #[error("cannot build the name matcher: {0}")]
    Matcher(String),
}

/// One folded name.
#[derive(Debug, Clone)]
struct Form {
    key: u32,
    /// The name as first given (for error messages).
    name: String,
    kind: Kind,
}

/// Skill names and aliases, ready for whole-text lookups and for extraction from prose.
///
/// Build it once per taxonomy (building folds every name and compiles one Aho-Corasick
/// automaton); lookups and extraction take `&self` and can run on many threads.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Folded form → name, for [`Lexicon::normalize`].
    by_form: HashMap<String, usize>,
    /// Names in pattern-id order.
    forms: Vec<Form>,
    /// Patterns `" " + folded + " "`, matched leftmost-longest over padded folded text.
    matcher: AhoCorasick,
}

impl Lexicon {
    /// Builds a lexicon from skills' names.
    ///
    /// A key may appear in several entries; their names are merged. Fails when a name
    /// folds to nothing ([`LexiconError::EmptyName`]) or when names of two different keys
    /// fold to the same form ([`LexiconError::Conflict`], naming both).
    pub fn new(entries: impl IntoIterator<Item = LexiconEntry>) -> Result<Lexicon, LexiconError> {
        let mut by_form: HashMap<String, usize> = HashMap::new();
        let mut forms: Vec<Form> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        for entry in entries {
            let display_chars = entry.names.first().map_or(0, |n| fold(n).chars().count());
            for name in entry.names {
                let folded = fold(&name);
                if folded.is_empty() {
                    return Err(LexiconError::EmptyName {
                        key: entry.key,
                        name,
                    });
                }
                let kind = Kind::of(&folded, entry.ambiguous, display_chars);
                if let Some(&i) = by_form.get(&folded) {
                    let form = &mut forms[i];
                    if form.key != entry.key {
                        return Err(LexiconError::Conflict {
                            folded,
                            key: form.key,
                            name: form.name.clone(),
                            other_key: entry.key,
                            other_name: name,
                        });
                    }
                    // The same name twice for one skill: ambiguous if either says so.
                    form.kind = form.kind.max(kind);
                    continue;
                }
                by_form.insert(folded.clone(), forms.len());
                patterns.push(format!(" {folded} "));
                forms.push(Form {
                    key: entry.key,
                    name,
                    kind,
                });
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| LexiconError::Matcher(e.to_string()))?;
        Ok(Lexicon {
            by_form,
            forms,
            matcher,
        })
    }

    /// The number of distinct folded names.
    pub fn len(&self) -> usize {
        self.forms.len()
    }

    /// Whether the lexicon has no names.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// The skill whose name or alias is the whole of `text`, after [`fold`]ing both.
    ///
    /// `None` for anything else: there is no fuzzy matching, no prefix matching and no
    /// guessing ("Cobol-ish" is unknown even if "COBOL" is a name).
    pub fn normalize(&self, text: &str) -> Option<u32> {
        let i = *self.by_form.get(&fold(text))?;
        self.forms.get(i).map(|f| f.key)
    }

    /// Finds skills in prose.
    ///
    /// Hits are sorted by `start` and do not overlap; `start` and `end` are byte offsets
    /// into `text` itself (not into its folded form) and lie on UTF-8 character
    /// boundaries, so `&text[hit.start..hit.end]` is always valid and folds to a name of
    /// `hit.key`. Matching is on whole words of the folded text, longest name first; names
    /// of ambiguous skills are kept only in a skill-like context (see the
    /// [module docs](super)).
    pub fn extract(&self, text: &str) -> Vec<Hit> {
        let folded = Folded::new(text);
        let hay = folded.hay();
        let mut candidates: Vec<(usize, Candidate)> = Vec::new();
        let mut pos = 0;
        while pos < hay.len() {
            let Some(m) = self.matcher.find(Input::new(hay).range(pos..)) else {
                break;
            };
            let Some(form) = self.forms.get(m.pattern().as_usize()) else {
                break;
            };
            // The pattern's padding spaces are not part of the name.
            match folded.original_span(m.start() + 1, m.end() - 1) {
                Some((start, end)) => {
                    candidates.push((
                        m.pattern().as_usize(),
                        Candidate {
                            start,
                            end,
                            kind: form.kind,
                        },
                    ));
                    // The trailing space may start the next name.
                    pos = m.end() - 1;
                }
                // The match begins or ends inside what one original character folds to:
                // not a word of the original. Look again from the next word.
                None => pos = m.start() + 1,
            }
        }
        let cands: Vec<Candidate> = candidates.iter().map(|(_, c)| *c).collect();
        let keep = context::accept(text, &cands);
        candidates
            .into_iter()
            .zip(keep)
            .filter(|(_, keep)| *keep)
            .filter_map(|((pattern, c), _)| {
                Some(Hit {
                    key: self.forms.get(pattern)?.key,
                    start: c.start,
                    end: c.end,
                    text: text.get(c.start..c.end)?.to_owned(),
                })
            })
            .collect()
    }
}

//! The lexicon: skill names and aliases, folded once, looked up whole or found in prose.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, Anchored, Input, Match, MatchKind, StartKind};

use super::context::{self, Candidate, Kind};
use super::folding::{Folded, fold};

/// One skill's names, as given to [`Lexicon::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconEntry {
    /// The caller's key for the skill (in this crate, the dense skill index). Returned
    /// by [`Lexicon::normalize`] and in every [`Hit`].
    pub key: u32,
    /// The display name first, then aliases and abbreviations. Names that fold alike
    /// (see [`fold`]) count once.
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
    /// For each gap between the words of the folded name: whether the name has a strong
    /// separator there (a comma, ...), so that text may have one too.
    strong_gaps: Vec<bool>,
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
                let strong_gaps: Vec<bool> = {
                    let f = Folded::new(&name);
                    f.gaps(1, f.hay().len().saturating_sub(1)).collect()
                };
                if let Some(form) = by_form.get(&folded).and_then(|&i| forms.get_mut(i)) {
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
                    for (have, other) in form.strong_gaps.iter_mut().zip(strong_gaps) {
                        *have |= other;
                    }
                    continue;
                }
                by_form.insert(folded.clone(), forms.len());
                patterns.push(format!(" {folded} "));
                forms.push(Form {
                    key: entry.key,
                    name,
                    kind,
                    strong_gaps,
                });
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
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

    /// The name matched at `m.start()` (`m` itself, or a shorter one when `m` crosses a
    /// strong separator that the name does not have), as a pattern id, candidate and the
    /// end of the match in the folded text. `None` when no name there is a whole
    /// sequence of words of the original.
    fn accept_match(&self, folded: &Folded, mut m: Match) -> Option<(usize, Candidate, usize)> {
        loop {
            let pattern = m.pattern().as_usize();
            let form = self.forms.get(pattern)?;
            // The pattern's padding spaces are not part of the name.
            let (start, end) = (m.start() + 1, m.end() - 1);
            let crossed = folded
                .gaps(start, end)
                .zip(&form.strong_gaps)
                .position(|(text_strong, &name_strong)| text_strong && !name_strong);
            if let Some(k) = crossed {
                // Look for a shorter name ending at that gap.
                let gap = folded
                    .hay()
                    .get(start..end)?
                    .match_indices(' ')
                    .nth(k)
                    .map(|(i, _)| start + i)?;
                let input = Input::new(folded.hay())
                    .range(m.start()..gap + 1)
                    .anchored(Anchored::Yes);
                m = self.matcher.find(input)?;
                continue;
            }
            // Not a whole span of the original when an edge cuts through what one
            // original character folds to.
            let (ostart, oend) = folded.original_span(start, end)?;
            return Some((
                pattern,
                Candidate {
                    start: ostart,
                    end: oend,
                    kind: form.kind,
                },
                m.end(),
            ));
        }
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
            match self.accept_match(&folded, m) {
                Some((pattern, candidate, hay_end)) => {
                    candidates.push((pattern, candidate));
                    // The trailing space may start the next name.
                    pos = hay_end - 1;
                }
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

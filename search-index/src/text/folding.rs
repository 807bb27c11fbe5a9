//! Folding: the one canonical form in which skill names and prose are compared.
//!
//! [`fold`] is used both for whole-text lookups and, through [`Folded`], for
//! extraction, where every folded byte also remembers which characters of the
//! original text it came from: characters are normalised by
//! [segments](super::segments), and each folded character keeps the original byte
//! range of its segment.

use unicode_normalization::char::is_combining_mark;

use super::segments::for_each_normalized;

/// Folds text to the form in which skill names are compared.
///
/// In order:
/// 1. Unicode NFKC (fullwidth "Ｐｙｔｈｏｎ" → "Python", "ﬁ" → "fi"), then Unicode
///    lowercase, character by character.
/// 2. Letters, digits and combining marks are kept. A few symbols that carry meaning in
///    skill names are kept where they are attached to a word:
///    - `+` and `#` directly after a word and not followed by a letter: `c++`, `c#`,
///      `f#` (so "C", "C++" and "C#" stay three names). A digit after them starts a new
///      word: "C++17" → `c++ 17`. Elsewhere they separate words ("Java+Spring" →
///      `java spring`, "#rust" → `rust`);
///    - `.` at the start of a word: ".NET" → `.net`, which is therefore *not* the same
///      as "NET" (list "dotnet" as an alias to reach it that way too); and `.` between
///      two digits: "3.5" → `3.5`. Elsewhere a dot separates words: "Node.js" →
///      `node js`, "ASP.NET" → `asp net`, a full stop ends a word;
///    - `&` and apostrophes (`'`, `’`, folded to `'`) between two word characters:
///      "R&D" → `r&d` (one word, so the skill "R" is not inside it), "don't" → `don't`.
/// 3. Every other character (whitespace, hyphens, slashes, brackets, commas, other
///    punctuation and symbols) separates words. Runs of separators become one space and
///    separators at either end are dropped: "  node-js " → `node js`.
///
/// So "Node.js", "node js" and "node-js" fold alike (`node js`), while "NodeJS" folds
/// to `nodejs`: a lexicon reaches all four when it lists both spellings. "Objective-C"
/// folds to `objective c`. Folding is idempotent: `fold(&fold(x)) == fold(x)`.
///
/// ```
/// use search_index::text::fold;
/// assert_eq!(fold("  Node.JS "), "node js");
/// assert_eq!(fold("C++"), "c++");
/// assert_eq!(fold("C#."), "c#");
/// assert_eq!(fold(".NET"), ".net");
/// assert_eq!(fold("Ｐｙｔｈｏｎ"), "python");
/// assert_eq!(fold("R&D"), "r&d");
/// ```
pub fn fold(text: &str) -> String {
    let mut sink = PlainSink(String::with_capacity(text.len()));
    fold_into(text, &mut sink);
    sink.0
}

/// Text folded for matching, with a map back to the original.
///
/// `hay` is `" " + fold(text) + " "` (the padding lets patterns carry their word
/// boundaries as spaces). For every byte of `hay`, `seg_of` holds the index in `segs` of
/// the segment it came from (spaces: [`WEAK_GAP`] or [`STRONG_GAP`]); `segs` holds
/// original byte ranges.
#[derive(Debug)]
pub(crate) struct Folded {
    hay: String,
    seg_of: Vec<usize>,
    segs: Vec<(usize, usize)>,
}

/// `seg_of` of a space that stands for whitespace, hyphens, slashes, dots inside words
/// and the like.
const WEAK_GAP: usize = usize::MAX;
/// `seg_of` of a space that stands for a run of separators holding a comma, semicolon,
/// colon, bracket, double quote, bar, bullet, long dash, `!`, `?` or a full stop
/// (a `.` followed by whitespace or the end). A name only matches across such a gap
/// when it has one at the same place itself ("Governance, risk and compliance").
const STRONG_GAP: usize = usize::MAX - 1;

/// What a space in folded text stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    /// No separator seen.
    None,
    /// Only weak separators.
    Weak,
    /// At least one strong separator.
    Strong,
}

/// Separators that are always strong (see [`STRONG_GAP`]).
const STRONG: &[char] = &[
    ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', '“', '”', '«', '»', '|', '•', '·',
    '–', '—', '…',
];

/// Whether the separator `c`, followed by `next`, is strong (see [`STRONG_GAP`]).
fn is_strong(c: char, next: Option<char>) -> bool {
    STRONG.contains(&c) || (c == '.' && next.is_none_or(char::is_whitespace))
}

impl Folded {
    /// Folds `text`, keeping the map.
    pub(crate) fn new(text: &str) -> Folded {
        let mut sink = MappedSink(Folded {
            hay: String::with_capacity(text.len() + 2),
            seg_of: Vec::with_capacity(text.len() + 2),
            segs: Vec::with_capacity(text.len()),
        });
        sink.space(Gap::Weak);
        fold_into(text, &mut sink);
        sink.space(Gap::Weak);
        sink.0
    }

    /// The padded folded text.
    pub(crate) fn hay(&self) -> &str {
        &self.hay
    }

    /// The gaps between the words of `hay[start..end]`, in order: whether each is strong.
    pub(crate) fn gaps(&self, start: usize, end: usize) -> impl Iterator<Item = bool> + '_ {
        let bytes = self.hay.as_bytes();
        (start..end)
            .filter(move |&i| bytes.get(i) == Some(&b' '))
            .map(|i| self.seg_of.get(i) == Some(&STRONG_GAP))
    }

    /// The original byte range of the folded word(s) `hay[start..end]`, which must be
    /// preceded and followed by a space. `None` when an edge cuts through a segment,
    /// i.e. the original character at the edge also produced folded text outside the
    /// range ("½" folds to `1 2`: `2` alone is not a span of the original).
    pub(crate) fn original_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if start == 0 || end <= start || end >= self.seg_of.len() {
            return None;
        }
        let first = *self.seg_of.get(start)?;
        let last = *self.seg_of.get(end - 1)?;
        // The byte before the space before `start` ends the previous word, if any.
        if start >= 2 && self.seg_of.get(start - 2) == Some(&first) {
            return None;
        }
        if self.seg_of.get(end + 1) == Some(&last) {
            return None;
        }
        let (s, _) = *self.segs.get(first)?;
        let (_, e) = *self.segs.get(last)?;
        Some((s, e))
    }
}

/// Where folded output goes.
trait Sink {
    /// Appends `c`, produced by the original bytes `seg`.
    fn char(&mut self, c: char, seg: (usize, usize));
    /// Appends a word separator standing for `gap` (never [`Gap::None`]).
    fn space(&mut self, gap: Gap);
}

struct PlainSink(String);

impl Sink for PlainSink {
    fn char(&mut self, c: char, _seg: (usize, usize)) {
        self.0.push(c);
    }
    fn space(&mut self, _gap: Gap) {
        self.0.push(' ');
    }
}

struct MappedSink(Folded);

impl Sink for MappedSink {
    fn char(&mut self, c: char, seg: (usize, usize)) {
        let f = &mut self.0;
        if f.segs.last() != Some(&seg) {
            f.segs.push(seg);
        }
        let idx = f.segs.len() - 1;
        f.hay.push(c);
        f.seg_of.resize(f.hay.len(), idx);
    }
    fn space(&mut self, gap: Gap) {
        let f = &mut self.0;
        f.hay.push(' ');
        f.seg_of.push(if gap == Gap::Strong {
            STRONG_GAP
        } else {
            WEAK_GAP
        });
    }
}

/// What the last character decided was, for the rules that look behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of text or a separator.
    Sep,
    /// A letter, combining mark or digit.
    Word { digit: bool },
    /// A kept `+` or `#`.
    Sym,
    /// A kept `.`, `&` or `'` (always followed by a word character).
    Joiner,
}

/// The punctuation rules of [`fold`] (step 2 and 3), fed one normalised character at a
/// time with one character of look-ahead.
struct Words<'s, S: Sink> {
    sink: &'s mut S,
    prev: Prev,
    gap: Gap,
    started: bool,
    pending: Option<(char, (usize, usize))>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c)
}

impl<S: Sink> Words<'_, S> {
    fn feed(&mut self, c: char, seg: (usize, usize)) {
        if let Some((p, pseg)) = self.pending.replace((c, seg)) {
            self.decide(p, pseg, Some(c));
        }
    }

    fn finish(&mut self) {
        if let Some((p, pseg)) = self.pending.take() {
            self.decide(p, pseg, None);
        }
    }

    fn emit(&mut self, c: char, seg: (usize, usize)) {
        if self.gap != Gap::None && self.started {
            self.sink.space(self.gap);
        }
        self.gap = Gap::None;
        self.started = true;
        self.sink.char(c, seg);
    }

    fn decide(&mut self, c: char, seg: (usize, usize), next: Option<char>) {
        if is_word(c) {
            if self.prev == Prev::Sym {
                self.gap = self.gap.max(Gap::Weak);
            }
            self.emit(c, seg);
            self.prev = Prev::Word {
                digit: c.is_numeric(),
            };
            return;
        }
        let prev = self.prev;
        let kept = match c {
            '+' | '#' => {
                matches!(prev, Prev::Word { .. } | Prev::Sym) && !next.is_some_and(is_letter)
            }
            '.' => {
                (prev == Prev::Sep && next.is_some_and(is_word))
                    || (prev == Prev::Word { digit: true } && next.is_some_and(char::is_numeric))
            }
            '&' | '\'' | '\u{2019}' => {
                matches!(prev, Prev::Word { .. }) && next.is_some_and(is_word)
            }
            _ => false,
        };
        if !kept {
            let gap = if is_strong(c, next) {
                Gap::Strong
            } else {
                Gap::Weak
            };
            self.gap = self.gap.max(gap);
            self.prev = Prev::Sep;
            return;
        }
        match c {
            '+' | '#' => {
                self.emit(c, seg);
                self.prev = Prev::Sym;
            }
            '\u{2019}' => {
                self.emit('\'', seg);
                self.prev = Prev::Joiner;
            }
            _ => {
                self.emit(c, seg);
                self.prev = Prev::Joiner;
            }
        }
    }
}

fn fold_into<S: Sink>(text: &str, sink: &mut S) {
    let mut words = Words {
        sink,
        prev: Prev::Sep,
        gap: Gap::None,
        started: false,
        pending: None,
    };
    for_each_normalized(text, |c, seg| words.feed(c, seg));
    words.finish();
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_space_and_punctuation() {
        let cases = [
            ("  PostgreSQL ", "postgresql"),
            ("Node.js", "node js"),
            ("node js", "node js"),
            ("node-js", "node js"),
            ("NodeJS", "nodejs"),
            ("C", "c"),
            ("C++", "c++"),
            ("c ++", "c"),
            ("C#", "c#"),
            ("F#", "f#"),
            ("(C++)", "c++"),
            ("C++17", "c++ 17"),
            ("Java+Spring", "java spring"),
            ("#rust", "rust"),
            (".NET", ".net"),
            ("...NET", ".net"),
            ("ASP.NET", "asp net"),
            ("NET", "net"),
            ("Objective-C", "objective c"),
            ("Python 3.10.", "python 3.10"),
            ("e.g.", "e g"),
            ("R&D", "r&d"),
            ("R & D", "r d"),
            ("don’t", "don't"),
            ("Ｐｙｔｈｏｎ", "python"),
            ("Ｃ＃", "c#"),
            ("ﬁle", "file"),
            ("\tMachine\n\nLearning\u{a0}", "machine learning"),
            ("KÖLN", "köln"),
            ("--", ""),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn spans_map_back_to_whole_characters() {
        let text = "x ½ Ｃ＃ e\u{301}";
        let f = Folded::new(text);
        assert_eq!(f.hay(), " x 1 2 c# é ");
        // "c#" came from the two fullwidth characters.
        let at = f.hay().find("c#").expect("folded");
        assert_eq!(f.original_span(at, at + 2), Some((5, 11)));
        // "2" is only part of what "½" folds to.
        let at = f.hay().find('2').expect("folded");
        assert_eq!(f.original_span(at, at + 1), None);
        // "é" written as e + combining acute is one segment.
        let at = f.hay().find('é').expect("folded");
        assert_eq!(
            f.original_span(at, at + 'é'.len_utf8()),
            Some((12, text.len()))
        );
    }

    pub(crate) fn messy_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9 .+#&'’,/()-]{0,12}",
            prop::sample::select(vec![
                "e\u{301}",
                "\u{301}",
                "ｶﾞ",
                "ﾞ",
                "½",
                "⑴",
                "ﬁ",
                "Ｃ＃",
                "İ",
                "ß",
                "Ω",
                "ǅ",
                "\u{1100}\u{1161}\u{11a8}",
                "\u{b47}\u{b3e}",
                "Σ",
                "ﷺ",
                "\u{0344}",
            ])
            .prop_map(str::to_owned),
        ];
        prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(text in messy_text()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            let f = Folded::new(&text);
            prop_assert_eq!(f.hay(), format!(" {once} "));
        }
    }
}

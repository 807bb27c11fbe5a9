//! Text to skills: normalisation of free text and extraction of skills from prose
//! (MATCHING.md, "Skills").
//!
//! A [`Lexicon`] is built once from every skill's names ([`LexiconEntry`]: a key, the
//! display name and aliases, an `ambiguous` flag). It then answers two questions:
//!
//! - [`Lexicon::normalize`]: which skill is this whole text ("JS", "k8s", "C#",
//!   "  PostgreSQL ")? Both sides are [`fold`]ed (NFKC, lowercase, punctuation and
//!   whitespace folded, with `+`, `#`, a leading `.` and a few joiners kept); anything
//!   that is not exactly a name or alias is unknown (`None`), never guessed.
//! - [`Lexicon::extract`]: which skills does this prose mention, and where? Each
//!   [`Hit`] carries the key and the byte span in the original text.
//!
//! # Extraction
//! Names are matched with one Aho-Corasick automaton (leftmost-longest) over the folded
//! text, with a map from folded bytes back to original bytes.
//! - **Whole words.** A name matches only whole words of the folded text: "Java" is not
//!   found in "JavaScript", "Go" not in "Google", "C" not in "CEO" or "C++" or "R&D".
//!   Kept symbols belong to the word, so "C++", "C#" and ".NET" match where written
//!   ("C#." and "(.NET)" too), and "C++17" finds "C++".
//! - **Within a phrase.** A name of several words matches across whitespace (line
//!   breaks included), hyphens, slashes and dots, but not across a comma, semicolon,
//!   colon, bracket, double quote, bar, bullet, long dash, `!`, `?` or full stop unless
//!   the name has one at that place ("Governance, risk and compliance"): "production
//!   code, reviews" does not mention "code reviews".
//! - **Longest first.** Scanning left to right, the longest name starting at a word
//!   wins ("machine learning engineering" over "machine learning"), and the scan goes on
//!   after it: hits never overlap.
//! - **Spans** are byte offsets into the original text, on UTF-8 character boundaries,
//!   covering whole characters of the original (a fullwidth "Ｃ＃" is one hit).
//!
//! # Ambiguous names
//! A skill flagged ambiguous ("R", "C", "Go", "Swift", "Excel", "Rust", "Spring",
//! "Make", "Access") has *ambiguous names*: its one-word names no longer than its display
//! name ("Go", "Excel"; not "Golang", a longer spelling, nor "Microsoft Excel" or
//! "R language", several words). Those are reported only in a skill-like context, when
//! one of these holds (cue words are matched ignoring ASCII case):
//!
//! - **(a) a list**: the name is an item of a list of hits holding at least one skill
//!   reported by another rule (an unambiguous name, or an ambiguous one passing (b) or
//!   (c)). Neighbouring hits form a list when the text between them is short (at most
//!   48 bytes) and consists only of whitespace, list punctuation (`,` `/` `;` `&` `|`
//!   brackets, bullets, dashes, `+`), line breaks and the words "and", "or", "plus",
//!   "nor", with at least one such mark or word. A name joined to its list only by words
//!   ("Go and Python") must be written with a capital. "Go, Rust and Kubernetes" → Go,
//!   Rust, Kubernetes; "Excel, SQL and Tableau" → all three; "you go and Python" →
//!   Python only.
//! - **(b) a cue before and the end of an item after**. Before it: a cue word ("using",
//!   "use(s/d)", "know(s)", "learn", "advanced", "intermediate", "proficient",
//!   "including", "via"), a cue pair ("experience in", "proficient with", "knowledge of",
//!   "skilled in", "written in", "background in" ... : a skill noun or verb then "in",
//!   "with" or "of"; or "such as"), "e.g."/"i.e.", or a heading and a colon ("Skills:",
//!   "Languages:", "Stack:", "Tools:" ...); or the bare words "in"/"with" when the name
//!   is written with a capital ("in Go", but not "in spring"). After it: the end of the
//!   text, a line break, a comma, slash, semicolon, ampersand, bar or bracket, the end
//!   of a sentence or clause (`.` `!` `?` `:` then a space or the end), or "and"/"or". "experience in R" → R; "Build services
//!   in Go." → Go; "Advanced Excel (pivot tables)" → Excel.
//! - **(c) a cue noun after, written with a capital**: the next word (after spaces or a
//!   hyphen) is one of "programming", "language", "developer", "development",
//!   "engineer", "code", "scripts", "spreadsheets", "formulas", "macros", "framework",
//!   "skills", "experience" ... and the name as written has an uppercase letter.
//!   "C programming", "Go developer", "Excel spreadsheets" match; "make code changes"
//!   and "access code" do not.
//!
//! One-letter names ("R", "C") must in addition be written in uppercase, whatever the
//! rule. So "ready to go", "you will excel at", "excel in your role", "Section C",
//! "vitamin C", "Plan A or B", "R&D" and "R & D" report nothing.
//!
//! # Example
//! ```
//! use search_index::text::{Lexicon, LexiconEntry};
//!
//! let entry = |key, names: &[&str], ambiguous| LexiconEntry {
//!     key,
//!     names: names.iter().map(|n| n.to_string()).collect(),
//!     ambiguous,
//! };
//! let lexicon = Lexicon::new([
//!     entry(0, &["JavaScript", "JS"], false),
//!     entry(1, &["Java"], false),
//!     entry(2, &["Go", "Golang"], true),
//!     entry(3, &["C#", "csharp"], false),
//! ])?;
//!
//! assert_eq!(lexicon.normalize(" js "), Some(0));
//! assert_eq!(lexicon.normalize("C#"), Some(3));
//! assert_eq!(lexicon.normalize("Cobol"), None);
//!
//! let text = "Ready to go? We use JavaScript, C# and Go.";
//! let found: Vec<(u32, &str)> = lexicon
//!     .extract(text)
//!     .iter()
//!     .map(|hit| (hit.key, &text[hit.start..hit.end]))
//!     .collect();
//! assert_eq!(found, [(0, "JavaScript"), (3, "C#"), (2, "Go")]);
//! # Ok::<(), search_index::text::LexiconError>(())
//! ```

mod context;
mod folding;
mod lexicon;
mod segments;
#[cfg(test)]
mod tests;

pub use folding::fold;
pub use lexicon::{Hit, Lexicon, LexiconEntry, LexiconError};

//! NFKC and lowercase by segments, with offsets into the original text.
//!
//! NFKC can merge characters ("e" + U+0301 → "é", "ｶ" + "ﾞ" → "ガ") and split them
//! ("ﬁ" → "fi", "½" → "1⁄2"). The text is therefore cut into *segments* at every
//! normalisation boundary (before a character that cannot combine with what precedes
//! it: any ASCII character, or a character whose decomposition starts with a starter
//! that is NFKC quick-check "yes"). Normalising segment by segment gives exactly the
//! NFKC of the whole text (a test holds it equal), and every folded character maps
//! back to the byte range of its segment, which always lies on UTF-8 boundaries.

use unicode_normalization::char::{canonical_combining_class, decompose_compatible};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Whether a normalisation segment may start at `c`: nothing before `c` can compose
/// with or reorder around it.
fn is_segment_start(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    let mut first = None;
    decompose_compatible(c, |d| {
        if first.is_none() {
            first = Some(d);
        }
    });
    let d = first.unwrap_or(c);
    canonical_combining_class(d) == 0 && is_nfkc_quick(std::iter::once(d)) == IsNormalized::Yes
}

/// Calls `f(c, (start, end))` for every character of NFKC-then-lowercase `text`, with
/// the original byte range of the segment that produced it.
pub(crate) fn for_each_normalized(text: &str, mut f: impl FnMut(char, (usize, usize))) {
    for_each_segment(text, |seg, start, end| {
        if let [b] = seg.as_bytes() {
            // A lone ASCII character is its own NFKC form.
            f(char::from(b.to_ascii_lowercase()), (start, end));
            return;
        }
        let lower: String = seg.nfkc().flat_map(char::to_lowercase).collect();
        // Lowercasing can leave text that NFKC would change again; normalise once more
        // so that folding is idempotent.
        if is_nfkc_quick(lower.chars()) == IsNormalized::Yes {
            lower.chars().for_each(|c| f(c, (start, end)));
        } else {
            lower.nfkc().for_each(|c| f(c, (start, end)));
        }
    });
}

/// Calls `f(segment, start, end)` for the normalisation segments of `text`, in order.
pub(crate) fn for_each_segment(text: &str, mut f: impl FnMut(&str, usize, usize)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        // Fast path: an ASCII character followed by ASCII (or the end) is a segment.
        if bytes.get(i).is_some_and(u8::is_ascii) && bytes.get(i + 1).is_none_or(u8::is_ascii) {
            f(&text[i..i + 1], i, i + 1);
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let mut chars = rest.char_indices();
        chars.next();
        let len = chars
            .find(|&(_, c)| is_segment_start(c))
            .map_or(rest.len(), |(off, _)| off);
        f(&rest[..len], i, i + len);
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::folding::tests::messy_text;
    use proptest::prelude::*;

    #[test]
    fn segments_keep_combining_sequences_together() {
        let mut segs = Vec::new();
        for_each_segment("ae\u{301}ｶﾞ½ﬁ", |seg, _, _| {
            segs.push(seg.to_owned())
        });
        assert_eq!(segs, ["a", "e\u{301}", "ｶﾞ", "½", "ﬁ"]);
        let mut chars = Vec::new();
        for_each_normalized("Ａe\u{301}", |c, seg| chars.push((c, seg)));
        assert_eq!(chars, [('a', (0, 3)), ('é', (3, 6))]);
    }

    proptest! {
        #[test]
        fn segmented_nfkc_equals_whole_nfkc(text in messy_text()) {
            let mut pieces = String::new();
            for_each_segment(&text, |seg, start, end| {
                assert_eq!(&text[start..end], seg);
                pieces.extend(seg.nfkc());
            });
            let whole: String = text.nfkc().collect();
            prop_assert_eq!(pieces, whole);
        }
    }
}

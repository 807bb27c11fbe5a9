//! Hand-written cases and property tests of normalisation and extraction.

use proptest::prelude::*;

use super::*;

// Keys of the test lexicon.
const JAVASCRIPT: u32 = 0;
const JAVA: u32 = 1;
const KUBERNETES: u32 = 2;
const ML: u32 = 3;
const MLE: u32 = 4;
const CSHARP: u32 = 5;
const CPP: u32 = 6;
const C: u32 = 7;
const DOTNET: u32 = 8;
const NODEJS: u32 = 9;
const POSTGRESQL: u32 = 10;
const PYTHON: u32 = 11;
const R: u32 = 12;
const GO: u32 = 13;
const SWIFT: u32 = 14;
const EXCEL: u32 = 15;
const RUST: u32 = 16;
const SPRING: u32 = 17;
const MAKE: u32 = 18;
const ACCESS: u32 = 19;
const SQL: u32 = 20;
const TABLEAU: u32 = 21;
const FSHARP: u32 = 22;
const OBJC: u32 = 23;
const COBOL: u32 = 24;
const GCP: u32 = 25;
const DOCKER: u32 = 26;
const REACT: u32 = 27;
const SPRING_BOOT: u32 = 28;
const CODE_REVIEW: u32 = 29;
const GRC: u32 = 30;

fn entry(key: u32, names: &[&str], ambiguous: bool) -> LexiconEntry {
    LexiconEntry {
        key,
        names: names.iter().map(|n| n.to_string()).collect(),
        ambiguous,
    }
}

fn entries() -> Vec<LexiconEntry> {
    vec![
        entry(JAVASCRIPT, &["JavaScript", "JS", "ECMAScript"], false),
        entry(JAVA, &["Java"], false),
        entry(KUBERNETES, &["Kubernetes", "k8s"], false),
        entry(ML, &["Machine Learning", "ML"], false),
        entry(MLE, &["Machine Learning Engineering"], false),
        entry(CSHARP, &["C#", "csharp", "C Sharp"], false),
        entry(CPP, &["C++", "cpp"], false),
        entry(C, &["C"], true),
        entry(DOTNET, &[".NET", "dotnet", "dot net"], false),
        entry(NODEJS, &["Node.js", "NodeJS"], false),
        entry(POSTGRESQL, &["PostgreSQL", "Postgres"], false),
        entry(PYTHON, &["Python"], false),
        entry(R, &["R"], true),
        entry(GO, &["Go", "Golang"], true),
        entry(SWIFT, &["Swift"], true),
        entry(EXCEL, &["Excel", "Microsoft Excel", "MS Excel"], true),
        entry(RUST, &["Rust"], true),
        entry(SPRING, &["Spring", "Spring Framework"], true),
        entry(MAKE, &["Make", "GNU Make"], true),
        entry(ACCESS, &["Microsoft Access", "Access"], true),
        entry(SQL, &["SQL"], false),
        entry(TABLEAU, &["Tableau"], false),
        entry(FSHARP, &["F#"], false),
        entry(OBJC, &["Objective-C", "ObjC"], false),
        entry(COBOL, &["COBOL"], false),
        entry(GCP, &["Google Cloud", "GCP"], false),
        entry(DOCKER, &["Docker"], false),
        entry(REACT, &["React", "React.js", "ReactJS"], false),
        entry(SPRING_BOOT, &["Spring Boot"], false),
        entry(CODE_REVIEW, &["Code review", "Code reviews"], false),
        entry(GRC, &["Governance, risk and compliance", "GRC"], false),
    ]
}

fn lexicon() -> Lexicon {
    Lexicon::new(entries()).expect("valid test lexicon")
}

#[test]
fn normalize_table() {
    let lex = lexicon();
    let cases: &[(&str, Option<u32>)] = &[
        ("JS", Some(JAVASCRIPT)),
        ("js", Some(JAVASCRIPT)),
        ("k8s", Some(KUBERNETES)),
        ("K8S", Some(KUBERNETES)),
        ("ML", Some(ML)),
        ("machine-learning", Some(ML)),
        ("Machine Learning Engineering", Some(MLE)),
        ("C#", Some(CSHARP)),
        ("(C#)", Some(CSHARP)),
        ("c sharp", Some(CSHARP)),
        ("c++", Some(CPP)),
        ("C++ ", Some(CPP)),
        ("C", Some(C)),
        ("c", Some(C)),
        ("F#", Some(FSHARP)),
        (".NET", Some(DOTNET)),
        ("dotnet", Some(DOTNET)),
        ("NET", None),
        ("Node.js", Some(NODEJS)),
        ("nodejs", Some(NODEJS)),
        ("node js", Some(NODEJS)),
        ("node-js", Some(NODEJS)),
        ("NODE.JS!", Some(NODEJS)),
        ("  PostgreSQL ", Some(POSTGRESQL)),
        ("postgres", Some(POSTGRESQL)),
        ("Ｐｙｔｈｏｎ", Some(PYTHON)),
        ("Java", Some(JAVA)),
        ("JavaScript", Some(JAVASCRIPT)),
        ("Java Script", None),
        ("Objective-C", Some(OBJC)),
        ("objective c", Some(OBJC)),
        ("COBOL", Some(COBOL)),
        ("Cobol-ish", None),
        ("Cobo", None),
        // Ambiguity does not matter for whole-text lookups.
        ("Go", Some(GO)),
        ("golang", Some(GO)),
        ("excel", Some(EXCEL)),
        ("R", Some(R)),
        ("Machine Learning Engineer", None),
        ("", None),
        ("   ", None),
    ];
    for &(text, want) in cases {
        assert_eq!(lex.normalize(text), want, "normalize({text:?})");
    }
}

#[test]
fn extract_table() {
    let lex = lexicon();
    let cases: &[(&str, &[(u32, &str)])] = &[
        // Word boundaries.
        (
            "Java and JavaScript developer",
            &[(JAVA, "Java"), (JAVASCRIPT, "JavaScript")],
        ),
        ("Google Docs and Google Cloud", &[(GCP, "Google Cloud")]),
        ("CEO of a C++ shop", &[(CPP, "C++")]),
        (
            "C#, F# and .NET",
            &[(CSHARP, "C#"), (FSHARP, "F#"), (DOTNET, ".NET")],
        ),
        ("Strong C#.", &[(CSHARP, "C#")]),
        ("Modern C++17 code", &[(CPP, "C++")]),
        ("(.NET) but not ASP.NET or NET", &[(DOTNET, ".NET")]),
        (
            "Node.js, NodeJS or node-js",
            &[(NODEJS, "Node.js"), (NODEJS, "NodeJS"), (NODEJS, "node-js")],
        ),
        ("React.js apps", &[(REACT, "React.js")]),
        (
            "Ｐｙｔｈｏｎ and Ｃ＃",
            &[(PYTHON, "Ｐｙｔｈｏｎ"), (CSHARP, "Ｃ＃")],
        ),
        ("knowledge of k8s", &[(KUBERNETES, "k8s")]),
        ("JS/TS", &[(JAVASCRIPT, "JS")]),
        // Longest match first.
        (
            "Machine Learning Engineering lead with ML",
            &[(MLE, "Machine Learning Engineering"), (ML, "ML")],
        ),
        ("machine learning, at scale", &[(ML, "machine learning")]),
        (
            "Spring Boot and Docker",
            &[(SPRING_BOOT, "Spring Boot"), (DOCKER, "Docker")],
        ),
        ("Objective-C and C", &[(OBJC, "Objective-C"), (C, "C")]),
        // Names of several words match across whitespace, hyphens and the like, but not
        // across a comma, a full stop or other strong punctuation the name lacks.
        ("machine\nlearning", &[(ML, "machine\nlearning")]),
        ("production code, reviews peers' work", &[]),
        ("code reviews", &[(CODE_REVIEW, "code reviews")]),
        ("We build the machine. Learning is fun", &[]),
        ("Machine Learning, Engineering", &[(ML, "Machine Learning")]),
        (
            "governance, risk and compliance",
            &[(GRC, "governance, risk and compliance")],
        ),
        (
            "Governance risk and compliance",
            &[(GRC, "Governance risk and compliance")],
        ),
        // Multi-word and longer one-word names of ambiguous skills are distinctive.
        ("Microsoft Excel", &[(EXCEL, "Microsoft Excel")]),
        ("GNU Make", &[(MAKE, "GNU Make")]),
        ("We write Golang services", &[(GO, "Golang")]),
        // (a) lists with an unambiguous skill.
        (
            "Go, Rust and Kubernetes",
            &[(GO, "Go"), (RUST, "Rust"), (KUBERNETES, "Kubernetes")],
        ),
        (
            "Excel, SQL and Tableau",
            &[(EXCEL, "Excel"), (SQL, "SQL"), (TABLEAU, "Tableau")],
        ),
        ("excel, sql", &[(EXCEL, "excel"), (SQL, "sql")]),
        ("Skills:\n- Python\n- R\n", &[(PYTHON, "Python"), (R, "R")]),
        ("C/C++ developer", &[(C, "C"), (CPP, "C++")]),
        ("Java, C and Go", &[(JAVA, "Java"), (C, "C"), (GO, "Go")]),
        ("Python (Go)", &[(PYTHON, "Python"), (GO, "Go")]),
        (
            "We use JavaScript, C# and Go.",
            &[(JAVASCRIPT, "JavaScript"), (CSHARP, "C#"), (GO, "Go")],
        ),
        ("you go and Python waits", &[(PYTHON, "Python")]),
        ("Go Python", &[(PYTHON, "Python")]),
        // (b) a cue before, the end of an item after.
        ("experience in R", &[(R, "R")]),
        ("Experienced in Rust, Go", &[(RUST, "Rust"), (GO, "Go")]),
        ("Build services in Go.", &[(GO, "Go")]),
        ("Written in Swift!", &[(SWIFT, "Swift")]),
        ("Advanced Excel (pivot tables)", &[(EXCEL, "Excel")]),
        (
            "knowledge of make and Docker",
            &[(MAKE, "make"), (DOCKER, "Docker")],
        ),
        ("experience in excel", &[(EXCEL, "excel")]),
        ("Languages: C", &[(C, "C")]),
        ("tools, e.g. Excel", &[(EXCEL, "Excel")]),
        (
            "Using Access and Tableau daily",
            &[(ACCESS, "Access"), (TABLEAU, "Tableau")],
        ),
        ("starting in spring, we grow", &[]),
        // (c) a cue noun after, written with a capital.
        ("C programming", &[(C, "C")]),
        ("R language skills", &[(R, "R")]),
        ("Go developer wanted", &[(GO, "Go")]),
        (
            "Swift code reviews",
            &[(SWIFT, "Swift"), (CODE_REVIEW, "code reviews")],
        ),
        ("Excel spreadsheets", &[(EXCEL, "Excel")]),
        ("make code changes", &[]),
        ("grant access code", &[]),
        // Not skills.
        ("ready to go", &[]),
        ("Ready to Go?", &[]),
        ("you will excel at it", &[]),
        ("Excel in your role", &[]),
        ("excel in your role", &[]),
        ("R&D department", &[]),
        ("R & D department", &[]),
        ("Plan A or B", &[]),
        ("Plan A or C", &[]),
        ("Section C", &[]),
        ("Section C of the form", &[]),
        ("vitamin C, zinc", &[]),
        ("C-level executive", &[]),
        ("a swift response", &[]),
        ("rust on the bridge", &[]),
        ("Spring in the air", &[]),
        ("we like to make things", &[]),
        ("experience in r", &[]),
        ("c programming", &[]),
        // A hyphen separates words in prose (as in "Objective-C"), though the whole text
        // "Cobol-ish" normalises to nothing.
        ("Cobol-ish", &[(COBOL, "Cobol")]),
        ("", &[]),
    ];
    for &(text, want) in cases {
        let hits = lex.extract(text);
        let got: Vec<(u32, &str)> = hits
            .iter()
            .map(|h| (h.key, &text[h.start..h.end]))
            .collect();
        assert_eq!(got, want, "extract({text:?})");
        for h in &hits {
            assert_eq!(h.text, &text[h.start..h.end]);
        }
    }
}

#[test]
fn spans_are_byte_offsets_into_the_original() {
    let lex = lexicon();
    let text = "Café naïve — Ｃ＃ and e\u{301}Python, k8s";
    let hits = lex.extract(text);
    let spans: Vec<(u32, usize, usize)> = hits.iter().map(|h| (h.key, h.start, h.end)).collect();
    let cs = text.find("Ｃ＃").expect("in text");
    let k8s = text.find("k8s").expect("in text");
    assert_eq!(
        spans,
        [(CSHARP, cs, cs + 6), (KUBERNETES, k8s, k8s + 3)],
        "\"e\u{301}Python\" is one word, not Python"
    );
}

#[test]
fn build_errors_name_the_culprits() {
    let err = Lexicon::new([entry(1, &["Node.js"], false), entry(2, &["node-js"], false)])
        .expect_err("conflict");
    assert_eq!(
        err,
        LexiconError::Conflict {
            folded: "node js".into(),
            key: 1,
            name: "Node.js".into(),
            other_key: 2,
            other_name: "node-js".into(),
        }
    );
    assert!(err.to_string().contains("\"Node.js\" of skill 1"), "{err}");
    let err = Lexicon::new([entry(3, &["Go", " -- "], true)]).expect_err("empty");
    assert_eq!(
        err,
        LexiconError::EmptyName {
            key: 3,
            name: " -- ".into()
        }
    );
    // The same form twice for one skill, or a key in two entries, is fine.
    let lex = Lexicon::new([entry(1, &["Go", "GO"], true), entry(1, &["golang"], false)])
        .expect("merged");
    assert_eq!(lex.len(), 2);
    assert_eq!(lex.normalize("Golang"), Some(1));
    assert!(Lexicon::new([]).expect("empty lexicon").is_empty());
}

/// Text mixing arbitrary Unicode, names of the test lexicon, cue words, list
/// punctuation and characters that NFKC merges or splits.
fn messy_text() -> impl Strategy<Value = String> {
    let names: Vec<String> = entries().into_iter().flat_map(|e| e.names).collect();
    let piece = prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 .+#&',/()-]{0,10}",
        prop::sample::select(names),
        prop::sample::select(vec![
            " ",
            ", ",
            " and ",
            " in ",
            "experience in ",
            "Skills: ",
            " programming",
            "\n- ",
            "e\u{301}",
            "\u{301}",
            "ｶﾞ",
            "½",
            "⑴",
            "ﬁ",
            "Ｃ＃",
            "İ",
            "ß",
            "ǅ",
            "’",
            "\u{200b}",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// A random lexicon of unambiguous names over the letters a-h (with `+`, `#`, a leading
/// `.`, commas and hyphens here and there), and filler words over n-z that can never be
/// part of one.
fn random_lexicon() -> impl Strategy<Value = Vec<String>> {
    let word = ("[.]?", "[a-h]{1,5}", "(\\+\\+|#)?").prop_map(|(a, b, c)| format!("{a}{b}{c}"));
    let sep = prop::sample::select(vec![" ", ", ", "-"]);
    let name = prop::collection::vec((word, sep), 1..4).prop_map(|words| {
        let n = words.len();
        let mut name = String::new();
        for (i, (word, sep)) in words.into_iter().enumerate() {
            name.push_str(&word);
            if i + 1 < n {
                name.push_str(sep);
            }
        }
        name
    });
    prop::collection::vec(name, 1..12).prop_map(|names| {
        let mut seen = std::collections::HashSet::new();
        names.into_iter().filter(|n| seen.insert(fold(n))).collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn extract_returns_valid_spans(text in messy_text()) {
        let lex = lexicon();
        let hits = lex.extract(&text);
        let mut last_end = 0;
        for h in &hits {
            prop_assert!(h.start < h.end && h.end <= text.len());
            prop_assert!(h.start >= last_end, "sorted and disjoint: {:?}", hits);
            prop_assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
            prop_assert_eq!(&h.text, &text[h.start..h.end]);
            prop_assert_eq!(lex.normalize(&h.text), Some(h.key), "hit {:?}", h);
            last_end = h.end;
        }
    }

    #[test]
    fn every_unambiguous_name_is_found_in_filler(
        names in random_lexicon(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), "[n-z]{1,8}( [n-z]{1,8}){0,2}", any::<u64>()), 0..10),
    ) {
        let lex = Lexicon::new(
            names.iter().enumerate().map(|(i, n)| LexiconEntry { key: i as u32, names: vec![n.clone()], ambiguous: false }),
        ).expect("distinct folded names");
        let mut text = String::from("start");
        let mut want = Vec::new();
        for (pick, filler, bits) in picks {
            let key = pick.index(names.len());
            // Write the name with random capitals and random separators between words.
            let mut written = String::new();
            for (i, c) in names[key].chars().enumerate() {
                let bit = (bits >> (i % 64)) & 1 == 1;
                match c {
                    ' ' if bit => written.push('-'),
                    c if bit => written.extend(c.to_uppercase()),
                    c => written.push(c),
                }
            }
            text.push(' ');
            let start = text.len();
            text.push_str(&written);
            want.push((key as u32, start, text.len()));
            text.push(' ');
            text.push_str(&filler);
        }
        let got: Vec<(u32, usize, usize)> = lex.extract(&text).iter().map(|h| (h.key, h.start, h.end)).collect();
        prop_assert_eq!(got, want, "text {:?}", text);
    }

    #[test]
    fn normalize_of_fold_is_normalize(text in messy_text()) {
        let lex = lexicon();
        prop_assert_eq!(lex.normalize(&fold(&text)), lex.normalize(&text));
        prop_assert_eq!(fold(&fold(&text)), fold(&text));
    }
}

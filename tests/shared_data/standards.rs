//! The planning documents themselves (../shared/seeds and ../shared/DOMAIN.md): every passage
//! in tests/fixtures/seed_passages occurs in its document, and the quote checker rejects what the
//! drafts got wrong.

use crate::common::root;
use carecircle::standards::{self, normalise_document, occurrences};
use std::path::PathBuf;

/// The folder holding `seeds/` and `DOMAIN.md` (beside the repository).
fn seeds_dir() -> PathBuf {
    let d = root().join("../shared");
    assert!(
        d.join("seeds").is_dir(),
        "the shared-data tests need ../shared/seeds beside the repository ({})",
        d.display()
    );
    d
}

/// The default tests check the presets' quotes against tests/fixtures/seed_passages: each of
/// those passages must occur in its whole document, and every preset's document has its file.
#[test]
fn every_passage_occurs_in_its_document() {
    let mut checked = 0;
    for p in standards::list() {
        let Some(source) = &p.source_text else {
            continue;
        };
        let name = std::path::Path::new(source)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let doc = normalise_document(&std::fs::read_to_string(seeds_dir().join(source)).unwrap());
        let passages = std::fs::read_to_string(
            root().join(format!("tests/fixtures/seed_passages/{name}.txt")),
        )
        .unwrap();
        for line in passages.lines().filter(|l| !l.starts_with('#')) {
            assert!(!line.is_empty(), "{name}: empty passage");
            assert!(
                doc.contains(line),
                "{name}: passage not in the document: {line}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} passages");
}

/// The checker rejects what the drafts got wrong: Dongli's rows read without the responsible
/// office column, Mentougou's rows without the empty baseline cell, and elided quotes.
#[test]
fn the_quote_check_rejects_the_drafts_wrong_quotes() {
    let doc = |f: &str| normalise_document(&std::fs::read_to_string(seeds_dir().join(f)).unwrap());
    let dongli = doc("seeds/003_6662623520ea0542.txt");
    assert_eq!(
        occurrences(&dongli, "城市社区日间照料机构覆盖率(%) 约束性 32.6 >90"),
        0
    );
    assert_eq!(
        occurrences(
            &dongli,
            "城市社区日间照料机构覆盖率(%) 约束性 区民政局 32.6 >90"
        ),
        1
    );
    let mentougou = doc("seeds/000_f1981d1c5e7a7d11.txt");
    assert_eq!(occurrences(&mentougou, "社区托育服务覆盖率 ≥85% 预期性"), 0);
    assert_eq!(
        occurrences(&mentougou, "社区托育服务覆盖率 - ≥85% 预期性"),
        1
    );
    // A table row with a footnote between its cells, read as the cells in order.
    assert_eq!(
        occurrences(&mentougou, "镇街道养老照料中心覆盖率 30% 100% 约束性"),
        1
    );
    assert_eq!(
        occurrences(&mentougou, "镇街道养老照料中心覆盖率 100% 30% 约束性"),
        0
    );
    assert_eq!(
        occurrences(
            &mentougou,
            "打造“15分钟婴幼儿照护服务圈”……到2025年底，门城地区所有街道（镇）婴幼儿照护服务驿站实现全覆盖"
        ),
        0
    );
    // PDF-extraction spaces inside words (Shuangqiao) do not matter.
    let shuangqiao = doc("seeds/001_22f74d5b25e3cb57.txt");
    assert_eq!(occurrences(&shuangqiao, "增设社区日间照料服务点"), 1);
    // A footnote is quotable on its own.
    assert_eq!(
        occurrences(&mentougou, "门头沟区共有13个街乡镇，按此比例约为6个"),
        1
    );
}

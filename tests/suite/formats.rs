//! Reading the real formats a commission receives, and refusing bad files clearly.

use wenxun::ingest::{self, BlockKind, IngestError, Limits, SourceFormat};

use super::common::{draft, fixture};

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn gbk_text_is_decoded_and_keeps_its_numbering() {
    let doc = ingest::read_path(&draft("a05_"), &limits()).expect("gbk draft reads");
    assert_eq!(doc.format, SourceFormat::Txt);
    assert!(doc.text.contains("请示"));
    assert!(doc.title.as_deref().is_some_and(|t| t.contains("医疗设备")));
    assert!(doc.blocks.iter().any(|b| !b.clause.is_empty()));
}

#[test]
fn docx_keeps_headings_tables_and_automatic_numbering() {
    let doc = ingest::read_path(&draft("a07_"), &limits()).expect("docx reads");
    assert_eq!(doc.format, SourceFormat::Docx);
    assert!(doc.title.is_some());
    assert!(
        doc.blocks
            .iter()
            .any(|b| matches!(b.kind, BlockKind::TableCell { .. }))
    );
    // Word's automatic （一）（二） labels are materialised in the text.
    assert!(doc.text.contains("（一）"), "{}", doc.text);
    assert!(doc.blocks.iter().any(|b| b.clause.contains("（一）")));
}

#[test]
fn pdf_text_layer_with_cjk_font_is_extracted() {
    let doc = ingest::read_path(&draft("a08_"), &limits()).expect("pdf reads");
    assert_eq!(doc.format, SourceFormat::Pdf);
    assert!(doc.text.contains("特困人员"));
    assert!(doc.text.chars().count() > 500);
}

#[test]
fn block_offsets_are_character_offsets_into_the_text() {
    for prefix in ["a01_", "a05_", "a07_", "a08_", "b05_"] {
        let doc = ingest::read_path(&draft(prefix), &limits()).expect("reads");
        let chars: Vec<char> = doc.text.chars().collect();
        for b in &doc.blocks {
            let by_chars: String = chars[b.start..b.end].iter().collect();
            assert_eq!(by_chars, doc.block_text(b), "{prefix}");
        }
    }
}

#[test]
fn bad_files_get_clear_errors() {
    type Expect = fn(&IngestError) -> bool;
    let cases: &[(&str, Expect)] = &[
        ("empty.txt", |e| matches!(e, IngestError::Empty)),
        ("corrupt.docx", |e| matches!(e, IngestError::Corrupt { .. })),
        ("encrypted.docx", |e| matches!(e, IngestError::Encrypted)),
        ("legacy.doc", |e| matches!(e, IngestError::Unsupported(_))),
        ("notes.wps", |e| matches!(e, IngestError::Unsupported(_))),
        ("scanned.pdf", |e| matches!(e, IngestError::NeedsOcr)),
        ("garbage.txt", |e| matches!(e, IngestError::Encoding)),
    ];
    for (name, ok) in cases {
        let err = ingest::read_path(&fixture(&format!("bad/{name}")), &limits()).expect_err(name);
        assert!(ok(&err), "{name}: {err}");
        assert!(
            err.to_string()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let small = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    let err = ingest::read_path(&draft("a01_"), &small).expect_err("too large");
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
}

#[test]
fn a_zip_bomb_is_refused() {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("word/document.xml", opts).expect("entry");
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..8 {
            zip.write_all(&chunk).expect("write");
        }
        zip.finish().expect("finish");
    }
    let limits = Limits {
        max_unzipped_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = ingest::read_bytes("bomb.docx", buf.get_ref(), &limits).expect_err("bomb");
    assert!(matches!(err, IngestError::ZipBomb { .. }), "{err}");
}

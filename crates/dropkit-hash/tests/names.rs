//! The name-standardization decisions documented in the crate docs, pinned one by one.
#![allow(clippy::unwrap_used)]

use dropkit_hash::{Field, StandardizeError, standardize};

fn name(s: &str) -> String {
    standardize::field(Field::FirstName, s).unwrap()
}

#[test]
fn cyrillic_is_transliterated() {
    assert_eq!(name("Иван"), "ivan");
    assert_eq!(name("Щукин"), "shchukin");
    assert_eq!(name("Жанна"), "zhanna");
    assert_eq!(name("Сергей"), "sergei");
    assert_eq!(name("Фёдор"), "fedor");
    assert_eq!(name("Юлия"), "iuliia");
    assert_eq!(name("Хрущёв"), "khrushchev");
}

#[test]
fn greek_is_transliterated() {
    assert_eq!(name("Σωκράτης"), "sokrates");
    assert_eq!(name("ΑΛΈΞΑΝΔΡΟΣ"), "alexandros");
    assert_eq!(name("Θεόδωρος"), "theodoros");
}

#[test]
fn latin_is_folded_to_ascii() {
    assert_eq!(name("José"), "jose");
    assert_eq!(name("Straße"), "strasse");
    assert_eq!(name("Łukasz"), "lukasz");
    assert_eq!(name("Åse"), "ase");
    assert_eq!(name("Søren"), "soren");
    assert_eq!(name("Ægir"), "aegir");
    assert_eq!(name("Işık"), "isik");
    assert_eq!(name("İlkay"), "ilkay");
    assert_eq!(name("Þór"), "thor");
    assert_eq!(name("Đorđe"), "dorde");
    assert_eq!(name("Ｊｏｈｎ"), "john");
    assert_eq!(name("ﬁona"), "fiona");
}

#[test]
fn other_scripts_are_kept_in_nfkd() {
    // Hangul is decomposed into jamo by NFKD: the documented choice.
    assert_eq!(name("김"), "\u{1100}\u{1175}\u{11B7}");
    assert_eq!(name("王 小明"), "王小明");
    assert_eq!(name("محمد"), "محمد");
    assert_eq!(name("דוד"), "דוד");
    assert_eq!(name("さとう"), "さとう");
}

#[test]
fn punctuation_spaces_and_marks_are_removed() {
    assert_eq!(name("O'Brien-Smith"), "obriensmith");
    assert_eq!(name("Smith Jr."), "smithjr");
    assert_eq!(name("Mary  Ann"), "maryann");
    assert_eq!(
        standardize::field(Field::LastName, "—·'"),
        Err(StandardizeError::Empty {
            field: Field::LastName
        })
    );
}

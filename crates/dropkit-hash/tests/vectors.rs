//! Every test vector of spec §7.1, §7.2 and §7.5.
#![allow(clippy::unwrap_used)]

use dropkit_hash::time::macros::date;
use dropkit_hash::{Dob, DropHash, Field, Hasher, composite_input, standardize};

fn check(field: Field, input: &str, standardized: &str, hash: &str) {
    let mut h = Hasher::new();
    let got = h.hash(field, input).unwrap();
    assert_eq!(h.standardized(), standardized, "{field} {input:?}");
    assert_eq!(got.to_string(), hash, "{field} {input:?}");
}

#[test]
fn single_field_vectors_7_1() {
    check(
        Field::FirstName,
        "Juan Pablo",
        "juanpablo",
        "91hIbrbzNeqHs3o81O5yNrXUj7wDd2shvZ6THKi9qz8=",
    );
    check(
        Field::LastName,
        "Martinez",
        "martinez",
        "2wRPGbwBNxhShjRczx8GfS2c4cjvs4NJskeWloUNtp8=",
    );
    check(
        Field::Zip,
        "91790-3771",
        "91790",
        "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s=",
    );
    check(
        Field::Zip,
        "M1B 1A1",
        "m1b1a",
        "n8L9q8mVeT6Xt9/EeUNiTukGDrkbPJ3DvOEx14uElxk=",
    );
    check(
        Field::Zip,
        "00712345",
        "71234",
        "aeNUYKh7Xw5sqpxSbSP9eOHsj6iXewbUyavv89DIuhQ=",
    );
    check(
        Field::Email,
        "Anna.Smith@Domain.com",
        "anna.smith@domain.com",
        "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=",
    );
    check(
        Field::Phone,
        "+1(415)555-9317",
        "4155559317",
        "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E=",
    );
    check(
        Field::Vin,
        "1HGCM82633A004352",
        "1hgcm82633a004352",
        "iNswy1m+0VSt8jAfFrvaiQ1R/0HAbgSwNGkwqo6QBss=",
    );
    check(
        Field::Maid,
        "a3f1c2d4-5678-90ab-cdef-1234567890ab",
        "a3f1c2d4567890abcdef1234567890ab",
        "250KY6lOgzYUB3EHrkbDCE2kMEZQE69SF38muhoDudI=",
    );
    check(
        Field::Ctvid,
        "SmartTV_9F8E7D6C",
        "smarttv9f8e7d6c",
        "d9fxuTIrKksBXYDlaWsvQbcyUUfCbUx7v78gd+KP+tc=",
    );
}

#[test]
fn dob_vector_is_a_calendar_date() {
    // The spec's "July 4, 1776" is a calendar date: it goes through the date type.
    let dob = Dob::try_from(date!(1776 - 07 - 04)).unwrap();
    let mut h = Hasher::new();
    let got = h.hash_dob(dob);
    assert_eq!(h.standardized(), "17760704");
    assert_eq!(
        got.to_string(),
        "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I="
    );
    check(
        Field::Dob,
        "1776-07-04",
        "17760704",
        "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I=",
    );
    check(
        Field::Dob,
        "17760704",
        "17760704",
        "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I=",
    );
}

#[test]
fn ndz_vector_7_2_with_intermediates() {
    check(
        Field::FirstName,
        "Danielle",
        "danielle",
        "5dUD1FgiKcTJq+JQ5JZUdlyIXrSbtJ338YYbt5/HNG4=",
    );
    check(
        Field::LastName,
        "Johnson",
        "johnson",
        "K+TjOqPiH2/3rRRPj9WCKKHM47UDQLSAX/DGNIDuxIg=",
    );
    check(
        Field::Dob,
        "1985-07-04",
        "19850704",
        "IWi7qxOAbBJe0fNciDj76Eg84gmj40rB7aNMK/VnFOI=",
    );
    check(
        Field::Zip,
        "91790",
        "91790",
        "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s=",
    );
    let parts = ["danielle", "johnson", "19850704", "91790"].map(DropHash::of_standardized);
    let input = composite_input(&parts);
    assert_eq!(input.len(), 176);
    assert_eq!(
        input,
        "5dUD1FgiKcTJq+JQ5JZUdlyIXrSbtJ338YYbt5/HNG4=K+TjOqPiH2/3rRRPj9WCKKHM47UDQLSAX/DGNIDuxIg=IWi7qxOAbBJe0fNciDj76Eg84gmj40rB7aNMK/VnFOI=2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s="
    );
    assert_eq!(
        DropHash::of_standardized(&input).to_string(),
        "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
    );
    let dob = Dob::try_from(date!(1985 - 07 - 04)).unwrap();
    let mut h = Hasher::new();
    assert_eq!(
        h.ndz_with_dob("Danielle", "Johnson", dob, "91790")
            .unwrap()
            .to_string(),
        "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
    );
    assert_eq!(h.standardized(), "danielle|johnson|19850704|91790");
    assert_eq!(
        h.ndz("Danielle", "Johnson", "19850704", "91790")
            .unwrap()
            .to_string(),
        "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
    );
    assert_eq!(h.standardized(), "danielle|johnson|19850704|91790");
    assert!(matches!(
        h.ndz("Danielle", "Johnson", "1985-02-30", "91790"),
        Err(dropkit_hash::StandardizeError::Date { .. })
    ));
}

#[test]
fn name_vin_vector_7_2_with_intermediates() {
    check(
        Field::FirstName,
        "Eve",
        "eve",
        "hSYq33RRi7twx8uUzWFZ2RZp5age3x7+vVQ+rb2p+is=",
    );
    check(
        Field::LastName,
        "Genesis",
        "genesis",
        "ruutSnlvzC4V3ExgYbRe2bNz8mrfx5jKfS2MxYGCcY4=",
    );
    let parts = ["eve", "genesis", "1hgcm82633a004352"].map(DropHash::of_standardized);
    let input = composite_input(&parts);
    assert_eq!(input.len(), 132);
    assert_eq!(
        input,
        "hSYq33RRi7twx8uUzWFZ2RZp5age3x7+vVQ+rb2p+is=ruutSnlvzC4V3ExgYbRe2bNz8mrfx5jKfS2MxYGCcY4=iNswy1m+0VSt8jAfFrvaiQ1R/0HAbgSwNGkwqo6QBss="
    );
    let mut h = Hasher::new();
    assert_eq!(
        h.name_vin("Eve", "Genesis", "1HGCM82633A004352")
            .unwrap()
            .to_string(),
        "rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk="
    );
    assert_eq!(h.standardized(), "eve|genesis|1hgcm82633a004352");
}

#[test]
fn convenience_vectors_7_5() {
    check(
        Field::FirstName,
        "Иван",
        "ivan",
        "zQuUUvw3b8TDWmAIezZvcNiD/JAVJNrx8SL70xk4T2o=",
    );
    check(
        Field::Email,
        " alice@co.com ",
        "alice@co.com",
        "Vq+cMxlYylNez5+9kgWt1TcL1sYzvRDfj3wPgyhusHM=",
    );
    check(
        Field::Email,
        "a.lice+tag@co.com",
        "a.lice+tag@co.com",
        "l4+1omHy8eaieWH3F6xaN1RXzfFunJ2e+GG0Sot3PjE=",
    );
    // The wrong answers the spec warns about are not what we produce.
    assert_ne!(
        standardize::field(Field::Phone, "+1 415 555 9317").unwrap(),
        "14155559317"
    );
    assert_eq!(standardize::field(Field::Zip, "00300-9999").unwrap(), "300");
}

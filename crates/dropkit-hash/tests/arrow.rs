//! The Arrow layer gives exactly the hashes of `Hasher`: every official vector through every
//! function and string type, nulls, slices, dictionaries, and random inputs.
#![cfg(feature = "arrow")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, DictionaryArray, LargeStringArray, NullArray, StringArray, StringViewArray,
};
use dropkit_hash::arrow::{
    ArrowHashError, Kind, OnInvalid, hash_array, hash_kind, hash_name_vin, hash_ndz,
    standardize_array, standardize_kind,
};
use dropkit_hash::{Field, Hasher, StandardizeError};
use proptest::prelude::*;

/// (field, input, standardized, hash) of spec §7.1, §7.2 and §7.5.
const VECTORS: &[(Field, &str, &str, &str)] = &[
    (
        Field::FirstName,
        "Juan Pablo",
        "juanpablo",
        "91hIbrbzNeqHs3o81O5yNrXUj7wDd2shvZ6THKi9qz8=",
    ),
    (
        Field::LastName,
        "Martinez",
        "martinez",
        "2wRPGbwBNxhShjRczx8GfS2c4cjvs4NJskeWloUNtp8=",
    ),
    (
        Field::Zip,
        "91790-3771",
        "91790",
        "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s=",
    ),
    (
        Field::Zip,
        "M1B 1A1",
        "m1b1a",
        "n8L9q8mVeT6Xt9/EeUNiTukGDrkbPJ3DvOEx14uElxk=",
    ),
    (
        Field::Zip,
        "00712345",
        "71234",
        "aeNUYKh7Xw5sqpxSbSP9eOHsj6iXewbUyavv89DIuhQ=",
    ),
    (
        Field::Email,
        "Anna.Smith@Domain.com",
        "anna.smith@domain.com",
        "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=",
    ),
    (
        Field::Phone,
        "+1(415)555-9317",
        "4155559317",
        "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E=",
    ),
    (
        Field::Vin,
        "1HGCM82633A004352",
        "1hgcm82633a004352",
        "iNswy1m+0VSt8jAfFrvaiQ1R/0HAbgSwNGkwqo6QBss=",
    ),
    (
        Field::Maid,
        "a3f1c2d4-5678-90ab-cdef-1234567890ab",
        "a3f1c2d4567890abcdef1234567890ab",
        "250KY6lOgzYUB3EHrkbDCE2kMEZQE69SF38muhoDudI=",
    ),
    (
        Field::Ctvid,
        "SmartTV_9F8E7D6C",
        "smarttv9f8e7d6c",
        "d9fxuTIrKksBXYDlaWsvQbcyUUfCbUx7v78gd+KP+tc=",
    ),
    (
        Field::Dob,
        "1776-07-04",
        "17760704",
        "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I=",
    ),
    (
        Field::Dob,
        "17760704",
        "17760704",
        "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I=",
    ),
    (
        Field::FirstName,
        "Danielle",
        "danielle",
        "5dUD1FgiKcTJq+JQ5JZUdlyIXrSbtJ338YYbt5/HNG4=",
    ),
    (
        Field::LastName,
        "Johnson",
        "johnson",
        "K+TjOqPiH2/3rRRPj9WCKKHM47UDQLSAX/DGNIDuxIg=",
    ),
    (
        Field::Dob,
        "1985-07-04",
        "19850704",
        "IWi7qxOAbBJe0fNciDj76Eg84gmj40rB7aNMK/VnFOI=",
    ),
    (
        Field::Zip,
        "91790",
        "91790",
        "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s=",
    ),
    (
        Field::FirstName,
        "Eve",
        "eve",
        "hSYq33RRi7twx8uUzWFZ2RZp5age3x7+vVQ+rb2p+is=",
    ),
    (
        Field::LastName,
        "Genesis",
        "genesis",
        "ruutSnlvzC4V3ExgYbRe2bNz8mrfx5jKfS2MxYGCcY4=",
    ),
    (
        Field::FirstName,
        "Иван",
        "ivan",
        "zQuUUvw3b8TDWmAIezZvcNiD/JAVJNrx8SL70xk4T2o=",
    ),
    (
        Field::Email,
        " alice@co.com ",
        "alice@co.com",
        "Vq+cMxlYylNez5+9kgWt1TcL1sYzvRDfj3wPgyhusHM=",
    ),
    (
        Field::Email,
        "a.lice+tag@co.com",
        "a.lice+tag@co.com",
        "l4+1omHy8eaieWH3F6xaN1RXzfFunJ2e+GG0Sot3PjE=",
    ),
];

const NDZ: [&str; 4] = ["Danielle", "Johnson", "1985-07-04", "91790"];
const NDZ_HASH: &str = "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=";
const NAME_VIN: [&str; 3] = ["Eve", "Genesis", "1HGCM82633A004352"];
const NAME_VIN_HASH: &str = "rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=";

/// The same optional strings as every supported array type, sliced and not.
fn forms(values: &[Option<&str>]) -> Vec<(String, ArrayRef)> {
    // A slice: two rows of padding each side, then sliced away (offset != 0).
    let mut padded = vec![Some("pad one"), None];
    padded.extend_from_slice(values);
    padded.extend([Some("pad two"), None]);
    let slice = |a: ArrayRef| a.slice(2, values.len());
    let dict: DictionaryArray<Int32Type> = values.iter().copied().collect();
    vec![
        (
            "utf8".into(),
            Arc::new(StringArray::from(values.to_vec())) as ArrayRef,
        ),
        (
            "large".into(),
            Arc::new(LargeStringArray::from(values.to_vec())),
        ),
        (
            "view".into(),
            Arc::new(StringViewArray::from(values.to_vec())),
        ),
        ("dict".into(), Arc::new(dict)),
        (
            "utf8 sliced".into(),
            slice(Arc::new(StringArray::from(padded.clone()))),
        ),
        (
            "large sliced".into(),
            slice(Arc::new(LargeStringArray::from(padded.clone()))),
        ),
        (
            "view sliced".into(),
            slice(Arc::new(StringViewArray::from(padded))),
        ),
    ]
}

fn texts(a: &StringArray) -> Vec<Option<&str>> {
    a.iter().collect()
}

#[test]
fn every_official_vector_through_every_string_type() {
    for &(field, input, standardized, hash) in VECTORS {
        for (form, array) in forms(&[Some(input), None, Some(input)]) {
            let h = hash_array(field, array.as_ref(), OnInvalid::Error).unwrap();
            assert_eq!(
                texts(&h),
                [Some(hash), None, Some(hash)],
                "{field} {input:?} {form}"
            );
            let kind = hash_kind(Kind::Field(field), &[array.as_ref()], OnInvalid::Error).unwrap();
            assert_eq!(kind, h, "{form}");
            let s = standardize_array(field, array.as_ref(), OnInvalid::Error).unwrap();
            assert_eq!(
                texts(&s),
                [Some(standardized), None, Some(standardized)],
                "{form}"
            );
        }
    }
}

#[test]
fn composite_vectors_through_every_string_type() {
    let column = |i: usize, values: &[&str]| forms(&[Some(values[i]), None, Some(values[i])]);
    let ndz: Vec<_> = (0..4).map(|i| column(i, &NDZ)).collect();
    let nv: Vec<_> = (0..3).map(|i| column(i, &NAME_VIN)).collect();
    for form in 0..ndz[0].len() {
        let a = |c: &Vec<Vec<(String, ArrayRef)>>, i: usize| c[i][form].1.clone();
        let got = hash_ndz(
            &a(&ndz, 0),
            &a(&ndz, 1),
            &a(&ndz, 2),
            &a(&ndz, 3),
            OnInvalid::Error,
        )
        .unwrap();
        assert_eq!(
            texts(&got),
            [Some(NDZ_HASH), None, Some(NDZ_HASH)],
            "{}",
            ndz[0][form].0
        );
        let got = hash_name_vin(&a(&nv, 0), &a(&nv, 1), &a(&nv, 2), OnInvalid::Error).unwrap();
        assert_eq!(
            texts(&got),
            [Some(NAME_VIN_HASH), None, Some(NAME_VIN_HASH)]
        );
        let arrays: Vec<ArrayRef> = (0..4).map(|i| a(&ndz, i)).collect();
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        assert_eq!(
            texts(&hash_kind(Kind::Ndz, &refs, OnInvalid::Error).unwrap())[0],
            Some(NDZ_HASH)
        );
        assert_eq!(
            texts(&standardize_kind(Kind::Ndz, &refs, OnInvalid::Error).unwrap())[0],
            Some("danielle|johnson|19850704|91790")
        );
    }
}

#[test]
fn a_null_part_makes_a_null_composite_mixed_types_are_fine() {
    let first = StringArray::from(vec![Some("Eve"), None]);
    let last = LargeStringArray::from(vec!["Genesis", "Genesis"]);
    let vin = StringViewArray::from(vec!["1HGCM82633A004352", "1HGCM82633A004352"]);
    let got = hash_name_vin(&first, &last, &vin, OnInvalid::Error).unwrap();
    assert_eq!(texts(&got), [Some(NAME_VIN_HASH), None]);
}

#[test]
fn refused_values_are_null_or_an_error_naming_row_and_field() {
    let vins = StringArray::from(vec![
        Some("1HGCM82633A004352"),
        None,
        Some("1HGCM8263"),
        Some("--"),
    ]);
    let got = hash_array(Field::Vin, &vins, OnInvalid::Null).unwrap();
    assert_eq!(got.null_count(), 3);
    assert!(got.is_valid(0));
    assert_eq!(
        hash_array(Field::Vin, &vins, OnInvalid::Error).unwrap_err(),
        ArrowHashError::Invalid {
            row: 2,
            field: Field::Vin,
            source: StandardizeError::Length {
                field: Field::Vin,
                len: 9,
                expected: "17"
            },
        }
    );
    let err = standardize_array(Field::Vin, &vins.slice(3, 1), OnInvalid::Error).unwrap_err();
    assert_eq!(err.to_string(), "row 0: vin: vin standardizes to nothing");

    // In a composite, the field that failed is named.
    let c = |v: &str| StringArray::from(vec![v]);
    let err = hash_ndz(
        &c("Ann"),
        &c("Lee"),
        &c("1985-02-30"),
        &c("91790"),
        OnInvalid::Error,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ArrowHashError::Invalid {
                row: 0,
                field: Field::Dob,
                ..
            }
        ),
        "{err}"
    );
    let err = hash_ndz(
        &c("Ann"),
        &c("Lee"),
        &c("1985-02-03"),
        &c("000"),
        OnInvalid::Error,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ArrowHashError::Invalid {
                field: Field::Zip,
                ..
            }
        ),
        "{err}"
    );
    let ok = hash_ndz(
        &c("Ann"),
        &c("Lee"),
        &c("1985-02-30"),
        &c("91790"),
        OnInvalid::Null,
    );
    assert_eq!(ok.unwrap().null_count(), 1);
}

#[test]
fn wrong_types_lengths_and_counts_are_errors() {
    let ints = arrow_array::Int64Array::from(vec![1, 2]);
    assert!(matches!(
        hash_array(Field::Phone, &ints, OnInvalid::Null),
        Err(ArrowHashError::UnsupportedType { index: 0, .. })
    ));
    let two = StringArray::from(vec!["a", "b"]);
    let one = StringArray::from(vec!["a"]);
    assert_eq!(
        hash_name_vin(&two, &two, &one, OnInvalid::Null).unwrap_err(),
        ArrowHashError::LengthMismatch {
            index: 2,
            len: 1,
            expected: 2
        }
    );
    assert!(matches!(
        hash_kind(Kind::Ndz, &[&two], OnInvalid::Null),
        Err(ArrowHashError::Arity {
            expected: 4,
            got: 1,
            ..
        })
    ));
    // The `Null` type (pyarrow's list of None) is all nulls.
    let nulls = NullArray::new(3);
    assert_eq!(
        hash_array(Field::Email, &nulls, OnInvalid::Error)
            .unwrap()
            .null_count(),
        3
    );
    // Empty arrays give empty arrays.
    let empty = StringArray::from(Vec::<&str>::new());
    assert_eq!(
        hash_array(Field::Email, &empty, OnInvalid::Error)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn kinds_parse_case_insensitively_and_print_back() {
    for kind in Kind::ALL {
        assert_eq!(kind.to_string().to_uppercase().parse::<Kind>(), Ok(kind));
    }
    assert_eq!("NDZ".parse::<Kind>(), Ok(Kind::Ndz));
    assert!("name_vin".parse::<Kind>().is_err());
}

#[test]
fn large_arrays_are_hashed_in_chunks_in_order_and_the_first_error_wins() {
    let n = 100_000;
    let values: Vec<Option<String>> = (0..n)
        .map(|i| match i % 7 {
            0 => None,
            3 => Some("   ".to_string()),
            _ => Some(format!(" User.{i}@Example.COM")),
        })
        .collect();
    let array = StringArray::from(values.clone());
    let got = hash_array(Field::Email, &array, OnInvalid::Null).unwrap();
    let mut h = Hasher::new();
    for (i, v) in values.iter().enumerate() {
        let want = v
            .as_deref()
            .and_then(|v| h.hash(Field::Email, v).ok())
            .map(|h| h.to_string());
        assert_eq!(
            got.is_valid(i).then(|| got.value(i)),
            want.as_deref(),
            "row {i}"
        );
    }
    // A null row takes no bytes: the text is the valid rows' hashes, back to back.
    let valid = (0..n).filter(|i| got.is_valid(*i)).count();
    assert_eq!(got.value_data().len(), valid * dropkit_hash::BASE64_LEN);
    assert_eq!(got.null_count(), n - valid);
    // An array without nulls (written in place, no squeeze): same hashes as row by row.
    let clean: Vec<String> = (0..n).map(|i| format!("U{i}@x.COM ")).collect();
    let got = hash_array(
        Field::Email,
        &StringArray::from(clean.clone()),
        OnInvalid::Error,
    )
    .unwrap();
    assert_eq!(got.null_count(), 0);
    for (i, v) in clean.iter().enumerate() {
        assert_eq!(
            got.value(i),
            h.hash(Field::Email, v).unwrap().to_string(),
            "row {i}"
        );
    }
    let err = hash_array(Field::Email, &array.slice(4, n - 4), OnInvalid::Error).unwrap_err();
    assert!(
        matches!(err, ArrowHashError::Invalid { row: 6, .. }),
        "{err}"
    );
}

fn reference(field: Field, v: Option<&str>) -> (Option<String>, Option<String>) {
    let mut h = Hasher::new();
    match v.map(|v| h.hash(field, v)) {
        Some(Ok(hash)) => (Some(hash.to_string()), Some(h.standardized().to_owned())),
        _ => (None, None),
    }
}

proptest! {
    #[test]
    fn same_as_hasher_on_random_inputs(
        field in proptest::sample::select(Field::ALL.to_vec()),
        values in proptest::collection::vec(proptest::option::of("\\PC{0,24}|[0-9a-fA-F -]{8,40}"), 0..40),
    ) {
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        let want: Vec<_> = refs.iter().map(|v| reference(field, *v)).collect();
        for (form, array) in forms(&refs) {
            let hashes = hash_array(field, array.as_ref(), OnInvalid::Null).unwrap();
            let std = standardize_array(field, array.as_ref(), OnInvalid::Null).unwrap();
            for (i, (hash, standardized)) in want.iter().enumerate() {
                prop_assert_eq!(hashes.is_valid(i).then(|| hashes.value(i)), hash.as_deref(), "{} {}", form, i);
                prop_assert_eq!(std.is_valid(i).then(|| std.value(i)), standardized.as_deref(), "{} {}", form, i);
            }
        }
    }

    #[test]
    fn composites_same_as_hasher(
        rows in proptest::collection::vec(
            ("[A-Za-z' -]{0,12}", "\\PC{0,12}", "(19|20)[0-9]{2}-?[01][0-9]-?[0-3][0-9]", "[0-9 -]{0,10}", "[A-Za-z0-9]{15,18}"),
            0..30,
        ),
    ) {
        let col = |f: fn(&(String, String, String, String, String)) -> &String| {
            StringArray::from(rows.iter().map(|r| f(r).as_str()).collect::<Vec<_>>())
        };
        let (first, last, dob, zip, vin) = (col(|r| &r.0), col(|r| &r.1), col(|r| &r.2), col(|r| &r.3), col(|r| &r.4));
        let ndz = hash_ndz(&first, &last, &dob, &zip, OnInvalid::Null).unwrap();
        let nv = hash_name_vin(&first, &last, &vin, OnInvalid::Null).unwrap();
        let mut h = Hasher::new();
        for (i, r) in rows.iter().enumerate() {
            let want = h.ndz(&r.0, &r.1, &r.2, &r.3).ok().map(|x| x.to_string());
            prop_assert_eq!(ndz.is_valid(i).then(|| ndz.value(i)), want.as_deref());
            let want = h.name_vin(&r.0, &r.1, &r.4).ok().map(|x| x.to_string());
            prop_assert_eq!(nv.is_valid(i).then(|| nv.value(i)), want.as_deref());
        }
    }
}

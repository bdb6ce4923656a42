//! `dropkit_hash::sql`'s PostgreSQL expressions run on a real server
//! (`DROPKIT_TEST_POSTGRES_URL`, which `.ci/run` starts on loopback) and compared, value by
//! value, with this crate: the official vectors, 100,000 generated inputs per field, every
//! Unicode code point through the email rule, and dates around every edge of the calendar.
//! Outside CI, without the variable, the test prints a notice and returns; in CI a missing
//! server fails it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dropkit_hash::sql::{Dialect, Sql};
use dropkit_hash::{DropHash, Field, Hasher, ListType, standardize};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection};

/// The column the inputs are stored in: a name that needs quoting (a space, a quote, upper
/// case), so the identifier escaping is exercised too.
const COLUMN: &str = "Raw \"value\"";

fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("DROPKIT_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: DROPKIT_TEST_POSTGRES_URL is not set but CI is: the PostgreSQL tests \
                 must run in CI (.ci/run starts a server on 127.0.0.1:54329)"
            );
            eprintln!(
                "SKIPPED {test}: set DROPKIT_TEST_POSTGRES_URL=postgres://… to run it against a \
                 real PostgreSQL server (.ci/run starts one)"
            );
            None
        }
    }
}

/// A connection to a UTF-8 database: the server's own when it is UTF-8, otherwise a fresh
/// one made for the test (a `SQL_ASCII` database compares bytes, which the expressions do not
/// support). Returns the database to drop afterwards, if one was made.
async fn utf8_connection(url: &str) -> (PgConnection, Option<(String, String)>) {
    let mut db = PgConnection::connect(url).await.expect("connect");
    let (encoding,): (String,) = sqlx::query_as("SHOW server_encoding")
        .fetch_one(&mut db)
        .await
        .expect("encoding");
    if encoding.eq_ignore_ascii_case("UTF8") {
        return (db, None);
    }
    let name = format!("dropkit_sql_{}", std::process::id());
    sqlx::query(&format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'"
    ))
    .execute(&mut db)
    .await
    .expect("create a UTF-8 database");
    let options: PgConnectOptions = url.parse().expect("DROPKIT_TEST_POSTGRES_URL is a URL");
    let conn = PgConnection::connect_with(&options.database(&name))
        .await
        .expect("connect to the UTF-8 database");
    (conn, Some((url.to_owned(), name)))
}

/// A small deterministic generator (xorshift64*): the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces inputs are made of: ASCII in both cases, digits with many zeros, hyphens, every
/// kind of whitespace (Unicode's too, and the zero-width space that is not whitespace),
/// letters engines lowercase differently (`İ`, `Σ`, `ς`, Georgian, Vithkuqi, Garay), other
/// non-ASCII text, and the punctuation of emails.
const PIECES: &[&str] = &[
    "a",
    "B",
    "z",
    "Q",
    "x",
    "E",
    "f",
    "0",
    "0",
    "00",
    "1",
    "9",
    "5",
    "-",
    "-",
    " ",
    "\t",
    "\r",
    "\n",
    "\u{b}",
    "\u{c}",
    "\u{85}",
    "\u{a0}",
    "\u{1680}",
    "\u{2003}",
    "\u{2028}",
    "\u{202f}",
    "\u{3000}",
    "\u{200b}",
    "\u{feff}",
    "@",
    ".",
    "+",
    "_",
    "'",
    "\"",
    "\\",
    "%",
    "É",
    "é",
    "ß",
    "İ",
    "ı",
    "Σ",
    "ΑΣ",
    "ς",
    "Ω",
    "Ж",
    "ж",
    "Ǆ",
    "ǅ",
    "ẞ",
    "Ⅻ",
    "Ａ",
    "Ⓐ",
    "Ა",
    "ა",
    "\u{10570}",
    "\u{10d50}",
    "\u{16ea0}",
    "\u{a7c0}",
    "김",
    "東京",
    "١٢",
    "😀",
    "\u{301}",
    "ﬁ",
];

fn random_text(rng: &mut Rng, max_pieces: usize) -> String {
    let n = rng.below(max_pieces + 1);
    (0..n).map(|_| rng.pick(PIECES)).collect()
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn alnum(rng: &mut Rng, n: usize, alphabet: &[u8]) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

/// An input shaped like `field`'s values (a template with noise), or free random text.
fn input(rng: &mut Rng, field: Field) -> String {
    if rng.below(3) == 0 {
        return random_text(rng, 24);
    }
    let noise = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            rng.pick(PIECES).to_owned()
        } else {
            String::new()
        }
    };
    let hex = b"0123456789abcdefABCDEF";
    let an = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let core = match field {
        Field::Email => format!(
            "{}{}{}@{}.{}",
            {
                let n = 1 + rng.below(8);
                alnum(rng, n, an)
            },
            noise(rng),
            rng.pick(&[".", "+tag", "", "É", "Σ"]),
            random_text(rng, 4),
            rng.pick(&["com", "COM", "fr", "Σ"])
        ),
        Field::Phone => format!(
            "{}({}){}{}-{}",
            rng.pick(&["+1", "", "+84", "00"]),
            {
                let n = rng.below(4);
                digits(rng, n)
            },
            noise(rng),
            {
                let n = rng.below(5);
                digits(rng, n)
            },
            {
                let n = rng.below(6);
                digits(rng, n)
            }
        ),
        Field::Zip => format!(
            "{}{}{}{}",
            "0".repeat(rng.below(4)),
            {
                let n = rng.below(8);
                alnum(rng, n, an)
            },
            noise(rng),
            rng.pick(&["", "-1234", "-", " 1A1"])
        ),
        Field::Maid => {
            let len = 28 + rng.below(8);
            let mut s = alnum(rng, len, hex);
            if rng.below(2) == 0 && s.len() > 20 {
                s.insert(8, '-');
                s.insert(13, '-');
            }
            format!("{}{s}{}", noise(rng), noise(rng))
        }
        Field::Vin => format!(
            "{}{}",
            {
                let n = 14 + rng.below(6);
                alnum(rng, n, an)
            },
            noise(rng)
        ),
        Field::Ctvid => format!(
            "{}{}{}",
            {
                let n = 5 + rng.below(30);
                alnum(rng, n, an)
            },
            rng.pick(&["_", "", "-"]),
            noise(rng)
        ),
        Field::Dob => {
            let (y, m, d) = (digits(rng, 4), rng.below(14), rng.below(33));
            match rng.below(4) {
                0 => format!("{y}-{m:02}-{d:02}"),
                1 => format!("{y}{m:02}{d:02}"),
                2 => format!("{}{y}-{m:02}-{d:02}{}", noise(rng), noise(rng)),
                _ => format!("{y}/{m:02}/{d:02}"),
            }
        }
        Field::FirstName | Field::LastName => format!(
            "{}{}{}",
            {
                let n = 1 + rng.below(8);
                alnum(rng, n, an)
            },
            rng.pick(&["", " ", "-", "'", "É", "ß"]),
            {
                let n = rng.below(6);
                alnum(rng, n, an)
            }
        ),
    };
    if rng.below(4) == 0 {
        format!("{}{core}{}", rng.pick(PIECES), rng.pick(PIECES))
    } else {
        core
    }
}

/// What this crate answers for one value: its standardized text and Base64 hash, or nothing.
fn expected(field: Field, value: &str, ascii_names: bool) -> Option<(String, String)> {
    if matches!(field, Field::FirstName | Field::LastName) && ascii_names && !value.is_ascii() {
        return None;
    }
    let text = standardize::field(field, value).ok()?;
    let hash = DropHash::of_standardized(&text).to_string();
    Some((text, hash))
}

/// Runs `field`'s standardize and hash expressions over `values` and compares every row.
async fn compare(db: &mut PgConnection, field: Field, values: &[String]) {
    let sql = Sql::new(Dialect::Postgres).ascii_names(true);
    let quoted = Dialect::Postgres.quote_ident(COLUMN);
    let ids: Vec<i32> = (0..values.len() as i32).collect();
    sqlx::query("TRUNCATE dropkit_sql_inputs")
        .execute(&mut *db)
        .await
        .expect("truncate");
    for (ids, values) in ids.chunks(20_000).zip(values.chunks(20_000)) {
        sqlx::query(&format!(
            "INSERT INTO dropkit_sql_inputs (id, {quoted}) SELECT * FROM UNNEST($1::int[], $2::text[])"
        ))
        .bind(ids)
        .bind(values)
        .execute(&mut *db)
        .await
        .expect("insert");
    }
    let query = format!(
        "SELECT id, {}, {} FROM dropkit_sql_inputs ORDER BY id",
        sql.standardize(field, COLUMN).unwrap(),
        sql.hash(field, COLUMN).unwrap()
    );
    let rows: Vec<(i32, Option<String>, Option<String>)> = sqlx::query_as(&query)
        .fetch_all(&mut *db)
        .await
        .unwrap_or_else(|e| panic!("{field}: {e}\n{query}"));
    assert_eq!(rows.len(), values.len());
    let mut wrong = Vec::new();
    for ((_, text, hash), value) in rows.into_iter().zip(values) {
        let got = text.zip(hash);
        let want = expected(field, value, true);
        if got != want {
            wrong.push(format!("{value:?}: SQL {got:?}, Rust {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{field}: {} of {} values differ, first ones:\n{}",
        wrong.len(),
        values.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
}

fn official_vectors(field: Field) -> Vec<String> {
    let v: &[&str] = match field {
        Field::Email => &[
            "Anna.Smith@Domain.com",
            " Alice@Co.COM ",
            "a.lice+tag@co.com",
        ],
        Field::Phone => &["+1(415)555-9317", "+84(90)123 4567", "555-1234"],
        Field::Zip => &["91790-3771", "M1B 1A1", "00712345", "00300-9999", "91790"],
        Field::Maid => &["a3f1c2d4-5678-90ab-cdef-1234567890ab"],
        Field::Vin => &["1HGCM82633A004352"],
        Field::Ctvid => &["SmartTV_9F8E7D6C"],
        Field::Dob => &["1776-07-04", "17760704", "1985-07-04"],
        Field::FirstName | Field::LastName => &["Juan Pablo", "Martinez", "Danielle", "Eve"],
    };
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Every date text around the calendar's edges: years 0000 to 0004, centuries with and
/// without leap years, months 00 to 13, days 00 to 32, in both accepted forms and one other.
fn date_inputs() -> Vec<String> {
    let mut out = Vec::new();
    for y in [
        0, 1, 4, 100, 400, 1600, 1700, 1900, 1996, 2000, 2023, 2024, 2100, 9996, 9999,
    ] {
        for m in 0..=13 {
            for d in 0..=32 {
                out.push(format!("{y:04}{m:02}{d:02}"));
                out.push(format!("{y:04}-{m:02}-{d:02}"));
            }
        }
    }
    out.extend(
        [
            "1985-0704",
            "198507-04",
            "1985-07-04x",
            "\u{3000}1985-07-04\u{a0}",
        ]
        .map(String::from),
    );
    out
}

#[tokio::test]
async fn postgres_expressions_agree_with_the_crate() {
    let Some(url) = postgres_url("postgres_expressions_agree_with_the_crate") else {
        return;
    };
    let (mut db, made) = utf8_connection(&url).await;
    let quoted = Dialect::Postgres.quote_ident(COLUMN);
    sqlx::query("DROP TABLE IF EXISTS dropkit_sql_inputs")
        .execute(&mut db)
        .await
        .expect("drop");
    sqlx::query(&format!(
        "CREATE TABLE dropkit_sql_inputs (id int PRIMARY KEY, {quoted} text)"
    ))
    .execute(&mut db)
    .await
    .expect("create");

    let mut rng = Rng(0x5EED_D20B_2026_0001);
    for field in [
        Field::Email,
        Field::Phone,
        Field::Zip,
        Field::Maid,
        Field::Vin,
        Field::Ctvid,
        Field::Dob,
        Field::FirstName,
    ] {
        let mut values = official_vectors(field);
        values.extend((0..100_000).map(|_| input(&mut rng, field)));
        if field == Field::Dob {
            values.extend(date_inputs());
        }
        compare(&mut db, field, &values).await;
    }

    // Every code point (but U+0000, which PostgreSQL text cannot hold) through the email
    // rule, between capitals, so whitespace, lowercasing and final sigma all show.
    let every: Vec<String> = (1..=0x10FFFF)
        .filter_map(char::from_u32)
        .map(|c| format!("X{c}Σ"))
        .collect();
    compare(&mut db, Field::Email, &every).await;

    composites(&mut db, &mut rng).await;

    sqlx::query("DROP TABLE dropkit_sql_inputs")
        .execute(&mut db)
        .await
        .expect("drop");
    db.close().await.expect("close");
    if let Some((url, name)) = made {
        let mut admin = PgConnection::connect(&url).await.expect("connect");
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("drop the test database");
    }
}

/// NDZ and NameVIN with ASCII names: the composite hash of every row, NULL where a field is
/// refused or a name is not ASCII.
async fn composites(db: &mut PgConnection, rng: &mut Rng) {
    let sql = Sql::new(Dialect::Postgres).ascii_names(true);
    sqlx::query(
        "CREATE TEMP TABLE dropkit_sql_people (id int, first text, last text, dob text, zip text, vin text)",
    )
    .execute(&mut *db)
    .await
    .expect("create");
    let mut people: Vec<[String; 5]> = vec![
        [
            "Danielle",
            "Johnson",
            "1985-07-04",
            "91790",
            "1HGCM82633A004352",
        ]
        .map(String::from),
        ["Eve", "Genesis", "19850704", "91790", "1HGCM82633A004352"].map(String::from),
    ];
    for _ in 0..20_000 {
        people.push([
            input(rng, Field::FirstName),
            input(rng, Field::LastName),
            if rng.below(4) == 0 {
                input(rng, Field::Dob)
            } else {
                format!(
                    "19{:02}-{:02}-{:02}",
                    rng.below(100),
                    1 + rng.below(12),
                    1 + rng.below(28)
                )
            },
            input(rng, Field::Zip),
            input(rng, Field::Vin),
        ]);
    }
    let column = |i: usize| -> Vec<String> { people.iter().map(|p| p[i].clone()).collect() };
    let ids: Vec<i32> = (0..people.len() as i32).collect();
    sqlx::query(
        "INSERT INTO dropkit_sql_people SELECT * FROM UNNEST($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])",
    )
    .bind(&ids)
    .bind(column(0))
    .bind(column(1))
    .bind(column(2))
    .bind(column(3))
    .bind(column(4))
    .execute(&mut *db)
    .await
    .expect("insert");
    let query = format!(
        "SELECT {}, {}, {} FROM dropkit_sql_people ORDER BY id",
        sql.list_hash(ListType::Ndz, &["first", "last", "dob", "zip"])
            .unwrap(),
        sql.list_hash(ListType::NameVin, &["first", "last", "vin"])
            .unwrap(),
        sql.list_standardize(ListType::Ndz, &["first", "last", "dob", "zip"])
            .unwrap(),
    );
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(&query)
        .fetch_all(&mut *db)
        .await
        .expect("select");
    let mut h = Hasher::new();
    let mut hashed = 0;
    for (row, p) in rows.iter().zip(&people) {
        let ascii = p[0].is_ascii() && p[1].is_ascii();
        let ndz = ascii
            .then(|| h.ndz(&p[0], &p[1], &p[2], &p[3]).ok())
            .flatten();
        let ndz_text = ndz.map(|_| h.standardized().to_owned());
        let ndz = ndz.map(|x| x.to_string());
        let name_vin = ascii
            .then(|| h.name_vin(&p[0], &p[1], &p[4]).ok())
            .flatten()
            .map(|x| x.to_string());
        hashed += usize::from(ndz.is_some());
        assert_eq!(row, &(ndz, name_vin, ndz_text), "{p:?}");
    }
    assert_eq!(
        rows[0].0.as_deref(),
        Some("PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=")
    );
    assert_eq!(
        rows[1].1.as_deref(),
        Some("rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=")
    );
    assert!(
        hashed > 1_000,
        "too few NDZ rows hashed to mean much: {hashed}"
    );
}

//! How the ledger's values serialize: DROP's names as their text, instants as RFC 3339 UTC.

use serde::Serializer;
use time::OffsetDateTime;

/// Serializes a value by its `Display` text (a [`dropkit_files::ZipFileName`], a
/// [`dropkit_hash::ListType`]).
pub(crate) fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Serializes an instant as RFC 3339 in UTC.
pub(crate) fn instant<S: Serializer>(v: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::ledger::instant(*v))
}

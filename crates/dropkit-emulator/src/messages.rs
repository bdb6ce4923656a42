//! The message texts the emulator sends, as DROP's documentation gives them (spec §2).
//!
//! Where the OpenAPI examples and the operations page differ only by a trailing period, the
//! operations page's text (no period) is used. Clients must not match these texts exactly:
//! they switch on the status and the `rejected[]` membership.

/// 200 JSON: nothing new since the last completed download.
pub const NO_DATA: &str = "No new consumer request data or removed identifiers are available since your last completed download.";
/// 202: the package is being prepared.
pub const PREPARING: &str = "No download package is available yet. Your request was received, and the package is being created. Call GET /data/download again later.";
/// 401: key missing or invalid.
pub const UNAUTHORIZED: &str =
    "API key is missing or invalid. Fix or regenerate the API key and try again.";
/// 403: account not eligible.
pub const NOT_ELIGIBLE: &str = "Your account is not eligible for this operation. Resolve any account, registration, payment, or access issue and try again.";
/// 403: no list selected.
pub const NO_LISTS: &str =
    "No identifier list preferences are enabled. Select at least one list and try again.";
/// 404: unknown path.
pub const NOT_FOUND: &str =
    "The requested endpoint was not found. Check the URL/path and try again.";
/// 409 on download: the previous batch is not complete.
pub const BATCH_INCOMPLETE: &str =
    "Complete the current batch or contact DROP support if a re-download is needed.";
/// 409 on upload: no download waits for responses.
pub const NO_ACTIVE_DOWNLOAD: &str = "No active download is waiting for responses. Use GET /data/download to request or download a new ZIP file.";
/// 409 on amend.
pub const AMEND_STATE: &str = "The amend request cannot be processed in the current state.";
/// 429.
pub const TOO_MANY_REQUESTS: &str = "Too many requests. Wait and try again.";
/// 500 (also sent with the injected 503, for which DROP documents no body).
pub const SERVER_ERROR: &str = "The system is temporarily unavailable. Try again later.";

/// 202 upload, every file accepted.
pub const UPLOAD_ACCEPTED: &str = "Upload received. Accepted files were queued for validation.";
/// 202 upload, some files rejected.
pub const UPLOAD_MIXED: &str =
    "Upload received. Accepted files were queued for validation. Rejected files were not accepted.";
/// 400 upload, no file accepted.
pub const UPLOAD_INVALID: &str = "Upload request is invalid. Fix the rejected files and try again.";

/// Rejection: the request held no file.
pub const NO_CSV: &str = dropkit_files::wire::rejection::NO_CSV;
/// Rejection: not a CSV file.
pub const ONLY_CSV: &str = dropkit_files::wire::rejection::ONLY_CSV;
/// Rejection: the header is not `Id,Status`.
pub const INVALID_HEADER: &str = dropkit_files::wire::rejection::INVALID_HEADER;
/// Rejection: the name was already used for the current download.
pub const DUPLICATE_NAME: &str = dropkit_files::wire::rejection::DUPLICATE_NAME;
/// Rejection: not UTF-8 CSV.
pub const UNREADABLE: &str = dropkit_files::wire::rejection::UNREADABLE;
/// Rejection: the name is not one of the current download's list files. DROP requires "a
/// downloaded file name or allowed suffix pattern" but publishes no message for breaking the
/// rule; this text is the emulator's own.
pub const NAME_MISMATCH: &str = "File name must be a list file name of the current download, optionally with a suffix: <YYYYMMDD>_<DataBrokerId>_<ListType>[_<suffix>].csv";

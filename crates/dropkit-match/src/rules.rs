//! The rule that turns a matched work item into a status: replaceable, with DROP's defaults.

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;

/// Decides the status of a work item matched to one or more consumers.
///
/// The defaults follow DROP's status codes (spec §6): one consumer is `3` Deleted, unless
/// [`is_exempt`](Self::is_exempt) says that consumer's data is exempt, then `2` Exempted;
/// an identifier linked to more than one consumer is `4` Opted out. A work item matched by no
/// record is always `5` Not found and never reaches the rules.
///
/// The matcher applies the rules on every core, so it takes them as `Rules + Sync` (plain
/// closures and structs without interior mutability are).
///
/// Any `Fn(ListType, &str) -> bool` closure is a `Rules` whose answer is the exemption test:
///
/// ```
/// use dropkit_files::{Status, WorkItemId};
/// use dropkit_hash::ListType;
/// use dropkit_match::{DefaultRules, Rules};
///
/// let id: WorkItemId = "A7kP2xQ9Lm4R".parse().unwrap();
/// assert_eq!(DefaultRules.status(ListType::Email, &id, &["c1"]), Status::Deleted);
/// assert_eq!(DefaultRules.status(ListType::Email, &id, &["c1", "c2"]), Status::OptedOut);
///
/// // Consumers whose key starts with "HIPAA-" hold exempt data only.
/// let exempt = |_list: ListType, key: &str| key.starts_with("HIPAA-");
/// assert_eq!(exempt.status(ListType::Email, &id, &["HIPAA-7"]), Status::Exempted);
/// assert_eq!(exempt.status(ListType::Email, &id, &["c1"]), Status::Deleted);
/// ```
pub trait Rules {
    /// Whether all the personal information of the consumer `key` is exempt from deletion.
    /// Default: never.
    fn is_exempt(&self, list: ListType, key: &str) -> bool {
        let _ = (list, key);
        false
    }

    /// The status of work item `id` of `list`, matched to the distinct consumer `keys` (at
    /// least one, in the order the records came).
    fn status(&self, list: ListType, id: &WorkItemId, keys: &[&str]) -> Status {
        let _ = id;
        match keys {
            [key] if self.is_exempt(list, key) => Status::Exempted,
            [_] => Status::Deleted,
            _ => Status::OptedOut,
        }
    }
}

/// DROP's default rules: nothing is exempt; one consumer is Deleted, several are Opted out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultRules;

impl Rules for DefaultRules {}

impl<F: Fn(ListType, &str) -> bool> Rules for F {
    fn is_exempt(&self, list: ListType, key: &str) -> bool {
        self(list, key)
    }
}

//! What a connector is asked to do (a [`Target`] per match) and what it answers (a
//! [`KeyOutcome`] per record key, gathered in a [`BatchOutcome`]).

use std::fmt;
use std::str::FromStr;

use dropkit_files::WorkItemId;
use dropkit_hash::ListType;

/// What the broker must do with a matched record: the status it will answer DROP once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Delete the record (DROP status 3, Deleted). Written `delete`.
    Delete,
    /// Opt the consumer out of sale and sharing (DROP status 4, Opted out). Written `opt-out`.
    OptOut,
}

impl Action {
    /// The action as the command connector's CSV writes it: `delete` or `opt-out`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::OptOut => "opt-out",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is neither `delete` nor `opt-out`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action {0:?}: expected `delete` or `opt-out`")]
pub struct ParseActionError(pub String);

impl FromStr for Action {
    type Err = ParseActionError;

    /// Parses `delete` or `opt-out` exactly (lower case, as written by [`Action::as_str`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "delete" => Ok(Action::Delete),
            "opt-out" => Ok(Action::OptOut),
            _ => Err(ParseActionError(s.to_owned())),
        }
    }
}

/// One match to apply: the broker's record `key`, the DROP work item it matched and what to do.
///
/// A record may match several work items (an email and a phone request of the same consumer):
/// a batch then holds several targets with the same key, and the connector answers once for
/// that key (see [`Connector`](crate::Connector)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The record's key in the broker's data (the key column of the records file).
    pub key: String,
    /// The DROP list the matching work item came from.
    pub list_type: ListType,
    /// The matching work item's Id.
    pub id: WorkItemId,
    /// What to do with the record.
    pub action: Action,
}

/// What became of one record key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyOutcome {
    /// The action is done: the record is deleted (or opted out), or was already gone. Only a
    /// key that is `Done` may be claimed to DROP as status 3 or 4.
    Done,
    /// The action was not done; the record must not be claimed, and a later run retries it.
    Failed {
        /// Why, as the database or the command said it (never a password).
        reason: String,
    },
}

impl KeyOutcome {
    /// Whether the key's action is done.
    pub const fn is_done(&self) -> bool {
        matches!(self, KeyOutcome::Done)
    }
}

/// What a connector answered for one batch: one outcome per distinct key of the batch, in the
/// order the keys first appear in the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// `(key, outcome)`, one per distinct key of the batch.
    pub results: Vec<(String, KeyOutcome)>,
}

impl BatchOutcome {
    /// The outcome of `key`, if the batch held it.
    pub fn outcome(&self, key: &str) -> Option<&KeyOutcome> {
        self.results.iter().find(|(k, _)| k == key).map(|(_, o)| o)
    }

    /// The keys whose action is done.
    pub fn done(&self) -> impl Iterator<Item = &str> {
        self.results
            .iter()
            .filter(|(_, o)| o.is_done())
            .map(|(k, _)| k.as_str())
    }

    /// The keys that failed, with the reason.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.results.iter().filter_map(|(k, o)| match o {
            KeyOutcome::Failed { reason } => Some((k.as_str(), reason.as_str())),
            KeyOutcome::Done => None,
        })
    }

    /// Whether every key is done.
    pub fn all_done(&self) -> bool {
        self.results.iter().all(|(_, o)| o.is_done())
    }
}

/// One distinct key of a batch and the action that covers all its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyAction<'a> {
    pub(crate) key: &'a str,
    pub(crate) action: Action,
}

/// The distinct keys of `batch` in first-appearance order, each with one action: `Delete` when
/// any of its targets asks for deletion (a deleted record is opted out of everything too),
/// otherwise `OptOut`.
pub(crate) fn key_actions(batch: &[Target]) -> Vec<KeyAction<'_>> {
    let mut out: Vec<KeyAction<'_>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for t in batch {
        match index.get(t.key.as_str()) {
            Some(&i) => {
                let ka: &mut KeyAction<'_> = &mut out[i];
                if t.action == Action::Delete {
                    ka.action = Action::Delete;
                }
            }
            None => {
                index.insert(t.key.as_str(), out.len());
                out.push(KeyAction {
                    key: &t.key,
                    action: t.action,
                });
            }
        }
    }
    out
}

/// Splits `targets` into batches of at most `keys_per_batch` distinct keys (at least one),
/// keeping every target of one key in the same batch, so each key gets exactly one outcome.
///
/// Keys keep the order of their first appearance and a key's targets keep their order, so the
/// same input always gives the same batches (a resumed run can tell batches apart by index).
/// [`DEFAULT_BATCH_SIZE`](crate::DEFAULT_BATCH_SIZE) is the usual `keys_per_batch`.
pub fn batches(targets: &[Target], keys_per_batch: usize) -> Vec<Vec<Target>> {
    let keys_per_batch = keys_per_batch.max(1);
    let mut groups: Vec<Vec<&Target>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for t in targets {
        match index.get(t.key.as_str()) {
            Some(&i) => {
                let group: &mut Vec<&Target> = &mut groups[i];
                group.push(t);
            }
            None => {
                index.insert(t.key.as_str(), groups.len());
                groups.push(vec![t]);
            }
        }
    }
    groups
        .chunks(keys_per_batch)
        .map(|chunk| chunk.iter().flatten().map(|t| (*t).clone()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(key: &str, action: Action) -> Target {
        Target {
            key: key.to_owned(),
            list_type: ListType::Email,
            id: WorkItemId::new("W1").expect("valid id"),
            action,
        }
    }

    #[test]
    fn action_round_trips() {
        for a in [Action::Delete, Action::OptOut] {
            assert_eq!(a.to_string().parse::<Action>(), Ok(a));
        }
        assert!("Delete".parse::<Action>().is_err());
        assert!("optout".parse::<Action>().is_err());
    }

    #[test]
    fn delete_wins_over_opt_out_for_one_key() {
        let batch = [
            target("a", Action::OptOut),
            target("b", Action::OptOut),
            target("a", Action::Delete),
            target("c", Action::Delete),
        ];
        let ka = key_actions(&batch);
        let got: Vec<_> = ka.iter().map(|k| (k.key, k.action)).collect();
        assert_eq!(
            got,
            [
                ("a", Action::Delete),
                ("b", Action::OptOut),
                ("c", Action::Delete)
            ]
        );
    }

    #[test]
    fn batches_keep_a_key_together() {
        let targets = [
            target("a", Action::Delete),
            target("b", Action::Delete),
            target("c", Action::Delete),
            target("a", Action::OptOut),
            target("d", Action::Delete),
        ];
        let b = batches(&targets, 2);
        let keys: Vec<Vec<&str>> = b
            .iter()
            .map(|batch| batch.iter().map(|t| t.key.as_str()).collect())
            .collect();
        assert_eq!(keys, [vec!["a", "a", "b"], vec!["c", "d"]]);
        assert_eq!(batches(&targets, 0).len(), 4);
        assert!(batches(&[], 10).is_empty());
    }

    #[test]
    fn batch_outcome_views() {
        let outcome = BatchOutcome {
            results: vec![
                ("a".into(), KeyOutcome::Done),
                (
                    "b".into(),
                    KeyOutcome::Failed {
                        reason: "held".into(),
                    },
                ),
            ],
        };
        assert_eq!(outcome.done().collect::<Vec<_>>(), ["a"]);
        assert_eq!(outcome.failed().collect::<Vec<_>>(), [("b", "held")]);
        assert_eq!(outcome.outcome("a"), Some(&KeyOutcome::Done));
        assert_eq!(outcome.outcome("z"), None);
        assert!(!outcome.all_done());
    }
}

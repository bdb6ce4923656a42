//! The label a deletion carries into a provider's audit log: which DROP download and which work
//! items it answers.

/// The longest label [`audit_label`] makes, in characters.
///
/// MaestroQA documents `auditLabel` only as a string ("Request ID, user alias or other string to
/// push to the audit log for record keeping purposes") with no length limit. Until one is
/// known, labels are kept to 255 characters, a bound common to the database columns such logs
/// are stored in, so a label is never refused or cut by the provider.
pub const AUDIT_LABEL_MAX_CHARS: usize = 255;

/// An audit label for the deletion of a consumer: `DROP {download} {work item},{work item}...`,
/// at most [`AUDIT_LABEL_MAX_CHARS`] characters.
///
/// `download` is the DROP download it answers (the ZIP's name, say); `work_items` are the DROP
/// work item Ids the consumer matched (repeats left out, order kept). When the Ids do not all
/// fit, the label names as many as fit and how many more there are (`+3 more`); a download
/// name too long on its own is cut, marked with `…`. Control characters (line breaks) are
/// replaced by spaces, so the label stays one line in an exported log; surrounding whitespace
/// is trimmed.
///
/// ```
/// use dropkit_provider::audit_label;
///
/// assert_eq!(
///     audit_label("20261120_drop_download.zip", &["A7kP2xQ9Lm4R", "B8mQ3yR0Nn5S"]),
///     "DROP 20261120_drop_download.zip A7kP2xQ9Lm4R,B8mQ3yR0Nn5S"
/// );
/// let many: Vec<String> = (0..100).map(|i| format!("W{i:011}")).collect();
/// let label = audit_label("20261120_drop_download.zip", &many);
/// assert!(label.chars().count() <= dropkit_provider::AUDIT_LABEL_MAX_CHARS);
/// assert!(label.ends_with(" more"));
/// ```
pub fn audit_label<I>(download: &str, work_items: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut label = String::from("DROP");
    let download = one_line(download);
    if !download.is_empty() {
        label.push(' ');
        // room for "DROP ", the cut mark and, after the name, the longest " +N more"
        let reserved = label.len() + 1 + format!(" +{} more", usize::MAX).len();
        let room = AUDIT_LABEL_MAX_CHARS.saturating_sub(reserved);
        label.push_str(&crate::truncate(&download, room));
    }
    let mut items: Vec<String> = Vec::new();
    for item in work_items {
        let item = one_line(item.as_ref());
        if !item.is_empty() && !items.contains(&item) {
            items.push(item);
        }
    }
    let mut written = 0;
    for (index, item) in items.iter().enumerate() {
        let separator = if index == 0 { ' ' } else { ',' };
        let rest = items.len() - index - 1;
        let tail = if rest == 0 {
            0
        } else {
            format!(" +{rest} more").chars().count()
        };
        let needed = 1 + item.chars().count() + tail;
        if label.chars().count() + needed > AUDIT_LABEL_MAX_CHARS {
            break;
        }
        label.push(separator);
        label.push_str(item);
        written += 1;
    }
    let left_out = items.len() - written;
    if left_out > 0 {
        label.push_str(&format!(" +{left_out} more"));
    }
    label
}

/// `text` trimmed, with every control character replaced by a space.
fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_download_and_work_items_once_each() {
        assert_eq!(
            audit_label(
                "d.zip",
                ["A7kP2xQ9Lm4R", "A7kP2xQ9Lm4R", " ", "B8mQ3yR0Nn5S"]
            ),
            "DROP d.zip A7kP2xQ9Lm4R,B8mQ3yR0Nn5S"
        );
        assert_eq!(audit_label("d.zip", Vec::<String>::new()), "DROP d.zip");
        assert_eq!(audit_label("", ["A7kP2xQ9Lm4R"]), "DROP A7kP2xQ9Lm4R");
        assert_eq!(audit_label(" a\nb ", ["x\ty"]), "DROP a b x y");
    }

    #[test]
    fn stays_within_the_limit_and_counts_what_is_left_out() {
        let items: Vec<String> = (0..1000).map(|i| format!("W{i:011}")).collect();
        let label = audit_label("20261120_drop_download.zip", &items);
        assert!(label.chars().count() <= AUDIT_LABEL_MAX_CHARS, "{label}");
        let shown = label
            .split(' ')
            .nth(2)
            .map_or(0, |list| list.split(',').count());
        assert!(shown > 10, "{label}");
        assert!(
            label.ends_with(&format!(" +{} more", 1000 - shown)),
            "{label}"
        );

        // "DROP" and 19 Ids of 12 characters (251 characters) fit; a 20th does not
        let items: Vec<String> = (0..20).map(|i| format!("W{i:011}")).collect();
        let label = audit_label("", &items[..19]);
        assert_eq!(label.chars().count(), 251);
        assert!(label.ends_with("W00000000018"), "{label}");
        let label = audit_label("", &items);
        assert!(label.ends_with("W00000000017 +2 more"), "{label}");

        // a download name too long on its own is cut, leaving room for an Id or the count
        let label = audit_label(&"é".repeat(1000), ["W00000000000"]);
        assert!(label.chars().count() <= AUDIT_LABEL_MAX_CHARS, "{label}");
        assert!(label.ends_with("é… W00000000000"), "{label}");
        let label = audit_label(&"é".repeat(1000), &items);
        assert!(label.chars().count() <= AUDIT_LABEL_MAX_CHARS, "{label}");
        assert!(label.ends_with(" more"), "{label}");
    }
}

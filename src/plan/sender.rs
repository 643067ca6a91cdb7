//! The sender id, checked as operators accept it.

/// Checks a sender id as operators accept it: up to 11 Latin letters, digits, spaces and
/// `- _ . & '` for a name, or up to 15 digits (with an optional leading `+`) for a number.
pub fn check_sender(sender: &str) -> Result<String, String> {
    let sender = sender.trim();
    if sender.is_empty() {
        return Err("the sender id is empty".to_owned());
    }
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        if digits.len() > 15 {
            return Err(format!(
                "numeric sender id {sender:?} is longer than 15 digits"
            ));
        }
        return Ok(sender.to_owned());
    }
    let length = sender.chars().count();
    if length > 11 {
        return Err(format!(
            "sender id {sender:?} is {length} characters; a name may have at most 11"
        ));
    }
    if let Some(bad) = sender
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " -_.&'".contains(*c)))
    {
        return Err(format!(
            "sender id {sender:?} contains {bad:?}; use Latin letters, digits, spaces and - _ . & '"
        ));
    }
    Ok(sender.to_owned())
}

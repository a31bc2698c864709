use super::ParseError;

/// A publication title: trimmed, inner white space folded, 1 to 1,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

/// A person's, venue's or topic's name: trimmed, inner white space folded, 1 to 300 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

fn folded(raw: &str, max_chars: usize) -> Result<String, ParseError> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(ParseError::new("must not be blank"));
    }
    let length = text.chars().count();
    if length > max_chars {
        return Err(ParseError::new(format!(
            "must be at most {max_chars} characters (got {length})"
        )));
    }
    Ok(text)
}

impl Title {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        folded(raw, 1000).map(Self)
    }
}

impl Name {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        folded(raw, 300).map(Self)
    }
}

impl AsRef<str> for Title {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Title> for String {
    fn from(value: Title) -> Self {
        value.0
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_trimmed_and_folded() {
        let title = Title::parse("  Scaling Laws \n Beyond   Backpropagation ").expect("valid");
        assert_eq!(title.as_ref(), "Scaling Laws Beyond Backpropagation");
    }

    #[test]
    fn blank_and_overlong_values_are_refused() {
        assert_eq!(
            Title::parse(" \t").expect_err("blank").0,
            "must not be blank"
        );
        let long = "x".repeat(301);
        assert!(
            Name::parse(&long)
                .expect_err("too long")
                .0
                .contains("at most 300")
        );
        assert!(Title::parse(&long).is_ok());
    }
}

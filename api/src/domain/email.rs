use super::ParseError;

/// An email address, checked for its shape only (someone@somewhere.tld).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let email = raw.trim();
        let invalid = || ParseError::new(format!("{email:?} is not an email address"));
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed {
            Ok(Self(email.to_owned()))
        } else {
            Err(invalid())
        }
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse(" ada@lab.example.org ").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@lab.org",
            "ada@lab",
            "ada@.org",
            "a da@lab.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}

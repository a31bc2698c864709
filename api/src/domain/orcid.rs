//! ORCID iDs.

use super::ParseError;

/// An ORCID iD ("0000-0002-1825-0097"), checked with its ISO 7064 MOD 11-2 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Orcid(String);

impl Orcid {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        let bare = ["https://orcid.org/", "http://orcid.org/", "orcid.org/"]
            .iter()
            .find_map(|prefix| trimmed.strip_prefix(prefix))
            .unwrap_or(trimmed);
        let shape_error = || {
            ParseError::new(format!(
                "{trimmed:?} is not an ORCID iD: expected four groups of four digits, as 0000-0002-1825-0097"
            ))
        };
        let groups: Vec<&str> = bare.split('-').collect();
        // ASCII first: four bytes of other text may be fewer than four characters.
        if groups.len() != 4 || groups.iter().any(|g| g.len() != 4 || !g.is_ascii()) {
            return Err(shape_error());
        }
        let chars: Vec<char> = groups.concat().chars().collect();
        let (body, check) = chars.split_at(15);
        if !body.iter().all(char::is_ascii_digit) {
            return Err(shape_error());
        }
        let total = body
            .iter()
            .filter_map(|c| c.to_digit(10))
            .fold(0, |total, digit| (total + digit) * 2);
        let expected = match (12 - total % 11) % 11 {
            10 => 'X',
            digit => char::from_digit(digit, 10).ok_or_else(shape_error)?,
        };
        if check.first().map(char::to_ascii_uppercase) != Some(expected) {
            return Err(ParseError::new(format!(
                "{trimmed:?} is not a valid ORCID iD: its check digit should be {expected}"
            )));
        }
        Ok(Self(bare.to_ascii_uppercase()))
    }
}

impl AsRef<str> for Orcid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Orcid> for String {
    fn from(value: Orcid) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_identifiers_parse_with_or_without_the_resolver() {
        assert_eq!(
            Orcid::parse("0000-0002-1825-0097").expect("valid").as_ref(),
            "0000-0002-1825-0097"
        );
        assert_eq!(
            Orcid::parse("https://orcid.org/0000-0002-1694-233x")
                .expect("valid")
                .as_ref(),
            "0000-0002-1694-233X"
        );
    }

    #[test]
    fn a_wrong_check_digit_is_named() {
        let err = Orcid::parse("0000-0002-1825-0098").expect_err("bad checksum");
        assert!(err.0.contains("check digit should be 7"), "{}", err.0);
    }

    #[test]
    fn malformed_identifiers_are_refused() {
        for bad in [
            "",
            "0000-0002-1825",
            "0000000218250097",
            "000a-0002-1825-0097",
            "0000-0002-1825-00977",
            "éé-éé-éé-éé",
            "𝟘-𝟘-𝟘-𝟘",
        ] {
            assert!(Orcid::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics_and_what_is_accepted_has_its_check_digit(
            raw in "(https://orcid.org/)?[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9xX]|\\PC{0,30}",
        ) {
            if let Ok(orcid) = Orcid::parse(&raw) {
                let bare = orcid.as_ref();
                proptest::prop_assert_eq!(bare.len(), 19);
                let digits: Vec<u32> = bare.chars().filter_map(|c| c.to_digit(10)).collect();
                let total = digits[..15].iter().fold(0, |total, digit| (total + digit) * 2);
                let check = (12 - total % 11) % 11;
                let last = bare.chars().last().expect("19 characters");
                proptest::prop_assert_eq!(last, if check == 10 { 'X' } else { char::from_digit(check, 10).expect("a digit") });
                let again = Orcid::parse(bare).expect("an accepted iD parses again");
                proptest::prop_assert_eq!(again, orcid);
            }
        }

        #[test]
        fn a_valid_body_with_its_computed_check_digit_is_accepted(body in "[0-9]{15}") {
            let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
            let total = digits.iter().fold(0, |total, digit| (total + digit) * 2);
            let check = match (12 - total % 11) % 11 {
                10 => 'X',
                digit => char::from_digit(digit, 10).expect("a digit"),
            };
            let raw = format!("{}-{}-{}-{}{check}", &body[..4], &body[4..8], &body[8..12], &body[12..]);
            proptest::prop_assert!(Orcid::parse(&raw).is_ok(), "{raw}");
        }
    }
}

//! Digital Object Identifiers.

use super::ParseError;

/// A Digital Object Identifier, stored lower-cased without its resolver prefix
/// ("10.18653/v1/2022.bigscience-1.8"). DOIs are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Doi(String);

impl Doi {
    /// The longest DOI accepted, in characters, without its resolver prefix. The DOI handbook
    /// sets no limit, but registered DOIs are in practice well under 300 characters; a longer
    /// value is a paste error or an attempt to bloat the catalogue and every export of the
    /// entry.
    pub const MAX_LEN: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        let lower = trimmed.to_lowercase();
        let bare = [
            "https://doi.org/",
            "http://doi.org/",
            "https://dx.doi.org/",
            "doi:",
        ]
        .iter()
        .find_map(|prefix| lower.strip_prefix(prefix))
        .unwrap_or(&lower)
        .trim();
        let Some((prefix, suffix)) = bare.split_once('/') else {
            return Err(ParseError::new(format!(
                "{trimmed:?} is not a DOI: expected 10.NNNN/suffix"
            )));
        };
        let registrant_ok = prefix
            .strip_prefix("10.")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        let length = bare.chars().count();
        if length > Self::MAX_LEN {
            return Err(ParseError::new(format!(
                "is not a DOI: it is {length} characters long, and a DOI has at most {}",
                Self::MAX_LEN
            )));
        }
        if !registrant_ok
            || suffix.is_empty()
            || bare.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ParseError::new(format!(
                "{trimmed:?} is not a DOI: expected 10.NNNN/suffix"
            )));
        }
        Ok(Self(bare.to_owned()))
    }
}

impl AsRef<str> for Doi {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Doi> for String {
    fn from(value: Doi) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_prefixes_and_case_are_normalised() {
        let doi = Doi::parse(" https://doi.org/10.18653/V1/2022.BigScience-1.8 ").expect("valid");
        assert_eq!(doi.as_ref(), "10.18653/v1/2022.bigscience-1.8");
        assert_eq!(
            Doi::parse("doi:10.1000/XYZ").expect("valid").as_ref(),
            "10.1000/xyz"
        );
    }

    #[test]
    fn values_that_are_not_dois_are_refused() {
        for bad in [
            "",
            "10.1000",
            "11.1000/x",
            "10./x",
            "10.1000/",
            "10.1000/a b",
            "arXiv:2205.05789",
        ] {
            assert!(Doi::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_overlong_doi_is_refused_with_the_limit_named() {
        let long = format!("10.1000/{}", "x".repeat(5000));
        let err = Doi::parse(&long).expect_err("too long");
        assert!(err.0.contains("at most 300"), "{}", err.0);
        let longest = format!("10.1000/{}", "x".repeat(Doi::MAX_LEN - 8));
        assert!(Doi::parse(&longest).is_ok());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics_and_what_is_accepted_is_bounded_and_round_trips(
            raw in "(https://doi.org/|doi:)?(10\\.[0-9]{1,6}/)?\\PC{0,400}",
        ) {
            if let Ok(doi) = Doi::parse(&raw) {
                proptest::prop_assert!(doi.as_ref().chars().count() <= Doi::MAX_LEN);
                proptest::prop_assert!(doi.as_ref().starts_with("10."));
                proptest::prop_assert!(!doi.as_ref().chars().any(|c| c.is_whitespace() || c.is_control()));
                let again = Doi::parse(doi.as_ref()).expect("an accepted DOI parses again");
                proptest::prop_assert_eq!(again, doi);
            }
        }
    }
}

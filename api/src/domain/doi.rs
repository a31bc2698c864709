use super::ParseError;

/// A Digital Object Identifier, stored lower-cased without its resolver prefix
/// ("10.18653/v1/2022.bigscience-1.8"). DOIs are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Doi(String);

impl Doi {
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
        if !registrant_ok || suffix.is_empty() || bare.chars().any(char::is_whitespace) {
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
}

use super::ParseError;

/// An arXiv identifier without version: "2206.15342" (since 2007) or "hep-th/9901001" (before).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArxivId(String);

impl ArxivId {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        let lower = trimmed.to_lowercase();
        let bare = ["https://arxiv.org/abs/", "http://arxiv.org/abs/", "arxiv:"]
            .iter()
            .find_map(|prefix| lower.strip_prefix(prefix))
            .unwrap_or(&lower);
        // A version suffix names one revision; the catalogue links the paper.
        let bare = match bare.rsplit_once('v') {
            Some((id, version))
                if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) =>
            {
                id
            }
            _ => bare,
        };
        if is_modern(bare) || is_legacy(bare) {
            Ok(Self(bare.to_owned()))
        } else {
            Err(ParseError::new(format!(
                "{trimmed:?} is not an arXiv identifier: expected YYMM.NNNNN or archive/YYMMNNN"
            )))
        }
    }
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_modern(id: &str) -> bool {
    id.split_once('.')
        .is_some_and(|(yymm, number)| digits(yymm, 4, 4) && digits(number, 4, 5))
}

fn is_legacy(id: &str) -> bool {
    id.split_once('/').is_some_and(|(archive, number)| {
        !archive.is_empty()
            && archive
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'.')
            && digits(number, 7, 7)
    })
}

impl AsRef<str> for ArxivId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<ArxivId> for String {
    fn from(value: ArxivId) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_and_legacy_identifiers_parse_without_their_version() {
        assert_eq!(
            ArxivId::parse("2206.15342v2").expect("valid").as_ref(),
            "2206.15342"
        );
        assert_eq!(
            ArxivId::parse("arXiv:2110.06743").expect("valid").as_ref(),
            "2110.06743"
        );
        assert_eq!(
            ArxivId::parse("https://arxiv.org/abs/hep-th/9901001v1")
                .expect("valid")
                .as_ref(),
            "hep-th/9901001"
        );
    }

    #[test]
    fn other_values_are_refused() {
        for bad in [
            "",
            "2206",
            "22061.5342",
            "2206.153",
            "10.1000/x",
            "hep-th/99",
        ] {
            assert!(ArxivId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}

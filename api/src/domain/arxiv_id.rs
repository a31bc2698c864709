//! arXiv identifiers.

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

/// The year and month of a `YYMM` prefix, when it has four digits and a month 01 to 12.
fn year_month(yymm: &str) -> Option<(u32, u32)> {
    if !digits(yymm, 4, 4) {
        return None;
    }
    let value: u32 = yymm.parse().ok()?;
    let (year, month) = (value / 100, value % 100);
    (1..=12).contains(&month).then_some((year, month))
}

/// `YYMM.NNNN` from April 2007 (0704) to December 2014, `YYMM.NNNNN` since January 2015: the
/// month must exist, and the number has the width of its period.
fn is_modern(id: &str) -> bool {
    id.split_once('.').is_some_and(|(yymm, number)| {
        year_month(yymm).is_some_and(|(year, month)| {
            let width = if year >= 15 { 5 } else { 4 };
            (year, month) >= (7, 4) && digits(number, width, width)
        })
    })
}

/// `archive/YYMMNNN`, from August 1991 (9108) to March 2007 (0703), when the scheme ended.
fn is_legacy(id: &str) -> bool {
    id.split_once('/').is_some_and(|(archive, number)| {
        !archive.is_empty()
            && archive
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'.')
            && digits(number, 7, 7)
            && year_month(&number[..4]).is_some_and(|(year, month)| {
                let century = if year >= 91 { 1900 } else { 2000 };
                (199_108..=200_703).contains(&((century + year) * 100 + month))
            })
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
            "2113.00001",
            "2100.00001",
            "0703.1234",
            "1412.12345",
            "1501.1234",
            "hep-th/9913001",
            "hep-th/9900001",
            "hep-th/0801001",
            "hep-th/9001001",
        ] {
            assert!(ArxivId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_first_and_last_months_of_each_scheme_are_accepted() {
        for good in [
            "0704.0001",
            "1412.9999",
            "1501.00001",
            "2312.99999",
            "hep-th/9108001",
            "math.ag/0703999",
        ] {
            assert!(ArxivId::parse(good).is_ok(), "{good:?} should be accepted");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics_and_what_is_accepted_has_a_real_month(
            raw in "(arXiv:)?([0-9]{4}\\.[0-9]{4,5}|[a-z-]{1,8}/[0-9]{7})(v[0-9])?|\\PC{0,40}",
        ) {
            if let Ok(id) = ArxivId::parse(&raw) {
                let id = id.as_ref();
                let yymm = match id.split_once('/') {
                    Some((_, number)) => &number[..4],
                    None => &id[..4],
                };
                let month: u32 = yymm[2..].parse().expect("digits");
                proptest::prop_assert!((1..=12).contains(&month), "{id}");
                let again = ArxivId::parse(id).expect("an accepted id parses again");
                proptest::prop_assert_eq!(again.as_ref(), id);
            }
        }
    }
}

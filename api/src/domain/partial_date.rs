//! Publication dates known to the year, the month or the day.

use chrono::{Datelike, NaiveDate};
use entity::publication::DatePrecision;

use super::ParseError;

/// A date known to the year, the month or the day: "2022", "2022-04" or "2022-04-12".
///
/// Stored as the first day of the period it names plus its precision, so that it sorts with
/// full dates and displays as "2022", "April 2022" or "12 April 2022".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    pub date: NaiveDate,
    pub precision: DatePrecision,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl PartialDate {
    /// The earliest year a publication may carry. The specification sets no range; a research
    /// catalogue has no use for years before 1000, and four-digit years are what BibTeX exports
    /// and imports back (`year = {0999}` would not). Year 0000 (1 BC) and 0001, the sort
    /// sentinel of undated entries, are refused with it.
    pub const MIN_YEAR: i32 = 1000;
    /// The latest year a publication may carry: the last one with four digits.
    pub const MAX_YEAR: i32 = 9999;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        let invalid = || {
            ParseError::new(format!(
                "{raw:?} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
            ))
        };
        let parts: Vec<&str> = raw.split('-').collect();
        let number = |part: &str, digits: usize| -> Result<u32, ParseError> {
            if part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| invalid())
            } else {
                Err(invalid())
            }
        };
        let (year, month, day, precision) = match parts.as_slice() {
            [y] => (number(y, 4)?, 1, 1, DatePrecision::Year),
            [y, m] => (number(y, 4)?, number(m, 2)?, 1, DatePrecision::Month),
            [y, m, d] => (
                number(y, 4)?,
                number(m, 2)?,
                number(d, 2)?,
                DatePrecision::Day,
            ),
            _ => return Err(invalid()),
        };
        let year = i32::try_from(year).map_err(|_| invalid())?;
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(ParseError::new(format!(
                "{raw:?} has year {year}; a publication year must be between {} and {}",
                Self::MIN_YEAR,
                Self::MAX_YEAR
            )));
        }
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
            ParseError::new(format!(
                "{raw:?} is not a calendar date: the month must be 01 to 12 and the day must exist in that month"
            ))
        })?;
        Ok(Self { date, precision })
    }

    /// The text form it was given in: "2022", "2022-04" or "2022-04-12".
    pub fn text(&self) -> String {
        match self.precision {
            DatePrecision::Year => self.date.format("%Y").to_string(),
            DatePrecision::Month => self.date.format("%Y-%m").to_string(),
            DatePrecision::Day => self.date.format("%Y-%m-%d").to_string(),
        }
    }

    /// The last day of the period it names: 2022-12-31 for "2022", 2022-04-30 for "2022-04".
    pub fn last_day(&self) -> NaiveDate {
        let next = match self.precision {
            DatePrecision::Year => NaiveDate::from_ymd_opt(self.date.year() + 1, 1, 1),
            DatePrecision::Month => self.date.checked_add_months(chrono::Months::new(1)),
            DatePrecision::Day => return self.date,
        };
        next.and_then(|next| next.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    /// The form the publications page shows: "2022", "April 2022" or "12 April 2022".
    pub fn display(date: NaiveDate, precision: DatePrecision) -> String {
        let month = MONTHS
            .get(date.month0() as usize)
            .copied()
            .unwrap_or_default();
        match precision {
            DatePrecision::Year => date.year().to_string(),
            DatePrecision::Month => format!("{month} {}", date.year()),
            DatePrecision::Day => format!("{} {month} {}", date.day(), date.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_precision_parses_to_the_first_day_of_its_period() {
        let april = PartialDate::parse("2022-04").expect("valid");
        assert_eq!(
            april.date,
            NaiveDate::from_ymd_opt(2022, 4, 1).expect("date")
        );
        assert_eq!(april.precision, DatePrecision::Month);
        assert_eq!(
            PartialDate::parse("2021").expect("valid").precision,
            DatePrecision::Year
        );
        assert_eq!(
            PartialDate::parse("2022-12-09").expect("valid").precision,
            DatePrecision::Day
        );
    }

    #[test]
    fn a_date_gives_back_its_text_and_the_last_day_of_its_period() {
        for (text, last) in [
            ("2022", "2022-12-31"),
            ("2024-02", "2024-02-29"),
            ("2022-04-12", "2022-04-12"),
            ("9999", "9999-12-31"),
        ] {
            let date = PartialDate::parse(text).expect("valid");
            assert_eq!(date.text(), text);
            assert_eq!(date.last_day().to_string(), last);
        }
    }

    #[test]
    fn impossible_or_malformed_dates_are_refused() {
        for bad in [
            "",
            "22",
            "2022-4",
            "2022-13",
            "2022-02-30",
            "2022/04",
            "April 2022",
            "0000",
            "0001-01-01",
            "0999-12",
            "99999",
            "-5",
            "2022-00",
            "2022-04-00",
            "2022-04-31",
            "+2022",
        ] {
            assert!(
                PartialDate::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn display_matches_the_publications_page() {
        let april = PartialDate::parse("2022-04").expect("valid");
        assert_eq!(
            PartialDate::display(april.date, april.precision),
            "April 2022"
        );
        let day = PartialDate::parse("2022-12-09").expect("valid");
        assert_eq!(
            PartialDate::display(day.date, day.precision),
            "9 December 2022"
        );
    }

    #[test]
    fn the_year_range_is_named_in_the_refusal() {
        let err = PartialDate::parse("0000").expect_err("year zero");
        assert!(err.0.contains("between 1000 and 9999"), "{}", err.0);
        assert!(PartialDate::parse("1000").is_ok());
        assert!(PartialDate::parse("9999-12-31").is_ok());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics_and_is_accepted_only_in_range(raw in "\\PC{0,16}") {
            if let Ok(parsed) = PartialDate::parse(&raw) {
                proptest::prop_assert!((PartialDate::MIN_YEAR..=PartialDate::MAX_YEAR).contains(&parsed.date.year()));
            }
        }

        #[test]
        fn date_shaped_text_is_accepted_exactly_when_it_names_a_real_date_in_range(
            year in 0u32..=10_000, month in 0u32..=13, day in 0u32..=32, precision in 0u8..3,
        ) {
            let raw = match precision {
                0 => format!("{year:04}"),
                1 => format!("{year:04}-{month:02}"),
                _ => format!("{year:04}-{month:02}-{day:02}"),
            };
            let (month_used, day_used) = match precision {
                0 => (1, 1),
                1 => (month, 1),
                _ => (month, day),
            };
            let year = i32::try_from(year).expect("small");
            let real = (PartialDate::MIN_YEAR..=PartialDate::MAX_YEAR).contains(&year)
                && NaiveDate::from_ymd_opt(year, month_used, day_used).is_some();
            match PartialDate::parse(&raw) {
                Ok(parsed) => {
                    proptest::prop_assert!(real, "{raw} was accepted");
                    proptest::prop_assert_eq!(parsed.date.year(), year);
                    proptest::prop_assert!((1..=12).contains(&parsed.date.month()));
                    proptest::prop_assert_eq!(parsed.date.month(), month_used);
                    proptest::prop_assert_eq!(parsed.date.day(), day_used);
                }
                Err(_) => proptest::prop_assert!(!real, "{raw} was refused"),
            }
        }
    }
}

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
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)?;
        Ok(Self { date, precision })
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
    fn impossible_or_malformed_dates_are_refused() {
        for bad in [
            "",
            "22",
            "2022-4",
            "2022-13",
            "2022-02-30",
            "2022/04",
            "April 2022",
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
}

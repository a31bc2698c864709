//! Scalars of our own.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike as _, NaiveDate};

/// A calendar date in ISO 8601 form, such as `2022-04-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    /// Accepts exactly `YYYY-MM-DD` naming a real day of years 0001 to 9999. A refusal carries
    /// `extensions.code` `BAD_USER_INPUT`: without a code, an error raised while the arguments
    /// of a field are read would reach the client as an internal error.
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(text) => parse_date(text).map(Date).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        };
        parsed.map_err(|err| err.with_extension("code", "BAD_USER_INPUT"))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// The date `text` names, or why it names none. Only the four-digit-year form: chrono alone
/// would also take `+12345-01-01`, which no database column of the catalogue holds.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(format!(
            "{text:?} is not a date of the form YYYY-MM-DD",
            text = truncated(text)
        ));
    }
    text.parse::<NaiveDate>()
        .ok()
        .filter(|date| date.year() >= 1)
        .ok_or_else(|| {
            format!("{text:?} is not a calendar date: the month must be 01 to 12 and the day must exist in that month")
        })
}

/// At most 40 characters of `text`, so that a refusal does not echo a whole request body.
fn truncated(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_dates_parse_and_impossible_ones_say_why() {
        assert_eq!(
            parse_date("2022-04-01").expect("valid"),
            NaiveDate::from_ymd_opt(2022, 4, 1).expect("date")
        );
        for (bad, reason) in [
            ("2022-13-01", "not a calendar date"),
            ("2022-02-30", "not a calendar date"),
            ("0000-01-01", "not a calendar date"),
            ("garbage", "not a date of the form YYYY-MM-DD"),
            ("+12345-01-01", "not a date of the form YYYY-MM-DD"),
            ("2022-4-1", "not a date of the form YYYY-MM-DD"),
        ] {
            let err = parse_date(bad).expect_err(bad);
            assert!(err.contains(reason), "{bad}: {err}");
        }
    }

    #[test]
    fn a_refusal_carries_the_bad_user_input_code() {
        let err =
            <Date as ScalarType>::parse(Value::String("2022-13-01".into())).expect_err("month 13");
        let server = err.into_server_error(async_graphql::Pos::default());
        let code = server
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        assert_eq!(code, Some(Value::String("BAD_USER_INPUT".into())));
        assert!(server.message.contains("2022-13-01"), "{}", server.message);

        let wrong_type =
            <Date as ScalarType>::parse(Value::Number(5.into())).expect_err("a number");
        assert!(
            wrong_type
                .into_server_error(async_graphql::Pos::default())
                .extensions
                .is_some_and(|extensions| extensions.get("code").is_some())
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics_and_what_is_accepted_is_a_real_date(
            raw in "[0-9]{4}-[0-9]{2}-[0-9]{2}|\\PC{0,60}",
        ) {
            if let Ok(date) = parse_date(&raw) {
                proptest::prop_assert!((1..=9999).contains(&date.year()));
                proptest::prop_assert_eq!(date.to_string(), raw);
            }
        }
    }
}

//! Scalars of our own, each described with its exact text form in the schema.
//!
//! `DateTime` and `JSON` replace async-graphql's built-in ones, whose descriptions speak of
//! Rust ("Implement the DateTime<Utc> scalar").

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, SecondsFormat, Utc};
use entity::publication::DatePrecision;

use crate::domain;
use crate::error::ErrorCode;

/// A publication date, known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate(pub domain::PartialDate);

impl PartialDate {
    /// The date a row stores (the first day of its period) with its precision.
    pub fn stored(date: chrono::NaiveDate, precision: Option<DatePrecision>) -> Self {
        Self(domain::PartialDate {
            date,
            precision: precision.unwrap_or(DatePrecision::Day),
        })
    }
}

/// A date known to the year, the month or the day, as ISO 8601 writes each: `"2022"`,
/// `"2022-04"` or `"2022-04-12"`, with a year from 1000 to 9999. A publication's date
/// comes back in the form it was entered in; as a range bound in a filter, `from` is the
/// first day of the period and `to` the last (`to: "2022"` includes 31 December 2022).
/// Any other text is refused with BAD_USER_INPUT.
#[Scalar(
    name = "PartialDate",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for PartialDate {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            // No form is longer than `YYYY-MM-DD`; a long text is not echoed back.
            Value::String(text) if text.len() > 40 => Err(InputValueError::custom(
                "not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
            )),
            Value::String(text) => domain::PartialDate::parse(text)
                .map(PartialDate)
                .map_err(|err| InputValueError::custom(err.to_string())),
            _ => Err(InputValueError::expected_type(value)),
        };
        // Without a code, an error raised while arguments are read reaches the client as
        // an internal error.
        parsed.map_err(|err| err.with_extension("code", ErrorCode::BadUserInput.as_str()))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.text())
    }
}

/// An instant, as RFC 3339 text in UTC with microseconds:
/// `"2024-05-01T09:30:00.123456+00:00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

/// An instant, as RFC 3339 text in UTC with microseconds, such as
/// `"2024-05-01T09:30:00.123456+00:00"`. JavaScript's `new Date(text)` reads it.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(text) => DateTime::parse_from_rfc3339(text)
                .map(|at| Timestamp(at.with_timezone(&Utc)))
                .map_err(|err| {
                    InputValueError::custom(format!("not an RFC 3339 date-time: {err}"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        };
        parsed.map_err(|err| err.with_extension("code", ErrorCode::BadUserInput.as_str()))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Micros, false))
    }
}

/// Any JSON value, given as is (not as a string holding JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value, written as is in the response (an object, not a string holding one).
/// `Publication.cslJson` is a CSL-JSON item, as citeproc-js, Zotero and Pandoc read it.
#[Scalar(
    name = "JSON",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259"
)]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value.into_json().map(Json).map_err(|err| {
            InputValueError::custom(err).with_extension("code", ErrorCode::BadUserInput.as_str())
        })
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

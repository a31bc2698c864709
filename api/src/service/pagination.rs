//! Page requests and keyset cursors.
//!
//! A cursor is the sort key of a row plus its id, tagged with the ordering that made it, and
//! encoded as URL-safe base64 of a small JSON document. Clients must treat it as opaque; the
//! server refuses one that it did not make or that was made for another ordering.
//!
//! A cursor comes back from the client, so it is checked whole before any SQL is built from
//! it: its size, the tag, and every value of its key against the kind of key its ordering
//! names. A tampered cursor is the client's `INVALID_CURSOR` naming `after` or `before`,
//! never an internal error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike as _, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;

/// The largest `first` or `last` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The one rule for a list's size argument: `value` within `range` (a connection's page may
/// be empty; a plain list asks for at least one), or BAD_USER_INPUT naming `argument`.
pub fn list_size(
    argument: &str,
    value: i32,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ApiError> {
    u64::try_from(value)
        .ok()
        .filter(|size| range.contains(size))
        .ok_or_else(|| {
            ApiError::bad_input(
                argument,
                format!(
                    "must be between {} and {}, got {value}",
                    range.start(),
                    range.end()
                ),
            )
        })
}
/// The page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The longest cursor accepted, in characters. A cursor holds at most a title (1,000
/// characters, up to 6 bytes each once escaped in JSON) and a few short keys, which base64
/// encodes in under 9,000 characters.
pub const MAX_CURSOR_LEN: usize = 16 * 1024;

/// What one value of a cursor's key must be, by the name of the field its ordering sorts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// A string (`title`, `name`).
    Text,
    /// An integer (`author_count`, `position`, `publication_count`, and the id that ends
    /// every list's key).
    Integer,
    /// `YYYY-MM-DD` of years 1 to 9999, or `null` for an undated row (`published_on`).
    OptionalDate,
    /// An RFC 3339 timestamp (`created_at`, `updated_at`).
    Timestamp,
    /// A finite number written as a string, or `null` (`relevance`).
    Score,
}

impl KeyKind {
    /// The kind of the field named `field` in an ordering tag. Every field that any list
    /// sorts on is here; a tag naming another field has no cursor that fits it.
    fn of_field(field: &str) -> Option<Self> {
        Some(match field {
            "title" | "name" => Self::Text,
            "author_count" | "position" | "publication_count" => Self::Integer,
            "published_on" => Self::OptionalDate,
            "created_at" | "updated_at" => Self::Timestamp,
            "relevance" => Self::Score,
            _ => return None,
        })
    }

    /// Why `value` is not of this kind, if it is not.
    fn check(self, value: &Value) -> Result<(), &'static str> {
        let fits = match (self, value) {
            (Self::Text, Value::String(_)) => true,
            (Self::Integer, value) => value.as_i64().is_some(),
            (Self::OptionalDate | Self::Score, Value::Null) => true,
            (Self::OptionalDate, Value::String(text)) => text
                .parse::<NaiveDate>()
                .is_ok_and(|date| (1..=9999).contains(&date.year())),
            (Self::Timestamp, Value::String(text)) => DateTime::parse_from_rfc3339(text).is_ok(),
            (Self::Score, Value::String(text)) => text.parse::<f64>().is_ok_and(f64::is_finite),
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(match self {
                Self::Text => "a sort key should be text",
                Self::Integer => "a position or id should be an integer",
                Self::OptionalDate => "a date should be a real YYYY-MM-DD date or null",
                Self::Timestamp => "a timestamp should be an RFC 3339 date and time",
                Self::Score => "a relevance should be a finite number or null",
            })
        }
    }
}

/// The kinds of the key values of a cursor tagged `ordering`, or `None` when the tag names a
/// field this module does not know. A list's tag is `<field>:<direction>,...|<digest>` (a
/// directory list's field is `<list>:name`), and its key ends on the row's integer id; the
/// author list of a publication is tagged `position` and its key is the position alone.
fn key_kinds(ordering: &str) -> Option<Vec<KeyKind>> {
    let Some((fields, _digest)) = ordering.split_once('|') else {
        return KeyKind::of_field(ordering).map(|kind| vec![kind]);
    };
    let mut kinds = fields
        .split(',')
        .map(|part| {
            let field = part
                .rsplit_once(':')
                .map_or(part, |(field, _direction)| field);
            KeyKind::of_field(field.rsplit(':').next().unwrap_or(field))
        })
        .collect::<Option<Vec<_>>>()?;
    kinds.push(KeyKind::Integer);
    Some(kinds)
}

/// Which way a page is read from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `first`: from the start of the ordering (or just after `after`).
    Forward,
    /// `last`: from the end of the ordering (or just before `before`).
    Backward,
}

/// A validated page request: a size, a direction and the cursors that bound it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    pub size: u64,
    pub direction: Direction,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

/// The position of a row in one ordering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The ordering the cursor was made for, such as `published_on:desc`.
    #[serde(rename = "o")]
    pub ordering: String,
    /// The row's sort key, then its id.
    #[serde(rename = "k")]
    pub key: Vec<Value>,
}

impl Cursor {
    pub fn new(ordering: &str, key: Vec<Value>) -> Self {
        Self {
            ordering: ordering.to_owned(),
            key,
        }
    }

    pub fn encode(&self) -> String {
        // Serialising plain strings and JSON values cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes `raw`, which must have been made for `ordering`.
    pub fn decode(argument: &'static str, raw: &str, ordering: &str) -> Result<Self, ApiError> {
        let invalid = |message: String| ApiError::InvalidCursor { argument, message };
        let not_ours = || {
            invalid(
                "not a cursor this server made; pass back an endCursor or startCursor unchanged"
                    .into(),
            )
        };
        let raw = raw.trim();
        if raw.len() > MAX_CURSOR_LEN {
            return Err(not_ours());
        }
        let cursor: Cursor = URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(not_ours)?;
        if cursor.ordering != ordering {
            return Err(invalid(
                "this cursor was made for another ordering or filter; start again without a cursor"
                    .into(),
            ));
        }
        let kinds = key_kinds(ordering).ok_or_else(not_ours)?;
        if cursor.key.len() != kinds.len() {
            return Err(invalid(format!(
                "not a cursor this server made: its key has {} values where this list's has {}",
                cursor.key.len(),
                kinds.len()
            )));
        }
        for (kind, value) in kinds.iter().zip(&cursor.key) {
            kind.check(value)
                .map_err(|why| invalid(format!("not a cursor this server made: {why}")))?;
        }
        Ok(cursor)
    }
}

impl PageRequest {
    /// Validates Relay's four pagination arguments against `ordering`.
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
        ordering: &str,
    ) -> Result<Self, ApiError> {
        let size = |argument: &str, value: i32| list_size(argument, value, 0..=MAX_PAGE_SIZE);
        let (size, direction) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input(
                    "last",
                    "pass either first or last, not both",
                ));
            }
            (Some(first), None) => (size("first", first)?, Direction::Forward),
            (None, Some(last)) => (size("last", last)?, Direction::Backward),
            (None, None) => (DEFAULT_PAGE_SIZE, Direction::Forward),
        };
        Ok(Self {
            size,
            direction,
            after: after
                .map(|raw| Cursor::decode("after", raw, ordering))
                .transpose()?,
            before: before
                .map(|raw| Cursor::decode("before", raw, ordering))
                .transpose()?,
        })
    }

    /// The first `n` rows.
    #[cfg(test)]
    pub fn first(n: u64) -> Self {
        Self {
            size: n,
            direction: Direction::Forward,
            after: None,
            before: None,
        }
    }
}

/// One page of rows in the requested order, with what lies on either side.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with one extra row (`size + 1`) in the direction of
    /// reading, which tells whether more rows lie beyond the page.
    pub fn from_overfetch(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let size = usize::try_from(request.size).unwrap_or(usize::MAX);
        let more = rows.len() > size;
        rows.truncate(size);
        match request.direction {
            Direction::Forward => Self {
                rows,
                has_previous_page: request.after.is_some(),
                has_next_page: more,
            },
            Direction::Backward => {
                rows.reverse();
                Self {
                    rows,
                    has_previous_page: more,
                    has_next_page: request.before.is_some(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ORDERING: &str = "published_on:desc|0123456789abcdef";

    fn encoded(ordering: &str, key: Value) -> String {
        URL_SAFE_NO_PAD.encode(json!({ "o": ordering, "k": key }).to_string())
    }

    #[test]
    fn a_cursor_survives_a_round_trip_and_looks_opaque() {
        let cursor = Cursor::new(ORDERING, vec![json!("2022-04-01"), json!(7)]);
        let encoded = cursor.encode();
        assert!(!encoded.contains("2022"), "{encoded}");
        assert_eq!(
            Cursor::decode("after", &encoded, ORDERING).expect("valid"),
            cursor
        );
    }

    #[test]
    fn garbage_and_foreign_cursors_are_refused_with_the_argument_named() {
        let err = Cursor::decode("after", "not a cursor!", ORDERING).expect_err("garbage");
        assert_eq!(err.code().as_str(), "INVALID_CURSOR");
        assert!(err.to_string().starts_with("after: not a cursor"), "{err}");

        let foreign =
            Cursor::new("title:asc|0123456789abcdef", vec![json!("A"), json!(1)]).encode();
        let err = Cursor::decode("before", &foreign, ORDERING).expect_err("other ordering");
        assert!(
            err.to_string()
                .contains("made for another ordering or filter"),
            "{err}"
        );
    }

    #[test]
    fn a_tampered_key_is_an_invalid_cursor_naming_the_argument() {
        for (key, why) in [
            (
                json!(["2022-04-01"]),
                "its key has 1 values where this list's has 2",
            ),
            (json!(["2022-04-01", 7, 8]), "its key has 3 values"),
            (json!([]), "its key has 0 values"),
            (json!(["2022-02-30", 7]), "a real YYYY-MM-DD date"),
            (json!(["2022-13-01", 7]), "a real YYYY-MM-DD date"),
            (json!(["+99999-01-01", 7]), "a real YYYY-MM-DD date"),
            (json!([2022, 7]), "a real YYYY-MM-DD date"),
            (json!([{ "a": 1 }, 7]), "a real YYYY-MM-DD date"),
            (json!(["2022-04-01", "7"]), "should be an integer"),
            (json!(["2022-04-01", 7.5]), "should be an integer"),
            (json!(["2022-04-01", 1e300]), "should be an integer"),
            (json!(["2022-04-01", null]), "should be an integer"),
        ] {
            let raw = encoded(ORDERING, key.clone());
            let err = Cursor::decode("before", &raw, ORDERING).expect_err("tampered");
            assert_eq!(err.code().as_str(), "INVALID_CURSOR", "{key}");
            let message = err.to_string();
            assert!(
                message.starts_with("before: not a cursor"),
                "{key}: {message}"
            );
            assert!(message.contains(why), "{key}: {message}");
        }
        let key = json!({ "k": "not a list" });
        let raw = URL_SAFE_NO_PAD.encode(json!({ "o": ORDERING, "k": key }).to_string());
        assert!(Cursor::decode("after", &raw, ORDERING).is_err());
    }

    #[test]
    fn each_kind_of_key_is_checked() {
        let tag = "relevance:desc,created_at:asc,author_count:desc,title:asc|f";
        let good = json!(["0.25", "2024-01-02T03:04:05+00:00", 3, "A", 9]);
        assert!(Cursor::decode("after", &encoded(tag, good), tag).is_ok());
        for bad in [
            json!(["NaN", "2024-01-02T03:04:05+00:00", 3, "A", 9]),
            json!(["0.25", "2024-01-02", 3, "A", 9]),
            json!(["0.25", "2024-01-02T03:04:05+00:00", "3", "A", 9]),
            json!(["0.25", "2024-01-02T03:04:05+00:00", 3, 1, 9]),
        ] {
            let err = Cursor::decode("after", &encoded(tag, bad.clone()), tag).expect_err("bad");
            assert_eq!(err.code().as_str(), "INVALID_CURSOR", "{bad}");
        }
        let directory = "authors:name:asc|f";
        assert!(Cursor::decode("after", &encoded(directory, json!(["Ada", 1])), directory).is_ok());
        assert!(Cursor::decode("after", &encoded(directory, json!([1, 1])), directory).is_err());
        let by_count = "topics:publication_count:desc|f";
        assert!(Cursor::decode("after", &encoded(by_count, json!([3, 1])), by_count).is_ok());
        assert!(Cursor::decode("after", &encoded(by_count, json!(["3", 1])), by_count).is_err());
        assert!(Cursor::decode("after", &encoded("position", json!([3])), "position").is_ok());
        assert!(Cursor::decode("after", &encoded("position", json!(["3"])), "position").is_err());
        let unknown = "colour:asc|f";
        assert!(Cursor::decode("after", &encoded(unknown, json!(["red", 1])), unknown).is_err());
    }

    #[test]
    fn an_overlong_cursor_is_refused_before_it_is_decoded() {
        let raw = "A".repeat(MAX_CURSOR_LEN + 1);
        let err = Cursor::decode("after", &raw, ORDERING).expect_err("too long");
        assert_eq!(err.code().as_str(), "INVALID_CURSOR");
    }

    fn scalar() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,20}".prop_map(Value::from),
            (1i32..=9999, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| { Value::from(format!("{y:04}-{m:02}-{d:02}")) }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn an_encoded_cursor_decodes_to_the_same_keys(
            date in proptest::option::of((1i32..=9999, 1u32..=12, 1u32..=28)),
            id in proptest::prelude::any::<i64>(),
        ) {
            let date = date.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
            let cursor = Cursor::new(ORDERING, vec![json!(date), json!(id)]);
            let decoded = Cursor::decode("after", &cursor.encode(), ORDERING).expect("our own cursor");
            proptest::prop_assert_eq!(decoded, cursor);
        }

        #[test]
        fn arbitrary_text_is_an_invalid_cursor_not_a_panic(raw in "\\PC{0,200}") {
            if let Err(err) = Cursor::decode("after", &raw, ORDERING) {
                proptest::prop_assert_eq!(err.code().as_str(), "INVALID_CURSOR");
            }
        }

        #[test]
        fn any_accepted_key_fits_its_ordering(
            key in proptest::collection::vec(scalar(), 0..4),
        ) {
            let raw = encoded(ORDERING, Value::Array(key));
            if let Ok(cursor) = Cursor::decode("after", &raw, ORDERING) {
                proptest::prop_assert_eq!(cursor.key.len(), 2);
                let date_fits = cursor.key[0].is_null()
                    || cursor.key[0].as_str().is_some_and(|d| d.parse::<NaiveDate>().is_ok());
                proptest::prop_assert!(date_fits);
                proptest::prop_assert!(cursor.key[1].as_i64().is_some());
            }
        }
    }

    #[test]
    fn page_sizes_are_bounded_and_default_to_twenty() {
        let default = PageRequest::parse(None, None, None, None, ORDERING).expect("valid");
        assert_eq!((default.size, default.direction), (20, Direction::Forward));
        let last = PageRequest::parse(None, None, Some(100), None, ORDERING).expect("valid");
        assert_eq!((last.size, last.direction), (100, Direction::Backward));
        for (first, last) in [
            (Some(101), None),
            (Some(-1), None),
            (None, Some(1000)),
            (Some(1), Some(1)),
        ] {
            let err =
                PageRequest::parse(first, None, last, None, ORDERING).expect_err("out of bounds");
            assert_eq!(err.code().as_str(), "BAD_USER_INPUT", "{err}");
        }
    }

    #[test]
    fn overfetching_one_row_tells_whether_more_follow() {
        let request = PageRequest::first(2);
        let page = Page::from_overfetch(vec![1, 2, 3], &request);
        assert_eq!(
            (page.rows, page.has_next_page, page.has_previous_page),
            (vec![1, 2], true, false)
        );

        let backward = PageRequest::parse(None, None, Some(2), None, ORDERING).expect("valid");
        let page = Page::from_overfetch(vec![9, 8, 7], &backward);
        assert_eq!(
            (page.rows, page.has_previous_page, page.has_next_page),
            (vec![8, 9], true, false)
        );
    }
}

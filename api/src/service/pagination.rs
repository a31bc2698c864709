//! Page requests and keyset cursors.
//!
//! A cursor is the sort key of a row plus its id, tagged with the ordering that made it, and
//! encoded as URL-safe base64 of a small JSON document. Clients must treat it as opaque; the
//! server refuses one that it did not make or that was made for another ordering.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;

/// The largest `first` or `last` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

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
        let cursor: Cursor = URL_SAFE_NO_PAD
            .decode(raw.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| invalid("not a cursor this server made; pass back an endCursor or startCursor unchanged".into()))?;
        if cursor.ordering != ordering {
            return Err(invalid(
                "this cursor was made for another ordering or filter; start again without a cursor"
                    .into(),
            ));
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
        let size = |argument: &str, value: i32| -> Result<u64, ApiError> {
            u64::try_from(value)
                .ok()
                .filter(|size| *size <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    ApiError::bad_input(
                        argument,
                        format!("must be between 0 and {MAX_PAGE_SIZE}, got {value}"),
                    )
                })
        };
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

    const ORDERING: &str = "published_on:desc";

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
        assert_eq!(err.code(), "INVALID_CURSOR");
        assert!(err.to_string().starts_with("after: not a cursor"), "{err}");

        let foreign = Cursor::new("title:asc", vec![json!("A"), json!(1)]).encode();
        let err = Cursor::decode("before", &foreign, ORDERING).expect_err("other ordering");
        assert!(
            err.to_string()
                .contains("made for another ordering or filter"),
            "{err}"
        );
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
            assert_eq!(err.code(), "BAD_USER_INPUT", "{err}");
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

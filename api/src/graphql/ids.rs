//! Opaque global ids for Relay's `Node` interface: URL-safe base64 of `Type:number`.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The types that implement `Node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Publication,
    Author,
    Venue,
    Topic,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            Self::Publication => "Publication",
            Self::Author => "Author",
            Self::Venue => "Venue",
            Self::Topic => "Topic",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Publication, Self::Author, Self::Venue, Self::Topic]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// A decoded global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalId {
    pub kind: NodeKind,
    pub id: i64,
}

impl GlobalId {
    pub fn new(kind: NodeKind, id: i64) -> Self {
        Self { kind, id }
    }

    pub fn encode(self) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind.name(), self.id)))
    }

    /// Decodes an id given as `argument`.
    pub fn decode(argument: &str, raw: &str) -> Result<Self, ApiError> {
        URL_SAFE_NO_PAD
            .decode(raw.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                let (kind, id) = text.split_once(':')?;
                Some(Self::new(NodeKind::from_name(kind)?, id.parse().ok()?))
            })
            .ok_or_else(|| {
                ApiError::bad_input(argument, format!("{raw:?} is not an id this server made"))
            })
    }

    /// Decodes an id that must name a `kind`.
    pub fn decode_as(argument: &str, raw: &str, kind: NodeKind) -> Result<i64, ApiError> {
        let id = Self::decode(argument, raw)?;
        if id.kind == kind {
            Ok(id.id)
        } else {
            Err(ApiError::bad_input(
                argument,
                format!(
                    "expected the id of a {}, got the id of a {}",
                    kind.name(),
                    id.kind.name()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_opaque() {
        let id = GlobalId::new(NodeKind::Venue, 42).encode();
        assert!(!id.0.contains("42"));
        assert_eq!(
            GlobalId::decode("id", &id.0).expect("valid"),
            GlobalId::new(NodeKind::Venue, 42)
        );
    }

    #[test]
    fn foreign_and_mistyped_ids_are_refused() {
        assert!(GlobalId::decode("id", "42").is_err());
        let author = GlobalId::new(NodeKind::Author, 1).encode();
        let err =
            GlobalId::decode_as("id", &author.0, NodeKind::Publication).expect_err("wrong type");
        assert!(
            err.to_string().contains("expected the id of a Publication"),
            "{err}"
        );
    }
}

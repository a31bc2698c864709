//! GraphQL service for research-publication catalogues.
//!
//! `startup` builds the application; `http` is the transport; `graphql` is the schema;
//! `service` holds the catalogue's operations over `entity`; `domain` holds the parsed
//! values that services accept.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod index;
pub mod live;
pub mod metrics;
pub mod service;
pub mod startup;
pub mod telemetry;

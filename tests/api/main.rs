//! End-to-end tests: the real server over HTTP, on Postgres and on SQLite.

mod bibtex;
mod browser;
mod catalogue_mutations;
mod cursors_and_dates;
mod edits;
mod entity_pages;
mod fault;
mod frontend;
mod graphql_over_http;
mod graphql_ws;
mod hostile;
mod http;
mod index_lifecycle;
mod leaks;
mod listing;
mod live;
mod metrics;
mod migrations;
mod mutations;
mod publications;
mod races;
mod reads;
mod relay;
mod schema;
mod seed;
mod semantics;

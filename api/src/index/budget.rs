//! A work budget for searches: the index work of one list runs on a thread of the blocking
//! pool with a deadline, and the parts of a query that can cost the most (typo and prefix
//! expansions, the walk over matching documents) check it as they go, so that a request built
//! to be expensive stops when its time is spent instead of holding a core.
//!
//! The deadline belongs to the thread doing the work ([`within`]): a query wrapped in
//! [`Budgeted`] that runs anywhere else (a cheap list on an async worker) never checks one.

use std::cell::Cell;
use std::time::Instant;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// How many documents a budgeted scorer walks between two looks at the clock.
const CHECK_EVERY: u32 = 1024;

/// The text of the error a search gets when its budget is spent.
pub const SPENT: &str = "the search needed more index work than one request may take";

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `work` on this thread with `deadline` for the budgeted queries it runs; an answer
/// cut short by the deadline is an error, never a partial list.
pub fn within<T>(
    deadline: Instant,
    work: impl FnOnce() -> tantivy::Result<T>,
) -> tantivy::Result<T> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            DEADLINE.with(|at| at.set(None));
        }
    }
    DEADLINE.with(|at| at.set(Some(deadline)));
    let _reset = Reset;
    let found = work()?;
    if spent() {
        return Err(spent_error());
    }
    Ok(found)
}

/// Whether this thread's deadline has passed (never, without one).
fn spent() -> bool {
    DEADLINE.with(|at| at.get().is_some_and(|at| Instant::now() >= at))
}

fn spent_error() -> tantivy::TantivyError {
    tantivy::TantivyError::InvalidArgument(SPENT.to_owned())
}

fn check() -> tantivy::Result<()> {
    if spent() { Err(spent_error()) } else { Ok(()) }
}

/// A query that stops when the thread's deadline passes: before it expands its terms
/// (building a scorer), and every [`CHECK_EVERY`] documents it walks.
#[derive(Debug)]
pub struct Budgeted(pub Box<dyn Query>);

impl Clone for Budgeted {
    fn clone(&self) -> Self {
        Self(self.0.box_clone())
    }
}

impl Query for Budgeted {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        check()?;
        Ok(Box::new(BudgetedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct BudgetedWeight(Box<dyn Weight>);

impl Weight for BudgetedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        check()?;
        Ok(Box::new(BudgetedScorer {
            inner: self.0.scorer(reader, boost)?,
            steps: 0,
            stopped: false,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// A scorer that ends early (and says so through the deadline) once its time is spent.
struct BudgetedScorer {
    inner: Box<dyn Scorer>,
    steps: u32,
    stopped: bool,
}

impl BudgetedScorer {
    fn out_of_time(&mut self) -> bool {
        self.steps = self.steps.wrapping_add(1);
        if self.steps.is_multiple_of(CHECK_EVERY) && spent() {
            self.stopped = true;
        }
        self.stopped
    }
}

impl DocSet for BudgetedScorer {
    fn advance(&mut self) -> DocId {
        if self.out_of_time() {
            return TERMINATED;
        }
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.out_of_time() {
            return TERMINATED;
        }
        self.inner.seek(target)
    }

    fn doc(&self) -> DocId {
        if self.stopped {
            TERMINATED
        } else {
            self.inner.doc()
        }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for BudgetedScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn work_past_its_deadline_is_an_error_and_the_deadline_ends_with_it() {
        let past = Instant::now()
            .checked_sub(Duration::from_millis(1))
            .unwrap_or_else(Instant::now);
        let spent_work = within(past, || Ok(1));
        assert!(
            matches!(&spent_work, Err(tantivy::TantivyError::InvalidArgument(m)) if m == SPENT),
            "{spent_work:?}"
        );
        // Outside `within`, nothing is budgeted.
        assert!(check().is_ok());
        let in_time = within(Instant::now() + Duration::from_secs(60), || Ok(2));
        assert_eq!(in_time.ok(), Some(2));
    }
}

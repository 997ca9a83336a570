//! The single writer of a store and its change feed.
//!
//! Every source pipeline commits through one [`Writer`] (it implements [`Sink`]). The writer
//! asks the engine for a [`ChangeSet`] only when the [`ChangeFeed`] has subscribers, so with
//! nobody listening the feed costs nothing; with listeners, each commit's changes are handed
//! to every subscriber, in commit order, on the writing thread, after the commit is durable,
//! as positions in the committed batch ([`Changes`]): no row is copied for the feed.

use crate::{Changes, Detail, Store};
use hark_record::{Batch, Checkpoint, Committed, Sink, SinkError, SourceId};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// A subscriber: called with each commit's changes. It runs on the writer's thread, so it
/// must be quick (count, or hand the set to a channel of its own).
pub type Subscriber = Arc<dyn Fn(&Changes<'_>) + Send + Sync>;

/// The list of subscribers to the changes commits make.
#[derive(Default)]
pub struct ChangeFeed {
    subscribers: RwLock<Vec<Subscriber>>,
    count: AtomicUsize,
}

impl ChangeFeed {
    /// Adds a subscriber; it sees the changes of every commit from now on.
    pub fn subscribe(&self, subscriber: Subscriber) {
        let mut list = self
            .subscribers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        list.push(subscriber);
        self.count.store(list.len(), Ordering::Release);
    }

    /// True when someone listens.
    pub fn has_subscribers(&self) -> bool {
        self.count.load(Ordering::Acquire) > 0
    }

    fn publish(&self, changes: &Changes<'_>) {
        let list = self
            .subscribers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for subscriber in list.iter() {
            subscriber(changes);
        }
    }
}

/// The one writer of a store: commits batches with their checkpoints and feeds the changes
/// to subscribers.
pub struct Writer<'s> {
    store: &'s dyn Store,
    feed: ChangeFeed,
}

impl<'s> Writer<'s> {
    /// A writer over `store`, with no subscribers.
    pub fn new(store: &'s dyn Store) -> Writer<'s> {
        Writer {
            store,
            feed: ChangeFeed::default(),
        }
    }

    /// The change feed, to subscribe to.
    pub fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// The store written to (for reads alongside).
    pub fn store(&self) -> &'s dyn Store {
        self.store
    }
}

impl Sink for Writer<'_> {
    fn commit(&self, batch: Batch) -> Result<Committed, SinkError> {
        let detail = if self.feed.has_subscribers() {
            Detail::Changes
        } else {
            Detail::Figures
        };
        let report = self.store.commit(&batch, detail)?;
        if let Some(set) = &report.changes {
            self.feed.publish(&Changes { batch: &batch, set });
        }
        Ok(report.committed)
    }

    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, SinkError> {
        Ok(self.store.checkpoint(source)?)
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, SinkError> {
        Ok(self.store.unfinished()?)
    }

    fn may_know_file_of(&self, bytes: u64) -> Result<bool, SinkError> {
        Ok(hark_record::sink::checkpoints_may_know_file_of(
            &self.store.checkpoints()?,
            bytes,
        ))
    }
}

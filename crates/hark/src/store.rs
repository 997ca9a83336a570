//! Finding and opening the store the user means: the embedded store in a directory, or a
//! ClickHouse cluster named by a `clickhouse://host:port[,host:port...]/db` URL.

use anyhow::Context;
use hark_record::{Checkpoint, RrKey, SourceId};
use hark_store::{
    Batch, CommitReport, Detail, NegativeQuery, NegativeRow, RdataQuery, Row, RrsetQuery, Store,
    StoreError, StoreStats,
};
use hark_store_clickhouse::{ClickHouseStore, Location};
use hark_store_embedded::EmbeddedStore;
use std::ops::ControlFlow;
use std::path::PathBuf;

/// The data directory: `--db`/`HARK_DB`, else `hark` under the user's data directory.
pub fn data_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let dirs = directories::ProjectDirs::from("", "", "hark")
        .context("no home directory to put the store in: pass --db DIR or set HARK_DB")?;
    Ok(dirs.data_dir().to_path_buf())
}

/// Which store: a directory (embedded) or a ClickHouse URL.
#[derive(Clone, Debug)]
pub enum Choice {
    /// The embedded store in this directory.
    Embedded(PathBuf),
    /// A ClickHouse cluster.
    ClickHouse(Location),
}

impl Choice {
    /// The store `--store` (or `--db`, which takes a URL too) names; a directory otherwise.
    pub fn of(store: Option<&str>, db: Option<PathBuf>) -> anyhow::Result<Choice> {
        let named = store
            .map(str::to_string)
            .or_else(|| db.as_ref().map(|p| p.to_string_lossy().into_owned()));
        match named {
            Some(url) if url.starts_with("clickhouse://") => Ok(Choice::ClickHouse(
                url.parse()
                    .with_context(|| format!("--store {}", redact(&url)))?,
            )),
            Some(dir) => Ok(Choice::Embedded(PathBuf::from(dir))),
            None => Ok(Choice::Embedded(data_dir(None)?)),
        }
    }

    /// Where to show the store in messages.
    pub fn describe(&self) -> String {
        match self {
            Choice::Embedded(dir) => dir.display().to_string(),
            Choice::ClickHouse(location) => location.url(),
        }
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match url.find("password=") {
        Some(at) => {
            let end = url[at..].find('&').map_or(url.len(), |e| at + e);
            format!("{}password=***{}", &url[..at], &url[end..])
        }
        None => url.to_string(),
    }
}

/// An open store of either engine.
pub enum Opened {
    /// The embedded store.
    Embedded(EmbeddedStore),
    /// A ClickHouse cluster.
    ClickHouse(ClickHouseStore),
}

/// Opens (creating when absent) the store `choice` names.
pub fn open_choice(choice: &Choice) -> anyhow::Result<Opened> {
    match choice {
        Choice::Embedded(dir) => open(dir).map(Opened::Embedded),
        Choice::ClickHouse(location) => ClickHouseStore::open(location)
            .map(Opened::ClickHouse)
            .with_context(|| format!("cannot open the store at {}", location.url())),
    }
}

/// Opens (creating when absent) the embedded store in `dir`.
pub fn open(dir: &std::path::Path) -> anyhow::Result<EmbeddedStore> {
    EmbeddedStore::open(dir).with_context(|| {
        format!(
            "cannot open the store in {} (is another hark using it?)",
            dir.display()
        )
    })
}

impl Opened {
    /// The engine as the trait.
    fn inner(&self) -> &dyn Store {
        match self {
            Opened::Embedded(store) => store,
            Opened::ClickHouse(store) => store,
        }
    }

    /// Moves new rows into tables (embedded); nothing to do on ClickHouse, whose commits are
    /// in its tables when they return.
    pub fn settle(&self) -> Result<(), StoreError> {
        match self {
            Opened::Embedded(store) => store.settle(),
            Opened::ClickHouse(_) => Ok(()),
        }
    }
}

impl Store for Opened {
    fn commit(&self, batch: &Batch, detail: Detail) -> Result<CommitReport, StoreError> {
        self.inner().commit(batch, detail)
    }

    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, StoreError> {
        self.inner().checkpoint(source)
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.inner().unfinished()
    }

    fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.inner().checkpoints()
    }

    fn rrset_after(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner().rrset_after(query, after, visit)
    }

    fn rdata_after(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner().rdata_after(query, after, visit)
    }

    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner().negatives(query, visit)
    }

    fn certs(
        &self,
        query: &hark_store::CertQuery,
        visit: &mut dyn FnMut(hark_store::CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner().certs(query, visit)
    }

    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        self.inner().scan(visit)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.inner().stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_clickhouse_and_paths_the_embedded_store() {
        assert!(matches!(
            Choice::of(Some("clickhouse://127.0.0.1:8123/hark"), None).unwrap(),
            Choice::ClickHouse(_)
        ));
        assert!(matches!(
            Choice::of(None, Some("clickhouse://127.0.0.1:8123/hark".into())).unwrap(),
            Choice::ClickHouse(_)
        ));
        assert!(matches!(
            Choice::of(None, Some("/tmp/x".into())).unwrap(),
            Choice::Embedded(_)
        ));
        assert!(Choice::of(Some("clickhouse://nohost/db"), None).is_err());
        assert_eq!(
            redact("clickhouse://h:1/db?user=a&password=s3&writer=w"),
            "clickhouse://h:1/db?user=a&password=***&writer=w"
        );
    }
}

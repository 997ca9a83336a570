//! Finding and opening the store the user means.

use anyhow::Context;
use hark_store_embedded::EmbeddedStore;
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

/// Opens (creating when absent) the embedded store in `dir`.
pub fn open(dir: &std::path::Path) -> anyhow::Result<EmbeddedStore> {
    EmbeddedStore::open(dir).with_context(|| {
        format!(
            "cannot open the store in {} (is another hark using it?)",
            dir.display()
        )
    })
}

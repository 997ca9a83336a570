//! One module per subcommand.

pub mod export;
pub mod import;
pub mod ingest;
pub mod lookup;
pub mod recon;
pub mod serve;
pub mod stats;

/// Hashes a file's content (BLAKE3), so the same content is recognised under any name.
pub fn content_hash(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_mmap(path)?;
    Ok(hasher.finalize().as_bytes().to_vec())
}

/// The note kept with an ingested file's hash: what it was called and when it went in.
pub fn file_note(path: &std::path::Path) -> String {
    format!(
        "{} at {}",
        path.display(),
        crate::times::format_time(crate::times::now())
    )
}

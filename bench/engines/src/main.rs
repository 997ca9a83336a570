//! Measures the two candidate engines of the embedded store on identical input.
//!
//! The input is what hark's own ingest pipeline makes of one capture (every section, as
//! `hark ingest --sections all` would). Each engine then gets, in a fresh directory:
//!
//! 1. a load of every row: fjall through hark's real [`EmbeddedStore::merge`] (its bulk path)
//!    and `settle()`; RocksDB through write batches (WAL off) of the same keys and values,
//!    written with the functions of [`hark_store_embedded::layout`], with a merge operator that
//!    applies the tally merge rule, then a flush of every column family;
//! 2. disk bytes: tables only (fjall `keyspaces/*/tables/*`, RocksDB `*.sst`) and the blocks
//!    allocated to the whole directory (as `du` counts them);
//! 3. rrset lookup latency over random exact owner names (a prefix scan of the reversed-name
//!    key, every row decoded), median and p99;
//! 4. a second load of the same rows, which merges into the rows already there (every tally
//!    count doubles), then the lookups again.
//!
//! Both engines get LZ4 on every level, 16 KiB data blocks and a 64 MiB block cache, as
//! `EmbeddedStore::open` configures fjall. Both engines' lookups must agree on the rows found
//! and on the sum of their counts; the run stops otherwise.

use anyhow::{anyhow, bail, ensure, Context, Result};
use hark_dns::name;
use hark_ingest::aggregate::SectionSet;
use hark_ingest::capture::CaptureReader;
use hark_ingest::pipeline::{ingest_capture, IngestOptions};
use hark_record::{Batch, Tally};
use hark_store::{NamePattern, Row, RrsetQuery, Store, TimeFence};
use hark_store_embedded::{layout, EmbeddedStore};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, DBCompressionType, MergeOperands, Options,
    ReadOptions, WriteBatch, WriteOptions, DB,
};
use std::ops::ControlFlow;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: hark-bench-engines CAPTURE [--dir DIR] [--runs 3] [--names 10000] \
                     [--seed 1] [--only fjall|rocksdb] [--keep]";

/// Command-line settings.
struct Args {
    capture: PathBuf,
    dir: PathBuf,
    runs: usize,
    names: usize,
    seed: u64,
    only: Option<String>,
    keep: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        capture: PathBuf::new(),
        dir: std::env::temp_dir().join("hark-bench-engines"),
        runs: 3,
        names: 10_000,
        seed: 1,
        only: None,
        keep: false,
    };
    let mut capture = None;
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = |flag: &str| {
            given
                .next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--dir" => args.dir = PathBuf::from(value("--dir")?),
            "--runs" => args.runs = value("--runs")?.parse().context("--runs")?,
            "--names" => args.names = value("--names")?.parse().context("--names")?,
            "--seed" => args.seed = value("--seed")?.parse().context("--seed")?,
            "--only" => args.only = Some(value("--only")?),
            "--keep" => args.keep = true,
            "-h" | "--help" => bail!("{USAGE}"),
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            path if capture.is_none() => capture = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument {extra:?}\n{USAGE}"),
        }
    }
    args.capture = capture.context(USAGE)?;
    ensure!(args.runs > 0, "--runs must be at least 1");
    Ok(args)
}

/// xorshift64*: reproducible picks from a seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }
}

/// Runs hark's ingest pipeline over the capture and keeps every batch it hands out.
fn ingest(capture: &Path) -> Result<Vec<Batch>> {
    let reader = CaptureReader::open(capture)
        .with_context(|| format!("cannot read {}", capture.display()))?;
    let options = IngestOptions {
        sections: SectionSet::ALL,
        ..IngestOptions::default()
    };
    let mut batches = Vec::new();
    ingest_capture::<std::convert::Infallible>(
        reader,
        &options,
        None,
        &mut |batch| {
            batches.push(batch);
            Ok(())
        },
        &mut |_| {},
    )
    .map_err(|err| anyhow!("ingesting {}: {err}", capture.display()))?;
    Ok(batches)
}

/// What one engine did in one run.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    load: Duration,
    table_bytes: u64,
    total_bytes: u64,
    lookup_median: Duration,
    lookup_p99: Duration,
    reload: Duration,
    reload_table_bytes: u64,
    reload_lookup_median: Duration,
    reload_lookup_p99: Duration,
}

/// What a pass of lookups found, to check that both engines agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Found {
    rows: u64,
    count_sum: u64,
}

/// One candidate engine.
trait Candidate {
    /// Folds every batch in, and ends with the data in tables.
    fn load(&self, batches: &[Batch]) -> Result<()>;
    /// Appends every row of the exact owner name `wire`, decoded.
    fn lookup(&self, wire: &[u8], rows: &mut Vec<Row>) -> Result<()>;
    /// True for the engine's table files (sorted runs), as opposed to journals and manifests.
    fn is_table(&self, path: &Path) -> bool;
}

/// fjall, through hark's own store.
struct Fjall(EmbeddedStore);

impl Candidate for Fjall {
    fn load(&self, batches: &[Batch]) -> Result<()> {
        for batch in batches {
            self.0.merge(batch)?;
        }
        self.0.settle()?;
        Ok(())
    }

    fn lookup(&self, wire: &[u8], rows: &mut Vec<Row>) -> Result<()> {
        let query = RrsetQuery {
            name: NamePattern::Exact(wire.to_vec()),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        self.0.rrset(&query, &mut |row| {
            rows.push(row);
            ControlFlow::Continue(())
        })?;
        Ok(())
    }

    fn is_table(&self, path: &Path) -> bool {
        path.parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == "tables")
    }
}

/// RocksDB, with hark's key layout in column families.
struct Rocks(DB);

const ROCKS_FAMILIES: [&str; 4] = ["rrset", "names", "rdata", "negative"];

/// The tally merge rule as a RocksDB merge operator (full and partial: it is associative).
fn merge_tallies(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &MergeOperands,
) -> Option<Vec<u8>> {
    let mut tally: Option<Tally> = match existing {
        Some(bytes) => Some(layout::decode_tally(bytes, "rocksdb").ok()?),
        None => None,
    };
    for operand in operands.iter() {
        let next = layout::decode_tally(operand, "rocksdb").ok()?;
        tally = Some(match tally {
            Some(t) => t.merged(&next),
            None => next,
        });
    }
    let mut out = Vec::with_capacity(24);
    layout::encode_tally(&tally?, &mut out);
    Some(out)
}

impl Rocks {
    fn open(dir: &Path) -> Result<Rocks> {
        let cache = Cache::new_lru_cache(64 * 1024 * 1024);
        let family = |name: &str| {
            let mut table = BlockBasedOptions::default();
            table.set_block_size(16 * 1024);
            table.set_block_cache(&cache);
            table.set_bloom_filter(10.0, false);
            let mut options = Options::default();
            options.set_compression_type(DBCompressionType::Lz4);
            options.set_block_based_table_factory(&table);
            if name == "rrset" || name == "negative" {
                options.set_merge_operator_associative("hark-tally", merge_tallies);
            }
            ColumnFamilyDescriptor::new(name, options)
        };
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.increase_parallelism(2);
        options.set_max_background_jobs(2);
        let db = DB::open_cf_descriptors(&options, dir, ROCKS_FAMILIES.map(family))
            .with_context(|| format!("cannot open RocksDB in {}", dir.display()))?;
        Ok(Rocks(db))
    }

    fn family(&self, name: &str) -> Result<&rocksdb::ColumnFamily> {
        self.0
            .cf_handle(name)
            .with_context(|| format!("no column family {name}"))
    }
}

impl Candidate for Rocks {
    fn load(&self, batches: &[Batch]) -> Result<()> {
        let [rrset, names, rdata, negative] = ROCKS_FAMILIES.map(|name| self.family(name));
        let (rrset, names, rdata, negative) = (rrset?, names?, rdata?, negative?);
        // Like fjall's bulk path, which writes tables directly, the load skips the journal.
        let mut options = WriteOptions::default();
        options.disable_wal(true);
        let (mut key, mut value) = (Vec::with_capacity(128), Vec::with_capacity(32));
        for batch in batches {
            for chunk in batch.rows.chunks(10_000) {
                let mut write = WriteBatch::default();
                for (row_key, tally) in chunk {
                    let parts = row_key.parts();
                    key.clear();
                    layout::rrset_key(&parts, &mut key);
                    value.clear();
                    layout::encode_tally(tally, &mut value);
                    write.merge_cf(rrset, &key, &value);
                    // Index entries are blind writes: RocksDB needs no read to know a row is new.
                    key.clear();
                    layout::rdata_key(&parts, &mut key);
                    write.put_cf(rdata, &key, []);
                    key.clear();
                    name::forward_key(parts.rrname, &mut key);
                    write.put_cf(names, &key, []);
                }
                self.0.write_opt(write, &options)?;
            }
            for chunk in batch.negatives.chunks(10_000) {
                let mut write = WriteBatch::default();
                for (negative_key, tally) in chunk {
                    key.clear();
                    layout::negative_key(negative_key, &mut key);
                    value.clear();
                    layout::encode_tally(tally, &mut value);
                    write.merge_cf(negative, &key, &value);
                }
                self.0.write_opt(write, &options)?;
            }
        }
        for family in [rrset, names, rdata, negative] {
            self.0.flush_cf(family)?;
        }
        Ok(())
    }

    fn lookup(&self, wire: &[u8], rows: &mut Vec<Row>) -> Result<()> {
        let mut prefix = Vec::with_capacity(wire.len() + 2);
        name::reversed_key(wire, &mut prefix);
        // The reversed key ends in 0x00: bumping that byte bounds the scan to this name.
        let mut end = prefix.clone();
        if let Some(last) = end.last_mut() {
            *last += 1;
        }
        let mut options = ReadOptions::default();
        options.set_iterate_upper_bound(end);
        let mut iter = self.0.raw_iterator_cf_opt(self.family("rrset")?, options);
        iter.seek(&prefix);
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            rows.push(Row {
                key: layout::decode_rrset_key(key)?,
                tally: layout::decode_tally(value, "rrset")?,
            });
            iter.next();
        }
        iter.status()?;
        Ok(())
    }

    fn is_table(&self, path: &Path) -> bool {
        path.extension().is_some_and(|ext| ext == "sst")
    }
}

/// Bytes under `dir`: (length of the table files, disk blocks allocated to every file).
///
/// The total counts allocated blocks, as `du` does, because fjall's journal is a sparse file
/// whose length (64 MiB) is mostly holes.
fn disk_bytes(dir: &Path, is_table: &dyn Fn(&Path) -> bool) -> Result<(u64, u64)> {
    let mut tables = 0;
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                total += meta.blocks() * 512;
                if is_table(&entry.path()) {
                    tables += meta.len();
                }
            }
        }
    }
    Ok((tables, total))
}

/// Times one exact lookup per name; returns (median, p99) and what was found.
fn time_lookups(engine: &dyn Candidate, names: &[&[u8]]) -> Result<(Duration, Duration, Found)> {
    let mut latencies = Vec::with_capacity(names.len());
    let mut found = Found::default();
    let mut rows = Vec::new();
    for wire in names {
        rows.clear();
        let start = Instant::now();
        engine.lookup(wire, &mut rows)?;
        latencies.push(start.elapsed());
        ensure!(!rows.is_empty(), "a sampled name had no rows");
        found.rows += rows.len() as u64;
        found.count_sum += rows.iter().map(|row| row.tally.count).sum::<u64>();
    }
    latencies.sort_unstable();
    Ok((
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        found,
    ))
}

/// The nearest-rank percentile `p` of sorted values.
fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len().max(1)) - 1)
        .copied()
        .unwrap_or_default()
}

/// One engine, one run, in a fresh directory; returns the figures and what lookups found
/// after the first and the second load.
fn measure(
    engine_name: &str,
    dir: &Path,
    batches: &[Batch],
    names: &[&[u8]],
    keep: bool,
) -> Result<(Figures, [Found; 2])> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let engine: Box<dyn Candidate> = match engine_name {
        "fjall" => Box::new(Fjall(EmbeddedStore::open(dir)?)),
        "rocksdb" => Box::new(Rocks::open(dir)?),
        other => bail!("unknown engine {other:?}"),
    };
    let mut figures = Figures::default();
    let start = Instant::now();
    engine.load(batches)?;
    figures.load = start.elapsed();
    (figures.table_bytes, figures.total_bytes) = disk_bytes(dir, &|path| engine.is_table(path))?;
    let (median, p99, first) = time_lookups(engine.as_ref(), names)?;
    (figures.lookup_median, figures.lookup_p99) = (median, p99);

    let start = Instant::now();
    engine.load(batches)?;
    figures.reload = start.elapsed();
    figures.reload_table_bytes = disk_bytes(dir, &|path| engine.is_table(path))?.0;
    let (median, p99, second) = time_lookups(engine.as_ref(), names)?;
    (figures.reload_lookup_median, figures.reload_lookup_p99) = (median, p99);
    ensure!(
        second.rows == first.rows && second.count_sum == 2 * first.count_sum,
        "{engine_name}: the second load did not double every count ({first:?} then {second:?})"
    );
    drop(engine);
    if !keep {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    Ok((figures, [first, second]))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn print_header() {
    println!(
        "{:<8} {:>4} {:>8} {:>10} {:>10} {:>9} {:>9} {:>8} {:>10} {:>9} {:>9}",
        "engine",
        "run",
        "load s",
        "tables MiB",
        "total MiB",
        "median µs",
        "p99 µs",
        "reload s",
        "tables MiB",
        "median µs",
        "p99 µs"
    );
}

fn print_row(engine: &str, run: &str, f: &Figures) {
    println!(
        "{:<8} {:>4} {:>8.2} {:>10.2} {:>10.2} {:>9.1} {:>9.1} {:>8.2} {:>10.2} {:>9.1} {:>9.1}",
        engine,
        run,
        f.load.as_secs_f64(),
        mib(f.table_bytes),
        mib(f.total_bytes),
        micros(f.lookup_median),
        micros(f.lookup_p99),
        f.reload.as_secs_f64(),
        mib(f.reload_table_bytes),
        micros(f.reload_lookup_median),
        micros(f.reload_lookup_p99),
    );
}

/// The median of each figure on its own.
fn medians(runs: &[Figures]) -> Figures {
    fn of<T: Copy + Ord + Default>(runs: &[Figures], get: impl Fn(&Figures) -> T) -> T {
        let mut values: Vec<T> = runs.iter().map(get).collect();
        values.sort_unstable();
        percentile(&values, 50.0)
    }
    Figures {
        load: of(runs, |f| f.load),
        table_bytes: of(runs, |f| f.table_bytes),
        total_bytes: of(runs, |f| f.total_bytes),
        lookup_median: of(runs, |f| f.lookup_median),
        lookup_p99: of(runs, |f| f.lookup_p99),
        reload: of(runs, |f| f.reload),
        reload_table_bytes: of(runs, |f| f.reload_table_bytes),
        reload_lookup_median: of(runs, |f| f.reload_lookup_median),
        reload_lookup_p99: of(runs, |f| f.reload_lookup_p99),
    }
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let start = Instant::now();
    let batches = ingest(&args.capture)?;
    let rows: usize = batches.iter().map(|b| b.rows.len()).sum();
    let negatives: usize = batches.iter().map(|b| b.negatives.len()).sum();
    let mut owners: Vec<&[u8]> = batches
        .iter()
        .flat_map(|b| b.rows.iter().map(|(key, _)| key.parts().rrname))
        .collect();
    owners.sort_unstable();
    owners.dedup();
    ensure!(!owners.is_empty(), "{}: no rows", args.capture.display());
    println!(
        "input {}: {rows} rows, {negatives} negative rows, {} distinct owner names, {} batch(es) \
         (ingest {:.1} s)",
        args.capture.display(),
        owners.len(),
        batches.len(),
        start.elapsed().as_secs_f64()
    );
    let mut random = XorShift::new(args.seed);
    let names: Vec<&[u8]> = (0..args.names)
        .filter_map(|_| owners.get(random.below(owners.len())).copied())
        .collect();

    let engines: Vec<&str> = ["fjall", "rocksdb"]
        .into_iter()
        .filter(|e| args.only.as_deref().is_none_or(|only| only == *e))
        .collect();
    ensure!(!engines.is_empty(), "--only takes fjall or rocksdb");
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let mut results: Vec<(&str, Vec<Figures>)> = engines.iter().map(|e| (*e, Vec::new())).collect();
    let mut agreed: Option<[Found; 2]> = None;
    print_header();
    for run in 0..args.runs {
        // Alternate which engine goes first, so neither always gets the quieter machine.
        let mut order: Vec<usize> = (0..results.len()).collect();
        if run % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let Some((engine, figures)) = results.get_mut(i) else {
                continue;
            };
            let dir = args.dir.join(format!("{engine}-{run}"));
            let (f, found) = measure(engine, &dir, &batches, &names, args.keep)?;
            match agreed {
                None => agreed = Some(found),
                Some(expected) => ensure!(
                    expected == found,
                    "{engine} found {found:?}, another run found {expected:?}"
                ),
            }
            print_row(engine, &(run + 1).to_string(), &f);
            figures.push(f);
        }
    }
    println!();
    println!(
        "medians of {} run(s); lookups: {} random exact names, {} rows found",
        args.runs,
        names.len(),
        agreed.map_or(0, |[first, _]| first.rows)
    );
    print_header();
    for (engine, figures) in &results {
        print_row(engine, "med", &medians(figures));
    }
    Ok(())
}

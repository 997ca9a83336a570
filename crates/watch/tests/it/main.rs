//! Integration tests of hark-watch.

//! How many threads the async runtime runs on, set before it starts.
//!
//! The daemon is a few busy threads on a machine shared with the apps it runs: its work is
//! waiting on sockets, SQLite and the Docker engine, so more than a few runtime threads buy
//! nothing but their stacks and the allocator's per-thread arenas (glibc makes up to 8 per
//! CPU), resident memory that a large machine would otherwise pay per CPU. The proxy runs on
//! its own workers, one per CPU, and is not bounded by this.

/// Most threads the async runtime runs on, whatever the number of CPUs.
const MAX_RUNTIME_THREADS: usize = 4;

/// Threads for the async runtime: one per CPU, at most `MAX_RUNTIME_THREADS`.
pub(crate) fn runtime_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_RUNTIME_THREADS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_runs_on_a_few_threads() {
        let threads = runtime_threads();
        assert!((1..=MAX_RUNTIME_THREADS).contains(&threads), "{threads}");
    }
}

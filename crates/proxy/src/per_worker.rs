//! [`PerWorker`]: one value per proxy worker, each on its own cache line, for state that
//! every request writes (round-robin cursors, in-flight counts, idle connections). Workers
//! then never write a line another worker reads, as nginx's worker processes share nothing.
//! Which worker runs on a thread is kept here too (set by [`crate::workers`] as a worker
//! starts), so the nouns that hold per-worker state need nothing from the workers.

use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    /// The index of the worker running on this thread (0 on any other thread).
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

/// The index of the proxy worker on the current thread; 0 outside the workers.
pub(crate) fn current() -> usize {
    WORKER.get()
}

/// Record that the worker `index` runs on this thread.
pub(crate) fn set_current(index: usize) {
    WORKER.set(index);
}

/// One worker per CPU: the default number of proxy workers.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Keeps a value on cache lines of its own (128 bytes: adjacent-line prefetchers pull
/// pairs of 64-byte lines).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

/// One `T` per proxy worker.
#[derive(Debug)]
pub(crate) struct PerWorker<T>(Box<[Padded<T>]>);

impl<T: Default> PerWorker<T> {
    pub(crate) fn new() -> Self {
        // As many as the default number of workers; more workers share slots (still correct,
        // only no longer free of sharing).
        static SLOTS: OnceLock<usize> = OnceLock::new();
        let slots = *SLOTS.get_or_init(default_workers);
        PerWorker((0..slots.max(1)).map(|_| Padded::default()).collect())
    }
}

impl<T> PerWorker<T> {
    /// The value of the worker on this thread (the first one's outside the workers).
    pub(crate) fn local(&self) -> &T {
        self.get(self.local_index())
    }

    /// Where [`PerWorker::local`] is, to come back to the same value from elsewhere.
    pub(crate) fn local_index(&self) -> usize {
        current() % self.0.len()
    }

    /// The value at `index` (from [`PerWorker::local_index`]).
    pub(crate) fn get(&self, index: usize) -> &T {
        &self.0[index % self.0.len()].0
    }

    /// Every worker's value.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|p| &p.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn slots_are_apart_and_local_is_one_of_them() {
        let counts: PerWorker<AtomicUsize> = PerWorker::new();
        counts.local().fetch_add(2, Ordering::Relaxed);
        assert_eq!(
            counts
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .sum::<usize>(),
            2
        );
        assert!(std::mem::size_of::<Padded<AtomicUsize>>() >= 128);
    }
}

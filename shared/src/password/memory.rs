//! argon2id's working memory (19 MiB by default), kept between hashes.
//!
//! Allocating it per hash leaves RSS to the allocator: glibc raises its mmap
//! threshold after the first free of a big block, so later blocks come from
//! per-thread arenas that keep them, and a login function grew to 3 × 19 MiB.
//! Reusing one buffer per concurrent hash keeps a function at one buffer (a
//! Lambda serves one event at a time) and skips 19 MiB of page faults per login.

use std::sync::Mutex;

use argon2::Block;

#[derive(Debug)]
pub(super) struct BlockPool {
    free: Mutex<Vec<Vec<Block>>>,
    /// Buffers handed out now, and the most ever handed out at once.
    #[cfg(test)]
    in_use: Mutex<(usize, usize)>,
    /// Buffers of this many blocks (the configured cost) are kept for reuse;
    /// bigger ones, for hashes stored with a higher cost, are dropped after use.
    blocks: usize,
    keep: usize,
}

impl BlockPool {
    pub(super) fn new(blocks: usize, keep: usize) -> Self {
        Self {
            free: Mutex::new(Vec::new()),
            #[cfg(test)]
            in_use: Mutex::new((0, 0)),
            blocks,
            keep,
        }
    }

    /// Runs `f` with at least `needed` blocks of scratch memory.
    pub(super) fn with<R>(&self, needed: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        let mut memory = self.lock().pop().unwrap_or_default();
        if memory.len() < needed {
            memory.resize(needed, Block::default());
        }
        #[cfg(test)]
        {
            let mut in_use = self.in_use.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            in_use.0 += 1;
            in_use.1 = in_use.1.max(in_use.0);
        }
        let result = f(&mut memory);
        #[cfg(test)]
        {
            self.in_use.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0 -= 1;
        }
        if memory.len() == self.blocks {
            let mut free = self.lock();
            if free.len() < self.keep {
                free.push(memory);
            }
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        // The lock is never held across user code, so poisoning carries no broken state.
        self.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    pub(super) fn kept(&self) -> usize {
        self.lock().len()
    }

    /// The most buffers that were ever in use at once.
    #[cfg(test)]
    pub(super) fn peak_in_use(&self) -> usize {
        self.in_use.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1
    }

    #[cfg(test)]
    pub(super) fn keep(&self) -> usize {
        self.keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_instead_of_allocated_again() {
        let pool = BlockPool::new(8, 2);
        let first = pool.with(8, |m| m.as_ptr() as usize);
        let second = pool.with(8, |m| m.as_ptr() as usize);
        assert_eq!(first, second);
        assert_eq!(pool.kept(), 1);
    }

    #[test]
    fn no_more_than_keep_buffers_are_kept() {
        let pool = BlockPool::new(4, 1);
        pool.with(4, |_| pool.with(4, |_| ()));
        assert_eq!(pool.kept(), 1);
    }

    #[test]
    fn a_bigger_buffer_for_an_old_costlier_hash_is_not_kept() {
        let pool = BlockPool::new(4, 2);
        pool.with(16, |m| assert!(m.len() >= 16));
        assert_eq!(pool.kept(), 0);
    }
}

//! Builds the post-crash image of a `SimStorage` from a seed. Owns the crash choices and the
//! small PRNG behind them; deterministic, so a failing crash test replays from its seed.

use std::collections::BTreeMap;

use super::{DirOp, FileOp, Inode, InodeId};

/// Out of this many, how a crash treats one unsynced write: the first `KEEP` keep it, the next
/// `DROP` drop it, the rest tear it. Tears are common on purpose: they are what recovery must
/// tell apart from corruption.
const WRITE_FATES: u64 = 10;
const WRITE_FATE_KEEP: u64 = 4;
const WRITE_FATE_DROP: u64 = 3;

/// SplitMix64: tiny, fast, and good enough to pick crash fates. Not for anything secret.
#[derive(Clone, Debug)]
pub(crate) struct SimRng(u64);

impl SimRng {
    pub(crate) fn new(seed: u64) -> SimRng {
        SimRng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; the modulo bias is irrelevant at test sizes.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no values");
        self.next_u64() % n
    }
}

/// What a crash leaves: the surviving names and each reachable file's durable bytes.
pub(super) struct Image {
    pub(super) inodes: BTreeMap<InodeId, Inode>,
    pub(super) names: BTreeMap<String, InodeId>,
}

/// Directory changes first (each kept or reverted), then the files still reachable, in name
/// order so the same seed always draws the same fates.
pub(super) fn image(
    inodes: &BTreeMap<InodeId, Inode>,
    durable_names: &BTreeMap<String, InodeId>,
    pending_dir: &[DirOp],
    seed: u64,
) -> Image {
    let mut rng = SimRng::new(seed);
    let mut names = durable_names.clone();
    for op in pending_dir {
        if rng.below(2) == 0 {
            op.apply(&mut names);
        }
    }
    let mut survivors = BTreeMap::new();
    for id in names.values() {
        if survivors.contains_key(id) {
            continue;
        }
        let Some(inode) = inodes.get(id) else {
            continue;
        };
        let bytes = file_image(inode, &mut rng);
        let survivor = Inode {
            current: bytes.clone(),
            durable: bytes,
            pending: Vec::new(),
            reserved: 0,
        };
        survivors.insert(*id, survivor);
    }
    Image {
        inodes: survivors,
        names,
    }
}

/// The durable bytes plus each unsynced operation kept, dropped or torn.
fn file_image(inode: &Inode, rng: &mut SimRng) -> Vec<u8> {
    let mut bytes = inode.durable.clone();
    for op in &inode.pending {
        let fate = rng.below(WRITE_FATES);
        if fate < WRITE_FATE_KEEP {
            op.apply(&mut bytes);
        } else if fate < WRITE_FATE_KEEP + WRITE_FATE_DROP {
            continue;
        } else if let FileOp::Write { offset, data } = op {
            let torn = tear(data, rng);
            FileOp::Write {
                offset: *offset,
                data: torn,
            }
            .apply(&mut bytes);
        }
        // A torn truncate is a dropped one: the length either changed or it did not.
    }
    bytes
}

/// A real prefix (possibly empty, never the whole write) followed by garbage (possibly none),
/// no longer than the write itself.
fn tear(data: &[u8], rng: &mut SimRng) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let len = data.len() as u64;
    let prefix = rng.below(len) as usize;
    let garbage = rng.below(len - prefix as u64 + 1) as usize;
    let mut torn = data[..prefix].to_vec();
    torn.extend((0..garbage).map(|_| rng.next_u64() as u8));
    torn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_per_seed() {
        let draw = |seed| {
            let mut rng = SimRng::new(seed);
            (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn tears_keep_a_real_prefix_and_never_grow() {
        let data: Vec<u8> = (0..100).collect();
        let mut rng = SimRng::new(1);
        let mut saw_short = false;
        for _ in 0..200 {
            let torn = tear(&data, &mut rng);
            assert!(torn.len() <= data.len());
            saw_short |= torn.len() < data.len();
        }
        assert!(saw_short);
    }
}

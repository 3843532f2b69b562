//! One sort for the whole console. The standard library's sorts are generic: every element type
//! and every comparator compiles its own copy of the sort (about 2-3 KB of wasm each, and the
//! console had sixteen). Here the sort runs once, on indices, through a `dyn` comparator, and a
//! small generic step moves the elements into place (docs/performance.md §5). The order is
//! stable: equal elements keep their order.

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, stably.
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    // Most calls (a row's problem codes, one Region) have nothing to order: no index vector.
    if v.len() < 2 {
        return;
    }
    let order = order_of(v.len(), &|a, b| cmp(&v[a], &v[b]));
    permute(v, order);
}

/// Sorts `v` in its natural order, stably.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` in the order `cmp` gives, ties by index (so the result is stable).
/// Not generic: the one compiled copy of the sort.
fn order_of(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    // With the index as the last key no two compare equal, so the unstable sort is exact.
    idx.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    idx
}

/// Puts the element at `order[k]` at position `k`, in place, following each cycle once.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            // `v[at]` now holds what was at `start`; `v[from]` is still untouched.
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_equal_elements_in_order() {
        let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        sort_by(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
        let mut empty: Vec<u8> = vec![];
        sort(&mut empty);
        assert!(empty.is_empty());
    }

    /// The same order as the standard library's stable sort, on 2,000 pseudo-random inputs of
    /// up to 200 elements with many ties.
    #[test]
    fn matches_the_standard_stable_sort() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for _ in 0..2000 {
            let len = next(200) as usize;
            let v: Vec<(u64, usize)> = (0..len).map(|i| (next(6), i)).collect();
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std_order = v;
            std_order.sort_by_key(|a| a.0);
            assert_eq!(ours, std_order);
        }
    }
}

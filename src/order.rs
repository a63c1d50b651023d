//! Orders of many items: a million ticket names or rows are sorted by
//! comparing sixteen-byte numbers and moving each item once, rather than
//! comparing strings and moving items at every step of a sort.
//!
//! Pure: no I/O.

use rayon::slice::ParallelSliceMut;

/// The first sixteen bytes of `text`, big-endian, zero-padded. When two
/// heads differ, the texts order as their heads do; when they tie, the
/// texts agree on their first sixteen bytes (a shorter one padded with
/// NULs), and what follows, or else the length, tells them apart.
pub fn head(text: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text[..n]);
    u128::from_be_bytes(bytes)
}

/// Sorts `items` by the text `name` gives each, in byte order (as `str`
/// orders): by heads first, on every core, then moving each item once.
/// Items whose names are equal keep no particular order.
pub fn sort_by_name<T: Sync>(items: &mut [T], name: impl Fn(&T) -> &str + Sync) {
    let mut keys: Vec<(u128, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (head(name(item).as_bytes()), i))
        .collect();
    let by_text = |a: &(u128, usize), b: &(u128, usize)| {
        a.0.cmp(&b.0)
            .then_with(|| name(&items[a.1]).cmp(name(&items[b.1])))
    };
    if keys.len() > 1 << 14 {
        keys.par_sort_unstable_by(by_text);
    } else {
        keys.sort_unstable_by(by_text);
    }
    permute(items, keys.into_iter().map(|(_, i)| i).collect());
}

/// Puts `items[order[k]]` at position `k`, for every `k`, in place (one
/// swap per item, following the permutation's cycles). `order` must be a
/// permutation of the positions.
pub fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn permute_puts_each_item_where_the_order_says(
            order in Just((0..40usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
            let mut permuted = items.clone();
            permute(&mut permuted, order.clone());
            let expected: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
            prop_assert_eq!(permuted, expected);
        }

        #[test]
        fn heads_that_differ_order_as_their_texts(
            a in "(T-[0-9A-Z]{10}|[a\\x00\u{e9}]{0,20})",
            b in "(T-[0-9A-Z]{10}|[a\\x00\u{e9}]{0,20})",
        ) {
            let (ha, hb) = (head(a.as_bytes()), head(b.as_bytes()));
            if ha != hb {
                prop_assert_eq!(ha.cmp(&hb), a.cmp(&b));
            } else {
                prop_assert_eq!(a.as_bytes().get(..16), b.as_bytes().get(..16));
            }
        }

        #[test]
        fn names_sort_as_their_texts(
            names in proptest::collection::vec("(T-[0-9A-Z]{10}\\.yaml|[ab\\x00]{0,18})", 0..200),
        ) {
            let mut sorted = names.clone();
            sort_by_name(&mut sorted, String::as_str);
            let mut expected = names;
            expected.sort();
            prop_assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn many_names_sort_on_every_core_as_their_texts() {
        let mut names: Vec<String> = (0..40_000u64)
            .map(|i| {
                format!(
                    "T-{:010}.yaml",
                    i.wrapping_mul(2_654_435_761) % 10_000_000_000
                )
            })
            .collect();
        names.push("T-0000000000.yaml.extra".into());
        names.push("T".into());
        let mut expected = names.clone();
        expected.sort();
        sort_by_name(&mut names, String::as_str);
        assert_eq!(names, expected);
    }
}

//! The `tkt` binary: parse arguments, run one command, map the outcome to an
//! exit code. Everything else lives in the library and the modules below.

mod cli;
mod commands;
mod render;

fn main() -> std::process::ExitCode {
    return_freed_memory_promptly();
    no_transparent_huge_pages();
    cli::main()
}

/// mimalloc's `purge_delay` option (`mi_option_purge_delay` in its v3
/// header; the Rust bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc 3 keeps freed memory for a second before returning it to the
/// system; a query over a million tickets frees about a hundred megabytes
/// of listing and sort buffers on the way (large blocks, not reused for
/// the small allocations that follow), so its peak was the sum of both.
/// Returned after 10 ms (mimalloc 2's default), the peak of `tkt sla` on a
/// million tickets falls by a sixth (306-324 to 262-267 MB), at no cost
/// measurable (docs/benchmarks.md). `MIMALLOC_PURGE_DELAY` still rules
/// when set.
fn return_freed_memory_promptly() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an option the allocator reads as it purges; no
        // memory is touched, and setting it at any time is allowed.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
    }
}

/// mimalloc asks Linux for transparent huge pages on the regions it maps
/// (`madvise`), and a fault in such a region makes the kernel clear 2 MB
/// at once; with freed memory returned after 10 ms (above), a region is
/// split and faulted in again many times over. `tkt sla` on a million
/// tickets spent a tenth of its CPU time clearing pages, and with huge
/// pages off for the process its system time falls by 0.3-0.5 s (of about
/// 3.3) and its peak by 15-20 MB (docs/benchmarks.md): small pages are
/// cleared only where written. `MIMALLOC_ALLOW_THP` still rules when set.
/// The setting passes to the processes tkt starts (`git`, a pager, an
/// editor): they run on small pages, as they do on the many systems that
/// turn huge pages off.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // prctl(2) reads its four arguments as unsigned longs.
        let (yes, unused): (libc::c_ulong, libc::c_ulong) = (1, 0);
        // SAFETY: sets a flag of this process's memory map; it takes no
        // pointer and changes nothing already mapped. Failure (an old
        // kernel) leaves huge pages on, as before.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, yes, unused, unused, unused) };
    }
}

/// malloc-heavy work (100,000 summaries decoded per listing) runs about a
/// quarter faster on mimalloc than on glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod tests {
    /// The option set is the purge delay: the only option of mimalloc 3
    /// whose default is 1000 (ms).
    #[test]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads an option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }

    /// Huge pages are off for the process once asked, as `main` asks.
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_turned_off_for_the_process() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        super::no_transparent_huge_pages();
        let unused: libc::c_ulong = 0;
        // SAFETY: reads a flag of this process.
        let disabled =
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, unused, unused, unused, unused) };
        assert_eq!(disabled, 1);
    }
}

//! Rendering on every core, writing in order on one thread: the rows of a file made in
//! pieces by the pool while the calling thread writes the pieces before them.

use rayon::prelude::*;

/// Renders `jobs` on every core, `at_once` at a time, and hands each result to `write` in
/// the jobs' order, on the calling thread. Stops at the first error. The next batch renders
/// while the calling thread writes the one before (a write waits on the kernel's copy, and
/// the cores would idle meanwhile): no more than two batches' results are held at a time.
pub(crate) fn in_order<J, T, E>(
    jobs: &[J],
    at_once: usize,
    render: impl Fn(&J) -> Result<T, E> + Sync,
    mut write: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E>
where
    J: Sync,
    T: Send,
    E: Send,
{
    let render_batch = |batch: &[J]| batch.par_iter().map(&render).collect::<Result<Vec<T>, E>>();
    let mut batches = jobs.chunks(at_once.max(1));
    let Some(first) = batches.next() else {
        return Ok(());
    };
    let mut ready = render_batch(first)?;
    for batch in batches {
        let mut next = None;
        // The write runs here, on the calling thread (it need not be `Send`); the render of
        // the next batch on the pool.
        let written = rayon::in_place_scope(|scope| {
            scope.spawn(|_| next = Some(render_batch(batch)));
            ready.drain(..).try_for_each(&mut write)
        });
        written?;
        let Some(next) = next else {
            unreachable!("a scope returns once its spawned render is done");
        };
        ready = next?;
    }
    ready.into_iter().try_for_each(&mut write)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every job's result is written once, in the jobs' order, whatever the batch size.
    #[test]
    fn writes_every_result_in_order() {
        let jobs: Vec<u32> = (0..103).collect();
        for at_once in [0, 1, 2, 7, 103, 500] {
            let mut out = Vec::new();
            let done: Result<(), ()> = in_order(
                &jobs,
                at_once,
                |&j| Ok(j * 2),
                |x| {
                    out.push(x);
                    Ok(())
                },
            );
            assert_eq!(done, Ok(()));
            assert_eq!(out, jobs.iter().map(|j| j * 2).collect::<Vec<_>>());
        }
    }

    /// A render error stops the writing before the failed batch; a write error stops it at
    /// once; both are returned.
    #[test]
    fn stops_at_the_first_error() {
        let jobs: Vec<u32> = (0..40).collect();
        let mut out = Vec::new();
        let done = in_order(
            &jobs,
            4,
            |&j| if j == 21 { Err(j) } else { Ok(j) },
            |x| {
                out.push(x);
                Ok(())
            },
        );
        assert_eq!(done, Err(21));
        assert_eq!(out, (0..20).collect::<Vec<_>>());
        let mut out = Vec::new();
        let done = in_order(
            &jobs,
            4,
            |&j| Ok(j),
            |x| {
                out.push(x);
                if x == 9 { Err(x + 100) } else { Ok(()) }
            },
        );
        assert_eq!(done, Err(109));
        assert_eq!(out, (0..10).collect::<Vec<_>>());
    }
}

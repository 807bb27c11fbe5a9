//! [`fit`]: validation, the deterministic fit sample, k-means++ through linfa-clustering,
//! the choice of k by silhouette, and the assignment of every learner.

use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_clustering::{KMeans, KMeansInit};
use linfa_nn::distance::L2Dist;
use ndarray::{Array2, ArrayView2};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use super::features::{ASPIRATION_WEIGHT, FeatureSpace};
use super::model::{
    FitOptions, KChoice, SegmentError, SegmentLearner, SegmentModel, SegmentOccupation,
};
use super::sample::sample;
use super::silhouette::mean_silhouette;
use crate::scoring::validate_requirements;
use crate::taxonomy::Taxonomy;

/// k-means++ restarts per k (the run with the lowest inertia is kept).
pub const KMEANS_RUNS: usize = 2;
/// A run stops when the centroids move less than this (Frobenius norm) in an iteration.
pub const KMEANS_TOLERANCE: f64 = 1e-4;
/// Salts of the two deterministic samples.
const SALT_FIT: u64 = 0x05ee_df17;
const SALT_SILHOUETTE: u64 = 0x05ee_d511;
/// Learners per block when assigning everybody to the nearest centroid.
const ASSIGN_BLOCK: usize = 4096;

type Model = KMeans<f64, L2Dist>;

/// Clusters all `learners` (see the [module docs](super) for the feature space, the
/// sample, k-means++ and the choice of k). The same learners (in any order), occupations
/// and options give the same model.
///
/// # Errors
/// [`SegmentError::NoLearners`]; [`SegmentError::KOutOfRange`] when k (or the smallest k
/// of a range) is below 2 or above the number of learners fitted on;
/// [`SegmentError::InvalidOptions`] for `max_fit_sample` or `max_iterations` 0, an empty
/// range, or `Auto` with `silhouette_sample < 2`; duplicate learner or occupation ids;
/// [`SegmentError::Scoring`] for an evidence level or a requirement outside the
/// MATCHING.md ranges.
pub fn fit(
    tax: &Taxonomy,
    learners: &[SegmentLearner],
    occupations: &[SegmentOccupation],
    opts: &FitOptions,
) -> Result<SegmentModel, SegmentError> {
    let order = validate(learners, occupations, opts)?;
    let n = learners.len();
    let ids: Vec<i64> = order.iter().map(|&p| learners[p].id).collect();
    let fit_rows = sample(&ids, opts.max_fit_sample, opts.seed, SALT_FIT);
    let fit_n = fit_rows.len();
    let ks: Vec<usize> = match opts.k {
        KChoice::Fixed(k) => {
            if k < 2 || k > n {
                return Err(SegmentError::KOutOfRange { k, max: n });
            }
            if k > fit_n {
                return Err(SegmentError::InvalidOptions(
                    "max_fit_sample must be at least k",
                ));
            }
            vec![k]
        }
        KChoice::Auto { min, max } => {
            if min > max {
                return Err(SegmentError::InvalidOptions(
                    "KChoice::Auto needs min <= max",
                ));
            }
            if opts.silhouette_sample < 2 {
                return Err(SegmentError::InvalidOptions(
                    "KChoice::Auto needs silhouette_sample >= 2",
                ));
            }
            if min < 2 || min > fit_n {
                return Err(SegmentError::KOutOfRange { k: min, max: fit_n });
            }
            (min..=max.min(fit_n)).collect()
        }
    };

    let space = FeatureSpace::new(tax, learners, occupations);
    let width = space.dims().max(1);
    let x = rows(
        tax,
        &space,
        width,
        fit_rows.iter().map(|&r| &learners[order[r]]),
    );
    let fit_ids: Vec<i64> = fit_rows.iter().map(|&r| ids[r]).collect();
    let sil_rows = sample(&fit_ids, opts.silhouette_sample, opts.seed, SALT_SILHOUETTE);
    let xs = x.select(ndarray::Axis(0), &sil_rows);

    let mut best: Option<(usize, Option<f64>, Model)> = None;
    let mut silhouettes = Vec::new();
    for &k in &ks {
        let model = kmeans(x.view(), k, opts)?;
        let sil = if xs.nrows() >= 2 {
            let labels = model.predict(&xs).to_vec();
            mean_silhouette(xs.view(), &labels, k)
        } else {
            None
        };
        if let Some(s) = sil {
            silhouettes.push((k, s));
        }
        let better = match &best {
            None => true,
            Some((_, b, _)) => sil.unwrap_or(f64::NEG_INFINITY) > b.unwrap_or(f64::NEG_INFINITY),
        };
        if better {
            best = Some((k, sil, model));
        }
    }
    let Some((k, silhouette, model)) = best else {
        return Err(SegmentError::KMeans("no k was fitted".into()));
    };

    // Every learner, in id order, to its nearest centroid.
    let mut labels: Vec<usize> = Vec::with_capacity(n);
    for block in order.chunks(ASSIGN_BLOCK) {
        let xb = rows(tax, &space, width, block.iter().map(|&p| &learners[p]));
        labels.extend(model.predict(&xb).iter().copied());
    }
    let relabel = by_size(&labels, k);
    let assignments = ids
        .iter()
        .zip(&labels)
        .map(|(&id, &l)| (id, relabel[l]))
        .collect();

    let method = describe(&space, opts, n, fit_n, xs.nrows(), k, silhouette);
    Ok(SegmentModel {
        k,
        k_choice: opts.k,
        silhouette,
        silhouettes,
        assignments,
        dims: space.dims(),
        fitted_on: fit_n,
        method,
    })
}

/// Checks the input; returns learner positions sorted by id.
fn validate(
    learners: &[SegmentLearner],
    occupations: &[SegmentOccupation],
    opts: &FitOptions,
) -> Result<Vec<usize>, SegmentError> {
    if learners.is_empty() {
        return Err(SegmentError::NoLearners);
    }
    if opts.max_fit_sample == 0 {
        return Err(SegmentError::InvalidOptions("max_fit_sample must be > 0"));
    }
    if opts.max_iterations == 0 {
        return Err(SegmentError::InvalidOptions("max_iterations must be > 0"));
    }
    let mut order: Vec<usize> = (0..learners.len()).collect();
    order.sort_unstable_by_key(|&p| learners[p].id);
    if let Some(w) = order
        .windows(2)
        .find(|w| learners[w[0]].id == learners[w[1]].id)
    {
        return Err(SegmentError::DuplicateLearner(learners[w[0]].id));
    }
    for l in learners {
        l.evidence.iter().try_for_each(|e| e.validate())?;
    }
    let mut occ: Vec<i64> = occupations.iter().map(|o| o.id).collect();
    occ.sort_unstable();
    if let Some(w) = occ.windows(2).find(|w| w[0] == w[1]) {
        return Err(SegmentError::DuplicateOccupation(w[0]));
    }
    for o in occupations {
        validate_requirements(&o.requirements)?;
    }
    Ok(order)
}

/// Dense feature rows of `learners`, in iteration order.
fn rows<'a>(
    tax: &Taxonomy,
    space: &FeatureSpace,
    width: usize,
    learners: impl ExactSizeIterator<Item = &'a SegmentLearner>,
) -> Array2<f64> {
    let mut x = Array2::zeros((learners.len(), width));
    let mut scratch = Vec::new();
    for (mut row, l) in x.rows_mut().into_iter().zip(learners) {
        let row = row
            .as_slice_mut()
            .expect("rows of a standard-layout array are contiguous");
        space.row(tax, l, &mut scratch, &mut row[..space.dims()]);
    }
    x
}

/// k-means++ with the seeded generator, [`KMEANS_RUNS`] runs.
fn kmeans(x: ArrayView2<'_, f64>, k: usize, opts: &FitOptions) -> Result<Model, SegmentError> {
    let rng = Xoshiro256Plus::seed_from_u64(opts.seed);
    KMeans::params_with_rng(k, rng)
        .n_runs(KMEANS_RUNS)
        .tolerance(KMEANS_TOLERANCE)
        .max_n_iterations(opts.max_iterations)
        .init_method(KMeansInit::KMeansPlusPlus)
        .fit(&DatasetBase::from(x))
        .map_err(|e| SegmentError::KMeans(e.to_string()))
}

/// New cluster index of each old one: the largest cluster first, ties by the smallest
/// learner id (labels are in id order, so the first occurrence), empty clusters last.
fn by_size(labels: &[usize], k: usize) -> Vec<u32> {
    let mut size = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, &l) in labels.iter().enumerate() {
        size[l] += 1;
        first[l] = first[l].min(i);
    }
    let mut old: Vec<usize> = (0..k).collect();
    old.sort_by_key(|&c| (std::cmp::Reverse(size[c]), first[c], c));
    let mut new = vec![0u32; k];
    for (i, &c) in old.iter().enumerate() {
        new[c] = i as u32;
    }
    new
}

fn describe(
    space: &FeatureSpace,
    opts: &FitOptions,
    n: usize,
    fit_n: usize,
    sil_n: usize,
    k: usize,
    silhouette: Option<f64>,
) -> String {
    let sample = if fit_n == n {
        format!("fitted on all {n} learners")
    } else {
        format!(
            "fitted on a deterministic sample of {fit_n} of {n} learners, then every learner assigned to its nearest centroid"
        )
    };
    let sil = silhouette.map_or_else(
        || "silhouette not computed".to_string(),
        |s| format!("mean silhouette {s:.3} on a deterministic sample of {sil_n} fitted learners"),
    );
    let k_text = match opts.k {
        KChoice::Fixed(_) => format!("k = {k} as asked; {sil}"),
        KChoice::Auto { min, max } => {
            format!("k = {k} chosen in {min}..={max} as the best {sil} (ties to the smaller k)")
        }
    };
    format!(
        "k-means++ (linfa-clustering, seed {seed}, best of {KMEANS_RUNS} runs, at most {it} iterations) in {dims} dimensions: {fam} skill families (per family the max over its skills of level/5 x confidence x idf; block L2-normalised) and {asp} aspired occupations (one-hot, block weight {ASPIRATION_WEIGHT}), rows L2-normalised; {sample}; {k_text}",
        seed = opts.seed,
        it = opts.max_iterations,
        dims = space.dims(),
        fam = space.family_dims,
        asp = space.aspiration_dims(),
    )
}

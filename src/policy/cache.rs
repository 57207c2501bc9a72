//! Verdicts kept between evaluations: an object evaluated against the same
//! policies and inventory is not evaluated again, so a revision that
//! changes one file of many costs one evaluation (what the daemon needs).

use std::collections::HashMap;
use std::sync::Arc;

use super::evaluate::evaluate;
use super::model::PolicySet;
use crate::manifest::{Diagnostic, Inventory, MultiClusterService, ObjectKey};

/// An object's verdict: the object as evaluated, and its refusals.
type Verdict = (Arc<MultiClusterService>, Vec<Diagnostic>);

/// What the last evaluations found, per object.
#[derive(Debug, Default)]
pub struct Verdicts {
    against: Option<(PolicySet, Option<Inventory>)>,
    objects: HashMap<(ObjectKey, String), Verdict>,
    /// How many objects the last call evaluated (the others were known).
    pub last_evaluated: usize,
}

impl Verdicts {
    /// Like [`evaluate`], evaluating only objects not seen as they are now
    /// against the same policies and inventory.
    pub fn evaluate(
        &mut self,
        set: &PolicySet,
        objects: &[Arc<MultiClusterService>],
        inventory: Option<&Inventory>,
    ) -> Vec<Diagnostic> {
        let against = (set.clone(), inventory.cloned());
        if self.against.as_ref() != Some(&against) {
            self.objects.clear();
            self.against = Some(against);
        }
        let id = |mcs: &MultiClusterService| (mcs.key.clone(), mcs.origin.file.clone());
        let fresh: Vec<Arc<MultiClusterService>> = objects
            .iter()
            .filter(|mcs| {
                !self
                    .objects
                    .get(&id(mcs))
                    .is_some_and(|(seen, _)| Arc::ptr_eq(seen, mcs) || **seen == ***mcs)
            })
            .cloned()
            .collect();
        let mut found: HashMap<(ObjectKey, String), Vec<Diagnostic>> = HashMap::new();
        for diagnostic in evaluate(set, &fresh, inventory) {
            let file = diagnostic.location.as_ref().map(|l| l.file.clone());
            if let (Some(key), Some(file)) = (diagnostic.object.clone(), file) {
                found.entry((key, file)).or_default().push(diagnostic);
            }
        }
        for mcs in &fresh {
            let refusals = found.remove(&id(mcs)).unwrap_or_default();
            self.objects.insert(id(mcs), (mcs.clone(), refusals));
        }
        let current: std::collections::HashSet<_> = objects.iter().map(|m| id(m)).collect();
        self.objects.retain(|k, _| current.contains(k));
        self.last_evaluated = fresh.len();
        objects
            .iter()
            .filter_map(|mcs| self.objects.get(&id(mcs)))
            .flat_map(|(_, refusals)| refusals.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Policy, RepoFile, load};
    use crate::policy::{PolicySource, read};

    fn objects(consumers: &[&str]) -> Vec<Arc<MultiClusterService>> {
        let files: Vec<RepoFile> = consumers
            .iter()
            .enumerate()
            .map(|(i, consumer)| {
                RepoFile::new(
                    format!("shop/s{i}.yaml"),
                    format!("apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: s{i}\n  namespace: shop\nspec:\n  types: [CrossCluster]\n  consumerClusters: [{{name: {consumer}}}]\n"),
                )
            })
            .collect();
        load(&files, &Policy::default()).objects
    }

    #[test]
    fn only_objects_not_judged_as_they_are_are_evaluated_again() {
        let policy = "apiVersion: mcs-gitops.io/v1alpha1\nkind: ExposurePolicy\nmetadata: {name: p}\nspec:\n  validations:\n    - expression: \"!('clusterd' in exposure.consumers)\"\n";
        let (set, problems) = read(&[("p.yaml".into(), policy.into())], PolicySource::Operator);
        assert!(problems.is_empty());
        let mut verdicts = Verdicts::default();
        let first = objects(&["clustera", "clusterd", "clusterb"]);
        assert_eq!(verdicts.evaluate(&set, &first, None).len(), 1);
        assert_eq!(verdicts.last_evaluated, 3);
        assert_eq!(verdicts.evaluate(&set, &first, None).len(), 1);
        assert_eq!(verdicts.last_evaluated, 0, "nothing changed");
        let mut second = first.clone();
        second[0] = objects(&["clusterd"])[0].clone();
        assert_eq!(verdicts.evaluate(&set, &second, None).len(), 2);
        assert_eq!(verdicts.last_evaluated, 1, "one object changed");
        assert_eq!(
            verdicts
                .evaluate(&PolicySet::default(), &second, None)
                .len(),
            0
        );
        assert_eq!(
            verdicts.last_evaluated, 3,
            "other policies: everything again"
        );
    }
}

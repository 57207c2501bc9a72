//! Evaluating policies over a revision's objects: every matching policy's
//! validations must be `true`. An expression that fails to evaluate, or
//! yields anything but a bool, refuses the object too (as a
//! ValidatingAdmissionPolicy with `failurePolicy: Fail` does).

use std::collections::BTreeSet;
use std::sync::Arc;

use cel::{Context, Env, Program, Value};

use super::exposure::{Exposure, clusters};
use super::model::{ExposurePolicy, PolicySet, PolicySource, Validation};
use super::program;
use crate::manifest::diagnostic::printable;
use crate::manifest::{Diagnostic, Inventory, MultiClusterService, Rule};

/// The diagnostics of every object a policy of `set` refuses.
pub fn evaluate(
    set: &PolicySet,
    objects: &[Arc<MultiClusterService>],
    inventory: Option<&Inventory>,
) -> Vec<Diagnostic> {
    if set.is_empty() || objects.is_empty() {
        return Vec::new();
    }
    program::on_large_stack(|| {
        let compiled = Compiled::new(set);
        // One root context: the standard library and `clusters`, built once;
        // each object gets a scope of its own on top.
        let mut root = Context::with_env(Arc::new(Env::stdlib()));
        root.add_variable_from_value(
            "clusters",
            cel::to_value(clusters(inventory)).expect("cluster labels convert"),
        );
        let known: Option<BTreeSet<String>> =
            inventory.map(|i| i.names().map(str::to_owned).collect());
        objects
            .iter()
            .flat_map(|mcs| compiled.refusals(mcs, known.as_ref(), &root))
            .collect()
    })
}

/// A validation with its program, or why it does not compile.
type CompiledRule<'a> = (&'a Validation, Result<Program, String>);

/// The policies with their programs, compiled once per evaluation, and
/// whether any program reads `object` (converting it costs more than the
/// rest of an evaluation).
struct Compiled<'a> {
    policies: Vec<(&'a ExposurePolicy, Vec<CompiledRule<'a>>)>,
    reads_object: bool,
}

impl<'a> Compiled<'a> {
    fn new(set: &'a PolicySet) -> Self {
        let policies = set
            .policies()
            .iter()
            .map(|policy| {
                let programs = policy
                    .validations
                    .iter()
                    .map(|v| (v, program::compile(&v.expression)))
                    .collect();
                (policy, programs)
            })
            .collect::<Vec<(&ExposurePolicy, Vec<CompiledRule<'_>>)>>();
        let reads_object = policies.iter().flat_map(|(_, rules)| rules).any(|(_, p)| {
            p.as_ref()
                .is_ok_and(|p| p.references().has_variable("object"))
        });
        Compiled {
            policies,
            reads_object,
        }
    }

    fn refusals(
        &self,
        mcs: &MultiClusterService,
        known: Option<&BTreeSet<String>>,
        root: &Context<'_, '_>,
    ) -> Vec<Diagnostic> {
        let matching: Vec<_> = self
            .policies
            .iter()
            .filter(|(p, _)| p.selector.matches(&mcs.key.namespace, &mcs.labels))
            .collect();
        if matching.is_empty() {
            return Vec::new();
        }
        let mut context = root.new_inner_scope();
        let exposure = Exposure::resolved(mcs, known);
        context.add_variable_from_value(
            "exposure",
            cel::to_value(&exposure).expect("an exposure converts"),
        );
        if self.reads_object {
            context.add_variable_from_value(
                "object",
                cel::to_value(mcs.to_manifest()).expect("a manifest converts"),
            );
        }
        let mut refusals = Vec::new();
        for (policy, programs) in matching {
            for (validation, program) in programs {
                let verdict = match program {
                    Ok(program) => verdict(program.execute(&context)),
                    Err(why) => Err(Some(format!("it does not compile: {why}"))),
                };
                if let Err(why) = verdict {
                    refusals.push(refusal(mcs, policy, validation, why));
                }
            }
        }
        refusals
    }
}

/// `Ok` when the expression held; else why not (`None`: it was false).
fn verdict(result: cel::ResolveResult) -> Result<(), Option<String>> {
    match result {
        Ok(Value::Bool(true)) => Ok(()),
        Ok(Value::Bool(false)) => Err(None),
        Ok(other) => Err(Some(format!(
            "it evaluated to a value of type {}, not a bool",
            other.type_of()
        ))),
        Err(error) => Err(Some(format!("it could not be evaluated: {error}"))),
    }
}

fn refusal(
    mcs: &MultiClusterService,
    policy: &ExposurePolicy,
    validation: &Validation,
    why: Option<String>,
) -> Diagnostic {
    let said = validation
        .message
        .clone()
        .unwrap_or_else(|| format!("failed expression: {}", validation.expression));
    let mut message = format!(
        "{} breaks {} policy \"{}\": {}",
        mcs.key,
        policy.source,
        policy.name,
        printable(&said)
    );
    if let Some(why) = why {
        message.push_str(&format!(" ({why})"));
    }
    let hint = match policy.source {
        PolicySource::Operator => {
            "operator policies are set with --policy; the repository cannot change them"
        }
        PolicySource::Repository => "the policy is in the repository's policies/ directory",
    };
    Diagnostic::error(Rule::ExposurePolicy, mcs.origin.clone(), message)
        .with_hint(hint)
        .for_object(&mcs.key)
        .with_related(
            validation.location.clone(),
            format!("the rule of policy \"{}\"", policy.name),
        )
}

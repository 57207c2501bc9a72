package main

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// aggregateClusterRoles fills the rules of aggregated ClusterRoles (admin,
// edit, view, ...) once. In a full cluster kube-controller-manager's
// clusterrole-aggregation controller does this continuously; the sandbox
// runs no controller-manager, and without this step binding a
// ServiceAccount to "view" would grant nothing. Roles are aggregated from
// roles that may themselves be aggregated, so it repeats until stable.
func aggregateClusterRoles(ctx context.Context, core kubernetes.Interface) error {
	api := core.RbacV1().ClusterRoles()
	for pass := 0; pass < 5; pass++ {
		list, err := api.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		changed := false
		for i := range list.Items {
			role := &list.Items[i]
			if role.AggregationRule == nil {
				continue
			}
			rules, err := aggregatedRules(role, list.Items)
			if err != nil {
				return err
			}
			if apiequality.Semantic.DeepEqual(rules, role.Rules) {
				continue
			}
			role.Rules = rules
			if _, err := api.Update(ctx, role, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("aggregating ClusterRole %s: %w", role.Name, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}

// aggregatedRules collects, without duplicates, the rules of every other
// ClusterRole matched by one of role's selectors.
func aggregatedRules(role *rbacv1.ClusterRole, all []rbacv1.ClusterRole) ([]rbacv1.PolicyRule, error) {
	var rules []rbacv1.PolicyRule
	for _, sel := range role.AggregationRule.ClusterRoleSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil {
			return nil, err
		}
		for i := range all {
			if all[i].Name == role.Name || !selector.Matches(labels.Set(all[i].Labels)) {
				continue
			}
			for _, rule := range all[i].Rules {
				if !containsRule(rules, rule) {
					rules = append(rules, rule)
				}
			}
		}
	}
	return rules, nil
}

func containsRule(rules []rbacv1.PolicyRule, rule rbacv1.PolicyRule) bool {
	for _, r := range rules {
		if apiequality.Semantic.DeepEqual(r, rule) {
			return true
		}
	}
	return false
}

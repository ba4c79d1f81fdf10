"""1.16 (policies through groups), 1.20 (a support role), 1.22 (no attached "*:*" customer policies).

1.16 moves rights without a gap: each user first joins a group with exactly the same policies, and only then
loses its own. 1.22 never detaches a policy that is the caller's own path to admin. One module per control;
importing this package registers their fixes.
"""

from actions.fixes.iam_policies.admin_policies import admin_policies_plan
from actions.fixes.iam_policies.policy_sets import group_name_for
from actions.fixes.iam_policies.support_role import support_role_plan
from actions.fixes.iam_policies.user_policies_to_groups import user_policies_to_groups_plan

__all__ = ["admin_policies_plan", "group_name_for", "support_role_plan", "user_policies_to_groups_plan"]

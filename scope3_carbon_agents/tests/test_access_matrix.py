# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.scope3_carbon.tests.test_access_matrix import TestAccessMatrix

# The agents add-on's part of the security policy (see scope3_carbon's test): findings and
# runs are read by every Carbon role, decided by managers; the decision log is for auditors;
# supplier data requests hold suppliers' submissions: managers and auditors only (portal
# suppliers read their own through record rules, tested in test_remediation).
AGENTS_ACCESS_POLICY = {
    "scope3.agent": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwc"},
    "scope3.agent.run": {"buyer": "", "user": "r", "auditor": "r", "manager": "r"},
    "scope3.agent.finding": {"buyer": "", "user": "r", "auditor": "r", "manager": "rw"},
    "scope3.agent.decision": {"buyer": "", "user": "", "auditor": "r", "manager": "r"},
    "scope3.supplier.data.request": {"buyer": "", "user": "", "auditor": "r", "manager": "rwc"},
    "scope3.agent.vendor.rank": {"buyer": "", "user": "r", "auditor": "r", "manager": "r"},
}


@tagged("post_install", "-at_install")
class TestAgentsAccessMatrix(TestAccessMatrix):
    _addon = "scope3_carbon_agents"
    allow_inherited_tests_method = True

    def _policy(self):
        return AGENTS_ACCESS_POLICY

    # the ledger checks belong to scope3_carbon's own run of the base class
    test_auditor_changes_nothing_on_the_ledger = None

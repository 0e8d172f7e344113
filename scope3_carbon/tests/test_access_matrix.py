# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may do what: the role x model x operation matrix, and supplier confidentiality."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import Scope3Common

# The security policy, written out (not read from the ACL files): for each model of the
# add-on, the operations (r)ead (w)rite (c)reate (u)nlink each role is granted.
# Roles: a plain purchase user without a Carbon group, Carbon User, Carbon Auditor (reads
# everything, changes nothing) and Carbon Manager. Models whose rows are written by code
# only (ledger, activities, outbox) grant no create/unlink to anyone.
ACCESS_POLICY = {
    "scope3.category": {"buyer": "r", "user": "r", "auditor": "r", "manager": "r"},
    "scope3.factor.set": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.factor": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.price.index": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.mapping.rule": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.activity": {"buyer": "", "user": "r", "auditor": "r", "manager": "r"},
    "scope3.emission.entry": {"buyer": "", "user": "r", "auditor": "r", "manager": "r"},
    "scope3.outbox.event": {"buyer": "", "user": "", "auditor": "r", "manager": "rw"},
    # suppliers' own data: managers and auditors only
    "scope3.supplier.footprint": {"buyer": "", "user": "", "auditor": "r", "manager": "rwcu"},
    # proposed by code, decided by managers; their lines are the shadow run's output
    "scope3.restatement": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.restatement.line": {"buyer": "", "user": "r", "auditor": "r", "manager": "r"},
    "scope3.transport.route": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    "scope3.transport.consolidation": {
        "buyer": "",
        "user": "r",
        "auditor": "r",
        "manager": "rwcu",
    },
    # data entry of activities without ERP transactions: managers (four-eyes approval)
    "scope3.manual.activity": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
    # the company's screening of the 15 categories, printed in the inventory
    "scope3.category.relevance": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwc"},
    # a transient report request (the figures are read from the ledger)
    "scope3.inventory.report.wizard": {
        "buyer": "",
        "user": "rwc",
        "auditor": "rwc",
        "manager": "rwc",
    },
    "scope3.factor.import.wizard": {"buyer": "", "user": "", "auditor": "", "manager": "rwcu"},
    # edition comparison before publishing (transient): Carbon Managers only
    "scope3.factor.set.comparison": {"buyer": "", "user": "", "auditor": "", "manager": "rwcu"},
    "scope3.factor.set.comparison.line": {
        "buyer": "",
        "user": "",
        "auditor": "",
        "manager": "rwcu",
    },
    # historical attribution runs: started by managers, progress visible to Carbon users
    "scope3.backfill": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwc"},
    # reconciliation sweeps and their findings: written by the cron only
    "scope3.reconciliation.run": {"buyer": "", "user": "", "auditor": "r", "manager": "r"},
    "scope3.reconciliation.line": {"buyer": "", "user": "", "auditor": "r", "manager": "r"},
    # the ledger's chain heads: moved by the sealer only (trigger), read by auditors
    "scope3.ledger.head": {"buyer": "", "user": "", "auditor": "r", "manager": "r"},
    # period closes: requested and approved by managers, append-only once done (trigger)
    "scope3.period.close": {"buyer": "", "user": "r", "auditor": "r", "manager": "rwcu"},
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}


@tagged("post_install", "-at_install")
class TestAccessMatrix(Scope3Common):
    _addon = "scope3_carbon"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roles = {
            "buyer": new_test_user(
                cls.env, login="s3m_buyer", groups="purchase.group_purchase_user"
            ),
            "user": new_test_user(
                cls.env,
                login="s3m_user",
                groups="purchase.group_purchase_user,scope3_carbon.group_scope3_user",
            ),
            "auditor": new_test_user(
                cls.env, login="s3m_auditor", groups="scope3_carbon.group_scope3_auditor"
            ),
            "manager": new_test_user(
                cls.env, login="s3m_manager", groups="scope3_carbon.group_scope3_manager"
            ),
        }

    def _policy(self):
        return ACCESS_POLICY

    def test_every_model_of_the_addon_is_in_the_policy(self):
        """A new model must be given a policy here before it ships."""
        own = {
            name
            for name, model in self.env.registry.items()
            if name.startswith("scope3.")
            and not model._abstract
            and model._original_module == self._addon
        }
        self.assertEqual(sorted(own - set(self._policy())), [])

    def test_role_model_operation_matrix(self):
        mismatches = []
        for model, grants in self._policy().items():
            for role, allowed in grants.items():
                Model = self.env[model].with_user(self.roles[role])
                for letter, operation in OPERATIONS.items():
                    granted = Model.has_access(operation)
                    if granted != (letter in allowed):
                        mismatches.append(f"{role} {operation} {model}: {granted}")
        self.assertEqual(mismatches, [])

    def test_auditor_changes_nothing_on_the_ledger(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order).with_user(self.roles["auditor"])
        # 10 x 1,000 USD of 2022, NAICS 331110 (EPA v1.3, with margins 0.787) = 7,870.000 kg
        self.assertEqual(entry.co2e_kg, 7870.0)
        self.assertTrue(entry.trace)
        # the ledger is append-only for everyone, auditors included
        with self.assertRaises(UserError):
            entry.write({"co2e_kg": 1.0})
        with self.assertRaises(AccessError):
            entry.unlink()
        with self.assertRaises(AccessError):
            entry.activity_id.write({"name": "changed"})
        with self.assertRaises(AccessError):
            self.env["scope3.mapping.rule"].with_user(self.roles["auditor"]).create(
                {"name": "x", "naics_code": "331110"}
            )


@tagged("post_install", "-at_install")
class TestSupplierConfidentiality(Scope3Common):
    """A supplier's footprint is confidential: a Carbon User sees the kg it gives, not the
    supplier's figures in the trace; an Auditor sees everything and changes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.widget = cls.env["product.product"].create(
            {
                "name": "Cast widget",
                "type": "consu",
                "uom_id": cls.kg.id,
                "uom_po_id": cls.kg.id,
                "scope3_naics_code": "331110",
            }
        )
        cls.footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": cls.widget.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "dqr": 1.5,
                "primary_data_share": 70.0,
                "verified": True,
                "valid_from": "2025-01-01",
            }
        )
        cls.footprint.action_accept()
        # a new order after the acceptance uses the footprint directly
        cls.order = cls.create_order([(cls.widget, 200, 3.0)], date="2025-06-02 10:00:00")
        cls.order.button_confirm()
        cls.run_attribution()
        cls.entry = cls.entries_of(cls.order)
        cls.auditor = new_test_user(
            cls.env, login="s3c_auditor", groups="scope3_carbon.group_scope3_auditor"
        )

    def test_supplier_specific_figure(self):
        # 200 kg x 1.85 kg CO2e/kg (the supplier's PCF) = 370.000 kg
        self.assertEqual((self.entry.resolution_level, self.entry.co2e_kg), ("supplier", 370.0))

    def test_carbon_user_sees_the_figure_not_the_suppliers_inputs(self):
        entry = self.entry.with_user(self.buyer)
        shown = entry.trace_pretty
        self.assertIn("confidential", shown)
        self.assertNotIn("1.85", shown)
        # received under confidentiality (the default), the figure would give the footprint
        # by division (200 kg): hidden too (test_confidentiality tries every route); the
        # trace writes figures as decimal strings ("370.000"), record ids as numbers (an id
        # may be 370)
        self.assertNotIn('"370', shown)
        self.assertEqual(entry.read(["co2e_kg"])[0]["co2e_kg"], False)
        self.footprint.is_confidential = False
        self.assertEqual(entry.read(["co2e_kg"])[0]["co2e_kg"], 370.0)
        self.assertIn('"co2e_kg": "370.000"', entry.trace_pretty)
        self.footprint.is_confidential = True
        with self.assertRaises(AccessError):
            entry.read(["trace"])
        with self.assertRaises(AccessError):
            entry.read(["factor_value"])
        with self.assertRaises(AccessError):
            self.footprint.with_user(self.buyer).read(["pcf_kg"])
        # the user can still have the trace verified: only the verdict is shown
        self.assertEqual(entry._scope3_verify(), {entry: []})

    def test_auditor_sees_everything_and_changes_nothing(self):
        entry = self.entry.with_user(self.auditor)
        self.assertIn('"value": "1.85"', entry.trace_pretty)
        self.assertEqual(entry.factor_value, 1.85)
        self.assertEqual(self.footprint.with_user(self.auditor).pcf_kg, 1.85)
        with self.assertRaises(AccessError):
            self.footprint.with_user(self.auditor).write({"pcf_kg": 1.0})
        with self.assertRaises(AccessError):
            self.footprint.with_user(self.auditor).action_reject()

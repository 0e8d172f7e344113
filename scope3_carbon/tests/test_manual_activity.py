# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestManualActivity(Scope3Common):
    """Manual activities of categories 7, 8, 13, 14, 15: evidence, four eyes, ledger.

    DESNZ 2025 25_315_3147_11_1 Rail > National rail 0.03546 kg CO2e per passenger.km.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        managers = "scope3_carbon.group_scope3_manager"
        cls.analyst = new_test_user(cls.env, login="s3_analyst", groups=managers)
        cls.approver = new_test_user(cls.env, login="s3_approver", groups=managers)
        cls.rail = cls.env.ref("scope3_carbon.scope3_factor_desnz_2025_25_315_3147_11_1")
        # uploaded by the analyst in the form (many2many_binary: not yet attached)
        cls.survey = (
            cls.env["ir.attachment"]
            .with_user(cls.analyst)
            .create(
                {
                    "name": "commuting-survey-2025.csv",
                    "raw": b"mode,km\nrail,50000\n",
                    "res_model": "scope3.manual.activity",
                }
            )
        )

    def new_activity(self, **values):
        form = Form(self.env["scope3.manual.activity"].with_user(self.analyst))
        form.name = "Employee commuting by rail, 2025 survey"
        form.category_id = self.env.ref("scope3_carbon.scope3_category_07")
        form.date = "2025-12-31"
        form.period_start = "2025-01-01"
        form.period_end = "2025-12-31"
        form.quantity = 50000
        form.uom_id = self.env.ref("scope3_carbon.uom_pkm")
        form.factor_id = self.rail
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_flow_submit_approve_post_cancel(self):
        record = self.new_activity()
        # no evidence: refused
        with self.assertRaisesRegex(UserError, "attach the evidence"):
            record.action_submit()
        record.with_user(self.analyst).evidence_ids = [Command.link(self.survey.id)]
        self.assertEqual((self.survey.res_model, self.survey.res_id), (record._name, record.id))
        record.action_submit()
        self.assertEqual((record.state, record.submitted_by_id), ("submitted", self.analyst))
        # the figure is frozen once submitted
        with self.assertRaises(UserError):
            record.quantity = 60000
        # the submitter cannot approve their own
        with self.assertRaisesRegex(UserError, "another Carbon Manager"):
            record.with_user(self.analyst).action_approve()
        # a Carbon User cannot approve at all
        with self.assertRaisesRegex(UserError, "Only a Carbon Manager"):
            record.with_user(self.buyer).action_approve()
        with self.assertRaises(AccessError):  # Carbon Users read manual activities only
            self.env["scope3.manual.activity"].with_user(self.buyer).create(
                {"name": "x", "category_id": record.category_id.id}
            )
        record.with_user(self.approver).action_approve()
        self.assertEqual(record.state, "approved")
        self.run_attribution()
        activity = record.activity_id
        entry = self.Entry.search([("activity_id", "=", activity.id)])
        # 50,000 passenger.km x 0.03546 = 1,773.000 kg CO2e, category 7, stage manual
        self.assertEqual(entry.co2e_kg, 1773.0)
        self.assertEqual(
            (entry.stage, entry.category_id.number, entry.resolution_level, entry.date),
            ("manual", 7, "manual", record.date),
        )
        self.assertEqual(
            (activity.source_type, activity.source_key),
            ("manual", f"scope3.manual.activity:{record.id}"),
        )
        self.assertEqual(record.co2e_kg, 1773.0)
        self.assertEqual(entry._scope3_verify()[entry], [])
        self.assertIn(self.survey.checksum, entry.trace)
        # cancelling the approved activity reverses it
        record.with_user(self.approver).action_cancel()
        self.run_attribution()
        entries = self.Entry.search([("activity_id", "=", activity.id)], order="id")
        self.assertEqual(entries.mapped("co2e_kg"), [1773.0, -1773.0])
        self.assertEqual(activity.state, "cancelled")

    def test_stated_figure(self):
        record = self.new_activity(
            name="Financed emissions of the equity portfolio",
            category_id=self.env.ref("scope3_carbon.scope3_category_15"),
            method="stated",
            stated_co2e_kg=12345.6785,
        )
        record.evidence_ids = [Command.link(self.survey.id)]
        with self.assertRaisesRegex(UserError, "calculation method"):
            record.action_submit()
        record.write(
            {
                "ghg_method": "average_data",
                "explanation": "PCAF listed equity: attribution factor x investee emissions",
            }
        )
        record.action_submit()
        record.with_user(self.approver).action_approve()
        self.run_attribution()
        entry = self.Entry.search([("activity_id", "=", record.activity_id.id)])
        # the stated 12,345.6785 kg, rounded half-up to the gram: 12,345.679
        self.assertEqual(entry.co2e_kg, 12345.679)
        self.assertEqual((entry.method, entry.category_id.number), ("average_data", 15))
        # stated figures: reliability 4 (not recomputable from a published factor)
        self.assertEqual(entry.dq_reliability, 4)
        self.assertEqual(entry._scope3_verify()[entry], [])

    def test_categories_restricted_and_unconvertible_unit_refused(self):
        record = self.new_activity(uom_id=self.env.ref("uom.product_uom_kgm"))
        record.evidence_ids = [Command.link(self.survey.id)]
        with self.assertRaisesRegex(UserError, "cannot be converted"):
            record.action_submit()
        categories = self.env["scope3.category"].search(
            self.env["scope3.manual.activity"]._fields["category_id"].domain
        )
        self.assertEqual(categories.mapped("number"), [7, 8, 13, 14, 15])

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestFrozenFactorUnit(Scope3Common):
    """The Odoo unit of a published factor whose unit text had none can be attached
    (module update after a new unit), nothing else of a frozen factor changes."""

    def test_unit_attached_to_frozen_factor(self):
        hotel = self.env.ref("scope3_carbon.scope3_factor_desnz_2025_29_600_4000_13_1")
        night = self.env.ref("scope3_carbon.uom_room_night")
        # frozen either way: the shipped 2025 set is superseded by the 2026 edition
        self.assertIn(hotel.set_id.state, ("published", "superseded"))
        self.assertEqual((hotel.uom_code, hotel.uom_id), ("room.night", night))
        # as in a database installed before the unit existed
        self.env.cr.execute("UPDATE scope3_factor SET uom_id = NULL WHERE id = %s", [hotel.id])
        hotel.invalidate_recordset(["uom_id"])
        hotel.write({"uom_id": night.id})  # what the data update of the module writes
        self.assertEqual(hotel.uom_id, night)
        with self.assertRaises(UserError):
            hotel.write({"uom_id": self.env.ref("uom.product_uom_unit").id})
        with self.assertRaises(UserError):
            hotel.write({"uom_id": False})
        with self.assertRaises(UserError):
            hotel.write({"value": 11.0})

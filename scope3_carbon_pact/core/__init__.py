# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain-Python PACT V3.0 helpers (no Odoo import): dates, decimals, query filters,
pagination links and the validation of received ProductFootprints."""

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import (
    res_company,
    scope3_product_footprint,
    scope3_pact_client,
    scope3_pact_token,
    scope3_pact_connection,
    scope3_pact_event,
    scope3_supplier_footprint,
)

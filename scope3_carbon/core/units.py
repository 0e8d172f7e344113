"""Normalised unit codes of the factor files and the Odoo units they correspond to.

Plain data (no Odoo import): the add-on's importer and scripts/generate_factor_data.py
both map a parsed factor's ``uom_code`` to the XML id of an Odoo unit of measure. Codes
without an Odoo unit here (vehicle.km, ``other:...``) keep their published unit
text only; such factors are not used for quantity conversions.
"""

UOM_XMLIDS = {
    "kwh": "scope3_carbon.uom_kwh",
    "mwh": "scope3_carbon.uom_mwh",
    "gj": "scope3_carbon.uom_gj",
    "litre": "uom.product_uom_litre",
    "m3": "uom.product_uom_cubic_meter",
    "kg": "uom.product_uom_kgm",
    "t": "uom.product_uom_ton",
    "km": "uom.product_uom_km",
    "mile": "uom.product_uom_mile",
    "t.km": "scope3_carbon.uom_tkm",
    "short_ton.mile": "scope3_carbon.uom_short_ton_mile",
    "passenger.km": "scope3_carbon.uom_pkm",
    "passenger.mile": "scope3_carbon.uom_passenger_mile",
    "room.night": "scope3_carbon.uom_room_night",
}

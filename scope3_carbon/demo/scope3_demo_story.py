# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data that tells a story: six months of a small manufacturer's purchasing.

Loaded by the add-on's ``post_init_hook`` when the database has demo data. Everything is
done through the same business methods a user triggers (confirming orders, validating
receipts and deliveries, posting bills), then the attribution cron's method runs, so the
ledger is what the product itself makes of these documents.

The company buys steel, aluminium, copper, cement, electronics, software and freight from
a dozen vendors, four of them in EUR; it receives most orders (one partially, with a
backorder, one with a return), is billed for the older ones, cancels one, and delivers
steel to two customers. Monthly bills without an order (grid electricity, waste
collection, business travel) count categories 3, 5 and 6, and invoiced industrial heaters
their use phase and end of life (categories 11 and 12). Vendors carry a transport
distance and mode, so receipts and deliveries also count their transport (categories 4
and 9).
"""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields

# name, city, country code, currency, transport km, transport mode
VENDORS = [
    ("Rhein Stahlwerk GmbH", "Duisburg", "DE", "EUR", 640.0, "sea"),
    ("Ciments du Nord SA", "Lille", "FR", "EUR", 720.0, "sea"),
    ("Elektronik Bauteile AG", "Munich", "DE", "EUR", 9300.0, "air"),
    ("Hanse Logistik GmbH", "Hamburg", "DE", "EUR", 0.0, False),
    ("Pacific Aluminum Inc.", "Portland", "US", "USD", 1020.0, "road"),
    ("Copperline Cable Co.", "Phoenix", "US", "USD", 1200.0, "road"),
    ("Silicon Valley Circuits", "San Jose", "US", "USD", 75.0, "van"),
    ("Bay Office Supplies", "Oakland", "US", "USD", 20.0, "van"),
]
# xml id of the vendor of the first demo records: distance and mode
EXISTING_VENDORS = {
    "scope3_carbon.res_partner_steel_demo": (3700.0, "rail"),
    "scope3_carbon.res_partner_cement_demo": (2300.0, "road"),
}
# name, NAICS code, unit price, weight (kg per unit), type
PRODUCTS = [
    ("Aluminium Extrusion Profile (100 kg)", "331318", 420.0, 100.0, "consu"),
    ("Copper Power Cable (drum 500 m)", "331420", 2600.0, 310.0, "consu"),
    ("Printed Circuit Board Assembly", "334418", 38.0, 0.2, "consu"),
    ("Laptop for Engineering", "334111", 1450.0, 2.1, "consu"),
    ("Office Paper (box of 5 reams)", "322121", 32.0, 12.5, "consu"),
    ("Structural Steel Plate (tonne)", "331110", 880.0, 1000.0, "consu"),
    ("Sea Freight Forwarding (container)", "483111", 2400.0, 0.0, "service"),
]
# months ago, day, vendor (VENDORS index or xml id), [(product, qty, price)], fate
# fate: received, partial (receive 60 %, backorder), billed (received and billed),
# returned (billed, then 10 % returned), cancelled, confirmed (nothing received yet)
ORDERS = [
    (5, 3, 0, [(5, 40, 760.0)], "billed"),
    (5, 12, "scope3_carbon.res_partner_steel_demo", [("steel", 30, 950.0)], "billed"),
    (5, 20, 4, [(0, 25, 420.0)], "billed"),
    (4, 2, 1, [("cement", 120, 118.0)], "billed"),
    (4, 9, 5, [(1, 6, 2600.0)], "returned"),
    (4, 18, 2, [(2, 800, 33.0)], "billed"),
    (4, 25, 6, [(2, 1200, 38.0), (3, 10, 1450.0)], "billed"),
    (3, 4, 3, [(6, 3, 2100.0)], "billed"),
    (3, 11, "scope3_carbon.res_partner_cement_demo", [("cement", 200, 140.0)], "billed"),
    (3, 19, 7, [(4, 60, 32.0)], "billed"),
    (3, 26, 0, [(5, 55, 770.0)], "received"),
    (2, 5, 4, [(0, 40, 425.0)], "received"),
    (2, 14, 5, [(1, 4, 2650.0)], "partial"),
    (2, 22, "scope3_carbon.res_partner_software_demo", [("software", 120, 120.0)], "billed"),
    (1, 3, 2, [(2, 1500, 32.5)], "received"),
    (1, 10, 6, [(3, 6, 1450.0)], "cancelled"),
    (1, 17, 1, [("cement", 150, 119.0)], "received"),
    (1, 24, "scope3_carbon.res_partner_steel_demo", [("steel", 20, 960.0)], "partial"),
    (0, 2, 4, [(0, 30, 430.0)], "confirmed"),
    (0, 5, 7, [(4, 40, 32.0)], "confirmed"),
]
EXISTING_PRODUCTS = {
    "steel": "scope3_carbon.product_steel_beam_demo",
    "cement": "scope3_carbon.product_cement_demo",
    "software": "scope3_carbon.product_software_demo",
}
# customers: name, city, distance km, mode; deliveries of structural steel plate
CUSTOMERS = [
    ("Westcoast Builders LLC", "Sacramento", 140.0, "road"),
    ("Nevada Rail Yards", "Reno", 350.0, "rail"),
]


def load_demo_story(env):
    """Create the story's partners, products and documents and attribute them."""
    env = env(user=env.ref("base.user_admin").id, context=dict(env.context, tracking_disable=True))
    company = env.company
    today = fields.Date.context_today(env["res.partner"])
    usd, eur = env.ref("base.USD"), env.ref("base.EUR")
    eur.active = True
    _ensure_rates(env, company, eur, today)
    vendors = _vendors(env, company, usd, eur)
    products = _products(env)
    orders = _orders(env, company, vendors, products, today)
    customers = _customers(env, company)
    _deliveries(env, customers, products[5], today)
    _overhead_bills(env, company, today)
    _sales(env, customers, today)
    _attribute(env)
    return orders


def _ensure_rates(env, company, eur, today):
    """One EUR rate a month back to the oldest order, when the month has none."""
    Rate = env["res.currency.rate"]
    for months in range(7, -1, -1):
        day = (today - relativedelta(months=months)).replace(day=1)
        if not Rate.search_count(
            [
                ("currency_id", "=", eur.id),
                ("name", "=", day),
                ("company_id", "in", [company.id, False]),
            ]
        ):
            Rate.create(
                {
                    "currency_id": eur.id,
                    "name": day,
                    "rate": 0.92 - 0.005 * months,
                    "company_id": company.id,
                }
            )


def _vendors(env, company, usd, eur):
    Partner = env["res.partner"].with_company(company)
    vendors = []
    for name, city, country, currency, km, mode in VENDORS:
        vendor = Partner.create(
            {
                "name": name,
                "is_company": True,
                "city": city,
                "country_id": env.ref(f"base.{country.lower()}").id,
                "property_purchase_currency_id": (eur if currency == "EUR" else usd).id,
                "scope3_transport_distance_km": km,
                "scope3_transport_mode": mode,
            }
        )
        vendors.append(vendor)
    for xmlid, (km, mode) in EXISTING_VENDORS.items():
        env.ref(xmlid).with_company(company).write(
            {"scope3_transport_distance_km": km, "scope3_transport_mode": mode}
        )
    return vendors


def _products(env):
    Product = env["product.product"]
    products = []
    for name, naics, price, weight, kind in PRODUCTS:
        products.append(
            Product.create(
                {
                    "name": name,
                    "type": kind,
                    "is_storable": kind == "consu",
                    "scope3_naics_code": naics,
                    "standard_price": price,
                    "weight": weight,
                    "purchase_method": "purchase",
                }
            )
        )
    return products


def _orders(env, company, vendors, products, today):
    orders = env["purchase.order"]
    fates = {}
    for months, day, vendor, lines, fate in ORDERS:
        partner = env.ref(vendor) if isinstance(vendor, str) else vendors[vendor]
        date = (today - relativedelta(months=months)).replace(day=day)
        if date > today:
            date = today
        order = env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "currency_id": (partner.property_purchase_currency_id or company.currency_id).id,
                "date_order": fields.Datetime.to_datetime(date).replace(hour=9),
                "order_line": [
                    Command.create(
                        {
                            "product_id": (
                                env.ref(EXISTING_PRODUCTS[product])
                                if isinstance(product, str)
                                else products[product]
                            ).id,
                            "product_qty": qty,
                            "price_unit": price,
                            "taxes_id": False,
                        }
                    )
                    for product, qty, price in lines
                ],
            }
        )
        orders |= order
        fates[order] = (fate, date)
    # as the weeks went by: confirmations, then receipts, then bills, then a return, each
    # step attributed before the next so the ledger shows the staged refinement
    orders.button_confirm()
    _attribute(env)
    for order, (fate, _date) in fates.items():
        if fate == "cancelled":
            order.button_cancel()
    for order, (fate, date) in fates.items():
        if fate not in ("cancelled", "confirmed"):
            received_on = min(date + relativedelta(days=6), today)
            _receive(env, order, 0.6 if fate == "partial" else 1.0, received_on)
    _attribute(env)
    for order, (fate, date) in fates.items():
        if fate in ("billed", "returned"):
            _bill(order, min(date + relativedelta(days=12), today))
    _attribute(env)
    for order, (fate, date) in fates.items():
        if fate == "returned":
            _return(env, order, 0.1, min(date + relativedelta(days=15), today))
    return orders


def _backdate(pickings, day):
    """The demo's history: transfers done on the story's dates, not today."""
    moment = fields.Datetime.to_datetime(day).replace(hour=11)
    pickings.write({"date_done": moment})
    pickings.move_ids.write({"date": moment})
    pickings.move_ids.move_line_ids.write({"date": moment})


def _receive(env, order, share, day):
    picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty * share
        move.picked = True
    # a partial receipt keeps the rest as a backorder, as the user's "Create Backorder" does
    picking.with_context(skip_backorder=True).button_validate()
    _backdate(picking, day)


def _bill(order, day):
    order.action_create_invoice()
    bill = order.invoice_ids.filtered(lambda m: m.state == "draft")
    bill.write({"invoice_date": day, "date": day})
    bill.action_post()


def _return(env, order, share, day):
    picking = order.picking_ids.filtered(lambda p: p.state == "done")[:1]
    wizard = (
        env["stock.return.picking"]
        .with_context(active_id=picking.id, active_model="stock.picking")
        .create({"picking_id": picking.id})
    )
    for line in wizard.product_return_moves:
        line.quantity = line.move_id.quantity * share
    action = wizard.action_create_returns()
    returned = env["stock.picking"].browse(action["res_id"])
    for move in returned.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    returned.button_validate()
    _backdate(returned, day)


def _customers(env, company):
    Partner = env["res.partner"].with_company(company)
    return [
        Partner.create(
            {
                "name": name,
                "is_company": True,
                "city": city,
                "country_id": env.ref("base.us").id,
                "scope3_transport_distance_km": km,
                "scope3_transport_mode": mode,
            }
        )
        for name, city, km, mode in CUSTOMERS
    ]


def _deliveries(env, customers, plate, today):
    """Two deliveries of steel plate from stock (category 9 transport)."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    for customer, tonnes, months in zip(customers, (12, 8), (2, 1), strict=True):
        picking = env["stock.picking"].create(
            {
                "partner_id": customer.id,
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": plate.name,
                            "product_id": plate.id,
                            "product_uom_qty": tonnes,
                            "product_uom": plate.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        _backdate(picking, min((today - relativedelta(months=months)).replace(day=20), today))


def _attribute(env):
    Event = env["scope3.outbox.event"]
    for _batch in range(100):
        if not Event._cron_process_events():
            break


def _desnz(env, key):
    return env.ref(f"scope3_carbon.scope3_factor_desnz_2025_{key}")


def _service(env, name, uom_xmlid, **values):
    uom = env.ref(uom_xmlid)
    return env["product.product"].create(
        dict(values, name=name, type="service", uom_id=uom.id, uom_po_id=uom.id)
    )


def _overhead_bills(env, company, today):
    """Monthly bills without a purchase order: electricity (category 3: well-to-tank and
    T&D losses of the kWh bought), waste collection (5) and business travel (6)."""
    Category = env["product.category"]
    waste = Category.create(
        {
            "name": "Waste services",
            "scope3_category_id": env.ref("scope3_carbon.scope3_category_05").id,
        }
    )
    travel = Category.create(
        {
            "name": "Business travel",
            "scope3_category_id": env.ref("scope3_carbon.scope3_category_06").id,
        }
    )
    electricity = _service(
        env,
        "Grid electricity",
        "scope3_carbon.uom_kwh",
        scope3_energy_factor_id=_desnz(env, "7_400_4000_5_1").id,
    )
    landfill = _service(
        env,
        "Commercial waste collection (landfill)",
        "uom.product_uom_ton",
        categ_id=waste.id,
        scope3_factor_id=_desnz(env, "20_507_5313_15_1").id,
    )
    hotel = _service(
        env,
        "Hotel night",
        "scope3_carbon.uom_room_night",
        categ_id=travel.id,
        scope3_factor_id=_desnz(env, "29_600_4000_13_1").id,
    )
    flight = _service(
        env,
        "Flight, short-haul economy",
        "scope3_carbon.uom_pkm",
        categ_id=travel.id,
        scope3_factor_id=_desnz(env, "21_316_3164_11_1").id,
    )
    Partner = env["res.partner"]
    utility = Partner.create({"name": "Bay Area Power & Light", "is_company": True})
    hauler = Partner.create({"name": "GreenCycle Waste Services", "is_company": True})
    agency = Partner.create({"name": "Skyway Business Travel", "is_company": True})
    bills = env["account.move"]
    for months in range(6, 0, -1):
        day = (today - relativedelta(months=months)).replace(day=28)
        for partner, lines in (
            (utility, [(electricity, 42000 + 1500 * months, 0.21)]),
            (hauler, [(landfill, 3.5, 180.0)]),
            (agency, [(hotel, 6, 160.0), (flight, 2400, 0.18)]),
        ):
            bills |= env["account.move"].create(
                {
                    "move_type": "in_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": day,
                    "date": day,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": qty,
                                "price_unit": price,
                                "tax_ids": False,
                            }
                        )
                        for product, qty, price in lines
                    ],
                }
            )
    bills.action_post()


def _sales(env, customers, today):
    """Industrial heaters sold to the customers: their use phase (category 11) and end of
    life (category 12) per unit sold, as the product's own factors state them."""
    heater = env["product.product"].create(
        {
            "name": "Industrial Heater 5 kW",
            "type": "consu",
            "list_price": 2400.0,
            "weight": 35.0,
            # 5 kW x 800 h a year x 10 years x 0.3 kg CO2e/kWh (the company's own estimate)
            "scope3_use_phase_kg": 12000.0,
            "scope3_end_of_life_kg": 2.5,
        }
    )
    invoices = env["account.move"]
    for customer, quantity, months in zip(customers, (4, 6), (2, 1), strict=True):
        day = (today - relativedelta(months=months)).replace(day=25)
        invoices |= env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": heater.id,
                            "quantity": quantity,
                            "price_unit": 2400.0,
                            "tax_ids": False,
                        }
                    )
                ],
            }
        )
    invoices.action_post()

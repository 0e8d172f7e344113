"""Screenshots of the Carbon app for the README (driven by scripts/screenshots.sh).

Talks to a running Odoo server (``--url``, database ``--db``, user admin) over JSON-RPC:

1. gives the demo database a year of purchasing history, once: market-based accounting, a
   supplier footprint accepted, then a few purchase orders per month over the last twelve
   months, confirmed as a buyer would, so that the overview has something to chart (the
   add-on's demo data holds three orders of this month);
2. waits until the attribution cron has processed every event;
3. drives headless Chromium through its DevTools protocol: the Carbon overview, a purchase
   order with its kg CO2e, an emission entry's calculation and the Emission Analysis
   pivot, saved as PNG;
4. prints the Scope 3 inventory of the last twelve months through Odoo's report route (a
   PDF made by wkhtmltopdf) and turns its first page into a PNG with pdftoppm;
5. installs French (Odoo's ``base.language.install``: the terms of every installed module)
   and takes the overview and the inventory's first page again, in French (``*_fr.png``);
   the admin user is given back its language.

Usage: python scripts/screenshots.py --url http://127.0.0.1:8179 --db scope3_screenshots \
           --out docs/screenshots [--chromium chromium]
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests
import websocket
from dateutil.relativedelta import relativedelta

#: (vendor, product, quantity, unit price) ordered each month: demo records of the add-on
HISTORY = [
    ("Acme Steel Works", "Steel Beam HEA 200 (per tonne)", (6, 9, 4, 11), 950.0),
    ("Granite Cement Co.", "Portland Cement (tonne)", (30, 22, 45, 18), 140.0),
    ("FastFreight Logistics", "Road Freight, Full Truckload (shipment)", (2, 1, 3, 2), 1800.0),
    ("Northwind Software", "Custom Software Development (hour)", (40, 60, 25, 80), 120.0),
]
HISTORY_REF = "README-HISTORY"
TIMEOUT = 120


class Odoo:
    def __init__(self, url, db, login="admin", password="admin"):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        result = self.rpc(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        if not result.get("uid"):
            sys.exit(f"screenshots: cannot log in to {db} as {login}")
        self.uid = result["uid"]
        self.session_id = self.session.cookies["session_id"]

    def rpc(self, path, params):
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            sys.exit(f"screenshots: {path}: {json.dumps(body['error'], indent=1)[:3000]}")
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        [row] = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        return row["res_id"]

    def one(self, model, domain):
        ids = self.call(model, "search", domain, limit=1)
        if not ids:
            sys.exit(f"screenshots: no {model} matching {domain}")
        return ids[0]


def add_history(odoo):
    """A year of confirmed purchase orders (once per database).

    Before them, the company turns to market-based accounting and Acme Steel Works' verified
    product footprint of its steel beams (PACT-style, 90 % primary data) is accepted, so
    that the history mixes supplier-specific (market-based) and spend-based figures.
    """
    if odoo.call("purchase.order", "search_count", [("partner_ref", "=", HISTORY_REF)]):
        print("screenshots: purchasing history already there")
        return
    today = date.today()
    [user] = odoo.call("res.users", "read", [odoo.uid], ["company_id"])
    odoo.call(
        "res.company", "write", [user["company_id"][0]], {"scope3_accounting_basis": "market"}
    )
    footprint_id = odoo.call(
        "scope3.supplier.footprint",
        "create",
        {
            "partner_id": odoo.one("res.partner", [("name", "=", "Acme Steel Works")]),
            "product_id": odoo.one(
                "product.product", [("name", "=", "Steel Beam HEA 200 (per tonne)")]
            ),
            "pcf_kg": 1.45,
            "declared_unit": "kilogram",
            "unitary_product_amount": 1000.0,  # a beam is one tonne
            "dqr": 1.5,
            "primary_data_share": 90.0,
            "verified": True,
            "valid_from": str(today.replace(day=1) - relativedelta(months=12)),
        },
    )
    odoo.call("scope3.supplier.footprint", "action_accept", [footprint_id])
    order_ids = []
    for months_ago in range(1, 12):
        first = today.replace(day=1) - relativedelta(months=months_ago)
        for index, (vendor, product, quantities, price) in enumerate(HISTORY):
            quantity = quantities[(months_ago + index) % len(quantities)]
            order_ids.append(
                odoo.call(
                    "purchase.order",
                    "create",
                    {
                        "partner_id": odoo.one("res.partner", [("name", "=", vendor)]),
                        "partner_ref": HISTORY_REF,
                        "date_order": f"{first + timedelta(days=3 + 5 * index)} 10:00:00",
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": odoo.one(
                                        "product.product", [("name", "=", product)]
                                    ),
                                    "product_qty": quantity,
                                    "price_unit": price,
                                },
                            )
                        ],
                    },
                )
            )
    odoo.call("purchase.order", "button_confirm", order_ids)
    print(f"screenshots: confirmed {len(order_ids)} purchase orders over the last 11 months")


def process_events(odoo):
    """Wait until the server's cron worker has processed every event.

    Confirming an order wakes the attribution cron (``_trigger``); the server started by
    scripts/screenshots.sh runs it in its cron threads.
    """
    deadline = time.time() + 5 * TIMEOUT
    while odoo.call("scope3.outbox.event", "search_count", [("state", "=", "pending")]):
        if time.time() > deadline:
            sys.exit("screenshots: events still pending; is the attribution cron running?")
        time.sleep(2)
    failed = odoo.call("scope3.outbox.event", "search_count", [("state", "=", "failed")])
    print(f"screenshots: every event processed ({failed} failed)")


class Chromium:
    """Just enough of the DevTools protocol: cookie, viewport, navigate, wait, capture."""

    def __init__(self, executable, width=1440, height=960):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="scope3-screenshots-")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while True:
            try:
                pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
                page = next(p for p in pages if p["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration):
                if time.time() > deadline:
                    self.close()
                    sys.exit(f"screenshots: {executable} did not start")
                time.sleep(0.3)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=TIMEOUT)
        self.next_id = 0
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    sys.exit(f"screenshots: {method}: {message['error']}")
                return message["result"]

    def open(self, url, session_id, selector, scroll_to=None):
        """Open ``url`` and wait for ``selector``; scroll ``scroll_to`` into view."""
        self.send("Network.enable")
        self.send("Network.setCookie", name="session_id", value=session_id, url=url)
        self.send("Page.navigate", url=url)
        deadline = time.time() + TIMEOUT
        expression = f"!!document.querySelector({json.dumps(selector)})"
        while not self.send("Runtime.evaluate", expression=expression)["result"].get("value"):
            if time.time() > deadline:
                sys.exit(f"screenshots: {selector} not found on {url}")
            time.sleep(0.3)
        if scroll_to:
            self.send(
                "Runtime.evaluate",
                expression=f"document.querySelector({json.dumps(scroll_to)})"
                ".scrollIntoView({block: 'center'})",
            )
        time.sleep(1.5)  # fonts, images and the last renders

    def capture(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        print(f"screenshots: {path}")

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)


def install_french(odoo):
    """French and the French terms of every installed module (once)."""
    [lang] = odoo.call(
        "res.lang",
        "search_read",
        [("code", "=", "fr_FR")],
        ["active"],
        context={"active_test": False},
    )
    wizard_id = odoo.call("base.language.install", "create", {"lang_ids": [(6, 0, [lang["id"]])]})
    odoo.call("base.language.install", "lang_install", [wizard_id])
    print("screenshots: French installed")


def print_report(odoo, out, lang="en_US", name="inventory_report_page1"):
    """The inventory of the last 12 months as a PDF in ``lang``, its first page as a PNG."""
    today = date.today()
    date_from = today.replace(day=1) - relativedelta(months=11)
    [user] = odoo.call("res.users", "read", [odoo.uid], ["company_id"])
    company_id = user["company_id"][0]
    wizard_id = odoo.call(
        "scope3.inventory.report.wizard",
        "create",
        {
            "company_id": company_id,
            "date_from": str(date_from),
            "date_to": str(today),
            "lang": lang,
        },
    )
    response = odoo.session.get(
        f"{odoo.url}/report/pdf/scope3_carbon.report_scope3_inventory/{wizard_id}",
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    if not response.content.startswith(b"%PDF"):
        sys.exit(
            "screenshots: the report route did not return a PDF (is wkhtmltopdf installed?): "
            + response.content[:200].decode(errors="replace")
        )
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "inventory.pdf"
        pdf.write_bytes(response.content)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "90",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(out / name),
            ],
            check=True,
        )
    print(f"screenshots: {out / name}.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    odoo = Odoo(args.url, args.db)
    # wkhtmltopdf fetches the report's assets from this server
    odoo.call("ir.config_parameter", "set_param", "report.url", odoo.url)
    add_history(odoo)
    process_events(odoo)

    # the add-on's demo order of cement and its freight, and its cement entry
    order_id = odoo.ref("scope3_carbon.purchase_order_cement_demo")
    entry_id = odoo.one(
        "scope3.emission.entry",
        [("purchase_order_id", "=", order_id), ("is_reversal", "=", False)],
    )
    dashboard = (
        f"{odoo.url}/odoo/action-scope3_carbon.scope3_dashboard_action",
        ".o_scope3_dashboard .o_scope3_months .o_scope3_column",
    )
    browser = Chromium(args.chromium)
    try:
        browser.open(dashboard[0], odoo.session_id, dashboard[1])
        browser.capture(args.out / "dashboard.png")
        browser.open(
            f"{odoo.url}/odoo/action-purchase.purchase_form_action/{order_id}",
            odoo.session_id,
            ".o_form_view .oe_stat_button .o_stat_value",
        )
        browser.capture(args.out / "purchase_order.png")
        browser.open(
            f"{odoo.url}/odoo/action-scope3_carbon.scope3_emission_entry_action/{entry_id}",
            odoo.session_id,
            ".o_form_view .o_scope3_calculation .o_scope3_calculation_step",
            scroll_to=".o_form_view .o_notebook",
        )
        browser.capture(args.out / "entry_calculation.png")
        browser.open(
            f"{odoo.url}/odoo/action-scope3_carbon.scope3_emission_entry_action_analysis",
            odoo.session_id,
            ".o_pivot table .o_pivot_measure_row",
        )
        browser.capture(args.out / "emission_analysis.png")
        print_report(odoo, args.out)
        # in French
        install_french(odoo)
        odoo.call("res.users", "write", [odoo.uid], {"lang": "fr_FR"})
        try:
            browser.open(dashboard[0], odoo.session_id, dashboard[1])
            browser.capture(args.out / "dashboard_fr.png")
            print_report(odoo, args.out, "fr_FR", "inventory_report_page1_fr")
        finally:
            odoo.call("res.users", "write", [odoo.uid], {"lang": "en_US"})
    finally:
        browser.close()


if __name__ == "__main__":
    main()
